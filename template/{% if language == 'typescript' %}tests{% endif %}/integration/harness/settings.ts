// Managed by integration-harness: `copier update` rewrites this file.
/**
 * The `TEST_*` settings, read in one place.
 *
 * Precedence, highest first: the process environment, `.env.test.local` (yours,
 * optional), `.env.test` (managed by the template). `${NAME}` in a value is
 * expanded with the same precedence. Only names starting with `TEST_` are read,
 * so a stray `DATABASE_URL` can never point the tests at a real database.
 * `TEST_ENV_FILE` names another base file instead of `.env.test`.
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

/** Parse `NAME=value` lines; `#` comments, blank lines and quotes are allowed. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const body = line.startsWith("export ") ? line.slice(7) : line;
    const sep = body.indexOf("=");
    if (sep <= 0) throw new Error(`line ${index + 1}: expected NAME=value, got ${line}`);
    let value = body.slice(sep + 1).trim();
    if (value.length >= 2 && value[0] === value.at(-1) && (value[0] === "'" || value[0] === '"')) {
      value = value.slice(1, -1);
    }
    values[body.slice(0, sep).trim()] = value;
  });
  return values;
}

/** The nearest `.env.test` at or above `start` (default: this folder). */
export function findEnvFile(start = dirname(fileURLToPath(import.meta.url))): string | null {
  const explicit = process.env.TEST_ENV_FILE;
  if (explicit) return explicit;
  let folder = resolve(start);
  for (;;) {
    const candidate = join(folder, ENV_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) return null;
    folder = parent;
  }
}

/** Read the settings with the documented precedence and expand `${NAME}`. */
export function loadSettings(
  environ: Record<string, string | undefined> = process.env,
  envFile: string | null = findEnvFile(),
): Settings {
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

/** The Vitest worker's number (1, 2, ...): each worker has databases of its own. */
export function workerId(): string {
  return process.env.VITEST_POOL_ID ?? "1";
}

/** `test<sep>w<worker><sep><purpose><sep><random>`: a name no other test or worker uses. */
export function uniqueTestName(factory: string, purpose: string, separator: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(purpose)) {
    throw new Error(`${factory} purpose ${JSON.stringify(purpose)}: use lowercase letters, digits, - or _`);
  }
  const random = Math.random().toString(16).slice(2, 14).padEnd(12, "0");
  return ["test", `w${workerId()}`, purpose, random].join(separator);
}
