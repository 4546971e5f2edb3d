# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""E-mail capture fixtures (Mailpit): ``smtp_url``, ``mailbox``.

The code under test sends real SMTP to a capture server (``TEST_SMTP_URL``)
that delivers nothing; tests read what arrived through its REST API
(``TEST_MAILPIT_URL``): a search for the test's addresses, then each message.

Isolation: the capture server is shared by every worker and is never emptied
as a whole. Each test sends to addresses of its own
(``mailbox.address("ada")`` gives ``ada+test-<worker>-<stamp><random>@example.com``),
reads only the messages for them, and deletes those after the test by their
IDs (Mailpit deletes every message when asked to delete none: never done here).
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
# The settings of the MailDev this replaced (integration-harness 0.4.0 and before).
RENAMED = {
    "TEST_MAILDEV_URL": SERVICE.url_var,
    "TEST_MAILDEV_PORT": "TEST_MAILPIT_PORT",
}


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``).

    A setting of the MailDev this replaced stops the run naming its new name, rather
    than being silently ignored.
    """
    for old, new in RENAMED.items():
        if settings.get(old):
            raise ValueError(
                f"{old} is set, but e-mail capture is Mailpit now: rename it {new}"
                " (in .env.test.local or the environment)"
            )
    ensure_disposable_url(
        SERVICE, url, settings.allowed_hosts, ("http", "https", "smtp")
    )


def probe(url: str, timeout: float) -> str:
    """Ask the capture server's readiness endpoint; raise NotReady / Misconfigured."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/readyz", timeout=timeout)
    except httpx.HTTPError as error:
        raise NotReady(f"{type(error).__name__}: {error}") from None
    if response.status_code != 200:
        raise Misconfigured(
            f"HTTP {response.status_code} from {url}/readyz: is this Mailpit?"
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


def _addresses(value: Any) -> list[dict[str, str]]:
    items = value if isinstance(value, list) else [value] if value else []
    return [{"address": a["Address"], "name": a["Name"]} for a in items]


class Mailbox:
    """Addresses that only this test uses, and the captured messages sent to them."""

    def __init__(self, api: httpx.Client, tag: str) -> None:
        self.api = api
        self.tag = tag

    def address(self, name: str = "user", domain: str = "example.com") -> str:
        """A recipient address unique to this test, e.g. ``ada+test-gw0-1a2b@example.com``."""
        return f"{name}+{self.tag}@{domain}"

    def _summaries(self) -> list[dict[str, Any]]:
        """Mailpit's summaries of this test's messages (To, Cc or Bcc), oldest first."""
        marker = f"+{self.tag}@".lower()
        response = self.api.get(
            "/api/v1/search", params={"query": marker, "limit": "1000"}
        )
        response.raise_for_status()
        mine = [
            summary
            for summary in response.json()["messages"]
            if any(
                marker in recipient["Address"].lower()
                for field in ("To", "Cc", "Bcc")
                for recipient in summary.get(field) or []
            )
        ]
        return mine[::-1]  # Mailpit lists the newest first

    def _read(self, summary: dict[str, Any]) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/message/{summary['ID']}")
        response.raise_for_status()
        full = response.json()
        to, cc, bcc = (_addresses(full.get(f)) for f in ("To", "Cc", "Bcc"))
        return {
            "id": full["ID"],
            "subject": full["Subject"],
            "text": full["Text"],
            "html": full["HTML"],
            "from": _addresses(full.get("From")),
            "to": to,
            "cc": cc,
            "bcc": bcc,
            "time": summary["Created"],
            "attachments": full.get("Attachments") or [],
            "envelope": {"to": to + cc + bcc},
            "mailpit": full,
        }

    def messages(self) -> list[dict[str, Any]]:
        """Messages captured for this test's addresses (To, Cc or Bcc), oldest first.

        Each is a dict: ``subject``, ``text``, ``html``, ``from``, ``to``, ``cc``,
        ``bcc`` (lists of ``{"address", "name"}``), ``time``, ``id``, ``attachments``,
        ``envelope`` (``{"to": every recipient}``): the fields MailDev gave, so tests
        written for it keep working; ``mailpit`` is Mailpit's own JSON of the message.
        """
        return [self._read(summary) for summary in self._summaries()]

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """At least ``count`` messages for this test, waiting up to ``timeout`` s; else fail."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._summaries()
            if len(found) >= count:
                return [self._read(summary) for summary in found]
            if time.monotonic() >= deadline:
                pytest.fail(
                    f"{len(found)} of {count} e-mails for *+{self.tag}@ arrived in {timeout:g}s"
                )
            time.sleep(0.05)

    def delete_all(self) -> None:
        """Delete this test's messages by their IDs (never an empty list: that is all)."""
        ids = [summary["ID"] for summary in self._summaries()]
        if ids:
            self.api.request(
                "DELETE", "/api/v1/messages", json={"IDs": ids}
            ).raise_for_status()


@pytest.fixture(scope="session")
def _mail_api(harness_settings: Settings) -> Iterator[httpx.Client]:
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    with httpx.Client(base_url=url.rstrip("/"), timeout=10) as client:
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
