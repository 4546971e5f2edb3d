"""Leak audit: what the generated suites left behind on the native services."""

from __future__ import annotations

import asyncio

import nats
import psycopg
import pymysql
import redis

from native.common import native_service
from services.rabbitmq import native as native_rabbitmq

QUEUE_PREFIX = "test."
# The harness keeps its schema digest here on purpose (one row per test database).
SCHEMA_TABLE = "integration_harness_schema"


def leftover_rows() -> dict[str, int]:
    """Non-empty user tables in the test database, and per-worker databases not dropped."""
    found: dict[str, int] = {}
    with psycopg.connect(native_service("postgres").url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            if table == SCHEMA_TABLE:
                continue
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


def leftover_mysql_rows() -> dict[str, int]:
    """The same for MariaDB (which also serves the MySQL choice here)."""
    found: dict[str, int] = {}
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
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema LIKE 'app\\_test%' AND table_type = 'BASE TABLE'"
        )
        for schema, table in cursor.fetchall():
            if table == SCHEMA_TABLE:
                continue
            cursor.execute(f"SELECT count(*) FROM `{schema}`.`{table}`")
            if count := cursor.fetchone()[0]:
                found[f"{schema}.{table}"] = count
        cursor.execute("SHOW DATABASES LIKE 'app\\_test\\_%'")
        for (name,) in cursor.fetchall():
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


def leftover_retained() -> list[str]:
    """Retained MQTT messages under ``test/`` that the tests left."""
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    marker = "test/__audit_end__"
    found: list[str] = []
    done, subscribed = threading.Event(), threading.Event()

    def on_message(client, userdata, message):
        if message.topic == marker:
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
        client.publish(marker, b"", qos=1).wait_for_publish(5)
        assert done.wait(5)
    finally:
        client.disconnect()
        client.loop_stop()
    return found


def leftover_aws() -> list[str]:
    """SQS queues and S3 buckets the tests made (``test-...``) that still exist."""
    import boto3

    options = {
        "endpoint_url": native_service("aws").url,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    queues = boto3.client("sqs", **options).list_queues().get("QueueUrls", [])
    buckets = boto3.client("s3", **options).list_buckets().get("Buckets", [])
    names = [url.rsplit("/", 1)[-1] for url in queues] + [b["Name"] for b in buckets]
    return [name for name in names if name.startswith("test-")]


def leftover_http_stubs() -> list[str]:
    """WireMock stubs and recorded requests of tests (``/test-...``) still on the server."""
    import httpx

    url = native_service("http_mock").url
    mappings = httpx.get(f"{url}/__admin/mappings", timeout=5).json()["mappings"]
    requests = httpx.get(f"{url}/__admin/requests", timeout=5).json()["requests"]
    paths = [m["request"].get("urlPath", "") for m in mappings]
    paths += [r["request"]["url"] for r in requests]
    return [path for path in paths if path.startswith("/test-")]


def leftover_mail() -> list[str]:
    """Captured e-mails sent to test addresses (``+test-...@``) still on the server."""
    import httpx

    messages = httpx.get(f"{native_service('mail').url}/email", timeout=5).json()
    return [
        r["address"]
        for message in messages
        for r in message["envelope"]["to"]
        if "+test-" in r["address"]
    ]


def leftover_kafka() -> list[str]:
    """Topics and consumer groups the tests made (``test-...``) that still exist."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": native_service("kafka").url})
    topics = list(admin.list_topics(timeout=10).topics)
    groups = [g.group_id for g in admin.list_consumer_groups().result(10).valid]
    return [name for name in topics + groups if name.startswith("test-")]


CHECKS = {
    "postgres": leftover_rows,
    "mysql": leftover_mysql_rows,
    "mariadb": leftover_mysql_rows,
    "redis": leftover_keys,
    "rabbitmq": leftover_queues,
    "nats": leftover_streams,
    "mqtt": leftover_retained,
    "kafka": leftover_kafka,
    "aws": leftover_aws,
    "http_mock": leftover_http_stubs,
    "mail": leftover_mail,
}


def leftovers(services: list[str]) -> dict[str, object]:
    """Everything the audit finds for ``services``; empty when nothing was left."""
    return {name: found for name in services if (found := CHECKS[name]())}
