// Managed by integration-harness: `copier update` rewrites this file.
/**
 * The `TEST_*` settings, read in one place.
 *
 * Precedence, highest first: the process environment, `.env.test.local` (yours,
 * optional), `.env.test` (managed by the template). `${NAME}` in a value is
 * expanded with the same precedence. Only names starting with `TEST_` are read,
 * so a stray `DATABASE_URL` can never point the tests at a real database.
 * `TEST_ENV_FILE` names another base file instead of `.env.test`.
 *
 * `.env.test` is looked for only in the project root: the nearest folder at or
 * above this one that holds `.copier-answers.yml`, else the nearest holding
 * `.git`, else the folder two levels above `tests/integration`. A file of a
 * parent folder is never read. `.env.test.local` is read only next to the
 * `.env.test` used. As docker compose reads env files, an unquoted value ends
 * at ` #` (an inline comment). A `TEST_*` variable set but empty in the
 * environment stops the run: it would silently hide the file's value.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ENV_FILE_NAME = ".env.test";
export const LOCAL_ENV_FILE_NAME = ".env.test.local";
const DEFAULT_SERVICE_TIMEOUT = 10;
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A `TEST_*` setting the suite needs is set nowhere. */
export class MissingSetting extends Error {}

export class Settings {
  constructor(
    readonly values: Readonly<Record<string, string>>,
    readonly envFile: string | null,
  ) {}

  get(name: string): string | undefined {
    const value = this.values[name];
    return value === undefined || value === "" ? undefined : value;
  }

  /** The URL in setting `name`; throws `MissingSetting` naming the fix. */
  url(name: string): string {
    const value = this.get(name);
    if (value === undefined) {
      const where = this.envFile ?? `${ENV_FILE_NAME} (not found)`;
      throw new MissingSetting(
        `${name} is not set: set it in the environment or in ${where} ` +
          `(to restore the generated ${ENV_FILE_NAME}, see README, 'Restoring managed files').`,
      );
    }
    return value;
  }

  /** Extra hosts the safety guard accepts (`TEST_ALLOWED_HOSTS`, comma-separated). */
  get allowedHosts(): string[] {
    return (this.get("TEST_ALLOWED_HOSTS") ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean);
  }

  /** Seconds each service may take to answer (`TEST_SERVICE_TIMEOUT`). */
  get serviceTimeout(): number {
    const raw = this.get("TEST_SERVICE_TIMEOUT");
    if (raw === undefined) return DEFAULT_SERVICE_TIMEOUT;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds)) {
      throw new MissingSetting(`TEST_SERVICE_TIMEOUT must be a number of seconds, not ${raw}`);
    }
    return seconds;
  }
}

/** Parse `NAME=value` lines; `#` comments (also after an unquoted value, as ` #`), blank lines and quotes. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const body = line.startsWith("export ") ? line.slice(7) : line;
    const sep = body.indexOf("=");
    if (sep <= 0) throw new Error(`line ${index + 1}: expected NAME=value, got ${line}`);
    let value = body.slice(sep + 1).trim();
    const quoted = /^(["'])(.*?)\1(\s+#.*)?$/.exec(value);
    if (quoted) {
      value = quoted[2];
    } else {
      const comment = value.search(/\s#/);
      if (comment >= 0) value = value.slice(0, comment).trimEnd();
    }
    values[body.slice(0, sep).trim()] = value;
  });
  return values;
}

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * The project root: the nearest folder at or above `start` holding
 * `.copier-answers.yml`, else the nearest holding `.git`, else the folder two
 * levels above the integration folder (`start` is its `harness/` folder).
 * The same rule as `managed.ts`'s, kept apart on purpose: importing `managed.ts`
 * runs its check, which only the global setup should do.
 */
export function projectRoot(start = HARNESS_DIR): string {
  for (const marker of [".copier-answers.yml", ".git"]) {
    let folder = resolve(start);
    for (;;) {
      if (existsSync(join(folder, marker))) return folder;
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
  return resolve(start, "..", "..", "..");
}

/** `.env.test` of the project root (never of a folder above it), or `TEST_ENV_FILE`. */
export function findEnvFile(start = HARNESS_DIR): string | null {
  const explicit = process.env.TEST_ENV_FILE;
  if (explicit) return resolve(explicit);
  const candidate = join(projectRoot(start), ENV_FILE_NAME);
  return existsSync(candidate) ? candidate : null;
}

/** Throw naming the first `TEST_*` variable that is set but empty in `environ`. */
export function ensureNoEmptySettings(environ: Record<string, string | undefined> = process.env): void {
  for (const [name, value] of Object.entries(environ)) {
    if (name.startsWith("TEST_") && value !== undefined && value.trim() === "") {
      throw new MissingSetting(`${name} is set but empty in the environment: unset it or give it a value`);
    }
  }
}

/** Read the settings with the documented precedence and expand `${NAME}`. */
export function loadSettings(
  environ: Record<string, string | undefined> = process.env,
  envFile: string | null = findEnvFile(),
): Settings {
  ensureNoEmptySettings(environ);
  const merged: Record<string, string> = {};
  if (envFile !== null) {
    Object.assign(merged, parseEnvFile(readFileSync(envFile, "utf8")));
    const local = join(dirname(envFile), LOCAL_ENV_FILE_NAME);
    if (existsSync(local)) Object.assign(merged, parseEnvFile(readFileSync(local, "utf8")));
  }
  for (const [name, value] of Object.entries(environ)) {
    if (name.startsWith("TEST_") && value !== undefined) merged[name] = value;
  }
  const expand = (value: string, seen: string[]): string =>
    value.replace(REFERENCE, (_, name: string) => {
      if (seen.includes(name)) throw new Error(`${name} refers to itself`);
      return expand(merged[name] ?? "", [...seen, name]);
    });
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(merged)) {
    if (name.startsWith("TEST_")) resolved[name] = expand(value, [name]);
  }
  return new Settings(resolved, envFile);
}

/**
 * The fixture every harness module reads its settings from: read once per worker
 * (`fixtures.ts` defines it). Override it in your own `test.extend(...)` to give
 * the harness other settings, as `harness_settings` in Python's conftest.py.
 */
export interface SettingsFixtures {
  /** Worker: the resolved `TEST_*` settings (environment > .env.test.local > .env.test). */
  harnessSettings: Settings;
}
