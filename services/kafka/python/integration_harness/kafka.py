# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Kafka fixtures: ``kafka_bootstrap_servers``, ``kafka_producer``,
``make_kafka_topic``, ``make_kafka_consumer``; and `poll_one`.

Isolation: tests never share a topic or a consumer group. ``make_kafka_topic``
creates uniquely named topics (``test-<worker>-<purpose>-<stamp><random>``) and
``make_kafka_consumer`` joins uniquely named groups; after the test the
consumers are closed and the groups and topics deleted. Kafka deletes topics
asynchronously, so a name is never reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from .naming import is_stale_test_name, unique_test_name
from .readiness import NotReady
from .safety import ensure_disposable, guarded_url
from .services import service_of
from .settings import Settings

SERVICE = service_of("kafka")


def _hosts(bootstrap_servers: str) -> list[str]:
    hosts = []
    for server in bootstrap_servers.split(","):
        server = server.strip()
        if "://" in server:
            server = server.split("://", 1)[1]
        host, sep, port = server.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(
                f"{SERVICE.url_var}: expected host:port[,host:port], not {server!r}"
            )
        hosts.append(host)
    return hosts


def guard(bootstrap_servers: str, settings: Settings) -> None:
    """Refuse the servers unless every host is a disposable test service (see ``safety``)."""
    ensure_disposable(
        SERVICE.title,
        bootstrap_servers,
        _hosts(bootstrap_servers),
        settings.allowed_hosts,
    )


def probe(bootstrap_servers: str, timeout: float) -> str:
    """Fetch the cluster's metadata; describe it, or raise NotReady."""
    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0})
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as error:
        raise NotReady(str(error.args[0].str() if error.args else error)) from None
    brokers = len(metadata.brokers)
    return f"{SERVICE.title}, {brokers} broker{'s' if brokers != 1 else ''}"


def preflight(bootstrap_servers: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: delete the topics killed runs leaked (harness names over an hour old).

    Only names `unique_test_name` makes, with a creation stamp older than any
    run, are touched: a concurrent run of another project keeps its topics.
    """
    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "log_level": 0})
    timeout = settings.service_timeout
    topics = admin.list_topics(timeout=timeout).topics
    stale = sorted(name for name in topics if is_stale_test_name(name, "-"))
    if stale:
        for future in admin.delete_topics(stale, operation_timeout=timeout).values():
            try:
                future.result(timeout=timeout)
            except KafkaException as error:
                if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(harness_settings: Settings) -> str:
    """Session: ``host:port`` of a ready Kafka broker (``TEST_KAFKA_BOOTSTRAP_SERVERS``).

    Give it to code under test as ``bootstrap.servers``.
    """
    return guarded_url(harness_settings, SERVICE.url_var, guard)


@pytest.fixture(scope="session")
def _kafka_admin(kafka_bootstrap_servers: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": kafka_bootstrap_servers})


def _wait(futures: dict[Any, Any], timeout: float = 15) -> None:
    for future in futures.values():
        future.result(timeout=timeout)


@pytest.fixture
def make_kafka_topic(
    _kafka_admin: AdminClient, kafka_bootstrap_servers: str, harness_settings: Settings
) -> Iterator[Callable[..., str]]:
    """Per test: ``make_kafka_topic(purpose="topic", *, partitions=1) -> name``.

    Creates ``test-<worker>-<purpose>-<stamp><random>`` and waits until the broker has
    it. Every topic it made is deleted after the test.
    """
    created: list[str] = []

    def make(purpose: str = "topic", *, partitions: int = 1) -> str:
        name = unique_test_name("make_kafka_topic", purpose, "-")
        _wait(_kafka_admin.create_topics([NewTopic(name, partitions, 1)]))
        created.append(name)
        return name

    yield make
    if created:
        guard(kafka_bootstrap_servers, harness_settings)
        _wait(_kafka_admin.delete_topics(created))


@pytest.fixture
def kafka_producer(kafka_bootstrap_servers: str) -> Iterator[Producer]:
    """Per test: an idempotent Producer (acks=all); everything sent is flushed after the test."""
    producer = Producer(
        {
            "bootstrap.servers": kafka_bootstrap_servers,
            "enable.idempotence": True,
            "linger.ms": 0,
        }
    )
    yield producer
    producer.flush(10)


@pytest.fixture
def make_kafka_consumer(
    _kafka_admin: AdminClient, kafka_bootstrap_servers: str, harness_settings: Settings
) -> Iterator[Callable[..., Consumer]]:
    """Per test: ``make_kafka_consumer(*topics, group=None, **config) -> Consumer``.

    A consumer subscribed to ``topics`` in a group of its own (or ``group``, a
    purpose for a unique group shared by several consumers), reading from the
    earliest offset, committing only when the code says so. After the test the
    consumers are closed and their groups deleted.
    """
    consumers: list[Consumer] = []
    groups: dict[str, str] = {}

    def make(*topics: str, group: str | None = None, **config: Any) -> Consumer:
        key = group if group is not None else f"own-{len(consumers)}"
        if key not in groups:
            groups[key] = unique_test_name("make_kafka_consumer", group or "group", "-")
        consumer = Consumer(
            {
                "bootstrap.servers": kafka_bootstrap_servers,
                "group.id": groups[key],
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "session.timeout.ms": 6000,
                **config,
            }
        )
        consumer.subscribe(list(topics))
        consumers.append(consumer)
        return consumer

    yield make
    for consumer in consumers:
        consumer.close()
    if groups:
        guard(kafka_bootstrap_servers, harness_settings)
        _wait(_kafka_admin.delete_consumer_groups(list(groups.values())))


def poll_one(consumer: Consumer, timeout: float = 10.0) -> Message:
    """The next message for ``consumer``, waiting up to ``timeout`` s (group joins take a moment).

    Fails the test when nothing arrives in time; raises on a consumer error.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = consumer.poll(0.1)
        if message is None:
            continue
        error = message.error()
        if error is not None and error.code() != KafkaError._PARTITION_EOF:
            raise KafkaException(error)
        if error is None:
            return message
    pytest.fail(f"no message arrived within {timeout:g}s")
