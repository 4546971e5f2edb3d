// Example tests (delete with example_app/): a third-party HTTP API, stubbed two ways.
//
// Most tests run the client against WireMock (`httpMock`): real HTTP, real
// timeouts. The last one gives the same client an in-process `fetch` for
// unit-speed checks where the network adds nothing.
import { CircuitBreaker, CircuitOpen, ExchangeRates, UnknownCurrency } from "./example_app/exchangeRates";
import { expect, test } from "./harness/fixtures";

const EUR_USD = { base: "EUR", rates: { USD: 1.0842 } };

test("rate is read from the api", async ({ httpMock }) => {
  await httpMock.stub("GET", "/rates/EUR", { jsonBody: EUR_USD }, { symbols: "USD" });

  expect(await new ExchangeRates(httpMock.baseUrl).rate("EUR", "USD")).toBe(1.0842);

  const [request] = await httpMock.requests("GET", "/rates/EUR");
  expect(request.headers.Accept).toBe("application/json");
});

test("server error is retried then succeeds", async ({ httpMock }) => {
  await httpMock.stubSequence("GET", "/rates/EUR", [{ status: 503 }, { status: 200, jsonBody: EUR_USD }]);

  expect(await new ExchangeRates(httpMock.baseUrl, { backoffMs: 10 }).rate("EUR", "USD")).toBe(1.0842);

  expect(await httpMock.requests("GET", "/rates/EUR")).toHaveLength(2);
});

test("unknown currency is not retried", async ({ httpMock }) => {
  await httpMock.stub("GET", "/rates/XXX", { status: 404, jsonBody: { error: "unknown" } });

  await expect(new ExchangeRates(httpMock.baseUrl).rate("XXX", "USD")).rejects.toBeInstanceOf(UnknownCurrency);

  expect(await httpMock.requests()).toHaveLength(1);
});

test("slow api is given up on at the timeout", async ({ httpMock }) => {
  await httpMock.stub("GET", "/rates/EUR", { jsonBody: EUR_USD, delayMs: 5000 });
  const client = new ExchangeRates(httpMock.baseUrl, { timeoutMs: 200, retries: 0 });

  const started = Date.now();
  await expect(client.rate("EUR", "USD")).rejects.toThrow("timed out");

  expect(Date.now() - started).toBeLessThan(2500); // the 5 s answer was not awaited
});

test("failing api opens the circuit and later calls fail fast", async ({ httpMock }) => {
  await httpMock.stub("GET", "/rates/EUR", { status: 500 });
  const client = new ExchangeRates(httpMock.baseUrl, { retries: 1, backoffMs: 0, breaker: new CircuitBreaker(2) });

  for (let call = 0; call < 2; call++) {
    await expect(client.rate("EUR", "USD")).rejects.toThrow("HTTP 500");
  }
  const callsBefore = (await httpMock.requests()).length;
  await expect(client.rate("EUR", "USD")).rejects.toBeInstanceOf(CircuitOpen);

  expect(callsBefore).toBe(4); // two calls, each tried twice
  expect(await httpMock.requests()).toHaveLength(callsBefore); // the open circuit called nobody
});

test("in-process fetch checks the same client at unit speed", async () => {
  const seen: string[] = [];
  const answers = [new Response(null, { status: 502 }), Response.json(EUR_USD)];
  const inProcess: typeof fetch = async (input) => {
    seen.push(String(input));
    return answers.shift()!;
  };

  const rate = await new ExchangeRates("https://rates.example", { backoffMs: 0, fetch: inProcess }).rate("EUR", "USD");

  expect(rate).toBe(1.0842);
  expect(seen).toEqual(["https://rates.example/rates/EUR?symbols=USD", "https://rates.example/rates/EUR?symbols=USD"]);
});
