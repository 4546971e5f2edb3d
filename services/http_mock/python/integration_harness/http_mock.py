# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""HTTP API mock fixtures (WireMock): ``http_mock_url``, ``http_mock``.

Third-party HTTP APIs are the one thing these tests stub: the code under test
makes real HTTP requests to a real WireMock server, which answers with the
stubs a test sets up and records what it received.

Isolation: WireMock is one server shared by every worker, so nothing is ever
reset globally. Each test gets a path prefix of its own
(``/test-<worker>-<stamp><random>``, in ``http_mock.base_url``); its stubs carry the
test's id, and after the test they, its scenarios and its recorded requests are
removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .naming import unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable_url, guarded_url
from .services import service_of
from .settings import Settings

SERVICE = service_of("http_mock")


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable_url(SERVICE, url, settings.allowed_hosts)


def probe(url: str, timeout: float) -> str:
    """Ask WireMock's health endpoint; raise NotReady / Misconfigured."""
    try:
        response = httpx.get(f"{url}/__admin/health", timeout=timeout)
    except httpx.HTTPError as error:
        raise NotReady(f"{type(error).__name__}: {error}") from None
    if response.status_code != 200:
        raise Misconfigured(
            f"HTTP {response.status_code} from {url}/__admin/health: is this WireMock?"
        )
    return f"{SERVICE.title} {response.json().get('version', '')}".strip()


@pytest.fixture(scope="session")
def http_mock_url(harness_settings: Settings) -> str:
    """Session: URL of a ready WireMock server (``TEST_HTTP_MOCK_URL``)."""
    return guarded_url(harness_settings, SERVICE.url_var, guard)


class HttpMock:
    """Stubs and recorded requests of one test, under its own path prefix."""

    def __init__(self, admin: httpx.Client, server_url: str, test_id: str) -> None:
        self.admin = admin
        self.test_id = test_id
        self.prefix = f"/{test_id}"
        self.base_url = f"{server_url}{self.prefix}"

    def stub(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        delay_ms: int | None = None,
        query: dict[str, str] | None = None,
    ) -> None:
        """Answer ``method path`` (under ``base_url``) with this response, every time."""
        self._add(
            method,
            path,
            query,
            self._response(status, json_body, body, headers, delay_ms),
        )

    def stub_sequence(
        self, method: str, path: str, responses: list[dict[str, Any]]
    ) -> None:
        """Answer successive calls with ``responses`` in order; the last one repeats.

        Each response is a dict of `stub`'s keyword arguments, e.g.
        ``[{"status": 503}, {"status": 200, "json_body": {...}}]``.
        """
        scenario = f"{self.test_id} {method} {path}"
        for index, response in enumerate(responses):
            state = "Started" if index == 0 else f"step-{index}"
            last = index == len(responses) - 1
            self._add(
                method,
                path,
                None,
                self._response(**response),
                scenarioName=scenario,
                requiredScenarioState=state,
                **({} if last else {"newScenarioState": f"step-{index + 1}"}),
            )

    def requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        """Requests WireMock received under ``base_url`` (``path`` below it), oldest first."""
        pattern: dict[str, Any] = (
            {"urlPath": f"{self.prefix}{path}"}
            if path is not None
            else {"urlPathPattern": f"{self.prefix}/.*"}
        )
        if method is not None:
            pattern["method"] = method
        response = self.admin.post("/__admin/requests/find", json=pattern)
        response.raise_for_status()
        found = response.json()["requests"]
        return sorted(found, key=lambda request: request["loggedDate"])

    def _response(
        self,
        status: int = 200,
        json_body: Any = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        delay_ms: int | None = None,
    ) -> dict[str, Any]:
        response: dict[str, Any] = {"status": status, "headers": dict(headers or {})}
        if json_body is not None:
            response["body"] = json.dumps(json_body)
            response["headers"].setdefault("Content-Type", "application/json")
        elif body is not None:
            response["body"] = body
        if delay_ms is not None:
            response["fixedDelayMilliseconds"] = delay_ms
        return response

    def _add(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None,
        response: dict[str, Any],
        **extra: Any,
    ) -> None:
        request: dict[str, Any] = {"method": method, "urlPath": f"{self.prefix}{path}"}
        if query:
            request["queryParameters"] = {k: {"equalTo": v} for k, v in query.items()}
        mapping = {
            "request": request,
            "response": response,
            "metadata": {"integration_harness": self.test_id},
            **extra,
        }
        self.admin.post("/__admin/mappings", json=mapping).raise_for_status()

    def remove_all(self) -> None:
        """Delete this test's stubs (and so its scenarios) and its recorded requests."""
        self.admin.post(
            "/__admin/mappings/remove-by-metadata",
            json={
                "matchesJsonPath": f"$[?(@.integration_harness == '{self.test_id}')]"
            },
        ).raise_for_status()
        self.admin.post(
            "/__admin/requests/remove",
            json={"urlPathPattern": f"{self.prefix}(/.*)?"},
        ).raise_for_status()


@pytest.fixture(scope="session")
def _http_mock_admin(http_mock_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=http_mock_url, timeout=10) as client:
        yield client


@pytest.fixture
def http_mock(
    _http_mock_admin: httpx.Client, http_mock_url: str, harness_settings: Settings
) -> Iterator[HttpMock]:
    """Per test: a WireMock helper with a base URL of its own for the client under test.

    ``http_mock.stub("GET", "/rates/EUR", json_body={...})``,
    ``http_mock.stub_sequence(...)`` for responses that change call by call,
    ``delay_ms=`` for slow answers, ``http_mock.requests(...)`` for what arrived.
    Everything of this test is removed from the server after it.
    """
    mock = HttpMock(
        _http_mock_admin, http_mock_url, unique_test_name("http_mock", "api", "-")
    )
    yield mock
    guard(http_mock_url, harness_settings)
    mock.remove_all()
