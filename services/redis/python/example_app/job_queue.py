"""Example component (delete me): a job queue on Redis Streams with a consumer group.

A worker takes new jobs with XREADGROUP and acknowledges them with XACK. A job
whose handler failed stays pending; the next round reclaims it with XAUTOCLAIM
(its delivery count goes up) until it is handled or, after ``max_deliveries``,
moved to a dead-letter stream. Handled job ids are kept in a set, so the same
job enqueued twice has one effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis


class TransientError(Exception):
    """The handler may succeed if the job is delivered again."""


def enqueue(client: redis.Redis, stream: str, job: dict[str, Any]) -> str:
    """Append ``job`` (with an ``id``) to ``stream``; return the entry id."""
    return client.xadd(stream, {"body": json.dumps(job)})


@dataclass
class JobWorker:
    """One consumer of ``group`` on ``stream``."""

    client: redis.Redis
    stream: str
    handle: Callable[[dict[str, Any]], None]
    group: str = "workers"
    consumer: str = "worker-1"
    max_deliveries: int = 2

    @property
    def dead_letters(self) -> str:
        return f"{self.stream}:dead"

    @property
    def done(self) -> str:
        return f"{self.stream}:done"

    def create_group(self) -> None:
        """Create the consumer group (and the stream) unless they exist."""
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def work_once(self, block_ms: int = 1000) -> list[str]:
        """Process pending jobs to retry, or else new ones; return what happened to each."""
        _, entries, _ = self.client.xautoclaim(
            self.stream, self.group, self.consumer, min_idle_time=0, count=10
        )
        if not entries:
            reply = self.client.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=10, block=block_ms
            )
            entries = reply[0][1] if reply else []
        return [self._process(entry_id, fields) for entry_id, fields in entries]

    def _deliveries(self, entry_id: str) -> int:
        (pending,) = self.client.xpending_range(
            self.stream, self.group, entry_id, entry_id, 1
        )
        return int(pending["times_delivered"])

    def _finish(self, entry_id: str, outcome: str) -> str:
        self.client.xack(self.stream, self.group, entry_id)
        return outcome

    def _process(self, entry_id: str, fields: dict[str, str]) -> str:
        try:
            job = json.loads(fields["body"])
            job_id = str(job["id"])
        except (ValueError, KeyError, TypeError):
            self.client.xadd(self.dead_letters, fields)
            return self._finish(entry_id, "dead-lettered")
        if self.client.sismember(self.done, job_id):
            return self._finish(entry_id, "duplicate")
        try:
            self.handle(job)
        except TransientError:
            if self._deliveries(entry_id) >= self.max_deliveries:
                self.client.xadd(self.dead_letters, fields)
                return self._finish(entry_id, "dead-lettered")
            return "left pending"
        self.client.sadd(self.done, job_id)
        return self._finish(entry_id, "handled")
