"""Example component (delete me): signup events over RabbitMQ, handled once each.

`SignupConsumer.process` has pika's consumer-callback signature, so it can be
given to ``channel.basic_consume`` in the application and called directly in tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel


class TransientError(Exception):
    """The handler may succeed if the message is delivered again."""


def publish_signup(channel: BlockingChannel, queue: str, event: dict[str, Any]) -> None:
    """Publish ``event`` (with an ``id``) as persistent JSON to ``queue``."""
    channel.basic_publish(
        exchange="",
        routing_key=queue,
        body=json.dumps(event).encode(),
        properties=pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=str(event["id"]),
        ),
        mandatory=True,
    )


@dataclass
class SignupConsumer:
    """Acks what it handled; retries a transient failure once; dead-letters the rest.

    ``seen`` remembers handled event ids so a redelivered or duplicated event
    has one effect (kept in memory here; a table in a real service).
    """

    handle: Callable[[dict[str, Any]], None]
    seen: set[str] = field(default_factory=set)

    def process(
        self,
        channel: BlockingChannel,
        method: Any,
        properties: pika.BasicProperties,
        body: bytes,
    ) -> str:
        """Handle one delivery; return "handled", "duplicate", "requeued" or "rejected"."""
        tag = method.delivery_tag
        try:
            event = json.loads(body)
            event_id = str(event["id"])
        except (ValueError, KeyError, TypeError):
            channel.basic_nack(tag, requeue=False)
            return "rejected"
        if event_id in self.seen:
            channel.basic_ack(tag)
            return "duplicate"
        try:
            self.handle(event)
        except TransientError:
            channel.basic_nack(tag, requeue=not method.redelivered)
            return "rejected" if method.redelivered else "requeued"
        self.seen.add(event_id)
        channel.basic_ack(tag)
        return "handled"
