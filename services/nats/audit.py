"""Leak audit of NATS: JetStream streams the tests made (``test-...``) that still exist."""

from __future__ import annotations

import asyncio

import nats

from native.common import native_service
from tests.audit import KILLED_RUN_NAME, made_by_tests


def leftovers() -> dict[str, int]:
    """``{stream name: 1}`` of each test stream still on the server."""

    async def names() -> list[str]:
        client = await nats.connect(native_service("nats").url, allow_reconnect=False)
        try:
            return [
                info.config.name for info in await client.jetstream().streams_info()
            ]
        finally:
            await client.close()

    return made_by_tests(asyncio.run(names()))


def make_leftover() -> None:
    """Leave what a killed run leaves: a test stream (for tests/test_native.py)."""

    async def add() -> None:
        client = await nats.connect(native_service("nats").url, allow_reconnect=False)
        try:
            await client.jetstream().add_stream(
                name=KILLED_RUN_NAME, subjects=[f"{KILLED_RUN_NAME}.>"]
            )
        finally:
            await client.close()

    asyncio.run(add())
