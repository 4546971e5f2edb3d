// Example tests: how the harness reads its TEST_* settings (keep or delete).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ensureDisposable, UnsafeTarget } from "./harness/safety";
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

test("remote host is refused unless allowed", () => {
  expect(() => ensureDisposable("Service", "url", ["db.example.com"], [])).toThrow(UnsafeTarget);
  expect(() => ensureDisposable("Service", "url", ["db.example.com"], [])).toThrow(
    "TEST_ALLOWED_HOSTS=db.example.com",
  );

  ensureDisposable("Service", "url", ["db.example.com"], ["db.example.com"]);
});
