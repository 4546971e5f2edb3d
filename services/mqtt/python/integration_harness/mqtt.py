# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""MQTT fixtures: ``mqtt_url``, ``make_topic``, ``make_client``, ``mqtt_client``; and `Inbox`.

Isolation: MQTT topics need no creating, so tests never share one by using
unique prefixes (``test/<worker>/<purpose>/<stamp><random>``). After the test, retained
messages under those prefixes are cleared, and the persistent sessions of the
test's clients are ended, so the broker keeps nothing a test made.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from .naming import unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable, guarded_url, redact
from .services import service_of
from .settings import Settings

SERVICE = service_of("mqtt")
_END_OF_RETAINED = "__integration_harness_end__"


def _broker(url: str) -> tuple[str, int, str | None, str | None, bool]:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(
            f"{SERVICE.url_var} must start with mqtt:// or mqtts://, not {parts.scheme}://"
        )
    tls = parts.scheme in ("mqtts", "ssl")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return (
        parts.hostname or "",
        parts.port or (8883 if tls else 1883),
        username,
        password,
        tls,
    )


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable(
        SERVICE.title, redact(url), [_broker(url)[0]], settings.allowed_hosts
    )


class ConnectionRefused(RuntimeError):
    """The broker answered but refused the connection (e.g. not authorised)."""


def connect(
    url: str,
    client_id: str = "",
    *,
    persistent: bool = False,
    manual_ack: bool = False,
    on_message: Callable[..., None] | None = None,
    timeout: float = 5.0,
) -> mqtt.Client:
    """A connected client with its network loop running; raises if not connected in time.

    ``on_message`` is set before connecting, so messages a resumed persistent
    session delivers right after the CONNACK are not missed.
    """
    host, port, username, password, tls = _broker(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=not persistent,
        manual_ack=manual_ack,
    )
    if username:
        client.username_pw_set(username, password)
    if tls:
        client.tls_set()
    client.connect_timeout = timeout
    client.on_message = on_message
    outcome: dict[str, object] = {}
    connected = threading.Event()

    def on_connect(client, userdata, flags, reason_code, properties):
        outcome["reason"] = reason_code
        connected.set()

    client.on_connect = on_connect
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if not connected.wait(timeout):
        client.loop_stop()
        raise TimeoutError(f"no CONNACK from {host}:{port} within {timeout:g}s")
    reason = outcome["reason"]
    if reason.is_failure:
        client.loop_stop()
        raise ConnectionRefused(str(reason))
    client.on_connect = None
    return client


def client_id(client: mqtt.Client) -> str:
    """The id a client connected with, to resume its persistent session later."""
    raw = client._client_id  # paho keeps it only here
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def close(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()


def probe(url: str, timeout: float) -> str:
    """Connect once; describe the broker, or raise NotReady / Misconfigured."""
    try:
        client = connect(url, timeout=timeout)
    except ConnectionRefused as error:
        raise Misconfigured(f"the broker refused the connection: {error}") from None
    except (OSError, TimeoutError) as error:
        raise NotReady(str(error) or type(error).__name__) from None
    try:
        version = Inbox(client, "$SYS/broker/version").next(timeout=1.0, fail=False)
        return version.payload.decode() if version else SERVICE.title
    finally:
        close(client)


class Inbox:
    """Messages arriving on a client's subscription to ``topic``, in order."""

    def __init__(self, client: mqtt.Client, topic: str, qos: int = 1) -> None:
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        client.message_callback_add(
            topic, lambda c, u, message: self.messages.put(message)
        )
        subscribed = threading.Event()
        client.on_subscribe = lambda *args: subscribed.set()
        client.subscribe(topic, qos=qos)
        subscribed.wait(5)

    def next(self, timeout: float = 5.0, fail: bool = True) -> mqtt.MQTTMessage | None:
        """The next message, waiting up to ``timeout`` seconds (failing the test if none)."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            if fail:
                pytest.fail(f"no MQTT message arrived within {timeout:g}s")
            return None


def clear_retained(url: str, prefix: str) -> list[str]:
    """Delete every retained message under ``prefix``; return the topics cleared."""
    client = connect(url)
    try:
        inbox = Inbox(client, f"{prefix}/#")
        # Retained messages are sent right after the subscription, so once this
        # marker comes back, every retained message under the prefix has arrived.
        client.publish(f"{prefix}/{_END_OF_RETAINED}", b"", qos=1).wait_for_publish(5)
        cleared = []
        while (
            message := inbox.next(timeout=5)
        ).topic != f"{prefix}/{_END_OF_RETAINED}":
            if message.retain:
                client.publish(message.topic, b"", qos=1, retain=True).wait_for_publish(
                    5
                )
                cleared.append(message.topic)
        return cleared
    finally:
        close(client)


@pytest.fixture(scope="session")
def mqtt_url(harness_settings: Settings) -> str:
    """Session: URL of a ready MQTT broker (``TEST_MQTT_URL``)."""
    return guarded_url(harness_settings, SERVICE.url_var, guard)


@pytest.fixture
def make_topic(
    mqtt_url: str, harness_settings: Settings
) -> Iterator[Callable[[str], str]]:
    """Per test: ``make_topic(purpose="topic") -> "test/<worker>/<purpose>/<stamp><random>"``.

    Publish under the prefix it returns (``f"{prefix}/readings"``). Retained
    messages under every prefix it made are cleared after the test.
    """
    made: list[str] = []

    def make(purpose: str = "topic") -> str:
        made.append(unique_test_name("make_topic", purpose, "/"))
        return made[-1]

    yield make
    if made:
        guard(mqtt_url, harness_settings)
        for prefix in made:
            clear_retained(mqtt_url, prefix)


@pytest.fixture
def make_client(mqtt_url: str) -> Iterator[Callable[..., mqtt.Client]]:
    """Per test: ``make_client(purpose="client", *, persistent=False, manual_ack=False, ...)``.

    Returns a connected paho client (network loop running) with a unique id,
    or ``client_id=`` to resume a persistent session; ``on_message=`` is set
    before connecting. After the test every client is disconnected and every
    persistent session it opened is ended.
    """
    clients: list[mqtt.Client] = []
    persistent_ids: set[str] = set()

    def make(
        purpose: str = "client",
        *,
        persistent: bool = False,
        manual_ack: bool = False,
        client_id: str | None = None,
        on_message: Callable[..., None] | None = None,
    ) -> mqtt.Client:
        client_id = client_id or unique_test_name("make_client", purpose, "-")
        client = connect(
            mqtt_url,
            client_id,
            persistent=persistent,
            manual_ack=manual_ack,
            on_message=on_message,
        )
        clients.append(client)
        if persistent:
            persistent_ids.add(client_id)
        return client

    yield make
    for client in clients:
        if client.is_connected():
            close(client)
    for client_id in persistent_ids:  # a clean connect ends the stored session
        close(connect(mqtt_url, client_id, persistent=False))


@pytest.fixture
def mqtt_client(make_client: Callable[..., mqtt.Client]) -> mqtt.Client:
    """Per test: one connected clean-session client, disconnected after the test."""
    return make_client("client")


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for ``condition`` (e.g. a callback having run), failing the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout:g}s")
        time.sleep(0.005)
