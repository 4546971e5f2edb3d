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

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .safety import redact

__all__ = [
    "Misconfigured",
    "NotReady",
    "Readiness",
    "wait_for",
    "wait_for_all",
]

RETRY_INTERVAL = 0.25
# How long past the deadline a probe may take to give up before it is abandoned.
GRACE = 3.0


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
                title,
                redact(url),
                time.monotonic() - started,
                problem=redact(str(error)),
            )
        except Exception as error:  # noqa: BLE001 - any driver error: report, never crash
            reason = (
                str(error)
                if isinstance(error, NotReady)
                else f"{type(error).__name__}: {error}".rstrip(": ")
            )
            if time.monotonic() + RETRY_INTERVAL >= deadline:
                return Readiness(
                    title,
                    redact(url),
                    time.monotonic() - started,
                    problem=redact(f"no answer within {timeout:g}s ({reason})"),
                )
            time.sleep(RETRY_INTERVAL)


def wait_for_all(
    checks: list[tuple[str, str, Callable[[str, float], str]]], timeout: float
) -> list[Readiness]:
    """Wait for all services in parallel, so the whole wait is bounded by ``timeout``.

    Each wait runs in a daemon thread: a driver that ignores its own timeout
    is reported as not answering instead of holding the run (or its exit).
    """
    results: list[Readiness | None] = [None] * len(checks)

    def run(
        index: int, title: str, url: str, probe: Callable[[str, float], str]
    ) -> None:
        results[index] = wait_for(title, url, probe, timeout)

    threads = [
        threading.Thread(target=run, args=(index, *check), daemon=True)
        for index, check in enumerate(checks)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout + GRACE
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    return [
        result
        or Readiness(
            title,
            redact(url),
            timeout + GRACE,
            problem=f"no answer within {timeout:g}s (the connection hung)",
        )
        for result, (title, url, _probe) in zip(results, checks)
    ]
