# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Redis fixtures: ``redis_url``, ``redis`` and ``make_redis_stream``.

Isolation: each test process uses a logical database of its own (the URL's
index plus the xdist worker number), emptied with FLUSHDB after every test,
about a tenth of a millisecond. The index is read once, by `database_index`,
as redis-py reads it (``?db=`` wins over the path); the guard, the per-worker
arithmetic and every client take it from there. Before the run every index the
run will use is checked: one that already holds keys is refused rather than
flushed (they may not be ours), unless this checkout's own run was killed
while using it: a run notes each index it uses in ``.harness-runs/`` of the
integration folder and removes the note when it ends, so a note found at the
start names an index whose keys a killed run of this checkout left; it is
emptied. The run claims every index it uses with a connection named
``integration-harness-claim-db<index>``, held until the run ends: Redis drops it
the moment the process ends, even when killed, and it adds no key. A second run
on the same index stops with one line instead of flushing the first one's keys.
"""

from __future__ import annotations

import atexit
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import redis as redis_client

from .naming import unique_test_name, xdist_worker
from .readiness import Misconfigured, NotReady
from .safety import UnsafeTarget, ensure_disposable, guarded_url, redact
from .services import service_of
from .settings import Settings

SERVICE = service_of("redis")
DEFAULT_DATABASES = 16
CLAIM_CONNECTION = "integration-harness-claim-db{index}"
COMMAND_TIMEOUT = 10.0
RUN_NOTES = Path(__file__).resolve().parent.parent / ".harness-runs"


def _connection_kwargs(url: str) -> dict[str, Any]:
    """What redis-py itself would connect to for ``url`` (no connection is made)."""
    return dict(redis_client.ConnectionPool.from_url(url).connection_kwargs)


def database_index(url: str) -> int:
    """The database index the client will really use for ``url`` (``?db=`` wins over the path)."""
    return int(_connection_kwargs(url).get("db") or 0)


def url_with_index(url: str, index: int) -> str:
    """``url`` pointing at database ``index``, in the one place the client reads it."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "db"
    ]
    if parts.scheme == "unix":
        query.append(("db", str(index)))
        path = parts.path
    else:
        path = f"/{index}"
    # Built by hand: urlunsplit drops the "//" of unix:///path URLs.
    rebuilt = f"{parts.scheme}://{parts.netloc}{path}"
    return rebuilt + (f"?{urlencode(query)}" if query else "")


def client_for(
    url: str, timeout: float = COMMAND_TIMEOUT, **kwargs: Any
) -> redis_client.Redis:
    """A client whose connects and commands give up after ``timeout`` seconds."""
    return redis_client.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, **kwargs
    )


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    kwargs = _connection_kwargs(url)
    host = "localhost" if "path" in kwargs else str(kwargs.get("host", ""))
    ensure_disposable(SERVICE.title, redact(url), [host], settings.allowed_hosts)


def probe(url: str, timeout: float) -> str:
    """PING once; describe the server, or raise NotReady / Misconfigured."""
    client = client_for(url, timeout)
    try:
        return f"{SERVICE.title} {client.info('server')['redis_version']}"
    except (redis_client.AuthenticationError, redis_client.ResponseError) as error:
        raise Misconfigured(str(error)) from None
    except (redis_client.ConnectionError, redis_client.TimeoutError) as error:
        raise NotReady(str(error)) from None
    finally:
        client.close()


def refuse_foreign_keys(client: redis_client.Redis, url: str) -> None:
    """Raise `UnsafeTarget` if the database holds keys: they may not be ours."""
    existing = client.dbsize()
    if existing:
        raise UnsafeTarget(
            f"Refusing to flush {SERVICE.title} at {redact(url)}: the database already holds "
            f"{existing} keys the harness did not create. Point {SERVICE.url_var} at an empty "
            f"database index, or if they are yours to lose, empty it: "
            f"redis-cli -u {redact(url)} flushdb"
        )


def run_note(url: str) -> Path:
    """The note saying this checkout's run uses the database of ``url`` (left only by a killed run)."""
    kwargs = _connection_kwargs(url)
    server = f"{kwargs.get('path') or kwargs.get('host')}:{kwargs.get('port', '')}"
    digest = hashlib.sha256(server.encode()).hexdigest()[:16]
    return RUN_NOTES / f"redis-{digest}-db{database_index(url)}"


def _empty_after_a_killed_run(client: redis_client.Redis, url: str) -> None:
    """FLUSHDB if a run of this checkout was killed while using this database."""
    if run_note(url).exists() and client.dbsize():
        client.flushdb()


