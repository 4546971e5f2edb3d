// Managed by integration-harness: `copier update` rewrites this file.
/**
 * E-mail capture fixtures (Mailpit): `smtpUrl`, `mailbox`.
 *
 * The code under test sends real SMTP to a capture server (`TEST_SMTP_URL`) that
 * delivers nothing; tests read what arrived through its REST API (`TEST_MAILPIT_URL`):
 * a search for the test's addresses, then each message.
 *
 * Isolation: the capture server is shared by every worker and never emptied as
 * a whole. Each test sends to addresses of its own (`mailbox.address("ada")`),
 * reads only the messages for them, and deletes those after the test by their IDs
 * (Mailpit deletes every message when asked to delete none: never done here).
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
/** The settings of the MailDev this replaced (integration-harness 0.4.0 and before). */
export const RENAMED: Record<string, string> = {
  TEST_MAILDEV_URL: SERVICE.urlVar,
  TEST_MAILDEV_PORT: "TEST_MAILPIT_PORT",
};

/**
 * Refuse `url` unless its host is a disposable test service (see `safety`). A setting
 * of the MailDev this replaced stops the run naming its new name, rather than being
 * silently ignored.
 */
export async function guard(url: string, settings: Settings): Promise<void> {
  for (const [old, renamed] of Object.entries(RENAMED)) {
    if (settings.get(old)) {
      throw new Error(
        `${old} is set, but e-mail capture is Mailpit now: rename it ${renamed} (in .env.test.local or the environment)`,
      );
    }
  }
  await ensureDisposableUrl(SERVICE, url, settings.allowedHosts, ["http", "https", "smtp"]);
}

/** Ask the capture server's readiness endpoint; throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  const readyz = `${url.replace(/\/+$/, "")}/readyz`;
  let response: Response;
  try {
    response = await fetch(readyz, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (error) {
    throw new NotReady(error instanceof Error ? `${error.message} (${String(error.cause ?? "")})` : String(error));
  }
  if (!response.ok) throw new Misconfigured(`HTTP ${response.status} from ${readyz}: is this Mailpit?`);
  return SERVICE.title;
}

/** A sender or recipient. */
export interface MailAddress {
  address: string;
  name: string;
}

/**
 * A captured message: the fields MailDev gave (so tests written for it keep working),
 * and `mailpit`, Mailpit's own JSON of the message.
 */
export interface CapturedMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  time: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  attachments: unknown[];
  /** Every recipient (To, Cc and Bcc). */
  envelope: { to: MailAddress[] };
  mailpit: Record<string, unknown>;
}

interface MailpitAddress {
  Name: string;
  Address: string;
}

interface MailpitSummary {
  ID: string;
  Created: string;
  To: MailpitAddress[] | null;
  Cc: MailpitAddress[] | null;
  Bcc: MailpitAddress[] | null;
}

function addresses(value: MailpitAddress | MailpitAddress[] | null | undefined): MailAddress[] {
  const items = Array.isArray(value) ? value : value ? [value] : [];
  return items.map((a) => ({ address: a.Address, name: a.Name }));
}

/** Addresses that only this test uses, and the captured messages sent to them. */
export class Mailbox {
  private readonly apiUrl: string;

  constructor(
    apiUrl: string,
    readonly tag: string,
  ) {
    this.apiUrl = apiUrl.replace(/\/+$/, "");
  }

  /** A recipient address unique to this test, e.g. `ada+test-w1-1a2b@example.com`. */
  address(name = "user", domain = "example.com"): string {
    return `${name}+${this.tag}@${domain}`;
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${SERVICE.title}: HTTP ${response.status} from ${method} ${path}`);
    return response;
  }

  /** Mailpit's summaries of this test's messages (To, Cc or Bcc), oldest first. */
  private async summaries(): Promise<MailpitSummary[]> {
    const marker = `+${this.tag}@`.toLowerCase();
    const query = new URLSearchParams({ query: marker, limit: "1000" });
    const found = (await (await this.call("GET", `/api/v1/search?${query}`)).json()) as {
      messages: MailpitSummary[];
    };
    return found.messages
      .filter((summary) =>
        [summary.To, summary.Cc, summary.Bcc].some((list) =>
          (list ?? []).some((r) => r.Address.toLowerCase().includes(marker)),
        ),
      )
      .reverse(); // Mailpit lists the newest first
  }

  private async read(summary: MailpitSummary): Promise<CapturedMail> {
    const full = (await (await this.call("GET", `/api/v1/message/${encodeURIComponent(summary.ID)}`)).json()) as Record<
      string,
      unknown
    >;
    const to = addresses(full.To as MailpitAddress[] | null);
    const cc = addresses(full.Cc as MailpitAddress[] | null);
    const bcc = addresses(full.Bcc as MailpitAddress[] | null);
    return {
      id: String(full.ID),
      subject: String(full.Subject ?? ""),
      text: String(full.Text ?? ""),
      html: String(full.HTML ?? ""),
      time: summary.Created,
      from: addresses(full.From as MailpitAddress | null),
      to,
      cc,
      bcc,
      attachments: (full.Attachments as unknown[] | null) ?? [],
      envelope: { to: [...to, ...cc, ...bcc] },
      mailpit: full,
    };
  }

  /** Messages captured for this test's addresses (To, Cc or Bcc), oldest first. */
  async messages(): Promise<CapturedMail[]> {
    return Promise.all((await this.summaries()).map((summary) => this.read(summary)));
  }

  /** At least `count` messages for this test, waiting up to `timeoutMs`; throws otherwise. */
  async waitFor(count = 1, timeoutMs = 5000): Promise<CapturedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await this.summaries();
      if (found.length >= count) return Promise.all(found.map((summary) => this.read(summary)));
      if (Date.now() >= deadline) {
        throw new Error(`${found.length} of ${count} e-mails for *+${this.tag}@ arrived in ${timeoutMs / 1000}s`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Delete this test's messages by their IDs (never an empty list: that is all of them). */
  async deleteAll(): Promise<void> {
    const ids = (await this.summaries()).map((summary) => summary.ID);
    if (ids.length > 0) await this.call("DELETE", "/api/v1/messages", { IDs: ids });
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
