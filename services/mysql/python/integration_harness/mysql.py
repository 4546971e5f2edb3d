# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""MySQL and MariaDB fixtures: ``database_url``, ``database_schema``, ``db``, ``clean_db``.

The same fixtures, with the same meaning, as for PostgreSQL. Override
``database_schema`` (your schema or migrations) and ``clean_db_keep_tables``
(seed tables) in conftest.py rather than editing here.

Isolation: ``db`` wraps each test in a transaction that is rolled back (its
``commit()`` raises). MySQL ends a transaction at any DDL statement (CREATE,
ALTER, TRUNCATE), so tests that run DDL use ``clean_db``, which empties every
table with rows before and after the test. Under pytest-xdist each worker has a
database of its own. The URL is ``mysql://user:password@host:port/database``.

Identifiers are always quoted (`quote`), so no table name can reach another
database. At session start every table with rows in the (guarded, locked) test
database is emptied, so rows a killed run committed never fail the next run.
Connections give up after ``TEST_SERVICE_TIMEOUT`` without an answer, statements
are bounded (30 s; lock waits 10 s), and a session connection left busy or
broken by a timed-out test is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import pymysql
import pymysql.connections
import pytest

from .databases import (
    HARNESS_TABLES,
    SCHEMA_DIR,
    SCHEMA_TABLE,
    build_schema,
    claimed_by_another_run,
    schema_digest,
    schema_files,
    worker_databases,
)
from .readiness import Misconfigured, NotReady
from .safety import (
    ensure_disposable,
    ensure_test_database,
    guarded_url,
    redact,
)
from .services import service_of
from .settings import Settings

SERVICE = service_of("mysql")
LOCK_WAIT_SECONDS = 10
STATEMENT_SECONDS = 30
DEFAULT_TIMEOUT = 10.0
_SCHEMES = ("mysql", "mariadb")
_QUERY_OPTIONS = ("charset",)
# Access denied, unknown database, host not allowed, wrong authentication plugin.
_PERMANENT_ERRORS = (1045, 1049, 1130, 1251, 1698)


def connect_args(url: str) -> dict[str, Any]:
    """PyMySQL's ``connect()`` arguments for ``url``; the one parse every fixture uses."""
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES:
        raise ValueError(
            f"{SERVICE.url_var} must start with mysql:// (got {parts.scheme or 'no'} scheme)"
        )
    options = parse_qs(parts.query)
    unknown = sorted(set(options) - set(_QUERY_OPTIONS))
    if unknown:
        raise ValueError(
            f"{SERVICE.url_var}: unsupported option {', '.join(unknown)}; "
            f"only {', '.join(_QUERY_OPTIONS)} may follow '?'"
        )
    if "," in parts.netloc.rsplit("@", 1)[-1]:
        raise ValueError(f"{SERVICE.url_var} must name exactly one host")
    database = unquote(parts.path.lstrip("/"))
    return {
        "host": parts.hostname or "",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": database,
        "charset": options.get("charset", ["utf8mb4"])[-1],
    }


def quote(identifier: str) -> str:
    """``identifier`` quoted for MySQL/MariaDB: in backticks, embedded backticks doubled."""
    return "`" + identifier.replace("`", "``") + "`"


