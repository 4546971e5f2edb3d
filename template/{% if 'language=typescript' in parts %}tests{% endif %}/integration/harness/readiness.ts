// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Bounded readiness: wait for every service at once, then report or stop the run.
 *
 * Each service module has a `probe(url, timeoutSeconds)` that connects with the
 * real driver and returns a short description of the server. It throws
 * `NotReady` for what may pass (refused connection, server starting) and
 * `Misconfigured` for what will not (wrong password, unknown database); only
 * `NotReady` is retried, until the deadline. A probe that gets no answer at all
 * is cut off at the deadline too (`bounded`), so a server that accepts TCP and
 * never answers stops the run within `TEST_SERVICE_TIMEOUT`.
 *
 * During the run, a service that stops answering is recorded once
 * (`markStopped`); later tests that need it are skipped at once instead of each
 * waiting for it, so the run ends within the bound with one message naming it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { redact } from "./safety";

const RETRY_INTERVAL_MS = 250;

/** The service does not answer yet; worth another try. */
export class NotReady extends Error {}

/** The service answers but refuses us; retrying will not help. */
export class Misconfigured extends Error {}

export interface Readiness {
  title: string;
  url: string;
  milliseconds: number;
  server?: string;
  problem?: string;
}

export type Probe = (url: string, timeoutSeconds: number) => Promise<string>;

/** A service gave no answer within the time allowed. */
export class NoAnswer extends Error {}

/**
 * `work`, or `NoAnswer` after `seconds` (then `abandon` closes what `work` holds).
 * The message names `what` and the time allowed.
 */
export async function bounded<T>(
  work: Promise<T>,
  seconds: number,
  what: string,
  abandon?: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon?.();
      reject(new NoAnswer(`${what}: no answer within ${seconds}s`));
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined); // an abandoned operation may still fail later
  }
}

/** Environment variable naming the folder where this run records stopped services. */
export const RUN_DIR_VAR = "INTEGRATION_HARNESS_RUN_DIR";

function markerFile(title: string): string | undefined {
  const folder = process.env[RUN_DIR_VAR];
  return folder ? join(folder, `stopped-${title.replace(/[^A-Za-z0-9]+/g, "-")}`) : undefined;
}

/** Record for every worker of this run that `title` stopped answering, and why. */
export function markStopped(title: string, message: string): void {
  const file = markerFile(title);
  if (file === undefined) return;
  mkdirSync(join(file, ".."), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, redact(message));
}

/** Why `title` stopped answering earlier in this run, or undefined if it did not. */
export function stoppedReason(title: string): string | undefined {
  const file = markerFile(title);
  return file !== undefined && existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** Probe `url` until it answers or `timeoutSeconds` have passed. */
export async function waitFor(title: string, url: string, probe: Probe, timeoutSeconds: number): Promise<Readiness> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  for (;;) {
    const remaining = Math.max((deadline - Date.now()) / 1000, 0.1);
    try {
      const seconds = Math.min(remaining, 5);
      const server = await bounded(probe(url, seconds), seconds + 0.5, title);
      return { title, url: redact(url), milliseconds: Date.now() - started, server };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof NotReady || error instanceof NoAnswer)) {
        return { title, url: redact(url), milliseconds: Date.now() - started, problem: redact(message) };
      }
      if (Date.now() + RETRY_INTERVAL_MS >= deadline) {
        return {
          title,
          url: redact(url),
          milliseconds: Date.now() - started,
          problem: redact(`no answer within ${timeoutSeconds}s (${message})`),
        };
      }
      await new Promise((done) => setTimeout(done, RETRY_INTERVAL_MS));
    }
  }
}
