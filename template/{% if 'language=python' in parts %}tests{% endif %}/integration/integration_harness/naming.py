# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Naming helpers: the worker a test runs in and names no other test or worker uses.

Every resource a factory fixture creates on a shared server (queue, topic,
bucket, stream, path prefix, mailbox) is named by `unique_test_name`:
``test<sep><worker><sep><purpose><sep><stamp><random>``. The stamp tells a later
run how old a leftover is (`created_at`), so a killed run's leftovers can be
swept (`is_stale_test_name`) without touching a run in progress.
"""

from __future__ import annotations

import os
import re
import secrets
import time

_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Leaked resources (a killed run) older than this are swept at session start.
STALE_AFTER_SECONDS = 3600


def xdist_worker() -> str | None:
    """The pytest-xdist worker id (``gw0``, ``gw1``, ...), or None outside xdist workers."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def _base36(number: int, width: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
    return digits.rjust(width, "0")[-width:]


def unique_test_name(factory: str, purpose: str, separator: str) -> str:
    """``test<sep><worker><sep><purpose><sep><stamp><random>``: a name no other test or worker uses.

    ``stamp`` is the creation time (unix seconds, 7 base-36 digits) and
    ``random`` 6 hex digits, so a later run can tell a leaked resource's age
    (`created_at`). ``factory`` names the fixture in the error for a purpose
    that is not lowercase letters, digits, ``-`` or ``_``.
    """
    if not _PURPOSE.match(purpose):
        raise ValueError(
            f"{factory} purpose {purpose!r}: use lowercase letters, digits, - or _"
        )
    suffix = _base36(int(time.time()), 7) + secrets.token_hex(3)
    return separator.join(("test", xdist_worker() or "main", purpose, suffix))


def created_at(name: str, separator: str) -> float | None:
    """Creation time (unix seconds) of a name made by `unique_test_name`, else None."""
    parts = name.split(separator)
    if len(parts) < 4 or parts[0] != "test":
        return None
    suffix = parts[-1]
    if not re.fullmatch(r"[0-9a-z]{7}[0-9a-f]{6}", suffix):
        return None
    return float(int(suffix[:7], 36))


def is_stale_test_name(name: str, separator: str) -> bool:
    """True for a `unique_test_name` name created more than an hour ago (a killed run's leak)."""
    stamp = created_at(name, separator)
    return stamp is not None and time.time() - stamp > STALE_AFTER_SECONDS
