// Managed by integration-harness: `copier update` rewrites this file.
/**
 * The safety guard: never clean data on anything that does not look like a test service.
 *
 * A target passes only when every host it would reach is a loopback address
 * (127.0.0.0/8, ::1), a compose service name of this project, listed in
 * `TEST_ALLOWED_HOSTS`, or `localhost` / a name ending in `.localhost` that
 * resolves to loopback addresses only; and, for SQL, when "test" is a whole word
 * of its database name (`app_test`, `test_app`, `app-test-2`; not
 * `latest_orders` or `contest`). Hosts are taken from the driver's own reading
 * of the URL, so odd escaping or query parameters cannot hide a remote host.
 *
 * `redact` is the one place credentials are hidden: every message, report
 * header and log line of the harness goes through it.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { COMPOSE_HOSTS, SECRET_PATTERNS, type Service } from "./services";
import type { Settings } from "./settings";

const TEST_WORD = /(^|[^a-z])tests?([^a-z]|$)/;
const SECRET_NAMES =
  "password|pass|pwd|passwd|sslpassword|secret|token|api_key|apikey|key|access_key|" +
  "secret_key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token";
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*(?=@)/gi;
const QUERY_SECRET = new RegExp(`([?&;](?:${SECRET_NAMES})=)[^&#\\s]*`, "gi");
const KEYWORD_PASSWORD = /(\b(?:password|sslpassword)\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s']\S*)/gi;

/** A service URL the harness refuses to clean. */
export class UnsafeTarget extends Error {}

/**
 * `text` with every credential shown as `***`: URL passwords (`user:***@`), query
 * parameters such as `password`, `token`, `key` or `X-Amz-Signature`, libpq
 * keyword passwords (`password=***`) and the credentials of a service's own form
 * that the catalogue names (`SECRET_PATTERNS`, e.g. API keys `sk_test_...`).
 */
export function redact(text: string): string {
  return SECRET_PATTERNS.reduce(
    (hidden, pattern) => hidden.replace(pattern, "***"),
    text.replace(URL_PASSWORD, "$1***").replace(QUERY_SECRET, "$1***").replace(KEYWORD_PASSWORD, "$1***"),
  );
}

/** True when "test" (or "tests") is a whole word of `name`: app_test, test_app, app-test-2. */
export function isTestDatabase(name: string): boolean {
  return TEST_WORD.test(name.toLowerCase());
}

function isLoopbackAddress(address: string): boolean {
  const bare = address.split("%")[0].toLowerCase();
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    if (mapped) return mapped[1].startsWith("127.");
    return /^(0{0,4}:){2,7}0{0,3}1$/.test(bare) || bare === "::1";
  }
  return false;
}

async function resolvesToLoopbackOnly(name: string): Promise<boolean> {
  try {
    const addresses = await lookup(name, { all: true });
    return addresses.length > 0 && addresses.every(({ address }) => isLoopbackAddress(address));
  } catch {
    return false; // a name that does not resolve is refused
  }
}

/**
 * True for loopback addresses, compose service names, allowed hosts and local names.
 *
 * `localhost` and names ending in `.localhost` pass only when every address they
 * resolve to is loopback; no other DNS name passes, whatever it resolves to. A
 * unix socket path (`/run/...`) is on this machine and passes.
 */
export async function isDisposableHost(host: string, allowedHosts: readonly string[] = []): Promise<boolean> {
  const name = host.trim().replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (!name) return false;
  if (name.startsWith("/")) return true;
  if (COMPOSE_HOSTS.has(name) || allowedHosts.map((h) => h.toLowerCase()).includes(name)) return true;
  if (isIP(name.split("%")[0])) return isLoopbackAddress(name);
  if (name === "localhost" || name.endsWith(".localhost")) return resolvesToLoopbackOnly(name);
  return false;
}

/**
 * Throw `UnsafeTarget` unless every host and the database name look like a test service.
 *
 * `displayUrl` is redacted here; pass `database: ""` for a SQL URL that names no database.
 */
export async function ensureDisposable(
  title: string,
  displayUrl: string,
  hosts: readonly string[],
  allowedHosts: readonly string[],
  database?: string,
): Promise<void> {
  const shown = redact(displayUrl);
  if (hosts.length === 0) {
    throw new UnsafeTarget(`Refusing to clean ${title} at ${shown}: the URL names no host.`);
  }
  for (const host of hosts) {
    if (!(await isDisposableHost(host, allowedHosts))) {
      throw new UnsafeTarget(
        `Refusing to clean ${title} at ${shown}: host '${host}' is not loopback, ` +
          `a compose service or listed in TEST_ALLOWED_HOSTS. If it really is a ` +
          `disposable test service, add it: TEST_ALLOWED_HOSTS=${host}`,
      );
    }
  }
  if (database !== undefined) ensureTestDatabase(title, shown, database);
}

/** Throw `UnsafeTarget` unless `database` is named like a test database (see `isTestDatabase`). */
export function ensureTestDatabase(title: string, displayUrl: string, database: string): void {
  const shown = redact(displayUrl);
  if (!database) {
    throw new UnsafeTarget(
      `Refusing to clean ${title} at ${shown}: the URL names no database. ` +
        `Name a dedicated test database (e.g. app_test).`,
    );
  }
  if (!isTestDatabase(database)) {
    throw new UnsafeTarget(
      `Refusing to clean ${title} at ${shown}: database '${database}' is not a test database: ` +
        `'test' must be a whole word of its name (app_test, test_app, app-test-2). ` +
        `Point the URL at a dedicated test database (e.g. ${database}_test).`,
    );
  }
}

/**
 * The guard of a service reached by one URL (an HTTP API, an SMTP server): throw
 * naming the service's settings unless `url`'s scheme is one of `schemes`, then
 * `UnsafeTarget` unless its host is disposable.
 */
export async function ensureDisposableUrl(
  service: Service,
  url: string,
  allowedHosts: readonly string[],
  schemes: readonly string[] = ["http", "https"],
): Promise<void> {
  const parsed = new URL(url);
  if (!schemes.includes(parsed.protocol.replace(/:$/, ""))) {
    const names = [service.urlVar, ...service.alsoUrlVars].join(" / ");
    const wanted = schemes.map((scheme) => `${scheme}://`).join(" or ");
    throw new Error(`${names} must start with ${wanted}, not ${redact(url)}`);
  }
  await ensureDisposable(service.title, url, [decodeURIComponent(parsed.hostname)], allowedHosts);
}

/**
 * The URL in setting `name`, once the service module's `guard` accepted it: what every
 * worker fixture of a service starts with. `Settings.url` throws `MissingSetting`
 * naming the fix, `guard` throws `UnsafeTarget` (or an Error for a URL of the wrong form).
 */
export async function guardedUrl(
  settings: Settings,
  name: string,
  guard: (url: string, settings: Settings) => Promise<void>,
): Promise<string> {
  const url = settings.url(name);
  await guard(url, settings);
  return url;
}
