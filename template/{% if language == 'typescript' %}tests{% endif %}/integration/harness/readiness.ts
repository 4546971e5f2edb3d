// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Bounded readiness: wait for every service at once, then report or stop the run.
 *
 * Each service module has a `probe(url, timeoutSeconds)` that connects with the
 * real driver and returns a short description of the server. It throws
 * `NotReady` for what may pass (refused connection, server starting) and
 * `Misconfigured` for what will not (wrong password, unknown database); only
 * `NotReady` is retried, until the deadline.
 */
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

/** Probe `url` until it answers or `timeoutSeconds` have passed. */
export async function waitFor(title: string, url: string, probe: Probe, timeoutSeconds: number): Promise<Readiness> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  for (;;) {
    const remaining = Math.max((deadline - Date.now()) / 1000, 0.1);
    try {
      const server = await probe(url, Math.min(remaining, 5));
      return { title, url: redact(url), milliseconds: Date.now() - started, server };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof NotReady)) {
        return { title, url: redact(url), milliseconds: Date.now() - started, problem: message };
      }
      if (Date.now() + RETRY_INTERVAL_MS >= deadline) {
        return {
          title,
          url: redact(url),
          milliseconds: Date.now() - started,
          problem: `no answer within ${timeoutSeconds}s (${message})`,
        };
      }
      await new Promise((done) => setTimeout(done, RETRY_INTERVAL_MS));
    }
  }
}
