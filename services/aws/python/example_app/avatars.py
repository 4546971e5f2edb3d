"""Example component (delete me): user avatars in S3-compatible object storage."""

from __future__ import annotations

import hashlib
from typing import Any

ALLOWED_TYPES = frozenset({"image/png", "image/jpeg"})
MAX_BYTES = 512 * 1024


class RejectedUpload(ValueError):
    """The file is not an accepted image, or is too large."""


class AvatarStore:
    """Avatars under ``avatars/<user id>`` in one bucket, with their checksum."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    @staticmethod
    def key(user_id: int) -> str:
        return f"avatars/{user_id}"

    def upload(self, user_id: int, data: bytes, content_type: str) -> str:
        """Store the avatar (replacing any earlier one); return its key."""
        if content_type not in ALLOWED_TYPES:
            raise RejectedUpload(f"{content_type} is not an accepted image type")
        if len(data) > MAX_BYTES:
            raise RejectedUpload(f"{len(data)} bytes is over the {MAX_BYTES} limit")
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.key(user_id),
            Body=data,
            ContentType=content_type,
            Metadata={"sha256": hashlib.sha256(data).hexdigest()},
        )
        return self.key(user_id)

    def download(self, user_id: int) -> tuple[bytes, str] | None:
        """The avatar's bytes and content type, or None if the user has none."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self.key(user_id))
        except self.s3.exceptions.NoSuchKey:
            return None
        data = response["Body"].read()
        if response["Metadata"].get("sha256") != hashlib.sha256(data).hexdigest():
            raise OSError(f"avatar of user {user_id} is corrupt")
        return data, response["ContentType"]

    def share_link(self, user_id: int, seconds: int = 300) -> str:
        """A time-limited URL anyone can download the avatar from."""
        return self.s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.key(user_id)},
            ExpiresIn=seconds,
        )
