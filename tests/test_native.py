"""The native stand-ins for the compose services start empty, as the compose services do
(their data is on tmpfs): what a killed run left never fails the next run's leak audit.

A CI run that was killed mid-test left Kafka topics in the native broker's data dir;
the next run on that machine started the broker on the same data and every suite's
"clean before the run" audit failed. Each case below leaves what a killed test leaves,
stops the server, starts it with ``python -m native start``, and audits.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

import nats
import psycopg
import pymysql
import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from native.common import ROOT, native_service
from tests.audit import leftovers

KILLED = "test-main-killed-0000000abcdef"


def leave_postgres_database() -> None:
    with psycopg.connect(native_service("postgres").url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app_test_killedrun")


def leave_mariadb_database() -> None:
    service = native_service("mariadb")
    with (
        pymysql.connect(
            host="127.0.0.1",
            port=service.port,
            user=service.user,
            password=service.password,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("CREATE DATABASE app_test_killedrun")


def leave_kafka_topic() -> None:
    admin = AdminClient({"bootstrap.servers": native_service("kafka").url})
    admin.create_topics([NewTopic(KILLED, 1, 1)])[KILLED].result(15)


def leave_nats_stream() -> None:
    async def add() -> None:
        client = await nats.connect(native_service("nats").url, allow_reconnect=False)
        try:
            await client.jetstream().add_stream(name=KILLED, subjects=[f"{KILLED}.>"])
        finally:
            await client.close()

    asyncio.run(add())


LEAVE = {
    "postgres": leave_postgres_database,
    "mariadb": leave_mariadb_database,
    "kafka": leave_kafka_topic,
    "nats": leave_nats_stream,
}


def native(action: str, service: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "native", action, service],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("service", LEAVE)
def test_a_restarted_native_server_starts_without_a_killed_runs_leftovers(
    service: str,
) -> None:
    assert leftovers([service]) == {}, "services were not clean before the test"
    LEAVE[service]()
    assert leftovers([service]), "the leftover was not made"

    native("stop", service)
    native("start", service)

    assert leftovers([service]) == {}
