"""Example tests (delete with example_app/): Redis Streams with `make_redis_stream`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_client
from example_app.job_queue import JobWorker, TransientError, enqueue

JOB = {"id": "job-1", "kind": "send-invoice"}


class FlakyHandler:
    """Records handled jobs; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, job: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("mail server busy")
        self.handled.append(job)


@pytest.fixture
def jobs(make_redis_stream: Callable[[str], str]) -> str:
    return make_redis_stream("jobs")


def worker_for(
    client: redis_client.Redis, stream: str, handler: FlakyHandler
) -> JobWorker:
    worker = JobWorker(client, stream, handler)
    worker.create_group()
    return worker


def test_enqueued_job_is_handled_and_acknowledged(
    redis: redis_client.Redis, jobs: str
) -> None:
    handler = FlakyHandler()
    worker = worker_for(redis, jobs, handler)
    enqueue(redis, jobs, JOB)

    assert worker.work_once() == ["handled"]

    assert handler.handled == [JOB]
    assert redis.xpending(jobs, worker.group)["pending"] == 0


def test_unreadable_job_is_dead_lettered(redis: redis_client.Redis, jobs: str) -> None:
    handler = FlakyHandler()
    worker = worker_for(redis, jobs, handler)
    redis.xadd(jobs, {"body": "{not json"})

    assert worker.work_once() == ["dead-lettered"]

    ((_, fields),) = redis.xrange(worker.dead_letters)
    assert fields == {"body": "{not json"}
    assert handler.handled == []


def test_failed_job_is_retried_then_handled(
    redis: redis_client.Redis, jobs: str
) -> None:
    handler = FlakyHandler(failures=1)
    worker = worker_for(redis, jobs, handler)
    enqueue(redis, jobs, JOB)

    outcomes = worker.work_once() + worker.work_once()

    assert outcomes == ["left pending", "handled"]
    assert handler.handled == [JOB]


def test_job_failing_every_time_is_dead_lettered(
    redis: redis_client.Redis, jobs: str
) -> None:
    worker = worker_for(redis, jobs, FlakyHandler(failures=5))
    enqueue(redis, jobs, JOB)

    outcomes = worker.work_once() + worker.work_once()

    assert outcomes == ["left pending", "dead-lettered"]
    assert redis.xlen(worker.dead_letters) == 1


def test_same_job_twice_has_one_effect(redis: redis_client.Redis, jobs: str) -> None:
    handler = FlakyHandler()
    worker = worker_for(redis, jobs, handler)
    enqueue(redis, jobs, JOB)
    enqueue(redis, jobs, JOB)

    assert worker.work_once() == ["handled", "duplicate"]
    assert handler.handled == [JOB]
