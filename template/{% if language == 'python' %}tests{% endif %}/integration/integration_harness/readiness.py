# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Bounded readiness: wait for every service at once, then report or stop the run.

Each service module has a ``probe(url, timeout)`` that connects with the real
driver and returns a short description of the server. It raises `NotReady` for
what may pass (refused connection, server starting) and `Misconfigured` for what
will not (wrong password, unknown database); only `NotReady` is retried, until
the deadline. Nothing sleeps longer than the retry interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

RETRY_INTERVAL = 0.25


class NotReady(RuntimeError):
    """The service does not answer yet; worth another try."""


class Misconfigured(RuntimeError):
    """The service answers but refuses us; retrying will not help."""


@dataclass(frozen=True)
class Readiness:
    """Outcome of waiting for one service."""

    title: str
    url: str
    seconds: float
    server: str | None = None
    problem: str | None = None

    @property
    def ready(self) -> bool:
        return self.problem is None


def redact(url: str) -> str:
    """The URL with its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}:***@{netloc[-1]}"))


def wait_for(
    title: str, url: str, probe: Callable[[str, float], str], timeout: float
) -> Readiness:
    """Probe ``url`` until it answers or ``timeout`` seconds have passed."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        remaining = max(deadline - time.monotonic(), 0.1)
        try:
            server = probe(url, min(remaining, 5.0))
            return Readiness(
                title, redact(url), time.monotonic() - started, server=server
            )
        except Misconfigured as error:
            return Readiness(
                title, redact(url), time.monotonic() - started, problem=str(error)
            )
        except NotReady as error:
            if time.monotonic() + RETRY_INTERVAL >= deadline:
                return Readiness(
                    title,
                    redact(url),
                    time.monotonic() - started,
                    problem=f"no answer within {timeout:g}s ({error})",
                )
            time.sleep(RETRY_INTERVAL)


def wait_for_all(
    checks: list[tuple[str, str, Callable[[str, float], str]]], timeout: float
) -> list[Readiness]:
    """Wait for all services in parallel, so the whole wait is bounded by ``timeout``."""
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        futures = [
            pool.submit(wait_for, title, url, probe, timeout)
            for title, url, probe in checks
        ]
        return [future.result() for future in futures]
