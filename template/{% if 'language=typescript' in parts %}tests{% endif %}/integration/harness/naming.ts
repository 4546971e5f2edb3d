// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Naming helpers: the worker a test runs in and names no other test or worker uses.
 *
 * Every resource a factory fixture creates on a shared server (queue, topic,
 * bucket, stream, path prefix, mailbox) is named by `uniqueTestName`:
 * `test<sep>w<worker><sep><purpose><sep><stamp><random>`. The stamp tells a later
 * run how old a leftover is, so a killed run's leftovers can be swept
 * (`isLeftoverTestName`) without touching a run in progress.
 */

/** The Vitest worker's number (1, 2, ...): each worker has databases of its own. */
export function workerId(): string {
  return process.env.VITEST_POOL_ID ?? "1";
}

/**
 * `test<sep>w<worker><sep><purpose><sep><stamp><random>`: a name no other test or
 * worker uses. `stamp` is the creation time in unix seconds as 7 base-36 digits
 * and `random` 6 hex digits, so a leftover of a killed run shows its age.
 */
export function uniqueTestName(factory: string, purpose: string, separator: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(purpose)) {
    throw new Error(`${factory} purpose ${JSON.stringify(purpose)}: use lowercase letters, digits, - or _`);
  }
  const stamp = Math.floor(Date.now() / 1000).toString(36).padStart(7, "0");
  const random = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, "0");
  return ["test", `w${workerId()}`, purpose, `${stamp}${random}`].join(separator);
}

/** Resources older than this (seconds) with a `uniqueTestName` name are a killed run's leftovers. */
export const LEFTOVER_AGE_SECONDS = 3600; // longer than any run

/**
 * True for a name `uniqueTestName` made with `separator` more than an hour ago:
 * what a killed run left. Names of a run in progress, or of anything else, are false.
 */
export function isLeftoverTestName(name: string, separator: string, nowSeconds = Date.now() / 1000): boolean {
  const sep = separator.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const shape = new RegExp(`^test${sep}w\\d+${sep}[a-z0-9_-]+${sep}([0-9a-z]{7})[0-9a-f]{6}$`);
  const stamp = shape.exec(name)?.[1];
  return stamp !== undefined && parseInt(stamp, 36) < nowSeconds - LEFTOVER_AGE_SECONDS;
}
