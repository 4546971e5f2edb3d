"""Leak audit of NATS: JetStream streams the tests made (``test-...``) that still exist."""

from __future__ import annotations

import asyncio

import nats

from native.common import native_service
from tests.audit import made_by_tests


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
