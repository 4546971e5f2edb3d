"""Example component (delete me): invoice jobs over SQS, each handled once.

`InvoiceWorker.process` takes one received message, as a polling loop in the
application would hand it over, and says what it did with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class TransientError(Exception):
    """The handler may succeed if the job is delivered again."""


def send_invoice_job(sqs: Any, queue_url: str, job: dict[str, Any]) -> str:
    """Send ``job`` (with an ``id``) as JSON; return the SQS message id."""
    response = sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(job),
        MessageAttributes={
            "job_id": {"DataType": "String", "StringValue": str(job["id"])}
        },
    )
    return response["MessageId"]


@dataclass
class InvoiceWorker:
    """Deletes what it handled; makes a failed job visible again at once.

    A message that is not valid JSON is left on the queue too: the queue's
    redrive policy moves it to the dead-letter queue after its last allowed
    receive. ``seen`` remembers handled job ids so a duplicated job has one
    effect (kept in memory here; a table in a real service).
    """

    handle: Callable[[dict[str, Any]], None]
    seen: set[str] = field(default_factory=set)

    def process(self, sqs: Any, queue_url: str, message: dict[str, Any]) -> str:
        """Handle one message; return "handled", "duplicate", "retry" or "rejected"."""
        receipt = message["ReceiptHandle"]
        try:
            job = json.loads(message["Body"])
            job_id = str(job["id"])
        except (ValueError, KeyError, TypeError):
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
            return "rejected"
        if job_id in self.seen:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
            return "duplicate"
        try:
            self.handle(job)
        except TransientError:
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )
            return "retry"
        self.seen.add(job_id)
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)
        return "handled"
