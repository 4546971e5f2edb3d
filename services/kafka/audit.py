"""Leak audit of Kafka: topics and consumer groups the tests made (``test-...``)."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, NewTopic

from native.common import native_service
from tests.audit import KILLED_RUN_NAME, made_by_tests


def leftovers() -> dict[str, int]:
    """``{topic or group name: how many}`` of each test topic and consumer group still there."""
    admin = AdminClient({"bootstrap.servers": native_service("kafka").url})
    topics = list(admin.list_topics(timeout=10).topics)
    groups = [g.group_id for g in admin.list_consumer_groups().result(10).valid]
    return made_by_tests(topics + groups)


def make_leftover() -> None:
    """Leave what a killed run leaves: a test topic (for tests/test_native.py)."""
    admin = AdminClient({"bootstrap.servers": native_service("kafka").url})
    admin.create_topics([NewTopic(KILLED_RUN_NAME, 1, 1)])[KILLED_RUN_NAME].result(15)
