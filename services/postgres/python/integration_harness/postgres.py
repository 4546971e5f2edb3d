# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""PostgreSQL fixtures: ``database_url``, ``database_schema``, ``db``, ``clean_db``.

Override ``database_schema`` (your schema or migrations) and
``clean_db_keep_tables`` (seed tables) in conftest.py rather than editing here.

Isolation: ``db`` wraps each test in a transaction that is rolled back (about a
millisecond, nothing to clean); ``clean_db`` is for code under test that commits
on its own connections and empties every table with rows before and after the
test. Under pytest-xdist each worker has a database of its own.

The guard judges the target libpq will really use: the URL (or keyword string)
completed by the ``pg_service.conf`` entry it names (or ``PGSERVICE``) and by
the ``PG*`` environment variables, in libpq's order; before the run the harness
connects and checks ``current_database()`` again. At session start every table
with rows in the (guarded, locked) test database is emptied, so rows a killed
run committed never fail the next run. Every harness session bounds its
statements (``statement_timeout`` 30 s, ``lock_timeout`` 10 s), and a session
connection left busy or broken by a timed-out test is replaced.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import conninfo, pq, sql

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
    UnsafeTarget,
    ensure_disposable,
    ensure_test_database,
    guarded_url,
    redact,
)
from .services import service_of
from .settings import Settings

SERVICE = service_of("postgres")
STATEMENT_TIMEOUT = "30s"
LOCK_TIMEOUT = "10s"
DEFAULT_CONNECT_TIMEOUT = 10
_PERMANENT_ERRORS = (
    "password authentication failed",
    "does not exist",
    "no password supplied",
    "permission denied",
    "no pg_hba.conf entry",
)

_TABLES = sql.SQL(
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
    "ORDER BY 1, 2"
)


def _service_files() -> list[Path]:
    """The pg_service.conf files libpq reads, in its order."""
    user_file = os.environ.get("PGSERVICEFILE") or str(Path.home() / ".pg_service.conf")
    system_dirs = (
        [os.environ["PGSYSCONFDIR"]]
        if os.environ.get("PGSYSCONFDIR")
        else [
            "/etc/postgresql-common",
            "/etc",
            "/usr/local/pgsql/etc",
        ]
    )
    return [
        Path(user_file),
        *(Path(folder) / "pg_service.conf" for folder in system_dirs),
    ]


def _service_entry(name: str) -> dict[str, str]:
    """The keywords of pg_service entry ``name``, as libpq would read them."""
    for file in _service_files():
        if not file.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(file.read_text())
        except (configparser.Error, OSError, UnicodeError) as error:
            raise ValueError(
                f"cannot read the pg_service file {file}: {type(error).__name__}"
            ) from None
        if parser.has_section(name):
            return {key.strip(): value.strip() for key, value in parser.items(name)}
    raise ValueError(
        f"libpq would use pg_service entry {name!r}, which the harness cannot find "
        f"({', '.join(str(f) for f in _service_files())}); name the host and database "
        f"in {SERVICE.url_var} and unset PGSERVICE"
    )


def _effective(url: str) -> dict[str, str]:
    """The connection keywords libpq will use: URL, then pg_service entry, then PG* variables."""
    params = {
        k: str(v) for k, v in conninfo.conninfo_to_dict(url).items() if v is not None
    }
    service = params.get("service") or os.environ.get("PGSERVICE", "")
    if service:
        for key, value in _service_entry(service).items():
            params.setdefault(key, value)
    for key, env in (
        ("host", "PGHOST"),
        ("hostaddr", "PGHOSTADDR"),
        ("dbname", "PGDATABASE"),
        ("user", "PGUSER"),
        ("port", "PGPORT"),
    ):
        if not params.get(key) and os.environ.get(env):
            params[key] = os.environ[env]
    return params


def _target(url: str) -> tuple[list[str], str]:
    """Hosts and database name that libpq would use for ``url`` ("" when none is named)."""
    params = _effective(url)
    hosts: list[str] = []
    for key in ("host", "hostaddr"):
        for host in params.get(key, "").split(","):
            host = host.strip()
            if host:
                hosts.append("localhost" if host.startswith(("/", "@")) else host)
    # Without a dbname libpq falls back to the user name: never a chosen test database.
    return hosts or ["localhost"], params.get("dbname", "").strip()


def connect(
    url: str, timeout: float = DEFAULT_CONNECT_TIMEOUT, **kwargs
) -> psycopg.Connection:
    """A psycopg connection that gives up after ``timeout`` seconds without an answer."""
    return psycopg.connect(url, connect_timeout=max(2, round(timeout + 0.49)), **kwargs)


