"""Example tests (delete with example_app/): RabbitMQ with `make_queue`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from example_app.signup_events import SignupConsumer, TransientError, publish_signup
from integration_harness.rabbitmq import wait_for_message
from pika.adapters.blocking_connection import BlockingChannel

EVENT = {"id": "evt-1", "email": "ada@example.com"}


class FlakyHandler:
    """Records handled events; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("mail service busy")
        self.handled.append(event)


def deliver(channel: BlockingChannel, queue: str, consumer: SignupConsumer) -> str:
    return consumer.process(channel, *wait_for_message(channel, queue))


@pytest.fixture
def signups(make_queue: Callable[..., str]) -> tuple[str, str]:
    """A signups queue whose rejected messages go to its own dead-letter queue."""
    dead_letters = make_queue("signups-dlq")
    return make_queue("signups", dead_letter_to=dead_letters), dead_letters


def test_published_signup_is_handled_and_acknowledged(
    amqp_channel: BlockingChannel, signups: tuple[str, str]
) -> None:
    queue, _ = signups
    handler = FlakyHandler()
    publish_signup(amqp_channel, queue, EVENT)

    assert deliver(amqp_channel, queue, SignupConsumer(handler)) == "handled"

    assert handler.handled == [EVENT]
    assert amqp_channel.queue_declare(queue, passive=True).method.message_count == 0


def test_poison_message_is_dead_lettered(
    amqp_channel: BlockingChannel, signups: tuple[str, str]
) -> None:
    queue, dead_letters = signups
    handler = FlakyHandler()
    amqp_channel.basic_publish("", queue, b"{not json")

    assert deliver(amqp_channel, queue, SignupConsumer(handler)) == "rejected"

    _, _, body = wait_for_message(amqp_channel, dead_letters)
    assert body == b"{not json"
    assert handler.handled == []


def test_transient_failure_is_redelivered_once_then_handled(
    amqp_channel: BlockingChannel, signups: tuple[str, str]
) -> None:
    queue, _ = signups
    handler = FlakyHandler(failures=1)
    consumer = SignupConsumer(handler)
    publish_signup(amqp_channel, queue, EVENT)

    assert deliver(amqp_channel, queue, consumer) == "requeued"
    method, properties, body = wait_for_message(amqp_channel, queue)
    assert method.redelivered
    assert consumer.process(amqp_channel, method, properties, body) == "handled"

    assert handler.handled == [EVENT]


def test_repeated_transient_failure_is_dead_lettered(
    amqp_channel: BlockingChannel, signups: tuple[str, str]
) -> None:
    queue, dead_letters = signups
    consumer = SignupConsumer(FlakyHandler(failures=2))
    publish_signup(amqp_channel, queue, EVENT)

    assert deliver(amqp_channel, queue, consumer) == "requeued"
    assert deliver(amqp_channel, queue, consumer) == "rejected"

    _, properties, _ = wait_for_message(amqp_channel, dead_letters)
    assert properties.message_id == "evt-1"


def test_same_event_twice_has_one_effect(
    amqp_channel: BlockingChannel, signups: tuple[str, str]
) -> None:
    queue, _ = signups
    handler = FlakyHandler()
    consumer = SignupConsumer(handler)
    publish_signup(amqp_channel, queue, EVENT)
    publish_signup(amqp_channel, queue, EVENT)

    outcomes = [deliver(amqp_channel, queue, consumer) for _ in range(2)]

    assert outcomes == ["handled", "duplicate"]
    assert handler.handled == [EVENT]
