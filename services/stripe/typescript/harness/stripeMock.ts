// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Stripe API mock fixtures (stripe-mock): `stripeApiUrl`, `stripeClient`.
 *
 * stripe-mock answers every Stripe API call from Stripe's own OpenAPI fixtures and
 * refuses requests its schema does not allow. It keeps no state and never
 * declines a card: test declines with an in-process HTTP client instead (see the
 * example). Isolation: nothing to clean. The client always uses a fixed test
 * key, never yours.
 */
import Stripe from "stripe";
import type { TestAPI } from "vitest";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposableUrl, guardedUrl } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("stripeMock");
export const TEST_API_KEY = "sk_test_integrationharness";

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  await ensureDisposableUrl(SERVICE, url, settings.allowedHosts);
}

/** List charges with the test key; throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/v1/charges`, {
      headers: { Authorization: `Bearer ${TEST_API_KEY}` },
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
  } catch (error) {
    throw new NotReady(error instanceof Error ? `${error.message} (${String(error.cause ?? "")})` : String(error));
  }
  if (!response.ok) throw new Misconfigured(`HTTP ${response.status} from ${url}/v1/charges: is this stripe-mock?`);
  return `${SERVICE.title} ${response.headers.get("stripe-mock-version") ?? ""}`.trim();
}

/** A Stripe client on `apiUrl` with the test key and no retries (`fetch` for in-process tests). */
export function makeStripeClient(apiUrl: string, fetchFn: typeof fetch = fetch): Stripe {
  const url = new URL(apiUrl);
  return new Stripe(TEST_API_KEY, {
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    protocol: url.protocol === "https:" ? "https" : "http",
    maxNetworkRetries: 0,
    httpClient: Stripe.createFetchHttpClient(fetchFn),
  });
}

export interface StripeMockFixtures {
  /** Worker: URL of a ready stripe-mock (`TEST_STRIPE_URL`). */
  stripeApiUrl: string;
  /** Worker: a Stripe client (test key, no retries) whose requests go to stripe-mock. */
  stripeClient: Stripe;
}

/** `test` with the stripe-mock fixtures. */
export function withStripeMock<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<StripeMockFixtures>({
    stripeApiUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    stripeClient: [async ({ stripeApiUrl }, use) => use(makeStripeClient(stripeApiUrl)), { scope: "worker" }],
  });
}
