"""Example tests (delete with example_app/): Kafka with `make_kafka_topic` and consumers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from example_app.shipment_events import (
    ShipmentConsumer,
    TransientError,
    publish_shipment,
)
from integration_harness.kafka import poll_one

EVENT = {"id": "evt-1", "order_id": 42, "status": "shipped"}


class FlakyHandler:
    """Records handled events; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("warehouse API busy")
        self.handled.append(event)


@pytest.fixture
def shipments(
    make_kafka_topic: Callable[..., str],
    make_kafka_consumer: Callable[..., Consumer],
    kafka_producer: Producer,
) -> tuple[str, str, Consumer]:
    """A shipments topic, its dead-letter topic, and a consumer of the first."""
    topic = make_kafka_topic("shipments")
    return topic, make_kafka_topic("shipments-dlq"), make_kafka_consumer(topic)


def committed_offset(consumer: Consumer, topic: str) -> int:
    (partition,) = consumer.committed([TopicPartition(topic, 0)], timeout=10)
    return partition.offset


def test_published_event_is_handled_and_committed(
    kafka_producer: Producer, shipments: tuple[str, str, Consumer]
) -> None:
    topic, dead_letters, consumer = shipments
    handler = FlakyHandler()
    worker = ShipmentConsumer(consumer, kafka_producer, dead_letters, handler)
    publish_shipment(kafka_producer, topic, EVENT)

    assert worker.process(poll_one(consumer)) == "handled"

    assert handler.handled == [EVENT]
    assert committed_offset(consumer, topic) == 1


def test_poison_message_goes_to_the_dead_letter_topic(
    kafka_producer: Producer,
    shipments: tuple[str, str, Consumer],
    make_kafka_consumer: Callable[..., Consumer],
) -> None:
    topic, dead_letters, consumer = shipments
    handler = FlakyHandler()
    worker = ShipmentConsumer(consumer, kafka_producer, dead_letters, handler)
    kafka_producer.produce(topic, b"{not json", key=b"42")
    kafka_producer.flush(10)

    assert worker.process(poll_one(consumer)) == "dead-lettered"

    dead = poll_one(make_kafka_consumer(dead_letters))
    assert dead.value() == b"{not json"
    assert dict(dead.headers() or [])["error"] == b"JSONDecodeError"
    assert committed_offset(consumer, topic) == 1
    assert handler.handled == []


def test_transient_failure_is_read_again_then_handled(
    kafka_producer: Producer, shipments: tuple[str, str, Consumer]
) -> None:
    topic, dead_letters, consumer = shipments
    handler = FlakyHandler(failures=1)
    worker = ShipmentConsumer(consumer, kafka_producer, dead_letters, handler)
    publish_shipment(kafka_producer, topic, EVENT)

    first = poll_one(consumer)
    assert worker.process(first) == "retry"
    again = poll_one(consumer)
    assert again.offset() == first.offset()
    assert worker.process(again) == "handled"

    assert handler.handled == [EVENT]


def test_same_event_twice_has_one_effect(
    kafka_producer: Producer, shipments: tuple[str, str, Consumer]
) -> None:
    topic, dead_letters, consumer = shipments
    handler = FlakyHandler()
    worker = ShipmentConsumer(consumer, kafka_producer, dead_letters, handler)
    publish_shipment(kafka_producer, topic, EVENT)
    publish_shipment(kafka_producer, topic, EVENT)

    outcomes = [worker.process(poll_one(consumer)) for _ in range(2)]

    assert outcomes == ["handled", "duplicate"]
    assert handler.handled == [EVENT]
    assert committed_offset(consumer, topic) == 2
