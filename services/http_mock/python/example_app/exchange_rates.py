"""Example component (delete me): a client for a third-party exchange-rate API.

It retries server errors and timeouts a bounded number of times, never waits
longer than its timeout, and stops calling an API that keeps failing (a circuit
breaker) until a cool-down has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx


class RatesUnavailable(RuntimeError):
    """The API did not give a usable answer (server errors, timeouts)."""


class CircuitOpen(RatesUnavailable):
    """Too many failures in a row: failing fast without calling the API."""


class UnknownCurrency(ValueError):
    """The API does not know this currency (a 404: not worth retrying)."""


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` failed calls in a row; lets one call try after ``cool_down`` s."""

    threshold: int = 3
    cool_down: float = 30.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None

    def allow(self) -> bool:
        if self.opened_at is None:
            return True
        return self.clock() - self.opened_at >= self.cool_down

    def succeeded(self) -> None:
        self.failures, self.opened_at = 0, None

    def failed(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()


class ExchangeRates:
    """``rate("EUR", "USD")``: how many USD one EUR buys, from ``GET /rates/EUR?symbols=USD``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 2.0,
        retries: int = 2,
        backoff: float = 0.05,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url, timeout=timeout, headers={"Accept": "application/json"}
        )
        self.retries = retries
        self.backoff = backoff
        self.breaker = breaker or CircuitBreaker()

    def rate(self, base: str, quote: str) -> Decimal:
        if not self.breaker.allow():
            raise CircuitOpen(f"exchange-rate API failing; not calling it for {base}")
        problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self.http.get(f"/rates/{base}", params={"symbols": quote})
            except httpx.TimeoutException:
                problem = "timed out"
                continue
            if response.status_code == 404:
                self.breaker.succeeded()  # the API works; the currency is unknown
                raise UnknownCurrency(base)
            if response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                continue
            response.raise_for_status()
            self.breaker.succeeded()
            return Decimal(str(response.json()["rates"][quote]))
        self.breaker.failed()
        raise RatesUnavailable(
            f"{base}/{quote}: {problem} after {self.retries + 1} tries"
        )

    def close(self) -> None:
        self.http.close()
