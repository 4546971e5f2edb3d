"""Example tests (delete with example_app/): SQS (moto) with `make_sqs_queue`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from example_app.invoice_jobs import InvoiceWorker, TransientError, send_invoice_job
from integration_harness.aws import dead_letter_queue_url, receive_one

JOB = {"id": "inv-1", "customer": "ada@example.com", "amount": 4200}


class FlakyHandler:
    """Records handled jobs; raises TransientError for the first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.handled: list[dict[str, Any]] = []

    def __call__(self, job: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise TransientError("PDF renderer busy")
        self.handled.append(job)


@pytest.fixture
def sqs(aws_client: Callable[[str], Any]) -> Any:
    return aws_client("sqs")


def messages_left(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
        ],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def test_sent_job_is_handled_and_deleted(
    sqs: Any, make_sqs_queue: Callable[..., str]
) -> None:
    queue = make_sqs_queue("invoices")
    handler = FlakyHandler()
    send_invoice_job(sqs, queue, JOB)

    outcome = InvoiceWorker(handler).process(sqs, queue, receive_one(sqs, queue))

    assert outcome == "handled"
    assert handler.handled == [JOB]
    assert messages_left(sqs, queue) == 0


def test_poison_message_is_moved_to_the_dead_letter_queue(
    sqs: Any, make_sqs_queue: Callable[..., str]
) -> None:
    queue = make_sqs_queue("invoices", dead_letter_after=1)
    handler = FlakyHandler()
    sqs.send_message(QueueUrl=queue, MessageBody="{not json")

    outcome = InvoiceWorker(handler).process(sqs, queue, receive_one(sqs, queue))

    assert outcome == "rejected"
    # SQS moves a message past its last allowed receive on the next receive attempt.
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)
    dead = receive_one(sqs, dead_letter_queue_url(sqs, queue))
    assert dead["Body"] == "{not json"
    assert messages_left(sqs, queue) == 0
    assert handler.handled == []


def test_transient_failure_is_received_again_then_handled(
    sqs: Any, make_sqs_queue: Callable[..., str]
) -> None:
    queue = make_sqs_queue("invoices", dead_letter_after=3)
    handler = FlakyHandler(failures=1)
    worker = InvoiceWorker(handler)
    send_invoice_job(sqs, queue, JOB)

    assert worker.process(sqs, queue, receive_one(sqs, queue)) == "retry"
    again = receive_one(sqs, queue)
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert worker.process(sqs, queue, again) == "handled"

    assert handler.handled == [JOB]


def test_same_job_twice_has_one_effect(
    sqs: Any, make_sqs_queue: Callable[..., str]
) -> None:
    queue = make_sqs_queue("invoices")
    handler = FlakyHandler()
    worker = InvoiceWorker(handler)
    send_invoice_job(sqs, queue, JOB)
    send_invoice_job(sqs, queue, JOB)

    outcomes = [worker.process(sqs, queue, receive_one(sqs, queue)) for _ in range(2)]

    assert outcomes == ["handled", "duplicate"]
    assert handler.handled == [JOB]
    assert messages_left(sqs, queue) == 0
