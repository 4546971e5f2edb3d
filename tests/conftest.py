"""Session fixtures shared by the template's test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rig import make, render


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, its virtualenv built by its own `make integration-deps`."""
    project = render(tmp_path_factory.mktemp("shared") / "default-stack")
    result = make(project, "integration-deps")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "tests/integration/.venv/bin/pytest").exists()
    return project


@pytest.fixture(scope="session")
def shared_venv(default_project: Path) -> dict[str, str]:
    return {"INTEGRATION_VENV": str(default_project / "tests/integration/.venv")}
