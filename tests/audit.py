"""Leak audit: what the generated suites left behind on the native services."""

from __future__ import annotations

import asyncio

import nats
import psycopg
import redis

from native import rabbitmq as native_rabbitmq
from native.common import native_service

QUEUE_PREFIX = "test."


def leftover_rows() -> dict[str, int]:
    """Non-empty user tables in the test database, and per-worker databases not dropped."""
    found: dict[str, int] = {}
    with psycopg.connect(native_service("postgres").url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            (count,) = conn.execute(
                f'SELECT count(*) FROM "{schema}"."{table}"'
            ).fetchone()
            if count:
                found[f"{schema}.{table}"] = count
        for (name,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'app\\_test\\_%'"
        ):
            found[f"database {name}"] = 1
    return found


def leftover_keys() -> dict[int, int]:
    """Key counts of every non-empty logical database."""
    found = {}
    with redis.Redis.from_url(native_service("redis").url) as client:
        databases = int(client.config_get("databases")["databases"])
        for index in range(databases):
            client.execute_command("SELECT", index)
            if size := client.dbsize():
                found[index] = size
    return found


def leftover_queues() -> list[str]:
    return [
        q
        for q in native_rabbitmq.queue_names(native_service("rabbitmq"))
        if q.startswith(QUEUE_PREFIX)
    ]


def leftover_streams() -> list[str]:
    """JetStream streams the tests made (``test-...``) that still exist."""

    async def names() -> list[str]:
        client = await nats.connect(native_service("nats").url, allow_reconnect=False)
        try:
            return [
                info.config.name for info in await client.jetstream().streams_info()
            ]
        finally:
            await client.close()

    return [name for name in asyncio.run(names()) if name.startswith("test-")]


CHECKS = {
    "postgres": leftover_rows,
    "redis": leftover_keys,
    "rabbitmq": leftover_queues,
    "nats": leftover_streams,
}


def leftovers(services: list[str]) -> dict[str, object]:
    """Everything the audit finds for ``services``; empty when nothing was left."""
    return {name: found for name in services if (found := CHECKS[name]())}
