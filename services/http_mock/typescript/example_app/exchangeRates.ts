// Example component (delete me): a client for a third-party exchange-rate API.
//
// It retries server errors and timeouts a bounded number of times, never waits
// longer than its timeout, and stops calling an API that keeps failing (a
// circuit breaker) until a cool-down has passed.

/** The API did not give a usable answer (server errors, timeouts). */
export class RatesUnavailable extends Error {}

/** Too many failures in a row: failing fast without calling the API. */
export class CircuitOpen extends RatesUnavailable {}

/** The API does not know this currency (a 404: not worth retrying). */
export class UnknownCurrency extends Error {}

/** Opens after `threshold` failed calls in a row; lets one call try after `coolDownMs`. */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;

  constructor(
    private readonly threshold = 3,
    private readonly coolDownMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  allow(): boolean {
    return this.openedAt === null || this.now() - this.openedAt >= this.coolDownMs;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = null;
  }

  failed(): void {
    this.failures += 1;
    if (this.failures >= this.threshold) this.openedAt = this.now();
  }
}

export interface ExchangeRatesOptions {
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  breaker?: CircuitBreaker;
  /** The HTTP client: the global `fetch` unless a test gives an in-process one. */
  fetch?: typeof fetch;
}

/** `rate("EUR", "USD")`: how many USD one EUR buys, from `GET /rates/EUR?symbols=USD`. */
export class ExchangeRates {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly breaker: CircuitBreaker;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly baseUrl: string,
    options: ExchangeRatesOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 50;
    this.breaker = options.breaker ?? new CircuitBreaker();
    this.fetch = options.fetch ?? fetch;
  }

  async rate(base: string, quote: string): Promise<number> {
    if (!this.breaker.allow()) throw new CircuitOpen(`exchange-rate API failing; not calling it for ${base}`);
    let problem = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, this.backoffMs * 2 ** (attempt - 1)));
      let response: Response;
      try {
        response = await this.fetch(`${this.baseUrl}/rates/${base}?symbols=${quote}`, {
          headers: { Accept: "application/json" },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if ((error as Error).name !== "TimeoutError") throw error;
        problem = "timed out";
        continue;
      }
      if (response.status === 404) {
        this.breaker.succeeded(); // the API works; the currency is unknown
        throw new UnknownCurrency(base);
      }
      if (response.status >= 500) {
        problem = `HTTP ${response.status}`;
        continue;
      }
      if (!response.ok) throw new Error(`exchange-rate API: HTTP ${response.status}`);
      const body = (await response.json()) as { rates: Record<string, number> };
      this.breaker.succeeded();
      return body.rates[quote];
    }
    this.breaker.failed();
    throw new RatesUnavailable(`${base}/${quote}: ${problem} after ${this.retries + 1} tries`);
  }
}
