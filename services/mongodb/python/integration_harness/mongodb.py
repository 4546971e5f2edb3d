# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""MongoDB fixtures: ``mongodb_url``, ``mongodb_client``, ``mongodb``.

Isolation: each test process has a database of its own under pytest-xdist
(``<database>_<worker>``, e.g. ``app_test_gw0``), dropped and created empty when
the session starts and dropped when it ends. After every test each collection
that holds documents is emptied with ``delete_many({})``: collections and their
indexes are kept (the unique indexes your code creates once stay in force, and
emptying is cheaper than dropping and recreating), so nothing a test wrote
reaches the next one. Before the first test the run empties the test database's
collections and drops the worker databases a killed run left beside it. MongoDB
has no advisory lock to claim the database with, so two runs at once on one
database are not detected: give each (e.g. each CI job) a database of its own.

The guard is the SQL databases' rule: every host of the URL must be loopback, a
compose service of this project or listed in ``TEST_ALLOWED_HOSTS``, and the
database the URL names must have ``test`` as a whole word of its name.
``mongodb+srv://`` URLs are refused: their hosts are only known from DNS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pymongo
import pytest
from pymongo.database import Database
from pymongo.errors import ConfigurationError, OperationFailure, PyMongoError
from pymongo.uri_parser import parse_uri

from .naming import xdist_worker
from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable, guarded_url, redact
from .services import service_of
from .settings import Settings

SERVICE = service_of("mongodb")
# Server error codes that retrying will not fix (authentication, authorization).
_PERMANENT_CODES = {13, 18}
_SYSTEM_DATABASES = {"admin", "config", "local"}


def _target(url: str) -> tuple[list[str], str]:
    """Hosts and database name the driver would use for ``url`` ("" when none is named)."""
    if not url.startswith("mongodb://"):
        raise ValueError(
            f"{SERVICE.url_var} must start with mongodb:// (a mongodb+srv:// URL's hosts "
            f"are only known from DNS; name them), not {redact(url)!r}"
        )
    try:
        parsed = parse_uri(url, validate=False, warn=True)
    except (ConfigurationError, ValueError) as error:
        raise ValueError(
            f"{SERVICE.url_var} is not a MongoDB URL the driver can read: "
            f"{redact(str(error))}"
        ) from None
    hosts = [str(host) for host, _port in parsed["nodelist"]]
    return hosts, parsed.get("database") or ""


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless it is a disposable test database (see ``safety``)."""
    hosts, database = _target(url)
    ensure_disposable(
        SERVICE.title, redact(url), hosts, settings.allowed_hosts, database=database
    )


def connect(url: str, timeout: float = 10) -> pymongo.MongoClient:
    """A client whose server selection, connects and operations give up after ``timeout`` s."""
    milliseconds = max(1000, int(timeout * 1000))
    return pymongo.MongoClient(
        url,
        serverSelectionTimeoutMS=milliseconds,
        connectTimeoutMS=milliseconds,
        timeoutMS=max(30000, milliseconds),
    )


def probe(url: str, timeout: float) -> str:
    """Ping once; describe the server, or raise NotReady / Misconfigured."""
    try:
        with connect(url, timeout) as client:
            client.admin.command("ping")
            info = client.admin.command("buildInfo")
    except OperationFailure as error:
        if error.code in _PERMANENT_CODES:
            raise Misconfigured(redact(str(error))) from None
        raise NotReady(redact(str(error))) from None
    except ConfigurationError as error:
        raise Misconfigured(redact(str(error))) from None
    except PyMongoError as error:
        raise NotReady(redact(str(error)).splitlines()[0]) from None
    product = " (FerretDB)" if "ferretdbVersion" in info else ""
    return f"{SERVICE.title} {info.get('version', '?')}{product}"


def worker_database_names(client: pymongo.MongoClient, database: str) -> list[str]:
    """The databases named like this run's workers' (``<database>_gw0``, ``<database>_w1``)."""
    pattern = re.compile(re.escape(database) + r"_(gw|w)\d+\Z")
    return [name for name in client.list_database_names() if pattern.match(name)]


def empty_collections(database: Database) -> list[str]:
    """Empty every collection of ``database`` that holds documents (indexes kept);
    return the collections emptied."""
    emptied = []
    for name in database.list_collection_names():
        if name.startswith("system."):
            continue
        collection = database[name]
        if collection.find_one({}, projection={"_id": 1}) is not None:
            collection.delete_many({})
            emptied.append(name)
    return emptied


def preflight(url: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: empty the test database's collections and drop the worker
    databases a killed run left (``<database>_gw0``, ...), so the run starts clean."""
    _hosts, database = _target(url)
    with connect(url, settings.service_timeout) as client:
        for name in worker_database_names(client, database):
            client.drop_database(name)
        empty_collections(client[database])


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def mongodb_url(harness_settings: Settings) -> Iterator[str]:
    """Session: URL of a ready, disposable MongoDB database for this test process.

    Outside xdist it is ``TEST_MONGODB_URL`` itself. Each xdist worker gets
    ``<database>_<worker>`` (e.g. ``app_test_gw0``), dropped and so empty when the
    session starts, and dropped when it ends. Give this URL to code under test.
    """
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    worker = xdist_worker()
    if worker is None:
        yield url
        return
    name = f"{_target(url)[1]}_{worker}"
    worker_url = _with_database(url, name)
    guard(worker_url, harness_settings)
    with connect(url, harness_settings.service_timeout) as client:
        client.drop_database(name)
    yield worker_url
    with connect(url, harness_settings.service_timeout) as client:
        client.drop_database(name)


@pytest.fixture(scope="session")
def mongodb_client(
    mongodb_url: str, harness_settings: Settings
) -> Iterator[pymongo.MongoClient]:
    """Session: a pymongo ``MongoClient`` on ``mongodb_url`` (its default database is
    this process's own), closed when the session ends."""
    client = connect(mongodb_url, harness_settings.service_timeout)
    yield client
    client.close()


@pytest.fixture
def mongodb(
    mongodb_client: pymongo.MongoClient, mongodb_url: str, harness_settings: Settings
) -> Iterator[Database]:
    """Per test: the pymongo ``Database`` of this test process.

    After the test every collection holding documents is emptied (``delete_many``),
    the collections and their indexes kept. Code under test may use its own client
    on ``mongodb_url``: what it writes is emptied the same way.
    """
    database = mongodb_client.get_default_database()
    yield database
    guard(mongodb_url, harness_settings)
    empty_collections(database)
