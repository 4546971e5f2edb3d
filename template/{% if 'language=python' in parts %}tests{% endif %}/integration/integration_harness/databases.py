# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""What the SQL service modules (PostgreSQL, MySQL/MariaDB) share.

A database per xdist worker (`worker_databases`), the schema files and their
digest (`schema_files`, `schema_digest`), and the refusal when another run holds
the claim on the database (`claimed_by_another_run`). Connecting, DDL and
listing tables are the driver's and stay in each service module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .naming import xdist_worker
from .safety import UnsafeTarget, redact
from .services import MIGRATIONS, Service

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"
# The table holding the digest of the schema files the database was built from.
SCHEMA_TABLE = "integration_harness_schema"
# Tables the harness never empties: its own and every migration tool's version table (another
# project of yours on the same test database may use another tool).
HARNESS_TABLES = frozenset(
    {
        SCHEMA_TABLE,
        "alembic_version",
        "goose_db_version",
        "flyway_schema_history",
        "knex_migrations",
        "knex_migrations_lock",
    }
)


def schema_files(folder: Path = SCHEMA_DIR) -> list[Path]:
    """The ``*.sql`` files of ``folder`` in name order (none when it does not exist)."""
    return sorted(folder.glob("*.sql")) if folder.is_dir() else []


def schema_digest(files: Iterable[Path]) -> str:
    """sha256 of the schema files' names and contents, in name order."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def worker_databases(
    url: str,
    database: str,
    recreate: Callable[[str, str, bool], None],
    with_database: Callable[[str, str], str],
) -> Iterator[str]:
    """The lifecycle behind ``database_url``; yields the URL this test process uses.

    Outside xdist it is ``url`` itself. In an xdist worker it is ``url`` pointed at
    ``<database>_<worker>`` (``with_database``), created empty before and dropped
    after (``recreate(url, name, create)`` drops it, then creates it if asked).
    """
    worker = xdist_worker()
    if worker is None:
        yield url
        return
    name = f"{database}_{worker}"
    recreate(url, name, True)
    yield with_database(url, name)
    recreate(url, name, False)


def claimed_by_another_run(service: Service, database: str, url: str) -> UnsafeTarget:
    """The refusal when another run holds this run's claim on ``database``."""
    return UnsafeTarget(
        f"Another test run is using {service.title} database {database!r} at {redact(url)} "
        f"right now. Wait for it to finish, or give this run a database of its own "
        f"in {service.url_var} ('test' must be a whole word of its name)."
    )


def build_schema(
    database_url: str,
    apply_schema_files: Callable[[str], object],
    session: object | None = None,
) -> None:
    """The default ``database_schema``: the project's migrations, else ``schema/*.sql``.

    With a migration tool chosen (``MIGRATIONS``) every migration not yet applied
    runs on ``database_url`` (see ``migrations.py``). A failing migration stops
    the run with one message naming it: at once in a single process; under
    xdist each worker fails the test that needed it and runs no more
    (``session``: the pytest session, told to stop).
    """
    if MIGRATIONS == "alembic":
        import pytest

        from .migrations import MigrationFailed, upgrade_to_head

        try:
            upgrade_to_head(database_url)
        except MigrationFailed as error:
            if xdist_worker() is None:
                pytest.exit(str(error), returncode=3)
            if session is not None:
                session.shouldfail = "a migration failed"  # type: ignore[attr-defined]
            pytest.fail(str(error), pytrace=False)
    else:
        apply_schema_files(database_url)
