"""Leak audit of PostgreSQL: rows the tests left, and per-worker databases not dropped."""

from __future__ import annotations

import psycopg

from native.common import native_service
from tests.audit import KEPT_TABLES


def leftovers() -> dict[str, int]:
    """``{schema.table: rows}`` of non-empty user tables in the test database, and
    ``{"database <name>": 1}`` for each ``app_test_*`` database still there."""
    found: dict[str, int] = {}
    with psycopg.connect(native_service("postgres").url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            if table in KEPT_TABLES:
                continue
            (count,) = conn.execute(
                f'SELECT count(*) FROM "{schema}"."{table}"'
            ).fetchone()
            if count:
                found[f"{schema}.{table}"] = count
        for (name,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'app\\_test\\_%'"
        ):
            found[f"database {name}"] = 1
    return found


def make_leftover() -> None:
    """Leave what a killed run leaves: a worker database (for tests/test_native.py)."""
    with psycopg.connect(native_service("postgres").url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app_test_killedrun")
