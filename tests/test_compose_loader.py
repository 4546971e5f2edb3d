"""Every rendered compose file loads with compose-go, the loader docker compose v2 uses.

The JSON schema checks shape only; compose-go also interpolates `${VAR:?}` from the
env files the Makefile passes (in its order), converts types, normalises and
names the project, exactly as `docker compose` will on the user's machine.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.compose_loader import build, checkout_hash, load
from tests.rig import CATALOGUE, all_combinations, combination_id, render, services_for

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

COMBINATIONS = all_combinations()


@pytest.fixture(scope="session")
def loader() -> Path:
    """The compose-go loader, built once (cached across sessions by its sources' hash)."""
    return build()


def make_flags(project: Path) -> list[str]:
    """The arguments integration.mk gives `docker compose`, as make expands them."""
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "-C",
            str(project),
            "--eval",
            "integration-show-flags: ; @echo $(INTEGRATION_COMPOSE_FLAGS)",
            "integration-show-flags",
        ],
        text=True,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return shlex.split(result.stdout)


def load_as_make(loader: Path, project: Path, **kwargs: Any):
    flags = make_flags(project)
    files, env_files, names = [], [], []
    for flag, value in zip(flags[::2], flags[1::2]):
        {"-f": files, "--env-file": env_files, "-p": names}[flag].append(
            project / value if flag != "-p" else value
        )
    assert len(flags) % 2 == 0 and len(names) == 1, flags
    return load(loader, *files, env_files=env_files, project_name=names[0], **kwargs)


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], value)


@pytest.mark.parametrize("answers", COMBINATIONS, ids=map(combination_id, COMBINATIONS))
def test_every_rendered_compose_file_loads_as_docker_compose_loads_it(
    answers: dict[str, Any], loader: Path, combination_project
) -> None:
    project = combination_project(answers)
    services = services_for(answers)
    if not services:
        assert not (project / "compose.test.yaml").exists()
        return
    env = env_file(project / ".env.test")

    loaded, errors = load_as_make(loader, project)

    assert loaded is not None, errors
    assert loaded["name"] == f"demo-app-test-{checkout_hash(project)}"
    assert set(loaded["services"]) == {CATALOGUE[n]["compose_host"] for n in services}
    for name in services:
        entry = CATALOGUE[name]
        service = loaded["services"][entry["compose_host"]]
        assert service["image"] == entry["image"]
        assert service.get("command") == entry.get("command")
        assert service.get("environment", {}) == {
            key: expand(str(value), env) for key, value in entry["environment"].items()
        }
        assert service["healthcheck"]["test"] == ["CMD-SHELL", entry["healthcheck"]]
        assert entry["tmpfs"] in service["tmpfs"]
        assert sorted(
            (p["host_ip"], int(p["published"]), p["target"]) for p in service["ports"]
        ) == sorted(
            ("127.0.0.1", int(env[port["port_var"]]), port["container_port"])
            for port in [entry, *entry.get("also", [])]
        )
        for port in [entry, *entry.get("also", [])]:
            assert env[port["port_var"]] == str(port["host_port"])


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("loader") / "demo-app")


def test_without_env_file_every_port_guard_stops_the_load(
    loader: Path, default_project: Path
) -> None:
    loaded, errors = load(loader, default_project / "compose.test.yaml")

    assert loaded is None
    for variable in ("TEST_POSTGRES_PORT", "TEST_REDIS_PORT", "TEST_RABBITMQ_PORT"):
        assert (
            f"required variable {variable} is missing a value: pass --env-file .env.test"
            in errors
        )


def test_an_unset_port_in_env_test_fails_the_load(
    loader: Path, default_project: Path, tmp_path: Path
) -> None:
    broken = tmp_path / ".env.test"
    broken.write_text(
        "".join(
            line + "\n"
            for line in (default_project / ".env.test").read_text().splitlines()
            if not line.startswith("TEST_REDIS_PORT=")
        )
    )

    loaded, errors = load(
        loader, default_project / "compose.test.yaml", env_files=[broken]
    )

    assert loaded is None
    assert "required variable TEST_REDIS_PORT is missing a value" in errors
    assert "TEST_POSTGRES_PORT" not in errors


def test_a_port_that_is_not_a_number_fails_the_load(
    loader: Path, default_project: Path, tmp_path: Path
) -> None:
    broken = tmp_path / ".env.test"
    broken.write_text(
        (default_project / ".env.test")
        .read_text()
        .replace("TEST_POSTGRES_PORT=25432", "TEST_POSTGRES_PORT=pg")
    )

    loaded, errors = load(
        loader, default_project / "compose.test.yaml", env_files=[broken]
    )

    assert loaded is None and "pg" in errors


def test_a_mistyped_field_fails_the_load(
    loader: Path, default_project: Path, tmp_path: Path
) -> None:
    compose = tmp_path / "compose.test.yaml"
    compose.write_text(
        (default_project / "compose.test.yaml")
        .read_text()
        .replace("retries: 30", "retries: thirty", 1)
    )

    loaded, errors = load(loader, compose, env_files=[default_project / ".env.test"])

    assert loaded is None and "retries" in errors


def test_precedence_is_environment_then_env_test_local_then_env_test(
    loader: Path, tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")
    (project / ".env.test.local").write_text(
        "TEST_POSTGRES_PORT=26432\nTEST_REDIS_PORT=26379\n"
    )

    loaded, errors = load_as_make(
        loader, project, os_env=True, env={"TEST_REDIS_PORT": "27379"}
    )

    assert loaded is not None, errors
    published = {
        name: [int(p["published"]) for p in service["ports"]]
        for name, service in loaded["services"].items()
    }
    assert published == {"postgres": [26432], "redis": [27379], "rabbitmq": [25682]}


def test_your_override_file_is_loaded_with_the_stack(
    loader: Path, tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")
    (project / "compose.test.override.yaml").write_text(
        "services:\n"
        "  search:\n"
        "    image: opensearchproject/opensearch:3.3.0\n"
        "    ports: ['127.0.0.1:${TEST_SEARCH_PORT:-25920}:9200']\n"
        "  postgres:\n"
        "    environment:\n"
        "      POSTGRES_INITDB_ARGS: --no-sync\n"
    )

    loaded, errors = load_as_make(loader, project)

    assert loaded is not None, errors
    assert loaded["services"]["search"]["ports"][0]["published"] == "25920"
    assert (
        loaded["services"]["postgres"]["environment"]["POSTGRES_INITDB_ARGS"]
        == "--no-sync"
    )
    assert loaded["services"]["postgres"]["environment"]["POSTGRES_USER"] == "test"


def test_without_a_project_name_the_file_names_the_stack(
    loader: Path, default_project: Path
) -> None:
    loaded, errors = load(
        loader,
        default_project / "compose.test.yaml",
        env_files=[default_project / ".env.test"],
    )

    assert loaded is not None, errors
    assert loaded["name"] == "demo-app-test"
