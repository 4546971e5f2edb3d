"""Example component (delete me): device telemetry over MQTT, each reading handled once.

The consumer's client uses manual acknowledgements (``manual_ack=True``) and a
persistent session: a reading it could not handle is not acknowledged, so the
broker delivers it again when the session resumes. Readings it can never
handle go to a dead-letter topic.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt


class TransientError(Exception):
    """The handler may succeed if the reading is delivered again."""


def publish_reading(client: mqtt.Client, topic: str, reading: dict[str, Any]) -> None:
    """Publish ``reading`` (with an ``id``) at QoS 1 and wait until the broker has it."""
    client.publish(topic, json.dumps(reading), qos=1).wait_for_publish(5)


def subscribe(client: mqtt.Client, topic: str) -> None:
    """Subscribe at QoS 1 and wait for the broker's acknowledgement."""
    done = threading.Event()
    client.on_subscribe = lambda *args: done.set()
    client.subscribe(topic, qos=1)
    if not done.wait(5):
        raise TimeoutError(f"no SUBACK for {topic}")


@dataclass
class TelemetryConsumer:
    """Use ``on_message`` as the paho callback of a ``manual_ack=True`` client."""

    handle: Callable[[dict[str, Any]], None]
    dead_letter_topic: str
    seen: set[str] = field(default_factory=set)
    outcomes: list[tuple[str, bool]] = field(default_factory=list)

    def on_message(
        self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage
    ) -> None:
        self.outcomes.append((self._process(client, message), message.dup))

    def _process(self, client: mqtt.Client, message: mqtt.MQTTMessage) -> str:
        try:
            reading = json.loads(message.payload)
            reading_id = str(reading["id"])
        except (ValueError, KeyError, TypeError):
            client.publish(self.dead_letter_topic, message.payload, qos=1)
            client.ack(message.mid, message.qos)
            return "dead-lettered"
        if reading_id in self.seen:
            client.ack(message.mid, message.qos)
            return "duplicate"
        try:
            self.handle(reading)
        except TransientError:
            return "left for redelivery"  # not acknowledged: delivered again later
        self.seen.add(reading_id)
        client.ack(message.mid, message.qos)
        return "handled"
