// Managed by integration-harness: `copier update` rewrites this file.
/**
 * HTTP API mock fixtures (WireMock): `httpMockUrl`, `httpMock`.
 *
 * The code under test makes real HTTP requests to a real WireMock server, which
 * answers with the stubs a test sets up and records what it received.
 *
 * Isolation: WireMock is one server shared by every worker, so nothing is ever
 * reset globally. Each test gets a path prefix of its own (`/test-w<N>-<random>`,
 * in `httpMock.baseUrl`); after the test its stubs, scenarios and recorded
 * requests are removed.
 */
import type { TestAPI } from "vitest";
import { uniqueTestName } from "./naming";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposableUrl, guardedUrl } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("httpMock");

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  await ensureDisposableUrl(SERVICE, url, settings.allowedHosts);
}

/** Ask WireMock's health endpoint; throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/__admin/health`, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (error) {
    throw new NotReady(error instanceof Error ? `${error.message} (${String(error.cause ?? "")})` : String(error));
  }
  if (!response.ok) throw new Misconfigured(`HTTP ${response.status} from ${url}/__admin/health: is this WireMock?`);
  const { version = "" } = (await response.json()) as { version?: string };
  return `${SERVICE.title} ${version}`.trim();
}

export interface StubResponse {
  status?: number;
  jsonBody?: unknown;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  loggedDate: number;
}

/** Stubs and recorded requests of one test, under its own path prefix. */
export class HttpMock {
  readonly prefix: string;
  readonly baseUrl: string;

  constructor(
    private readonly serverUrl: string,
    readonly testId: string,
  ) {
    this.prefix = `/${testId}`;
    this.baseUrl = `${serverUrl}${this.prefix}`;
  }

  private async admin(path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${this.serverUrl}/__admin${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`WireMock ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json().catch(() => ({}));
  }

  private response({ status = 200, jsonBody, body, headers = {}, delayMs }: StubResponse) {
    const response: Record<string, unknown> = { status, headers: { ...headers } };
    if (jsonBody !== undefined) {
      response.body = JSON.stringify(jsonBody);
      (response.headers as Record<string, string>)["Content-Type"] ??= "application/json";
    } else if (body !== undefined) {
      response.body = body;
    }
    if (delayMs !== undefined) response.fixedDelayMilliseconds = delayMs;
    return response;
  }

  private async add(method: string, path: string, response: StubResponse, query?: Record<string, string>, extra = {}) {
    const request: Record<string, unknown> = { method, urlPath: `${this.prefix}${path}` };
    if (query) {
      request.queryParameters = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, { equalTo: v }]));
    }
    await this.admin("/mappings", {
      request,
      response: this.response(response),
      metadata: { integration_harness: this.testId },
      ...extra,
    });
  }

  /** Answer `method path` (under `baseUrl`) with this response, every time. */
  async stub(method: string, path: string, response: StubResponse = {}, query?: Record<string, string>): Promise<void> {
    await this.add(method, path, response, query);
  }

  /** Answer successive calls with `responses` in order; the last one repeats. */
  async stubSequence(method: string, path: string, responses: StubResponse[]): Promise<void> {
    const scenarioName = `${this.testId} ${method} ${path}`;
    for (const [index, response] of responses.entries()) {
      const last = index === responses.length - 1;
      await this.add(method, path, response, undefined, {
        scenarioName,
        requiredScenarioState: index === 0 ? "Started" : `step-${index}`,
        ...(last ? {} : { newScenarioState: `step-${index + 1}` }),
      });
    }
  }

  /** Requests WireMock received under `baseUrl` (`path` below it), oldest first. */
  async requests(method?: string, path?: string): Promise<RecordedRequest[]> {
    const pattern: Record<string, string> =
      path === undefined ? { urlPathPattern: `${this.prefix}/.*` } : { urlPath: `${this.prefix}${path}` };
    if (method) pattern.method = method;
    const { requests } = (await this.admin("/requests/find", pattern)) as { requests: RecordedRequest[] };
    return requests.sort((a, b) => a.loggedDate - b.loggedDate);
  }

  /** Delete this test's stubs (and so its scenarios) and its recorded requests. */
  async removeAll(): Promise<void> {
    await this.admin("/mappings/remove-by-metadata", {
      matchesJsonPath: `$[?(@.integration_harness == '${this.testId}')]`,
    });
    await this.admin("/requests/remove", { urlPathPattern: `${this.prefix}(/.*)?` });
  }
}

export interface HttpMockFixtures {
  /** Worker: URL of a ready WireMock server (`TEST_HTTP_MOCK_URL`). */
  httpMockUrl: string;
  /** Per test: a WireMock helper with its own `baseUrl`; stubs, sequences, delays, recorded requests. */
  httpMock: HttpMock;
}

/** `test` with the WireMock fixtures. */
export function withHttpMock<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<HttpMockFixtures>({
    httpMockUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    httpMock: async ({ httpMockUrl, harnessSettings }, use) => {
      const mock = new HttpMock(httpMockUrl, uniqueTestName("httpMock", "api", "-"));
      await use(mock);
      await guard(httpMockUrl, harnessSettings);
      await mock.removeAll();
    },
  });
}
