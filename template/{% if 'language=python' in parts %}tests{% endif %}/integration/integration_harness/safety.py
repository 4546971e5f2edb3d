# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""The safety guard: never clean data on anything that does not look like a test service.

Fixtures that delete data (TRUNCATE, FLUSHDB, queue deletion) and the session
checks call `ensure_disposable` first. A target passes only when every host it
would reach is a loopback address (127.0.0.0/8, ::1), a compose service name of
this project, listed in ``TEST_ALLOWED_HOSTS``, or ``localhost`` / a name ending
in ``.localhost`` that resolves to loopback addresses only; and, for SQL, when
"test" is a whole word of its database name (``app_test``, ``test_app``,
``app-test-2``; not ``latest_orders`` or ``contest``). Hosts are taken from the
driver's own parse of the URL, so odd escaping or query parameters cannot hide a
remote host.

`redact` is the one place credentials are hidden: every message, report header
and log line of the harness goes through it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from .services import COMPOSE_HOSTS, SECRET_PATTERNS, Service
from .settings import Settings

_TEST_WORD = re.compile(r"(^|[^a-z])tests?([^a-z]|$)")
_SECRET_NAMES = (
    "password|pass|pwd|passwd|sslpassword|secret|token|api_key|apikey|key|access_key|"
    "secret_key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
)
_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]*(?=@)", re.IGNORECASE
)
_QUERY_SECRET = re.compile(
    rf"(?P<head>[?&;](?:{_SECRET_NAMES})=)[^&#\s]*", re.IGNORECASE
)
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>\b(?:password|sslpassword)\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s']\S*)",
    re.IGNORECASE,
)
_SERVICE_SECRETS = [re.compile(pattern) for pattern in SECRET_PATTERNS]


class UnsafeTarget(RuntimeError):
    """A service URL the harness refuses to clean."""


def redact(text: str) -> str:
    """``text`` with every credential shown as ``***``.

    Hidden: URL passwords (``user:***@``), query parameters such as
    ``password``, ``token``, ``key`` or ``X-Amz-Signature``, libpq keyword
    passwords (``password=***``) and the credentials of a service's own form that
    the catalogue names (``services.SECRET_PATTERNS``, e.g. API keys ``sk_test_...``).
    """
    text = _URL_PASSWORD.sub(r"\g<head>***", text)
    text = _QUERY_SECRET.sub(r"\g<head>***", text)
    text = _KEYWORD_PASSWORD.sub(r"\g<head>***", text)
    for pattern in _SERVICE_SECRETS:
        text = pattern.sub("***", text)
    return text


def is_test_database(name: str) -> bool:
    """True when "test" (or "tests") is a whole word of ``name``: app_test, test_app, app-test-2."""
    return bool(_TEST_WORD.search(name.lower()))


def _resolves_to_loopback_only(name: str) -> bool:
    try:
        addresses = socket.getaddrinfo(name, None)
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(
        ipaddress.ip_address(str(address[4][0]).split("%", 1)[0]).is_loopback
        for address in addresses
    )


def is_disposable_host(host: str, allowed_hosts: Iterable[str] = ()) -> bool:
    """True for loopback addresses, compose service names, allowed hosts and local names.

    ``localhost`` and names ending in ``.localhost`` pass only when every address
    they resolve to is loopback; no other DNS name passes, whatever it resolves to.
    """
    name = host.strip().strip("[]").lower().rstrip(".")
    if not name:
        return False
    if name in COMPOSE_HOSTS or name in {h.lower() for h in allowed_hosts}:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        pass
    if name == "localhost" or name.endswith(".localhost"):
        return _resolves_to_loopback_only(name)
    return False


def ensure_disposable(
    title: str,
    display_url: str,
    hosts: Iterable[str],
    allowed_hosts: Iterable[str],
    database: str | None = None,
) -> None:
    """Raise `UnsafeTarget` unless every host and the database name look like a test service.

    ``database`` is checked for SQL services only; pass ``""`` when the URL names
    no database.
    """
    hosts = list(hosts)
    allowed = list(allowed_hosts)
    display_url = redact(display_url)
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
    if database is not None:
        ensure_test_database(title, display_url, database)


def ensure_test_database(title: str, display_url: str, database: str) -> None:
    """Raise `UnsafeTarget` unless ``database`` is named as a test database."""
    display_url = redact(display_url)
    if not database:
        raise UnsafeTarget(
            f"Refusing to clean {title} at {display_url}: the URL names no database. "
            f"Name a dedicated test database (e.g. app_test)."
        )
    if not is_test_database(database):
        raise UnsafeTarget(
            f"Refusing to clean {title} at {display_url}: database {database!r} is not a "
            f"test database: 'test' must be a whole word of its name (app_test, test_app, "
            f"app-test-2). Point the URL at a dedicated test database (e.g. {database}_test)."
        )


def ensure_disposable_url(
    service: Service,
    url: str,
    allowed_hosts: Iterable[str],
    schemes: tuple[str, ...] = ("http", "https"),
) -> None:
    """The guard of a service reached by one URL (an HTTP API, an SMTP server).

    Raise ``ValueError`` naming the service's settings unless ``url``'s scheme is
    one of ``schemes``, then `UnsafeTarget` unless its host is disposable.
    """
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        names = " / ".join((service.url_var, *service.also_url_vars))
        wanted = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(f"{names} must start with {wanted}, not {redact(url)!r}")
    ensure_disposable(service.title, url, [parts.hostname or ""], allowed_hosts)


def guarded_url(
    settings: Settings, name: str, guard: Callable[[str, Settings], None]
) -> str:
    """The URL in setting ``name``, once the service module's ``guard`` accepted it.

    What every session fixture of a service starts with: `Settings.url` raises
    `MissingSetting` naming the fix, ``guard`` raises `UnsafeTarget` (or
    ``ValueError`` for a URL of the wrong form).
    """
    url = settings.url(name)
    guard(url, settings)
    return url
