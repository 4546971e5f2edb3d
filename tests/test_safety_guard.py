"""The safety guard: hostile settings are refused before anything is cleaned."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from native.common import native_service
from tests.rig import (
    CATALOGUE,
    WIDEST,
    combination_with,
    guard_cases,
    install,
    make,
    render,
)

# Each service's cases are its folder's guard.yml (services/<name>/guard.yml).
HOSTILE = [
    (service, url) for service in CATALOGUE for url in guard_cases(service)["hostile"]
]
SAFE = [
    (service, url)
    for service in CATALOGUE
    for url in [
        *guard_cases(service)["safe"],
        *guard_cases(service).get("safe_python_only", []),
    ]
]


@pytest.fixture(scope="module")
def harness(combination_project):
    """``harness(service)``: that service's harness module, from a project that selects it.

    Each call imports a fresh ``integration_harness`` package from the rendered
    project, so modules of different projects never mix. The project is the session's
    shared render: the import writes no bytecode into it.
    """

    def load(service: str):
        project = combination_project(combination_with(service, "python"))
        for module in [m for m in sys.modules if m.startswith("integration_harness")]:
            del sys.modules[module]
        sys.path.insert(0, str(project / "tests/integration"))
        writes_bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True
        try:
            module = CATALOGUE[service]["python"]["module"]
            return importlib.import_module(f"integration_harness.{module}")
        finally:
            sys.dont_write_bytecode = writes_bytecode
            sys.path.pop(0)

    yield load
    for module in [m for m in sys.modules if m.startswith("integration_harness")]:
        del sys.modules[module]


def settings(module, **values: str):
    """Settings for ``module``'s guard, from the same harness package."""
    package = sys.modules[module.__name__.rsplit(".", 1)[0] + ".settings"]
    return package.Settings(values=values, env_file=None)


@pytest.mark.parametrize(("service", "url"), HOSTILE)
@pytest.mark.render_only
def test_hostile_target_is_refused_with_the_fix(
    harness, service: str, url: str
) -> None:
    module = harness(service)
    unsafe = (sys.modules["integration_harness.safety"].UnsafeTarget, ValueError)

    with pytest.raises(unsafe) as refused:
        module.guard(url, settings(module))

    message = str(refused.value)
    assert "secret" not in message and "token" not in message
    assert (
        "TEST_ALLOWED_HOSTS" in message
        or "test database" in message
        or "pg_service" in message
        or re.search(r"TEST_[A-Z_]+", message)
    )


@pytest.mark.parametrize(("service", "url"), SAFE)
@pytest.mark.render_only
def test_loopback_and_compose_targets_pass(harness, service: str, url: str) -> None:
    module = harness(service)
    module.guard(url, settings(module))


@pytest.mark.render_only
def test_allowed_hosts_let_a_ci_host_through(harness) -> None:
    url = "postgresql://test:test@ci-db.internal/app_test"
    postgres = harness("postgres")
    with pytest.raises(sys.modules["integration_harness.safety"].UnsafeTarget):
        postgres.guard(url, settings(postgres))

    postgres.guard(url, settings(postgres, TEST_ALLOWED_HOSTS="other, CI-DB.internal"))


