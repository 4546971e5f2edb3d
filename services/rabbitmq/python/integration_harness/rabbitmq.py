# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""RabbitMQ fixtures: ``amqp_url``, ``amqp_channel``, ``make_queue``; and `wait_for_message`.


Isolation: tests never share a queue. ``make_queue`` declares uniquely named
queues (``test.<worker>.<purpose>.<stamp><random>``) and deletes every one of them
after the test, so parallel workers and repeated runs cannot see each other's
messages. AMQP cannot list queues, so instead of a sweep each queue is declared
with ``x-expires`` of an hour: one a killed run left is removed by RabbitMQ
itself once unused for that long.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pika.exceptions
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from .naming import unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable, guarded_url, redact
from .services import service_of
from .settings import Settings

SERVICE = service_of("rabbitmq")
QUEUE_EXPIRES_MS = 3_600_000  # x-expires of every make_queue queue: longer than any run


def _parameters(url: str, timeout: float | None = None) -> pika.URLParameters:
    parameters = pika.URLParameters(url)
    parameters.connection_attempts = 1
    if timeout is not None:
        parameters.socket_timeout = timeout
        parameters.stack_timeout = timeout
        parameters.blocked_connection_timeout = timeout
    return parameters


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable(
        SERVICE.title, redact(url), [_parameters(url).host], settings.allowed_hosts
    )


def probe(url: str, timeout: float) -> str:
    """Open and close one connection; describe the server, or raise NotReady / Misconfigured."""
    try:
        connection = pika.BlockingConnection(_parameters(url, timeout))
    except (
        pika.exceptions.ProbableAuthenticationError,
        pika.exceptions.ProbableAccessDeniedError,
        pika.exceptions.AuthenticationError,
    ) as error:
        raise Misconfigured(f"{type(error).__name__}: {error}") from None
    except (
        pika.exceptions.AMQPError,
        pika.exceptions.AMQPConnectorException,
        OSError,
    ) as error:
        # AMQPConnectorStackTimeout (a broker that accepts TCP and never answers)
        # is not an AMQPError.
        raise NotReady(f"{type(error).__name__}: {error}".rstrip(": ")) from None
    try:
        properties = connection._impl.server_properties or {}
        version = str(properties.get("version", "(version unknown)"))
    finally:
        connection.close()
    return f"{SERVICE.title} {version}"


@pytest.fixture(scope="session")
def amqp_url(harness_settings: Settings) -> str:
    """Session: URL of a ready RabbitMQ (``TEST_AMQP_URL``). Give it to code under test."""
    return guarded_url(harness_settings, SERVICE.url_var, guard)


class SessionConnection:
    """One AMQP connection per test process, reopened if it was closed."""

    def __init__(self, url: str) -> None:
        self.parameters = _parameters(url, timeout=10)
        self.parameters.heartbeat = 0  # idle gaps between tests must not drop it
        self._connection: pika.BlockingConnection | None = None

    def get(self) -> pika.BlockingConnection:
        if self._connection is None or not self._connection.is_open:
            self._connection = pika.BlockingConnection(self.parameters)
        return self._connection

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()


@pytest.fixture(scope="session")
def _amqp_session_connection(amqp_url: str) -> Iterator[SessionConnection]:
    connection = SessionConnection(amqp_url)
    yield connection
    connection.close()


@pytest.fixture
def amqp_channel(
    _amqp_session_connection: SessionConnection,
) -> Iterator[BlockingChannel]:
    """Per test: a channel with publisher confirms on, closed after the test."""
    channel = _amqp_session_connection.get().channel()
    channel.confirm_delivery()
    yield channel
    if channel.is_open:
        channel.close()


@pytest.fixture
def make_queue(
    _amqp_session_connection: SessionConnection,
    amqp_url: str,
    harness_settings: Settings,
) -> Iterator[Callable[..., str]]:
    """Per test: ``make_queue(purpose="queue", *, dead_letter_to=None, arguments=None) -> name``.

    Declares a queue named ``test.<worker>.<purpose>.<stamp><random>`` and returns the
    name. ``dead_letter_to`` names a queue that receives rejected messages;
    ``arguments`` adds other ``x-`` arguments. Every queue it made is deleted
    after the test, messages and all.
    """
    created: list[str] = []

    def make(
        purpose: str = "queue",
        *,
        dead_letter_to: str | None = None,
        arguments: dict[str, Any] | None = None,
    ) -> str:
        name = unique_test_name("make_queue", purpose, ".")
        queue_arguments: dict[str, Any] = {
            "x-expires": QUEUE_EXPIRES_MS,
            **(arguments or {}),
        }
        if dead_letter_to is not None:
            queue_arguments.update(
                {
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": dead_letter_to,
                }
            )
        channel = _amqp_session_connection.get().channel()
        try:
            channel.queue_declare(name, durable=False, arguments=queue_arguments)
        finally:
            channel.close()
        created.append(name)
        return name

    yield make
    if created:
        guard(amqp_url, harness_settings)
        channel = _amqp_session_connection.get().channel()
        for name in created:
            channel.queue_delete(name)
        channel.close()


def wait_for_message(
    channel: BlockingChannel, queue: str, timeout: float = 5.0
) -> tuple[pika.spec.Basic.GetOk, pika.BasicProperties, bytes]:
    """The next message on ``queue`` (not acknowledged), waiting up to ``timeout`` seconds.

    Fails the test with a message naming the queue when nothing arrives in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=False)
        if method is not None:
            return method, properties, body
        if time.monotonic() >= deadline:
            pytest.fail(f"no message arrived on {queue} within {timeout:g}s")
        channel.connection.sleep(0.02)