def bound_statements(conn: pymysql.connections.Connection) -> None:
    """Bound every statement and lock wait of ``conn`` (the names each server accepts)."""
    with conn.cursor() as cursor:
        for statement in (
            f"SET SESSION innodb_lock_wait_timeout = {LOCK_WAIT_SECONDS}",
            f"SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}",
            f"SET SESSION max_statement_time = {STATEMENT_SECONDS}",  # MariaDB
            f"SET SESSION max_execution_time = {STATEMENT_SECONDS * 1000}",  # MySQL
        ):
            try:
                cursor.execute(statement)
            except pymysql.err.MySQLError:
                pass  # the other server's variable


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless it is a disposable test database (see ``safety``)."""
    args = connect_args(url)
    ensure_disposable(
        SERVICE.title,
        redact(url),
        [args["host"]],
        settings.allowed_hosts,
        args["database"],
    )


def connect(url: str, **overrides: Any) -> pymysql.connections.Connection:
    """A PyMySQL connection to ``url`` (``overrides`` win over the URL's arguments).

    It gives up after 10 s without an answer, on connect and on every read or write.
    """
    timeouts = {
        "connect_timeout": DEFAULT_TIMEOUT,
        "read_timeout": STATEMENT_SECONDS + DEFAULT_TIMEOUT,
        "write_timeout": DEFAULT_TIMEOUT,
    }
    return pymysql.connect(**{**connect_args(url), **timeouts, **overrides})


def probe(url: str, timeout: float) -> str:
    """Connect once; describe the server, or raise NotReady / Misconfigured."""
    try:
        conn = connect(
            url,
            connect_timeout=max(1, round(timeout)),
            read_timeout=max(1, round(timeout)),
            write_timeout=max(1, round(timeout)),
        )
    except pymysql.err.OperationalError as error:
        code, message = (error.args + ("",))[:2]
        if code in _PERMANENT_ERRORS:
            raise Misconfigured(f"({code}) {message}") from None
        raise NotReady(f"({code}) {message}") from None
    with conn:
        version = conn.get_server_info()
    name = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    # MariaDB announces itself as "5.5.5-<version>-MariaDB" for old clients.
    return f"{name} {version.removeprefix('5.5.5-').split('-', 1)[0]}"


_RUN_LOCKS: dict[str, pymysql.connections.Connection] = {}


def preflight(url: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: claim the database for this run and empty the tables a killed run left.

    The claim is a named lock (``GET_LOCK``) held by this process until it
    exits, so two runs at once cannot empty each other's tables or drop each
    other's worker databases.
    """
    database = connect_args(url)["database"]
    if database in _RUN_LOCKS and _RUN_LOCKS[database].open:
        return
    seconds = max(1, round(settings.service_timeout))
    conn = connect(
        url,
        autocommit=True,
        connect_timeout=seconds,
        read_timeout=seconds,
        write_timeout=seconds,
    )
    try:
        bound_statements(conn)
        with conn.cursor() as cursor:
            cursor.execute("SELECT DATABASE()")
            row = cursor.fetchone()
            ensure_test_database(
                SERVICE.title, redact(url), str(row[0] if row and row[0] else "")
            )
            cursor.execute(
                "SELECT GET_LOCK(%s, 0)", (f"integration-harness:{database}",)
            )
            row = cursor.fetchone()
        if not (row and row[0] == 1):
            raise claimed_by_another_run(SERVICE, database, url)
        truncate_tables_with_rows(conn)
    except BaseException:
        conn.close()
        raise
    _RUN_LOCKS[database] = conn


def _with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _recreate_database(url: str, name: str, create: bool) -> None:
    with connect(url, autocommit=True) as admin, admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        if create:
            cursor.execute(f"CREATE DATABASE {quote(name)}")


@pytest.fixture(scope="session")
def database_url(harness_settings: Settings) -> Iterator[str]:
    """Session: URL of a ready, disposable MySQL/MariaDB database for this test process.

    Outside xdist it is ``TEST_DATABASE_URL`` itself. Each xdist worker gets
    ``<database>_<worker>`` (e.g. ``app_test_gw0``), created empty when the
    session starts and dropped when it ends. Give this URL to code under test
    (``integration_harness.mysql.connect(url)`` opens a PyMySQL connection).
    """
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    yield from worker_databases(
        url, connect_args(url)["database"], _recreate_database, _with_database
    )


def split_statements(script: str) -> list[str]:
    """The statements of a plain SQL script (``;`` at line ends; ``--`` comments dropped)."""
    lines = [
        line
        for line in script.splitlines()
        if line.strip() and not line.strip().startswith("--")
    ]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip(" ;\n")]


def apply_schema_files(database_url: str, folder: Path = SCHEMA_DIR) -> list[str]:
    """Build the schema from every ``*.sql`` file in ``folder``; return the names run.

    The database keeps the files' digest in ``integration_harness_schema``.
    When the files changed since it was built (or it never was), every other
    table is dropped and the files run again in name order, statement by
    statement; otherwise nothing runs (and the list is empty).
    """
    files = schema_files(folder)
    if not files:
        return []
    digest = schema_digest(files)
    table = quote(SCHEMA_TABLE)
    with connect(database_url, autocommit=True) as conn, conn.cursor() as cursor:
        bound_statements(conn)
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (digest varchar(64))")
        cursor.execute(f"SELECT digest FROM {table}")
        row = cursor.fetchone()
        if row and row[0] == digest:
            return []
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        )
        stale = [name for (name,) in cursor.fetchall() if name != SCHEMA_TABLE]
        if stale:
            cursor.execute("SET SESSION foreign_key_checks = 0")
            try:
                cursor.execute(
                    "DROP TABLE IF EXISTS " + ", ".join(quote(name) for name in stale)
                )
            finally:
                cursor.execute("SET SESSION foreign_key_checks = 1")
        for file in files:
            for statement in split_statements(file.read_text()):
                cursor.execute(statement.rstrip(";"))
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"INSERT INTO {table} VALUES (%s)", (digest,))
    return [file.name for file in files]


@pytest.fixture(scope="session")
def database_schema(database_url: str, request: pytest.FixtureRequest) -> None:
    """Session: creates the schema once per test process (per xdist worker).

    By default it runs every ``tests/integration/schema/*.sql`` file in name
    order, statement by statement, and again (on emptied tables) whenever a
    file changes; with ``migrations=alembic`` it runs your Alembic migrations
    instead (see ``migrations.py``). To build it another way, override this
    fixture in conftest.py. ``db`` and ``clean_db`` depend on it.
    """
    build_schema(database_url, apply_schema_files, request.session)


@pytest.fixture(scope="session")
def clean_db_keep_tables() -> frozenset[str]:
    """Session: tables ``clean_db`` never empties (``"table"``).

    Override it in conftest.py for seed or reference data your migrations load.
    """
    return frozenset()


