"""Leak audit of the AWS emulator: SQS queues and S3 buckets the tests made (``test-...``)."""

from __future__ import annotations

import boto3

from native.common import native_service
from tests.audit import made_by_tests


def leftovers() -> dict[str, int]:
    """``{queue or bucket name: how many}`` of each test queue and bucket still there."""
    options = {
        "endpoint_url": native_service("aws").url,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    queues = boto3.client("sqs", **options).list_queues().get("QueueUrls", [])
    buckets = boto3.client("s3", **options).list_buckets().get("Buckets", [])
    names = [url.rsplit("/", 1)[-1] for url in queues] + [b["Name"] for b in buckets]
    return made_by_tests(names)
