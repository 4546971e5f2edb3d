# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""E-mail capture fixtures (MailDev): ``smtp_url``, ``mailbox``.

The code under test sends real SMTP to a capture server (``TEST_SMTP_URL``)
that delivers nothing; tests read what arrived through its API
(``TEST_MAILDEV_URL``).

Isolation: the capture server is shared by every worker and is never emptied
as a whole. Each test sends to addresses of its own
(``mailbox.address("ada")`` gives ``ada+test-<worker>-<stamp><random>@example.com``),
reads only the messages for them, and deletes those after the test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from .naming import unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable_url, guarded_url
from .services import service_of
from .settings import Settings

SERVICE = service_of("mail")
SMTP_URL_VAR = SERVICE.also_url_vars[0]


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable_url(
        SERVICE, url, settings.allowed_hosts, ("http", "https", "smtp")
    )


def probe(url: str, timeout: float) -> str:
    """Ask the capture server's health endpoint; raise NotReady / Misconfigured."""
    try:
        response = httpx.get(f"{url}/healthz", timeout=timeout)
    except httpx.HTTPError as error:
        raise NotReady(f"{type(error).__name__}: {error}") from None
    if response.status_code != 200:
        raise Misconfigured(
            f"HTTP {response.status_code} from {url}/healthz: is this MailDev?"
        )
    return SERVICE.title


def smtp_address(url: str) -> tuple[str, int]:
    """``(host, port)`` of an ``smtp://host:port`` URL, for ``smtplib.SMTP``."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 25


@pytest.fixture(scope="session")
def smtp_url(harness_settings: Settings) -> str:
    """Session: ``smtp://host:port`` of the capture server (``TEST_SMTP_URL``).

    Give it to the code under test as its mail server; `smtp_address` splits it.
    """
    return guarded_url(harness_settings, SMTP_URL_VAR, guard)


class Mailbox:
    """Addresses that only this test uses, and the captured messages sent to them."""

    def __init__(self, api: httpx.Client, tag: str) -> None:
        self.api = api
        self.tag = tag

    def address(self, name: str = "user", domain: str = "example.com") -> str:
        """A recipient address unique to this test, e.g. ``ada+test-gw0-1a2b@example.com``."""
        return f"{name}+{self.tag}@{domain}"

    def messages(self) -> list[dict[str, Any]]:
        """Messages captured for this test's addresses (To, Cc or Bcc), oldest first.

        Each is MailDev's JSON: ``subject``, ``text``, ``html``, ``from``, ``to``,
        ``headers``, ``attachments``, ``envelope``.
        """
        response = self.api.get("/email")
        response.raise_for_status()
        marker = f"+{self.tag}@"
        mine = [
            message
            for message in response.json()
            if any(marker in r["address"].lower() for r in message["envelope"]["to"])
        ]
        return sorted(mine, key=lambda message: message["time"])

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """At least ``count`` messages for this test, waiting up to ``timeout`` s; else fail."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                pytest.fail(
                    f"{len(found)} of {count} e-mails for *+{self.tag}@ arrived in {timeout:g}s"
                )
            time.sleep(0.05)

    def delete_all(self) -> None:
        for message in self.messages():
            self.api.delete(f"/email/{message['id']}").raise_for_status()


@pytest.fixture(scope="session")
def _mail_api(harness_settings: Settings) -> Iterator[httpx.Client]:
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    with httpx.Client(base_url=url, timeout=10) as client:
        yield client


@pytest.fixture
def mailbox(_mail_api: httpx.Client, smtp_url: str) -> Iterator[Mailbox]:
    """Per test: unique recipient addresses and the messages captured for them.

    ``to = mailbox.address("ada")``; send through ``smtp_url``; then
    ``(message,) = mailbox.wait_for(1)``. This test's messages are deleted after it.
    """
    box = Mailbox(_mail_api, unique_test_name("mailbox", "mail", "-"))
    yield box
    box.delete_all()
