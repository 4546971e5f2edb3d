"""Example tests (delete with example_app/): NATS JetStream with `make_stream` (async)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from example_app.order_events import OrderConsumer, TransientError, publish_order
from integration_harness.nats import IsolatedStream
from nats.aio.client import Client

pytestmark = pytest.mark.asyncio

EVENT = {"id": "order-1", "total": 42}


class FlakyHandler:
    """Records handled events; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("warehouse busy")
        self.handled.append(event)


@pytest_asyncio.fixture
async def orders(
    make_stream: Callable[..., Awaitable[IsolatedStream]],
) -> IsolatedStream:
    return await make_stream("orders")


async def next_message(client: Client, stream: IsolatedStream, *subject: str):
    """The next message on ``subject`` through a durable pull consumer."""
    durable = "-".join(("reader", *subject))
    subscription = await client.jetstream().pull_subscribe(
        stream.subject(*subject), durable=durable, stream=stream.name
    )
    (message,) = await subscription.fetch(1, timeout=5)
    return message


async def test_published_order_is_handled_and_acknowledged(
    nats_client: Client, orders: IsolatedStream
) -> None:
    jetstream = nats_client.jetstream()
    handler = FlakyHandler()
    consumer = OrderConsumer(handler, dead_letter_subject=orders.subject("dead"))
    await publish_order(jetstream, orders.subject("created"), EVENT)

    message = await next_message(nats_client, orders, "created")

    assert await consumer.process(jetstream, message) == "handled"
    assert handler.handled == [EVENT]
    info = await jetstream.consumer_info(orders.name, "reader-created")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_same_order_published_twice_is_stored_once(
    nats_client: Client, orders: IsolatedStream
) -> None:
    jetstream = nats_client.jetstream()

    first = await publish_order(jetstream, orders.subject("created"), EVENT)
    second = await publish_order(jetstream, orders.subject("created"), EVENT)

    assert (first, second) == (True, False)
    assert (await jetstream.stream_info(orders.name)).state.messages == 1


async def test_poison_message_is_dead_lettered(
    nats_client: Client, orders: IsolatedStream
) -> None:
    jetstream = nats_client.jetstream()
    handler = FlakyHandler()
    consumer = OrderConsumer(handler, dead_letter_subject=orders.subject("dead"))
    await jetstream.publish(orders.subject("created"), b"{not json")

    message = await next_message(nats_client, orders, "created")

    assert await consumer.process(jetstream, message) == "dead-lettered"
    dead = await next_message(nats_client, orders, "dead")
    assert dead.data == b"{not json"
    assert handler.handled == []


async def test_transient_failure_is_redelivered_then_handled(
    nats_client: Client, orders: IsolatedStream
) -> None:
    jetstream = nats_client.jetstream()
    handler = FlakyHandler(failures=1)
    consumer = OrderConsumer(handler, dead_letter_subject=orders.subject("dead"))
    await publish_order(jetstream, orders.subject("created"), EVENT)

    first = await next_message(nats_client, orders, "created")
    assert await consumer.process(jetstream, first) == "redelivery requested"
    again = await next_message(nats_client, orders, "created")

    assert again.metadata.num_delivered == 2
    assert await consumer.process(jetstream, again) == "handled"
    assert handler.handled == [EVENT]


async def test_repeated_failure_is_dead_lettered(
    nats_client: Client, orders: IsolatedStream
) -> None:
    jetstream = nats_client.jetstream()
    consumer = OrderConsumer(
        FlakyHandler(failures=5), dead_letter_subject=orders.subject("dead")
    )
    await publish_order(jetstream, orders.subject("created"), EVENT)

    outcomes = [
        await consumer.process(
            jetstream, await next_message(nats_client, orders, "created")
        )
        for _ in range(2)
    ]

    assert outcomes == ["redelivery requested", "dead-lettered"]
    dead = await next_message(nats_client, orders, "dead")
    assert dead.data == b'{"id": "order-1", "total": 42}'