class TrackedConnection(pymysql.connections.Connection):
    """A connection that knows when a statement was interrupted before its result was read."""

    busy = False

    def query(self, sql: str | bytes, unbuffered: bool = False) -> int:
        self.busy = True
        rows = super().query(sql, unbuffered)
        self.busy = False
        return rows


class RolledBackConnection(TrackedConnection):
    """A connection whose work is always rolled back: ``commit()`` raises."""

    def commit(self) -> None:
        raise RuntimeError(
            "the `db` fixture rolls back after the test; for code that commits, "
            "give it `database_url` and use `clean_db`"
        )


class SessionConnection:
    """One connection per test process, replaced if a test broke it or left it busy."""

    def __init__(self, url: str, autocommit: bool, factory: type) -> None:
        self.args = {
            **connect_args(url),
            "autocommit": autocommit,
            "connect_timeout": DEFAULT_TIMEOUT,
            "read_timeout": STATEMENT_SECONDS + DEFAULT_TIMEOUT,
            "write_timeout": DEFAULT_TIMEOUT,
        }
        self.factory = factory
        self._conn: pymysql.connections.Connection | None = None

    def discard(self) -> None:
        """Drop the connection; the next `get` opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None and conn.open:
            if getattr(conn, "busy", False):
                conn._force_close()
                return
            try:
                conn.close()
            except (pymysql.err.Error, OSError):
                conn._force_close()

    def get(self) -> pymysql.connections.Connection:
        conn = self._conn
        if conn is not None and conn.open:
            try:
                # A timed-out test may leave a statement running: the connection is busy.
                if getattr(conn, "busy", False):
                    raise pymysql.err.InterfaceError("busy")
                conn.ping(reconnect=False)
                return conn
            except (pymysql.err.Error, OSError):
                self.discard()
        conn = self._conn = self.factory(**self.args)
        bound_statements(conn)
        return conn

    def close(self) -> None:
        self.discard()


@pytest.fixture(scope="session")
def _db_session_connection(
    database_url: str, database_schema: None
) -> Iterator[SessionConnection]:
    connection = SessionConnection(
        database_url, autocommit=False, factory=RolledBackConnection
    )
    yield connection
    connection.close()


@pytest.fixture
def db(
    _db_session_connection: SessionConnection,
) -> Iterator[pymysql.connections.Connection]:
    """Per test: a PyMySQL connection in a transaction that is rolled back after the test.

    Nothing the test writes is committed, so nothing needs cleaning, and calling
    ``commit()`` raises. A failed statement (duplicate key, CHECK) undoes only
    itself; the transaction goes on. DDL would commit: use ``clean_db`` for it.
    """
    conn = _db_session_connection.get()
    conn.begin()
    try:
        yield conn
    finally:
        try:
            if getattr(conn, "busy", False):
                raise pymysql.err.InterfaceError("busy")
            if conn.open:
                conn.rollback()
        except (pymysql.err.Error, OSError):
            # A timed-out statement left it busy or broken: the next test gets a new one.
            _db_session_connection.discard()


def truncate_tables_with_rows(
    conn: pymysql.connections.Connection, keep: Iterable[str] = ()
) -> list[str]:
    """Empty every table of the connection's database that has rows, except ``keep``."""
    keep = set(keep)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
            "ORDER BY table_name"
        )
        tables = [
            row[0] for row in cursor.fetchall() if row[0] not in keep | HARNESS_TABLES
        ]
        if not tables:
            return []
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT {i} FROM DUAL WHERE EXISTS (SELECT 1 FROM {quote(name)})"
                for i, name in enumerate(tables)
            )
        )
        dirty = [tables[row[0]] for row in cursor.fetchall()]
        if dirty:
            # TRUNCATE refuses tables that foreign keys point at, even empty ones.
            cursor.execute("SET SESSION foreign_key_checks = 0")
            try:
                for name in dirty:
                    cursor.execute(f"TRUNCATE TABLE {quote(name)}")
            finally:
                cursor.execute("SET SESSION foreign_key_checks = 1")
    return dirty


@pytest.fixture(scope="session")
def _clean_db_session_connection(
    database_url: str, database_schema: None
) -> Iterator[SessionConnection]:
    connection = SessionConnection(
        database_url, autocommit=True, factory=TrackedConnection
    )
    yield connection
    connection.close()


@pytest.fixture
def clean_db(
    database_url: str,
    harness_settings: Settings,
    clean_db_keep_tables: frozenset[str],
    _clean_db_session_connection: SessionConnection,
) -> Iterator[pymysql.connections.Connection]:
    """Per test: for code under test that commits on its own connections.

    Give the code ``database_url``. Every table with rows (except
    ``clean_db_keep_tables``) is emptied before and after the test, auto-increment
    counters reset. Yields an autocommit connection for arranging data and
    checking results. Refuses, before any TRUNCATE, a target the safety guard
    rejects.
    """
    guard(database_url, harness_settings)
    conn = _clean_db_session_connection.get()
    truncate_tables_with_rows(conn, clean_db_keep_tables)
    yield conn
    truncate_tables_with_rows(_clean_db_session_connection.get(), clean_db_keep_tables)