class RunClaim:
    """This run's claim on one database index: a connection named for it, open until the run ends.

    The claim is a connection, not a key: it never shows in the database, and
    Redis drops it when the process ends, however it ends. Of two runs naming
    their connections at the same moment, the one Redis numbered first keeps it.
    """

    def __init__(self, url: str, index: int, timeout: float) -> None:
        self.url = url
        self.name = CLAIM_CONNECTION.format(index=index)
        self.client = client_for(url, timeout, single_connection_client=True)

    def take(self) -> bool:
        """Name this run's connection; False when an older connection of another run has the name."""
        self.client.client_setname(self.name)
        mine = int(self.client.client_id())
        holders = [
            int(client["id"])
            for client in self.client.client_list()
            if client.get("name") == self.name
        ]
        return min(holders, default=mine) == mine

    def release(self) -> None:
        """End the claim and remove this run's note (the run ended: its keys are flushed)."""
        run_note(self.url).unlink(missing_ok=True)
        try:
            self.client.close()
        except redis_client.RedisError:
            pass


_CLAIMS: dict[str, list[RunClaim]] = {}


def preflight(url: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: claim every index the run will use, each holding no keys but a killed run's."""
    if url in _CLAIMS:
        return
    base = database_index(url)
    claims: list[RunClaim] = []
    try:
        for index in range(base, base + max(workers, 1)):
            indexed = url_with_index(url, index)
            guard(indexed, settings)
            claim = RunClaim(indexed, index, settings.service_timeout)
            if not claim.take():
                claim.client.close()
                raise UnsafeTarget(
                    f"Another test run is using {SERVICE.title} database {index} at "
                    f"{redact(indexed)}; wait for it to finish (a killed run's claim "
                    f"ends with its process)."
                )
            claims.append(claim)
            with client_for(indexed, settings.service_timeout) as client:
                _empty_after_a_killed_run(client, indexed)
                refuse_foreign_keys(client, indexed)
            RUN_NOTES.mkdir(exist_ok=True)
            run_note(indexed).write_text(f"{redact(indexed)}\n")
    except BaseException:
        for claim in claims:
            claim.release()
        raise
    for claim in claims:
        atexit.register(claim.release)
    _CLAIMS[url] = claims


def _database_count(client: redis_client.Redis) -> int:
    try:
        return int(client.config_get("databases").get("databases", DEFAULT_DATABASES))
    except redis_client.ResponseError:  # CONFIG may be disabled
        return DEFAULT_DATABASES


@pytest.fixture(scope="session")
def redis_url(harness_settings: Settings) -> str:
    """Session: URL of a ready Redis on a logical database of this test process's own.

    The index is the one in ``TEST_REDIS_URL`` (``?db=`` or the path, default 0)
    plus the xdist worker number, so ``-n 2`` uses indexes 0 and 1. Give this
    URL to code under test.
    """
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    worker = xdist_worker()
    index = database_index(url) + (int(worker.removeprefix("gw")) if worker else 0)
    with client_for(url, harness_settings.service_timeout) as client:
        available = _database_count(client)
    if index >= available:
        raise pytest.UsageError(
            f"{SERVICE.url_var}: this run needs Redis database index {index} but the server has "
            f"{available} (indexes 0-{available - 1}); use fewer xdist workers or a lower index."
        )
    return url_with_index(url, index)


@pytest.fixture(scope="session")
def _redis_session_client(
    redis_url: str, harness_settings: Settings
) -> Iterator[redis_client.Redis]:
    guard(redis_url, harness_settings)
    client = client_for(
        redis_url, harness_settings.service_timeout, decode_responses=True
    )
    refuse_foreign_keys(client, redis_url)
    yield client
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture
def redis(_redis_session_client: redis_client.Redis) -> Iterator[redis_client.Redis]:
    """Per test: a client (``decode_responses=True``) on this process's own database.

    The database is emptied (FLUSHDB) after the test.
    """
    yield _redis_session_client
    _redis_session_client.flushdb()


@pytest.fixture
def make_redis_stream(redis: redis_client.Redis) -> Callable[[str], str]:
    """Per test: ``make_redis_stream(purpose="stream") -> "test:<worker>:<purpose>:<stamp><random>"``.

    A unique stream key on this process's own database; the stream, its
    consumer groups and any keys named after it go with the flush after the test.
    """

    def make(purpose: str = "stream") -> str:
        return unique_test_name("make_redis_stream", purpose, ":")

    return make
