"""Leak audit of RabbitMQ: queues the tests made (``test....``) that still exist."""

from __future__ import annotations

from native.common import native_service
from services.rabbitmq import native
from tests.audit import made_by_tests

QUEUE_PREFIX = "test."


def leftovers() -> dict[str, int]:
    """``{queue name: 1}`` of each test queue still on the server."""
    names = native.queue_names(native_service("rabbitmq"))
    return made_by_tests(names, QUEUE_PREFIX)
