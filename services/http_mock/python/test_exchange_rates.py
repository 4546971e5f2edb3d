"""Example tests (delete with example_app/): a third-party HTTP API, stubbed two ways.

Most tests run the client against WireMock (`http_mock`): real HTTP, real
timeouts. The last one shows respx, an in-process router for httpx, for
unit-speed checks of the same client where the network adds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import respx
from example_app.exchange_rates import (
    CircuitBreaker,
    CircuitOpen,
    ExchangeRates,
    RatesUnavailable,
    UnknownCurrency,
)
from integration_harness.http_mock import HttpMock

EUR_USD = {"base": "EUR", "rates": {"USD": 1.0842}}


@pytest.fixture
def rates(http_mock: HttpMock) -> Iterator[ExchangeRates]:
    client = ExchangeRates(http_mock.base_url, timeout=0.5, retries=2, backoff=0.01)
    yield client
    client.close()


def test_rate_is_read_from_the_api(http_mock: HttpMock, rates: ExchangeRates) -> None:
    http_mock.stub("GET", "/rates/EUR", query={"symbols": "USD"}, json_body=EUR_USD)

    assert rates.rate("EUR", "USD") == Decimal("1.0842")

    (request,) = http_mock.requests("GET", "/rates/EUR")
    assert request["headers"]["Accept"] == "application/json"


def test_server_error_is_retried_then_succeeds(
    http_mock: HttpMock, rates: ExchangeRates
) -> None:
    http_mock.stub_sequence(
        "GET", "/rates/EUR", [{"status": 503}, {"status": 200, "json_body": EUR_USD}]
    )

    assert rates.rate("EUR", "USD") == Decimal("1.0842")

    assert len(http_mock.requests("GET", "/rates/EUR")) == 2


def test_unknown_currency_is_not_retried(
    http_mock: HttpMock, rates: ExchangeRates
) -> None:
    http_mock.stub("GET", "/rates/XXX", status=404, json_body={"error": "unknown"})

    with pytest.raises(UnknownCurrency):
        rates.rate("XXX", "USD")

    assert len(http_mock.requests()) == 1


def test_slow_api_is_given_up_on_at_the_timeout(http_mock: HttpMock) -> None:
    http_mock.stub("GET", "/rates/EUR", json_body=EUR_USD, delay_ms=5000)
    client = ExchangeRates(http_mock.base_url, timeout=0.2, retries=0)

    started = time.monotonic()
    with pytest.raises(RatesUnavailable, match="timed out"):
        client.rate("EUR", "USD")
    client.close()

    assert time.monotonic() - started < 2.5  # the 5 s answer was not awaited


def test_failing_api_opens_the_circuit_and_later_calls_fail_fast(
    http_mock: HttpMock,
) -> None:
    http_mock.stub("GET", "/rates/EUR", status=500)
    client = ExchangeRates(
        http_mock.base_url, retries=1, backoff=0, breaker=CircuitBreaker(threshold=2)
    )

    for _ in range(2):
        with pytest.raises(RatesUnavailable, match="HTTP 500"):
            client.rate("EUR", "USD")
    calls_before = len(http_mock.requests())
    with pytest.raises(CircuitOpen):
        client.rate("EUR", "USD")
    client.close()

    assert calls_before == 4  # two calls, each tried twice
    assert len(http_mock.requests()) == calls_before  # the open circuit called nobody


def test_in_process_router_checks_the_same_client_at_unit_speed() -> None:
    with respx.mock(base_url="https://rates.example", assert_all_called=True) as api:
        route = api.get("/rates/EUR").mock(
            side_effect=[httpx.Response(502), httpx.Response(200, json=EUR_USD)]
        )
        client = ExchangeRates("https://rates.example", backoff=0)

        assert client.rate("EUR", "USD") == Decimal("1.0842")

    assert route.call_count == 2
    assert route.calls.last.request.url.params["symbols"] == "USD"
