# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""AWS emulator fixtures (moto): ``aws_endpoint_url``, ``aws_client``,
``make_sqs_queue``, ``make_bucket``; and `receive_one`.

Clients always use fixed test credentials and the endpoint from
``TEST_AWS_ENDPOINT_URL``, never your AWS profile or environment, so a
misconfigured endpoint cannot reach a real account with real keys.

Isolation: tests never share a queue or bucket. The factories create uniquely
named ones (``test-<worker>-<purpose>-<stamp><random>``) and delete every one of them,
messages and objects included, after the test.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from .naming import unique_test_name
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable_url, guarded_url
from .services import service_of
from .settings import Settings

SERVICE = service_of("aws")
REGION = "us-east-1"
# Fixed, fake credentials: the emulator accepts any; real AWS refuses these.
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable_url(SERVICE, url, settings.allowed_hosts)


def probe(url: str, timeout: float) -> str:
    """Ask moto's own API for its version; raise NotReady / Misconfigured."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=timeout):
            pass
    except urllib.error.HTTPError as error:
        raise Misconfigured(
            f"HTTP {error.code} from {url}/moto-api/: is this a moto server?"
        ) from None
    except (OSError, ValueError) as error:
        raise NotReady(str(getattr(error, "reason", error))) from None
    return SERVICE.title


def make_client(url: str, service: str, **config: Any) -> Any:
    """A boto3 client for ``service`` on the endpoint ``url`` with the test credentials."""
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        config=Config(
            connect_timeout=5, read_timeout=10, retries={"max_attempts": 2}, **config
        ),
        **CREDENTIALS,
    )


@pytest.fixture(scope="session")
def aws_endpoint_url(harness_settings: Settings) -> str:
    """Session: URL of a ready SQS/S3-compatible endpoint (``TEST_AWS_ENDPOINT_URL``).

    Give it to code under test as ``endpoint_url`` together with test credentials.
    """
    return guarded_url(harness_settings, SERVICE.url_var, guard)


@pytest.fixture(scope="session")
def aws_client(aws_endpoint_url: str) -> Callable[[str], Any]:
    """Session: ``aws_client("sqs")`` / ``aws_client("s3")``: a cached boto3 client per service."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = make_client(aws_endpoint_url, service)
        return clients[service]

    return client


@pytest.fixture
def make_sqs_queue(
    aws_client: Callable[[str], Any], aws_endpoint_url: str, harness_settings: Settings
) -> Iterator[Callable[..., str]]:
    """Per test: ``make_sqs_queue(purpose="queue", *, dead_letter_after=None) -> queue URL``.

    Creates ``test-<worker>-<purpose>-<stamp><random>``. With ``dead_letter_after=N`` a
    second queue (returned by `dead_letter_queue_url`) receives messages that
    were received N times without being deleted. Every queue it made is deleted
    after the test, messages and all.
    """
    sqs = aws_client("sqs")
    created: list[str] = []

    def make(purpose: str = "queue", *, dead_letter_after: int | None = None) -> str:
        attributes = {"VisibilityTimeout": "30"}
        if dead_letter_after is not None:
            dead_letters = make(f"{purpose}-dlq")
            arn = sqs.get_queue_attributes(
                QueueUrl=dead_letters, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": str(dead_letter_after)}
            )
        name = unique_test_name("make_sqs_queue", purpose, "-")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        created.append(url)
        return url

    yield make
    if created:
        guard(aws_endpoint_url, harness_settings)
        for url in reversed(created):
            sqs.delete_queue(QueueUrl=url)


def dead_letter_queue_url(sqs: Any, queue_url: str) -> str:
    """The URL of the dead-letter queue ``make_sqs_queue(dead_letter_after=N)`` made."""
    policy = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["RedrivePolicy"]
    )["Attributes"]["RedrivePolicy"]
    name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


def receive_one(sqs: Any, queue_url: str, timeout: int = 5) -> dict[str, Any]:
    """The next message on ``queue_url`` (long poll up to ``timeout`` s); fails the test if none."""
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=1,
        WaitTimeSeconds=timeout,
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
    ).get("Messages", [])
    if not messages:
        pytest.fail(f"no message arrived on {queue_url} within {timeout}s")
    return messages[0]


@pytest.fixture
def make_bucket(
    aws_client: Callable[[str], Any], aws_endpoint_url: str, harness_settings: Settings
) -> Iterator[Callable[[str], str]]:
    """Per test: ``make_bucket(purpose="bucket") -> name``: a new, empty S3 bucket.

    Named ``test-<worker>-<purpose>-<stamp><random>`` (``_`` becomes ``-``, as S3
    requires). Every bucket it made is emptied and deleted after the test.
    """
    s3 = aws_client("s3")
    created: list[str] = []

    def make(purpose: str = "bucket") -> str:
        name = unique_test_name("make_bucket", purpose, "-").replace("_", "-")
        s3.create_bucket(Bucket=name)
        created.append(name)
        return name

    yield make
    if created:
        guard(aws_endpoint_url, harness_settings)
        for name in created:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
                doomed = [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                if doomed:
                    s3.delete_objects(Bucket=name, Delete={"Objects": doomed})
            s3.delete_bucket(Bucket=name)
