"""Leak audit of MQTT: retained messages under ``test/`` that the tests left."""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from native.common import native_service
from tests.audit import made_by_tests

MARKER = "test/__audit_end__"


def leftovers() -> dict[str, int]:
    """``{topic: 1}`` of each retained message under ``test/``.

    Subscribes to ``test/#`` and publishes a marker: the broker sends the retained
    messages first, so everything retained has arrived once the marker does.
    """
    found: list[str] = []
    done, subscribed = threading.Event(), threading.Event()

    def on_message(client, userdata, message):
        if message.topic == MARKER:
            done.set()
        elif message.retain:
            found.append(message.topic)

    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.on_message = on_message
    client.on_subscribe = lambda *args: subscribed.set()
    client.connect("127.0.0.1", native_service("mqtt").port)
    client.loop_start()
    try:
        client.subscribe("test/#", qos=1)
        assert subscribed.wait(5)
        client.publish(MARKER, b"", qos=1).wait_for_publish(5)
        assert done.wait(5)
    finally:
        client.disconnect()
        client.loop_stop()
    return made_by_tests(found, "test/")
