"""Example tests (delete with example_app/): S3 object storage (moto) with `make_bucket`."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from example_app.avatars import AvatarStore, RejectedUpload

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def avatars(
    aws_client: Callable[[str], Any], make_bucket: Callable[..., str]
) -> AvatarStore:
    return AvatarStore(aws_client("s3"), make_bucket("avatars"))


def test_uploaded_avatar_downloads_byte_for_byte(avatars: AvatarStore) -> None:
    avatars.upload(7, PNG, "image/png")

    assert avatars.download(7) == (PNG, "image/png")


def test_new_upload_replaces_the_old_one(avatars: AvatarStore) -> None:
    avatars.upload(7, PNG, "image/png")
    avatars.upload(7, b"\xff\xd8\xff jpeg", "image/jpeg")

    assert avatars.download(7) == (b"\xff\xd8\xff jpeg", "image/jpeg")


def test_user_without_avatar_gets_none(avatars: AvatarStore) -> None:
    assert avatars.download(404) is None


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(b"<svg/>", "image/svg+xml"), (b"\x00" * (512 * 1024 + 1), "image/png")],
    ids=["wrong-type", "too-large"],
)
def test_rejected_upload_stores_nothing(
    avatars: AvatarStore, data: bytes, content_type: str
) -> None:
    with pytest.raises(RejectedUpload):
        avatars.upload(7, data, content_type)

    assert avatars.download(7) is None


def test_share_link_serves_the_avatar_over_http(avatars: AvatarStore) -> None:
    avatars.upload(7, PNG, "image/png")

    with urllib.request.urlopen(avatars.share_link(7), timeout=5) as response:
        assert response.read() == PNG
        assert response.headers["Content-Type"] == "image/png"
