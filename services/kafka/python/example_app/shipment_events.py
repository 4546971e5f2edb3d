"""Example component (delete me): shipment events on Kafka, each handled once.

Kafka has no dead-letter queue of its own: a message that can never be handled
is copied to a dead-letter topic and its offset committed, so it no longer
blocks its partition. A transient failure commits nothing and seeks back, so
the same message is read again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, Message, Producer, TopicPartition


class TransientError(Exception):
    """The handler may succeed if the event is read again."""


def publish_shipment(producer: Producer, topic: str, event: dict[str, Any]) -> None:
    """Publish ``event`` as JSON, keyed by its order (one order's events stay in order)."""
    producer.produce(
        topic, json.dumps(event).encode(), key=str(event["order_id"]).encode()
    )
    producer.flush(10)


@dataclass
class ShipmentConsumer:
    """Commits what it handled; dead-letters what it cannot parse; retries the rest.

    ``seen`` remembers handled event ids so a duplicate has one effect (kept in
    memory here; a table in a real service).
    """

    consumer: Consumer
    producer: Producer
    dead_letter_topic: str
    handle: Callable[[dict[str, Any]], None]
    seen: set[str] = field(default_factory=set)

    def process(self, message: Message) -> str:
        """Handle one message; return "handled", "duplicate", "retry" or "dead-lettered"."""
        try:
            event = json.loads(message.value() or b"")
            event_id = str(event["id"])
        except (ValueError, KeyError, TypeError) as error:
            self.producer.produce(
                self.dead_letter_topic,
                message.value(),
                key=message.key(),
                headers=[("error", type(error).__name__.encode())],
            )
            self.producer.flush(10)
            self.consumer.commit(message, asynchronous=False)
            return "dead-lettered"
        if event_id in self.seen:
            self.consumer.commit(message, asynchronous=False)
            return "duplicate"
        try:
            self.handle(event)
        except TransientError:
            self.consumer.seek(
                TopicPartition(message.topic(), message.partition(), message.offset())
            )
            return "retry"
        self.seen.add(event_id)
        self.consumer.commit(message, asynchronous=False)
        return "handled"
