// Managed by integration-harness: `copier update` rewrites this file.
/**
 * The safety guard: never clean data on anything that does not look like a test service.
 *
 * A target passes only when every host it would reach is loopback (127.0.0.0/8,
 * ::1, `localhost`), a compose service name of this project, or listed in
 * `TEST_ALLOWED_HOSTS`; and, for SQL, when its database name contains `test`.
 */
import { isIP } from "node:net";
import { COMPOSE_HOSTS } from "./services";

/** A service URL the harness refuses to clean. */
export class UnsafeTarget extends Error {}

/** True for loopback addresses, `localhost`, compose service names and allowed hosts. */
export function isDisposableHost(host: string, allowedHosts: readonly string[] = []): boolean {
  const name = host.trim().replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (!name) return false;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (COMPOSE_HOSTS.has(name) || allowedHosts.map((h) => h.toLowerCase()).includes(name)) return true;
  const address = name.split("%")[0];
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return /^(0*:)*:?0*1$/.test(address) || address === "::1";
  return false;
}

/** Throw `UnsafeTarget` unless every host and the database name look like a test service. */
export function ensureDisposable(
  title: string,
  displayUrl: string,
  hosts: readonly string[],
  allowedHosts: readonly string[],
  database?: string,
): void {
  if (hosts.length === 0) {
    throw new UnsafeTarget(`Refusing to clean ${title} at ${displayUrl}: the URL names no host.`);
  }
  for (const host of hosts) {
    if (!isDisposableHost(host, allowedHosts)) {
      throw new UnsafeTarget(
        `Refusing to clean ${title} at ${displayUrl}: host '${host}' is not loopback, ` +
          `a compose service or listed in TEST_ALLOWED_HOSTS. If it really is a ` +
          `disposable test service, add it: TEST_ALLOWED_HOSTS=${host}`,
      );
    }
  }
  if (database !== undefined && !database.toLowerCase().includes("test")) {
    throw new UnsafeTarget(
      `Refusing to clean ${title} at ${displayUrl}: database '${database}' does not ` +
        `contain 'test'. Point the URL at a dedicated test database (e.g. ${database}_test).`,
    );
  }
}

/** The URL with its password replaced by `***`. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = "***";
    return parsed.toString().replace("%2A%2A%2A", "***");
  } catch {
    return url;
  }
}
