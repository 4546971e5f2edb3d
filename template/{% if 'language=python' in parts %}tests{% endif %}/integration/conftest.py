"""Your fixtures for the integration tests.

Created once by integration-harness; `copier update` never changes this file.
The harness's fixtures (see README.md here) come from its plugin, which
pytest.ini here loads; override any of them by defining a fixture with the
same name in this file, for example ``database_schema`` to run your migrations
instead of schema/*.sql.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SUITE_CONFIG = Path(__file__).with_name("pytest.ini")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave this folder to its own runner (`make integration-test`).

    Your repository's own pytest run (configured by its pyproject.toml, say)
    skips it and collects exactly what it did before the harness arrived.
    """
    if config.inipath is None or config.inipath.resolve() != SUITE_CONFIG.resolve():
        return True
    return None
