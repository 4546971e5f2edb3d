"""Leak audit of MariaDB (which also serves the MySQL choice here, see services/mysql)."""

from __future__ import annotations

import pymysql

from native.common import native_service
from tests.audit import KEPT_TABLES


def leftovers() -> dict[str, int]:
    """``{schema.table: rows}`` of non-empty tables in ``app_test*`` databases, and
    ``{"database <name>": 1}`` for each ``app_test_*`` database still there."""
    found: dict[str, int] = {}
    service = native_service("mariadb")
    with (
        pymysql.connect(
            host="127.0.0.1",
            port=service.port,
            user=service.user,
            password=service.password,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema LIKE 'app\\_test%' AND table_type = 'BASE TABLE'"
        )
        for schema, table in cursor.fetchall():
            if table in KEPT_TABLES:
                continue
            cursor.execute(f"SELECT count(*) FROM `{schema}`.`{table}`")
            if count := cursor.fetchone()[0]:
                found[f"{schema}.{table}"] = count
        cursor.execute("SHOW DATABASES LIKE 'app\\_test\\_%'")
        for (name,) in cursor.fetchall():
            found[f"database {name}"] = 1
    return found


def make_leftover() -> None:
    """Leave what a killed run leaves: a worker database (for tests/test_native.py)."""
    service = native_service("mariadb")
    with (
        pymysql.connect(
            host="127.0.0.1",
            port=service.port,
            user=service.user,
            password=service.password,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("CREATE DATABASE app_test_killedrun")
