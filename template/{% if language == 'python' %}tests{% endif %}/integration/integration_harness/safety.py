# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""The safety guard: never clean data on anything that does not look like a test service.

Fixtures that delete data (TRUNCATE, FLUSHDB, queue deletion) and the session
checks call `ensure_disposable` first. A target passes only when every host it
would reach is loopback (127.0.0.0/8, ::1, ``localhost``), a compose service
name of this project, or listed in ``TEST_ALLOWED_HOSTS``; and, for SQL, when
its database name contains ``test``. Hosts are taken from the driver's own
parse of the URL, so odd escaping or query parameters cannot hide a remote host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .services import COMPOSE_HOSTS


class UnsafeTarget(RuntimeError):
    """A service URL the harness refuses to clean."""


def is_disposable_host(host: str, allowed_hosts: Iterable[str] = ()) -> bool:
    """True for loopback addresses, ``localhost``, compose service names and allowed hosts."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if not name:
        return False
    if name == "localhost" or name.endswith(".localhost"):
        return True
    if name in COMPOSE_HOSTS or name in {h.lower() for h in allowed_hosts}:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def ensure_disposable(
    title: str,
    display_url: str,
    hosts: Iterable[str],
    allowed_hosts: Iterable[str],
    database: str | None = None,
) -> None:
    """Raise `UnsafeTarget` unless every host and the database name look like a test service."""
    hosts = list(hosts)
    allowed = list(allowed_hosts)
    if not hosts:
        raise UnsafeTarget(
            f"Refusing to clean {title} at {display_url}: the URL names no host."
        )
    for host in hosts:
        if not is_disposable_host(host, allowed):
            raise UnsafeTarget(
                f"Refusing to clean {title} at {display_url}: host {host!r} is not loopback, "
                f"a compose service or listed in TEST_ALLOWED_HOSTS. If it really is a "
                f"disposable test service, add it: TEST_ALLOWED_HOSTS={host}"
            )
    if database is not None and "test" not in database.lower():
        raise UnsafeTarget(
            f"Refusing to clean {title} at {display_url}: database {database!r} does not "
            f"contain 'test'. Point the URL at a dedicated test database (e.g. {database}_test)."
        )