def bound_statements(conn: psycopg.Connection) -> None:
    """Bound every statement of ``conn``: a stuck query fails one test, not the run."""
    conn.execute(
        sql.SQL("SET statement_timeout = {}; SET lock_timeout = {}").format(
            sql.Literal(STATEMENT_TIMEOUT), sql.Literal(LOCK_TIMEOUT)
        )
    )
    if not conn.autocommit:
        conn.commit()


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless it is a disposable test database (see ``safety``)."""
    hosts, database = _target(url)
    ensure_disposable(
        SERVICE.title, redact(url), hosts, settings.allowed_hosts, database=database
    )


def probe(url: str, timeout: float) -> str:
    """Connect once; describe the server, or raise NotReady / Misconfigured."""
    try:
        with connect(url, timeout) as conn:
            version = conn.info.server_version
            return f"{SERVICE.title} {version // 10000}.{version % 100}"
    except psycopg.OperationalError as error:
        message = (
            str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        )
        if any(marker in message for marker in _PERMANENT_ERRORS):
            raise Misconfigured(message) from None
        raise NotReady(message) from None


_RUN_LOCKS: dict[str, psycopg.Connection] = {}


def preflight(url: str, settings: Settings, workers: int = 1) -> None:
    """Before the run: check the real database, claim it for this run, empty its tables.

    The server is asked which database it is (``current_database()``), in case
    something outside the URL chose it. The claim is a session-level advisory
    lock held by this process until it exits, so two runs at once (two
    terminals, two CI jobs on one service) cannot empty each other's tables or
    drop each other's worker databases. Rows a killed run left are then emptied.
    """
    guarded = _target(url)[1]
    if guarded in _RUN_LOCKS and not _RUN_LOCKS[guarded].closed:
        return
    conn = connect(url, settings.service_timeout, autocommit=True)
    try:
        bound_statements(conn)
        row = conn.execute("SELECT current_database()").fetchone()
        database = str(row[0]) if row else ""
        ensure_test_database(SERVICE.title, redact(url), database)
        if database != guarded:
            raise UnsafeTarget(
                f"Refusing to clean {SERVICE.title} at {redact(url)}: the server says it is "
                f"database {database!r}, not {guarded!r} as the settings read; name the "
                f"database explicitly in {SERVICE.url_var} and unset PGSERVICE / PGDATABASE."
            )
        row = conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s))",
            (f"integration-harness:{database}",),
        ).fetchone()
        if not (row and row[0]):
            raise claimed_by_another_run(SERVICE, database, url)
        truncate_tables_with_rows(conn)
    except BaseException:
        conn.close()
        raise
    _RUN_LOCKS[guarded] = conn


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        return urlunsplit(parts._replace(path=f"/{database}"))
    return conninfo.make_conninfo(url, dbname=database)


def _recreate_database(admin_url: str, name: str, create: bool) -> None:
    with connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def database_url(harness_settings: Settings) -> Iterator[str]:
    """Session: URL of a ready, disposable PostgreSQL database for this test process.

    Outside xdist it is ``TEST_DATABASE_URL`` itself. Each xdist worker gets
    ``<database>_<worker>`` (e.g. ``app_test_gw0``), created empty when the
    session starts and dropped when it ends. Give this URL to code under test.
    """
    url = guarded_url(harness_settings, SERVICE.url_var, guard)
    yield from worker_databases(
        url, _target(url)[1], _recreate_database, _with_database
    )


def apply_schema_files(database_url: str, folder: Path = SCHEMA_DIR) -> list[str]:
    """Build the schema from every ``*.sql`` file in ``folder``; return the names run.

    The database keeps the files' digest in ``integration_harness_schema``.
    When the files changed since it was built (or it never was), every other
    table is dropped and the files run again in name order; otherwise nothing
    runs. Returns the names run (empty when the schema was up to date).
    """
    files = schema_files(folder)
    if not files:
        return []
    digest = schema_digest(files)
    with connect(database_url, autocommit=True) as conn:
        bound_statements(conn)
        table = sql.Identifier(SCHEMA_TABLE)
        conn.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (digest text)").format(table)
        )
        row = conn.execute(sql.SQL("SELECT digest FROM {}").format(table)).fetchone()
        if row and row[0] == digest:
            return []
        stale = [
            name for name in conn.execute(_TABLES).fetchall() if name[1] != SCHEMA_TABLE
        ]
        if stale:
            conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                    sql.SQL(", ").join(sql.Identifier(*name) for name in stale)
                )
            )
        for file in files:
            conn.execute(file.read_text())
        conn.execute(sql.SQL("DELETE FROM {}").format(table))
        conn.execute(sql.SQL("INSERT INTO {} VALUES (%s)").format(table), (digest,))
    return [file.name for file in files]


@pytest.fixture(scope="session")
def database_schema(database_url: str, request: pytest.FixtureRequest) -> None:
    """Session: creates the schema once per test process (per xdist worker).

    By default it runs every ``tests/integration/schema/*.sql`` file in name
    order, and again (on emptied tables) whenever a file changes; with
    ``migrations=alembic`` it runs your Alembic migrations instead (see
    ``migrations.py``). To build it another way, override this fixture in
    conftest.py. ``db`` and ``clean_db`` depend on it.
    """
    build_schema(database_url, apply_schema_files, request.session)


@pytest.fixture(scope="session")
def clean_db_keep_tables() -> frozenset[str]:
    """Session: tables ``clean_db`` never empties (``"table"`` or ``"schema.table"``).

    Override it in conftest.py for seed or reference data your migrations load.
    Tables kept must not reference tables that are emptied (TRUNCATE cascades).
    """
    return frozenset()


class SessionConnection:
    """One connection per test process, replaced if a test broke it or left it busy."""

    def __init__(self, url: str, autocommit: bool, timeout: float) -> None:
        self.url = url
        self.autocommit = autocommit
        self.timeout = timeout
        self._conn: psycopg.Connection | None = None

    def usable(self) -> bool:
        """False when the connection is closed, broken or still running a statement."""
        conn = self._conn
        return not (
            conn is None
            or conn.closed
            or conn.broken
            or conn.info.transaction_status
            in (pq.TransactionStatus.ACTIVE, pq.TransactionStatus.UNKNOWN)
        )

    def discard(self) -> None:
        """Drop the connection (cancelling what it runs); the next `get` opens a new one."""
        conn, self._conn = self._conn, None
        if conn is None or conn.closed:
            return
        if conn.info.transaction_status == pq.TransactionStatus.ACTIVE:
            try:
                conn.cancel_safe(timeout=2)
            except (psycopg.Error, OSError):
                pass
        conn.close()

    def get(self) -> psycopg.Connection:
        if not self.usable():
            self.discard()
            conn = self._conn = connect(
                self.url, self.timeout, autocommit=self.autocommit
            )
            bound_statements(conn)
            return conn
        conn = self._conn
        assert conn is not None
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            conn.rollback()
        return conn

    def close(self) -> None:
        self.discard()


@pytest.fixture(scope="session")
def _db_session_connection(
    database_url: str, database_schema: None, harness_settings: Settings
) -> Iterator[SessionConnection]:
    connection = SessionConnection(
        database_url, autocommit=False, timeout=harness_settings.service_timeout
    )
    yield connection
    connection.close()


@pytest.fixture
def db(_db_session_connection: SessionConnection) -> Iterator[psycopg.Connection]:
    """Per test: a psycopg connection in a transaction that is rolled back after the test.

    Nothing the test writes is committed, so nothing needs cleaning, and calling
    ``commit()`` raises. To go on after a statement that is expected to fail,
    run it inside ``with db.transaction():`` (a savepoint).
    """
    conn = _db_session_connection.get()
    started = False
    try:
        with conn.transaction(force_rollback=True):
            started = True
            yield conn
    except psycopg.Error:
        if not started or _db_session_connection.usable():
            raise
        # A timed-out statement left it busy or broken: the next test gets a new one.
        _db_session_connection.discard()


def truncate_tables_with_rows(
    conn: psycopg.Connection, keep: Iterable[str] = ()
) -> list[str]:
    """Empty every user table that has rows, except ``keep``; return the tables emptied."""
    keep = {*keep, *HARNESS_TABLES}
    tables = [
        (schema, table)
        for schema, table in conn.execute(_TABLES).fetchall()
        if table not in keep and f"{schema}.{table}" not in keep
    ]
    if not tables:
        return []
    with_rows = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {} WHERE EXISTS (SELECT FROM {})").format(
            sql.Literal(i), sql.Identifier(*name)
        )
        for i, name in enumerate(tables)
    )
    dirty = [tables[row[0]] for row in conn.execute(with_rows).fetchall()]
    if dirty:
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(*name) for name in dirty)
            )
        )
    return [f"{schema}.{table}" for schema, table in dirty]


@pytest.fixture(scope="session")
def _clean_db_session_connection(
    database_url: str, database_schema: None, harness_settings: Settings
) -> Iterator[SessionConnection]:
    connection = SessionConnection(
        database_url, autocommit=True, timeout=harness_settings.service_timeout
    )
    yield connection
    connection.close()


@pytest.fixture
def clean_db(
    database_url: str,
    harness_settings: Settings,
    clean_db_keep_tables: frozenset[str],
    _clean_db_session_connection: SessionConnection,
) -> Iterator[psycopg.Connection]:
    """Per test: for code under test that commits on its own connections.

    Give the code ``database_url``. Every table with rows (except
    ``clean_db_keep_tables``) is emptied before and after the test, identities
    restarted. Yields an autocommit connection for arranging data and checking
    results. Refuses, before any TRUNCATE, a target the safety guard rejects.
    """
    guard(database_url, harness_settings)
    conn = _clean_db_session_connection.get()
    truncate_tables_with_rows(conn, clean_db_keep_tables)
    yield conn
    truncate_tables_with_rows(_clean_db_session_connection.get(), clean_db_keep_tables)
