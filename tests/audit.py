"""Leak audit: what the generated suites left behind on the native services.

Each service's check is its folder's ``audit.py`` (``services/<name>/audit.py``), whose
``leftovers()`` returns ``{what was left: how much}``, empty when nothing was; this
module runs them in catalogue order and holds what they share.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterable

from tests.rig import CATALOGUE

# Names the generated harnesses give what they make (unique_test_name / uniqueTestName).
TEST_PREFIX = "test-"
# A name as a test of a killed run made it (see `make_leftover` in services/*/audit.py).
KILLED_RUN_NAME = "test-main-killed-0000000abcdef"
# The harness keeps its schema digest here on purpose (one row per test database).
SCHEMA_TABLE = "integration_harness_schema"
# Tables a run keeps on purpose: the digest, and the migration tools' version tables
# (the migrations answer: Alembic's, goose's, Flyway's, Knex's).
KEPT_TABLES = frozenset(
    {
        SCHEMA_TABLE,
        "alembic_version",
        "goose_db_version",
        "flyway_schema_history",
        "knex_migrations",
        "knex_migrations_lock",
    }
)


def made_by_tests(names: Iterable[str], prefix: str = TEST_PREFIX) -> dict[str, int]:
    """``{name: how many}`` of the ``names`` a test made (starting with ``prefix``)."""
    return dict(Counter(name for name in names if name.startswith(prefix)))


def check(service: str) -> Callable[[], dict]:
    """The ``leftovers`` function of ``services/<service>/audit.py``."""
    return importlib.import_module(f"services.{service}.audit").leftovers


def leftovers(services: Iterable[str] | None = None) -> dict[str, dict]:
    """Everything the audit finds for ``services`` (default: the whole catalogue, in
    order), by service; empty when nothing was left."""
    return {
        name: found
        for name in (CATALOGUE if services is None else services)
        if (found := check(name)())
    }
