# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""NATS JetStream fixtures: ``nats_url``, ``nats_client``, ``make_stream``.

Isolation: tests never share a stream. ``make_stream`` creates a JetStream
stream named ``test-<worker>-<purpose>-<stamp><random>`` that captures the subjects
under ``test.<worker>.<purpose>.<stamp><random>``, and deletes it after the test with
its messages and consumers. nats-py is async, so these fixtures and the tests
that use them are async (pytest-asyncio).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nats
import nats.errors
import nats.js.errors
import pytest
import pytest_asyncio
from nats.aio.client import Client

from .naming import is_stale_test_name, unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable, guarded_url, redact
from .services import service_of
from .settings import Settings

SERVICE = service_of("nats")


async def _quiet(error: Exception) -> None:
    """Connection errors are reported by the caller, not logged by nats-py."""


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless every server in it is a disposable test service."""
    hosts = [urlsplit(server.strip()).hostname or "" for server in url.split(",")]
    ensure_disposable(SERVICE.title, redact(url), hosts, settings.allowed_hosts)


async def connect(url: str, timeout: float = 5.0) -> Client:
    """A client that fails at once instead of reconnecting in the background."""
    return await nats.connect(
        url,
        connect_timeout=timeout,
        allow_reconnect=False,
        max_reconnect_attempts=0,
        error_cb=_quiet,
    )


async def _probe(url: str, timeout: float) -> str:
    client = await connect(url, timeout)
    try:
        await client.jetstream().account_info()
        return f"{SERVICE.title} {client.connected_server_version}"
    except (nats.js.errors.ServiceUnavailableError, nats.errors.NoRespondersError):
        raise Misconfigured(
            "JetStream is not enabled: start the server with -js"
        ) from None
    finally:
        await client.close()


async def _sweep(url: str, timeout: float) -> list[str]:
    client = await connect(url, timeout)
    try:
        jetstream = client.jetstream(timeout=timeout)
        stale = [
            info.config.name
            for info in await jetstream.streams_info()
            if info.config.name and is_stale_test_name(info.config.name, "-")
        ]
        for name in stale:
            try:
                await jetstream.delete_stream(name)
            except nats.js.errors.NotFoundError:
                pass  # another run swept it first
        return stale
    finally:
        await client.close()


def preflight(url: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: delete the streams killed runs leaked (harness names over an hour old).

    Only names `unique_test_name` makes, with a creation stamp older than any
    run, are touched: a concurrent run of another project keeps its streams.
    """
    asyncio.run(_sweep(url, settings.service_timeout))


def probe(url: str, timeout: float) -> str:
    """Connect once and check JetStream; describe the server, or raise NotReady / Misconfigured."""
    try:
        return asyncio.run(_probe(url, timeout))
    except nats.errors.Error as error:
        text = str(error) or type(error).__name__
        if "authorization" in text.lower():
            raise Misconfigured(text) from None
        raise NotReady(text) from None
    except (TimeoutError, OSError) as error:
        raise NotReady(str(error) or type(error).__name__) from None


@pytest.fixture(scope="session")
def nats_url(harness_settings: Settings) -> str:
    """Session: URL of a ready NATS server with JetStream (``TEST_NATS_URL``)."""
    return guarded_url(harness_settings, SERVICE.url_var, guard)


@pytest_asyncio.fixture
async def nats_client(nats_url: str) -> AsyncIterator[Client]:
    """Per test: a connected nats-py client, closed after the test."""
    client = await connect(nats_url)
    yield client
    await client.close()


@dataclass(frozen=True)
class IsolatedStream:
    """A stream made for one test: its name and the subjects it captures."""

    name: str
    prefix: str

    def subject(self, *parts: str) -> str:
        """A subject inside this stream, e.g. ``stream.subject("orders", "created")``."""
        return ".".join((self.prefix, *parts))


@pytest_asyncio.fixture
async def make_stream(
    nats_client: Client, nats_url: str, harness_settings: Settings
) -> AsyncIterator[Callable[..., Awaitable[IsolatedStream]]]:
    """Per test: ``await make_stream(purpose="stream", **config) -> IsolatedStream``.

    Creates a JetStream stream that captures every subject under
    ``stream.prefix`` (use ``stream.subject(...)``); ``config`` adds other
    stream settings. Every stream it made is deleted after the test.
    """
    jetstream = nats_client.jetstream()
    created: list[str] = []

    async def make(purpose: str = "stream", **config: Any) -> IsolatedStream:
        prefix = unique_test_name("make_stream", purpose, ".")
        stream = IsolatedStream(name=prefix.replace(".", "-"), prefix=prefix)
        await jetstream.add_stream(
            name=stream.name, subjects=[f"{stream.prefix}.>"], **config
        )
        created.append(stream.name)
        return stream

    yield make
    if created:
        guard(nats_url, harness_settings)
        for name in created:
            await jetstream.delete_stream(name)
