"""Example component (delete me): order events over NATS JetStream, each handled once.

Publishing sets ``Nats-Msg-Id`` to the event id, so JetStream itself drops a
second publish of the same event within its duplicate window. The consumer
acknowledges what it handled, asks for redelivery after a transient failure,
and moves what it cannot handle to a dead-letter subject.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext


class TransientError(Exception):
    """The handler may succeed if the message is delivered again."""


async def publish_order(
    jetstream: JetStreamContext, subject: str, event: dict[str, Any]
) -> bool:
    """Publish ``event`` (with an ``id``); False when JetStream dropped it as a duplicate."""
    ack = await jetstream.publish(
        subject, json.dumps(event).encode(), headers={"Nats-Msg-Id": str(event["id"])}
    )
    return not ack.duplicate


@dataclass
class OrderConsumer:
    """Handles order events; gives up on a message after ``max_deliveries`` attempts."""

    handle: Callable[[dict[str, Any]], None]
    dead_letter_subject: str
    max_deliveries: int = 2

    async def _dead_letter(self, jetstream: JetStreamContext, msg: Msg) -> str:
        await jetstream.publish(self.dead_letter_subject, msg.data)
        await msg.term()
        return "dead-lettered"

    async def process(self, jetstream: JetStreamContext, msg: Msg) -> str:
        """Handle one delivery; return "handled", "redelivery requested" or "dead-lettered"."""
        try:
            event = json.loads(msg.data)
            event["id"]
        except (ValueError, KeyError, TypeError):
            return await self._dead_letter(jetstream, msg)
        try:
            self.handle(event)
        except TransientError:
            if msg.metadata.num_delivered >= self.max_deliveries:
                return await self._dead_letter(jetstream, msg)
            await msg.nak()
            return "redelivery requested"
        await msg.ack_sync()  # wait for the server: no second delivery after this
        return "handled"
