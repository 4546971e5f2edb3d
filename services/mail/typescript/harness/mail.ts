// Managed by integration-harness: `copier update` rewrites this file.
/**
 * E-mail capture fixtures (MailDev): `smtpUrl`, `mailbox`.
 *
 * The code under test sends real SMTP to a capture server (`TEST_SMTP_URL`) that
 * delivers nothing; tests read what arrived through its API (`TEST_MAILDEV_URL`).
 *
 * Isolation: the capture server is shared by every worker and never emptied as
 * a whole. Each test sends to addresses of its own (`mailbox.address("ada")`),
 * reads only the messages for them, and deletes those after the test.
 */
import type { TestAPI } from "vitest";
import { uniqueTestName } from "./naming";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposableUrl, guardedUrl } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("mail");
export const SMTP_URL_VAR = SERVICE.alsoUrlVars[0];

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  await ensureDisposableUrl(SERVICE, url, settings.allowedHosts, ["http", "https", "smtp"]);
}

/** Ask the capture server's health endpoint; throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (error) {
    throw new NotReady(error instanceof Error ? `${error.message} (${String(error.cause ?? "")})` : String(error));
  }
  if (!response.ok) throw new Misconfigured(`HTTP ${response.status} from ${url}/healthz: is this MailDev?`);
  return SERVICE.title;
}

/** A message as MailDev's API gives it (the fields the examples use). */
export interface CapturedMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  time: string;
  from: Array<{ address: string; name: string }>;
  to: Array<{ address: string; name: string }>;
  envelope: { to: Array<{ address: string }> };
}

/** Addresses that only this test uses, and the captured messages sent to them. */
export class Mailbox {
  constructor(
    private readonly apiUrl: string,
    readonly tag: string,
  ) {}

  /** A recipient address unique to this test, e.g. `ada+test-w1-1a2b@example.com`. */
  address(name = "user", domain = "example.com"): string {
    return `${name}+${this.tag}@${domain}`;
  }

  /** Messages captured for this test's addresses (To, Cc or Bcc), oldest first. */
  async messages(): Promise<CapturedMail[]> {
    const response = await fetch(`${this.apiUrl}/email`);
    if (!response.ok) throw new Error(`MailDev /email: HTTP ${response.status}`);
    const marker = `+${this.tag}@`;
    return ((await response.json()) as CapturedMail[])
      .filter((mail) => mail.envelope.to.some((r) => r.address.toLowerCase().includes(marker)))
      .sort((a, b) => a.time.localeCompare(b.time));
  }

  /** At least `count` messages for this test, waiting up to `timeoutMs`; throws otherwise. */
  async waitFor(count = 1, timeoutMs = 5000): Promise<CapturedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.messages();
      if (found.length >= count) return found;
      if (Date.now() >= deadline) {
        throw new Error(`${found.length} of ${count} e-mails for *+${this.tag}@ arrived in ${timeoutMs / 1000}s`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  async deleteAll(): Promise<void> {
    for (const mail of await this.messages()) await fetch(`${this.apiUrl}/email/${mail.id}`, { method: "DELETE" });
  }
}

export interface MailFixtures {
  /** Worker: `smtp://host:port` of the capture server; give it to the code under test. */
  smtpUrl: string;
  /** Per test: unique recipient addresses and the messages captured for them, deleted after the test. */
  mailbox: Mailbox;
}

/** `test` with the e-mail capture fixtures. */
export function withMail<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<MailFixtures>({
    smtpUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SMTP_URL_VAR, guard)),
      { scope: "worker" },
    ],
    mailbox: async ({ harnessSettings }, use) => {
      const apiUrl = await guardedUrl(harnessSettings, SERVICE.urlVar, guard);
      const box = new Mailbox(apiUrl, uniqueTestName("mailbox", "mail", "-"));
      await use(box);
      await box.deleteAll();
    },
  });
}
