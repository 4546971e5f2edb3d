// Example tests: how the harness reads its TEST_* settings (keep or delete).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ensureDisposable, isTestDatabase, UnsafeTarget } from "./harness/safety";
import { ENV_FILE_NAME, LOCAL_ENV_FILE_NAME, loadSettings } from "./harness/settings";

function envFile(text: string, local?: string): string {
  const folder = mkdtempSync(join(tmpdir(), "settings-"));
  writeFileSync(join(folder, ENV_FILE_NAME), text);
  if (local !== undefined) writeFileSync(join(folder, LOCAL_ENV_FILE_NAME), local);
  return join(folder, ENV_FILE_NAME);
}

test("environment wins over the env file", () => {
  const file = envFile("TEST_PORT=1\nTEST_URL=scheme://127.0.0.1:${TEST_PORT}/x\n");

  expect(loadSettings({ TEST_PORT: "2" }, file).url("TEST_URL")).toBe("scheme://127.0.0.1:2/x");
});

test("local file wins over the env file", () => {
  const file = envFile("TEST_URL=from-base\n", "TEST_URL=from-local\n");

  expect(loadSettings({}, file).url("TEST_URL")).toBe("from-local");
});

test("names without the TEST_ prefix are ignored", () => {
  const settings = loadSettings({ DATABASE_URL: "postgresql://prod/app" }, envFile(""));

  expect(settings.get("DATABASE_URL")).toBeUndefined();
});

test("a missing setting names the fix", () => {
  expect(() => loadSettings({}, envFile("")).url("TEST_NOPE_URL")).toThrow(/TEST_NOPE_URL is not set/);
});

test("an inline comment ends an unquoted value", () => {
  const file = envFile('TEST_URL=scheme://127.0.0.1/x # the local one\nTEST_NAME="a # b" # quoted\n');

  expect(loadSettings({}, file).url("TEST_URL")).toBe("scheme://127.0.0.1/x");
  expect(loadSettings({}, file).get("TEST_NAME")).toBe("a # b");
});

test("a setting set but empty in the environment stops the run", () => {
  expect(() => loadSettings({ TEST_URL: "" }, envFile("TEST_URL=x\n"))).toThrow(
    "TEST_URL is set but empty in the environment: unset it or give it a value",
  );
});

test("remote host is refused unless allowed", async () => {
  await expect(ensureDisposable("Service", "url", ["db.example.com"], [])).rejects.toThrow(UnsafeTarget);
  await expect(ensureDisposable("Service", "url", ["db.example.com"], [])).rejects.toThrow(
    "TEST_ALLOWED_HOSTS=db.example.com",
  );

  await ensureDisposable("Service", "url", ["db.example.com"], ["db.example.com"]);
});

test("'test' must be a whole word of a database name", () => {
  for (const name of ["app_test", "test_app", "app-test-2", "app_tests", "test2"]) {
    expect(isTestDatabase(name)).toBe(true);
  }
  for (const name of ["latest_orders", "contest", "apptest", "attestation", "app"]) {
    expect(isTestDatabase(name)).toBe(false);
  }
});
