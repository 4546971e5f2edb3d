"""Leak audit of Redis: keys in any logical database."""

from __future__ import annotations

import redis

from native.common import native_service


def leftovers() -> dict[int, int]:
    """``{index: keys}`` of every non-empty logical database."""
    found = {}
    with redis.Redis.from_url(native_service("redis").url) as client:
        databases = int(client.config_get("databases")["databases"])
        for index in range(databases):
            client.execute_command("SELECT", index)
            if size := client.dbsize():
                found[index] = size
    return found