@pytest.fixture
def dev_database() -> str:
    """A database named like a developer's (no 'test'), holding a sentinel row."""
    admin = native_service("postgres")
    with psycopg.connect(admin.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS app_dev")
        conn.execute("CREATE DATABASE app_dev")
    dev_url = admin.url.rsplit("/", 1)[0] + "/app_dev"
    with psycopg.connect(dev_url) as conn:
        conn.execute("CREATE TABLE accounts (id int, email text)")
        conn.execute("INSERT INTO accounts VALUES (1, 'sentinel@example.com')")
    yield dev_url
    with psycopg.connect(admin.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE app_dev WITH (FORCE)")


def test_suite_against_a_dev_database_refuses_and_the_sentinel_survives(
    dev_database: str, tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = render(tmp_path / "project", cache="none", queue="none")

    result = make(
        project,
        "integration-test-external",
        env={**shared_venv, "TEST_DATABASE_URL": dev_database},
    )

    assert result.returncode != 0
    assert "database 'app_dev' is not a test database" in result.stdout + result.stderr
    with psycopg.connect(dev_database) as conn:
        assert conn.execute("SELECT email FROM accounts").fetchall() == [
            ("sentinel@example.com",)
        ]


def test_allowed_ci_host_runs_the_suite(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """hostaddr makes libpq reach 127.0.0.1 while the URL names a CI-looking host."""
    project = render(tmp_path / "project", cache="none", queue="none")
    url = (
        native_service("postgres").url.replace("127.0.0.1", "ci-db.internal")
        + "?hostaddr=127.0.0.1"
    )

    refused = make(
        project,
        "integration-test-external",
        env={**shared_venv, "TEST_DATABASE_URL": url},
    )
    allowed = make(
        project,
        "integration-test-external",
        "ARGS=-p no:randomly",
        env={
            **shared_venv,
            "TEST_DATABASE_URL": url,
            "TEST_ALLOWED_HOSTS": "ci-db.internal",
        },
    )

    assert (
        refused.returncode != 0
        and "TEST_ALLOWED_HOSTS=ci-db.internal" in refused.stdout + refused.stderr
    )
    assert allowed.returncode == 0, allowed.stdout[-3000:]


def test_redis_database_holding_foreign_keys_is_refused_and_kept(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = render(tmp_path / "project", database="none", queue="none")
    url = native_service("redis").url.rsplit("/", 1)[0] + "/7"
    with redis.Redis.from_url(url) as client:
        client.set("session:42", "someone's data")
        try:
            result = make(
                project,
                "integration-test-external",
                env={**shared_venv, "TEST_REDIS_URL": url},
            )
            survived = client.get("session:42")
        finally:
            client.delete("session:42")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("already holds 1 keys the harness did not create") == 1
    assert survived == b"someone's data"


def test_a_second_run_on_the_same_database_is_refused(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """A run in progress holds the database; a concurrent run must not clean it."""
    project = render(tmp_path / "project", cache="none", queue="none")
    with psycopg.connect(native_service("postgres").url, autocommit=True) as other_run:
        other_run.execute(
            "SELECT pg_advisory_lock(hashtext('integration-harness:app_test'))"
        )
        refused = make(project, "integration-test-external", env=shared_venv)
    allowed = make(
        project, "integration-test-external", "ARGS=-p no:randomly", env=shared_venv
    )

    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert output.count("Another test run is using PostgreSQL database 'app_test'") == 1
    assert allowed.returncode == 0, allowed.stdout[-2000:]


def test_typescript_harness_refuses_a_dev_database_and_a_remote_host(
    dev_database: str, tmp_path: Path
) -> None:
    project = render(tmp_path / "project", language="typescript", queue="none")
    remote = "redis://cache.prod.internal:6379/0"

    dev = make(
        project, "integration-test-external", env={"TEST_DATABASE_URL": dev_database}
    )
    far = make(project, "integration-test-external", env={"TEST_REDIS_URL": remote})

    assert dev.returncode != 0
    assert "database 'app_dev' is not a test database" in dev.stdout + dev.stderr
    with psycopg.connect(dev_database) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    assert far.returncode != 0
    assert "TEST_ALLOWED_HOSTS=cache.prod.internal" in far.stdout + far.stderr
    assert "Test Files" not in far.stdout  # stopped before any test file ran


GUARD_TEST = """
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { loadSettings } from "./harness/settings";

const cases = JSON.parse(readFileSync(new URL("./guards.json", import.meta.url), "utf8"));
const settings = loadSettings({});

for (const [service, { module, hostile, safe }] of Object.entries<any>(cases)) {
  test.for(hostile as string[])(`${service} refuses %s`, async (url) => {
    const harness = await import(`./harness/${module}.ts`);
    const guarded = Promise.resolve().then(() => harness.guard(url, settings));
    await expect(guarded).rejects.toThrow(/TEST_ALLOWED_HOSTS|test database|names no database|TEST_[A-Z_]+/);
  });
  test.for(safe as string[])(`${service} accepts %s`, async (url) => {
    const harness = await import(`./harness/${module}.ts`);
    await harness.guard(url, settings);
  });
}
"""


def test_typescript_guards_refuse_every_hostile_setting(
    tmp_path: Path, combination_project
) -> None:
    """The same hostile and safe settings as above (but the Python-only ones), through
    the TypeScript harness modules, all in the widest project."""
    project = render(tmp_path / "project", language="typescript", **WIDEST)
    integration = project / "tests/integration"
    modules: dict[str, str] = {}
    packages: set[str] = set()
    # A service without a TypeScript harness (Python only) has no module to check here.
    guarded = [
        s
        for s in CATALOGUE
        if guard_cases(s)["hostile"] and "typescript" in CATALOGUE[s]
    ]
    for service in guarded:
        entry = CATALOGUE[service]["typescript"]
        modules[service] = entry["module"]
        packages |= {
            f"{name}@{version}" for name, version in entry["dependencies"].items()
        }
        if not (integration / "harness" / f"{entry['module']}.ts").exists():
            other = combination_project(combination_with(service, "typescript"))
            module = other / "tests/integration/harness" / f"{entry['module']}.ts"
            (integration / "harness" / module.name).write_text(module.read_text())
    install(project)
    extra = subprocess.run(
        ["npm", "install", "--no-save", "--no-audit", "--no-fund", *sorted(packages)],
        cwd=integration,
        capture_output=True,
        text=True,
        check=False,
    )
    assert extra.returncode == 0, extra.stderr
    cases = {
        service: {
            "module": modules[service],
            "hostile": guard_cases(service)["hostile"],
            "safe": guard_cases(service)["safe"],
        }
        for service in guarded
    }
    # One project holds every module here, so it must know every compose service name.
    services_ts = integration / "harness/services.ts"
    hosts = sorted({entry["compose_host"] for entry in CATALOGUE.values()})
    services_ts.write_text(
        services_ts.read_text().replace(
            "new Set(SERVICES.map((service) => service.composeHost))",
            f"new Set({json.dumps(hosts)})",
        )
    )
    (integration / "guards.json").write_text(json.dumps(cases))
    (integration / "guards.test.ts").write_text(GUARD_TEST)

    result = make(
        project,
        "integration-test-external",
        "ARGS=guards.test.ts",
        env={"NO_COLOR": "1"},
    )

    expected = sum(len(c["hostile"]) + len(c["safe"]) for c in cases.values())
    assert result.returncode == 0, result.stdout[-4000:]
    assert f"Tests  {expected} passed" in result.stdout, result.stdout[-2000:]
