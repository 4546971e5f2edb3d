"""Example tests (delete with example_app/): MQTT with `make_topic` and `make_client`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from example_app.telemetry import (
    TelemetryConsumer,
    TransientError,
    publish_reading,
    subscribe,
)
from integration_harness.mqtt import Inbox, client_id, wait_until

READING = {"id": "r-1", "device": "thermostat-7", "celsius": 21.5}


class FlakyHandler:
    """Records handled readings; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, reading: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("storage busy")
        self.handled.append(reading)


def start_consumer(
    make_client: Callable[..., mqtt.Client],
    consumer: TelemetryConsumer,
    topic: str,
    **options,
) -> mqtt.Client:
    client = make_client(
        "consumer", manual_ack=True, on_message=consumer.on_message, **options
    )
    subscribe(client, topic)
    return client


def test_published_reading_is_handled(
    make_topic: Callable[[str], str], make_client, mqtt_client: mqtt.Client
) -> None:
    prefix = make_topic("telemetry")
    handler = FlakyHandler()
    consumer = TelemetryConsumer(handler, dead_letter_topic=f"{prefix}/dead")
    start_consumer(make_client, consumer, f"{prefix}/readings")

    publish_reading(mqtt_client, f"{prefix}/readings", READING)

    wait_until(lambda: consumer.outcomes)
    assert consumer.outcomes == [("handled", False)]
    assert handler.handled == [READING]


def test_unreadable_reading_is_dead_lettered(
    make_topic: Callable[[str], str], make_client, mqtt_client: mqtt.Client
) -> None:
    prefix = make_topic("telemetry")
    dead_letters = Inbox(mqtt_client, f"{prefix}/dead")
    consumer = TelemetryConsumer(FlakyHandler(), dead_letter_topic=f"{prefix}/dead")
    start_consumer(make_client, consumer, f"{prefix}/readings")

    mqtt_client.publish(f"{prefix}/readings", b"{not json", qos=1).wait_for_publish(5)

    assert dead_letters.next().payload == b"{not json"
    assert consumer.outcomes == [("dead-lettered", False)]


def test_unacknowledged_reading_is_redelivered_when_the_session_resumes(
    make_topic: Callable[[str], str], make_client, mqtt_client: mqtt.Client
) -> None:
    prefix = make_topic("telemetry")
    handler = FlakyHandler(failures=1)
    consumer = TelemetryConsumer(handler, dead_letter_topic=f"{prefix}/dead")
    first = start_consumer(make_client, consumer, f"{prefix}/readings", persistent=True)
    publish_reading(mqtt_client, f"{prefix}/readings", READING)
    wait_until(lambda: consumer.outcomes)

    first.disconnect()
    first.loop_stop()
    make_client(
        client_id=client_id(first),
        persistent=True,
        manual_ack=True,
        on_message=consumer.on_message,
    )

    wait_until(lambda: len(consumer.outcomes) == 2)
    assert consumer.outcomes == [("left for redelivery", False), ("handled", True)]
    assert handler.handled == [READING]


def test_same_reading_twice_has_one_effect(
    make_topic: Callable[[str], str], make_client, mqtt_client: mqtt.Client
) -> None:
    prefix = make_topic("telemetry")
    handler = FlakyHandler()
    consumer = TelemetryConsumer(handler, dead_letter_topic=f"{prefix}/dead")
    start_consumer(make_client, consumer, f"{prefix}/readings")

    publish_reading(mqtt_client, f"{prefix}/readings", READING)
    publish_reading(mqtt_client, f"{prefix}/readings", READING)

    wait_until(lambda: len(consumer.outcomes) == 2)
    assert [outcome for outcome, _ in consumer.outcomes] == ["handled", "duplicate"]
    assert handler.handled == [READING]


def test_retained_status_reaches_late_subscribers(
    make_topic: Callable[[str], str], mqtt_client: mqtt.Client, make_client
) -> None:
    prefix = make_topic("devices")
    mqtt_client.publish(
        f"{prefix}/status", b"online", qos=1, retain=True
    ).wait_for_publish(5)

    late = Inbox(make_client("late-subscriber"), f"{prefix}/status")

    message = late.next()
    assert (message.payload, message.retain) == (b"online", True)
