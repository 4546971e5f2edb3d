"""Example tests: how the harness reads its TEST_* settings (keep or delete)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from integration_harness.safety import UnsafeTarget, ensure_disposable
from integration_harness.services import SERVICES
from integration_harness.settings import (
    ENV_FILE_NAME,
    LOCAL_ENV_FILE_NAME,
    Settings,
    load_settings,
)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_each_service_setting_points_at_a_disposable_service(
    service, harness_settings: Settings
) -> None:
    module = importlib.import_module(f"integration_harness.{service.module}")

    module.guard(harness_settings.url(service.url_var), harness_settings)


def test_environment_wins_over_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env.test"
    env_file.write_text("TEST_PORT=1\nTEST_URL=scheme://127.0.0.1:${TEST_PORT}/x\n")
    monkeypatch.setenv("TEST_PORT", "2")

    settings = load_settings(env_file=env_file)

    assert settings.url("TEST_URL") == "scheme://127.0.0.1:2/x"


def test_local_file_wins_over_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ENV_FILE_NAME).write_text("TEST_URL=from-base\n")
    (tmp_path / LOCAL_ENV_FILE_NAME).write_text("TEST_URL=from-local\n")

    settings = load_settings(environ={}, env_file=tmp_path / ENV_FILE_NAME)

    assert settings.url("TEST_URL") == "from-local"


def test_names_without_the_test_prefix_are_ignored(tmp_path: Path) -> None:
    (tmp_path / ".env.test").write_text("")

    settings = load_settings(
        environ={"DATABASE_URL": "postgresql://prod/app"},
        env_file=tmp_path / ".env.test",
    )

    assert settings.get("DATABASE_URL") is None


def test_remote_host_is_refused_unless_allowed() -> None:
    with pytest.raises(UnsafeTarget, match="TEST_ALLOWED_HOSTS=db.example.com"):
        ensure_disposable("Service", "url", ["db.example.com"], allowed_hosts=[])

    ensure_disposable("Service", "url", ["db.example.com"], ["db.example.com"])
