"""End to end: generated projects' `make integration-test-external` against the native services.

The stacks (default, widest, framework and no-service projects) run three times in a row,
each in a new random order, then on two workers; each answer that chooses a service runs
alone once in a random order, then on two workers (so every service runs twice in a row,
serially and in parallel, and the services of the stacks three times more). After every run
the leak audit must find nothing. The FastAPI projects (PostgreSQL, MySQL) build their
databases with ``migrations=alembic`` and run its migration tests; the TypeScript Express
project and TypeScript MySQL alone do the same with ``migrations=knex``.
Makefile; the others reuse it to save time.
The test-data factories (factories/accounts.*: unique e-mails per test and worker, saved on
`db` or `clean_db`) run in the accounts examples of the default stacks (PostgreSQL) and of the
MySQL/MariaDB projects, serially and on two workers; Java's and Go's in test_java_suites.py
and test_go_suites.py (default stack, MySQL). The default stacks'
last runs (on two workers) must leave their reports (JUnit XML counting the tests that
passed, a coverage report naming the example app) where the template's CI publishes them.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import redis

from native.common import native_service
from tests.audit import leftovers
from tests.compose_loader import checkout_hash
from tests.rig import (
    WIDEST,
    assert_reports,
    choices,
    each_answer_alone,
    make,
    render,
    services_for,
    valid,
)

# Each answer that chooses a service, alone (catalogue order).
ALONE = each_answer_alone()
EXTERNAL = choices("external_services")
PROJECTS = {
    "default-stack": {},
    **{f"{name}-alone": answers for name, answers in ALONE.items()},
    # migrations=alembic on PostgreSQL and on MySQL: the framework projects.
    "fastapi-postgres-redis": {
        "queue": "none",
        "web_framework": "fastapi",
        "migrations": "alembic",
    },
    "fastapi-mysql": {
        "database": "mysql",
        "cache": "none",
        "queue": "none",
        "web_framework": "fastapi",
        "migrations": "alembic",
    },
    "widest": {**WIDEST, "web_framework": "fastapi"},
    "wide-mariadb-sqs": {
        "database": "mariadb",
        "queue": "sqs",
        "external_services": EXTERNAL,
    },
    "no-services": {"database": "none", "cache": "none", "queue": "none", "ci": "none"},
    "typescript-default-stack": {"language": "typescript"},
    **{
        f"typescript-{name}-alone": {"language": "typescript", **answers}
        for name, answers in ALONE.items()
        # A service without a TypeScript harness is not offered there (copier.yml).
        if valid({"language": "typescript", **answers})
    },
    "typescript-express-postgres-redis": {
        "language": "typescript",
        "queue": "none",
        "web_framework": "express",
        "migrations": "knex",
    },
    "typescript-widest": {
        **WIDEST,
        "language": "typescript",
        "web_framework": "express",
    },
    "typescript-no-services": {
        "language": "typescript",
        "database": "none",
        "cache": "none",
        "queue": "none",
    },
}

# migrations=knex on MySQL too: its TypeScript project alone.
PROJECTS["typescript-database-mysql-alone"]["migrations"] = "knex"


def passed_count(output: str) -> int:
    """The number of tests passed (pytest's summary, or Vitest's "Tests  N passed")."""
    return max((int(n) for n in re.findall(r"(\d+) passed", output)), default=0)


def passes_repeatedly_and_in_parallel_leaving_nothing(
    project: Path, answers: dict, env: dict[str, str], serial_runs: int = 3
) -> int:
    """Run ``project``'s `make integration-test-external` ``serial_runs`` times in a row,
    each in a new random order, then on two workers: every run passes the same number of
    tests and the leak audit finds nothing before and after each; a TypeScript project
    type-checks. Returns the number of tests each run passed.
    """
    services = services_for(answers)
    assert leftovers() == {}, "services were not clean before the run"

    counts = []
    # Runs in a row, each in a new random order (pytest-randomly, Vitest's shuffle),
    # then on two workers.
    for args in ("PARALLEL=",) * serial_runs + ("PARALLEL=2",):
        result = make(project, "integration-test-external", args, env=env)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert "failed" not in output and "error" not in output.lower(), output[-4000:]
        counts.append(passed_count(output))
        assert leftovers() == {}, f"left behind after {args}"
    if answers.get("language") == "typescript":
        typecheck = subprocess.run(
            ["./node_modules/.bin/tsc", "--noEmit"],
            cwd=project / "tests/integration",
            capture_output=True,
            text=True,
            check=False,
        )
        assert typecheck.returncode == 0, typecheck.stdout

    assert len(set(counts)) == 1 and counts[0] > 0, counts
    if services:
        header = re.search(r"integration-harness: (.*)", output)
        assert header and all(" ready in " in header.group(1) for _ in services)
    return counts[-1]


@pytest.mark.parametrize("name", PROJECTS)
def test_generated_suite_passes_repeatedly_and_in_parallel_leaving_nothing(
    name: str, default_project: Path, shared_venv: dict[str, str], tmp_path: Path
) -> None:
    answers = PROJECTS[name]
    project = default_project if not answers else render(tmp_path / name, **answers)
    serial_runs = 1 if name.endswith("-alone") else 3
    passed = passes_repeatedly_and_in_parallel_leaving_nothing(
        project, answers, shared_venv, serial_runs
    )
    if name in ("default-stack", "typescript-default-stack"):
        # The last run (on two workers) left its JUnit XML and coverage report where CI
        # publishes them.
        assert_reports(project, answers.get("language", "python"), passed)


def test_default_suite_covers_every_service(
    default_project: Path, shared_venv: dict[str, str]
) -> None:
    result = make(
        default_project,
        "integration-test-external",
        "ARGS=-v -p no:randomly",
        env=shared_venv,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    for module in (
        "test_accounts",
        "test_profile_cache",
        "test_signup_events",
        "test_settings",
    ):
        assert f"{module}.py::" in result.stdout
    assert re.search(
        r"PostgreSQL [\d.]+ at .* ready in \d+ ms; Redis .*; RabbitMQ [\d.]+ at",
        result.stdout,
    )


def test_down_service_stops_the_run_quickly_with_one_message(
    default_project: Path, shared_venv: dict[str, str]
) -> None:
    started = time.monotonic()
    result = make(
        default_project,
        "integration-test-external",
        env={**shared_venv, "TEST_REDIS_PORT": "1", "TEST_SERVICE_TIMEOUT": "2"},
    )
    took = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert took < 15
    assert output.count("ERROR: integration-harness") == 1
    assert "Redis at redis://127.0.0.1:1/0: no answer within 2s" in output
    assert "make integration-services-up" in output and "TEST_REDIS_URL" in output
    assert "Traceback" not in output and "passed" not in output


def test_service_that_starts_late_is_awaited(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    project = render(tmp_path / "late", database="none", cache="redis", queue="none")
    launcher = subprocess.Popen(
        [
            "sh",
            "-c",
            f"sleep 5; exec redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        result = make(
            project,
            "integration-test-external",
            "ARGS=-p no:randomly",
            env={
                **shared_venv,
                "TEST_REDIS_PORT": str(port),
                "TEST_SERVICE_TIMEOUT": "20",
            },
        )
    finally:
        launcher.terminate()
        launcher.wait()

    assert result.returncode == 0, result.stdout[-3000:]
    waited = re.search(r"Redis [\d.]+ at \S+ ready in (\d+) ms", result.stdout)
    assert waited and int(waited.group(1)) >= 1000


def test_make_test_starts_runs_and_stops_compose(
    default_project: Path, shared_venv: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "compose.log"
    fake = tmp_path / "fake-compose"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake.chmod(0o755)
    env = {**shared_venv, "INTEGRATION_COMPOSE": str(fake)}

    def up_and_down() -> list[str]:
        # Besides up and down, make asks `version`, `config` and `ps` (checks).
        lines = log.read_text().splitlines()
        log.unlink()
        return [line for line in lines if " up " in line or " down " in line]

    passing = make(
        default_project, "integration-test", "ARGS=-q -p no:randomly", env=env
    )
    calls = up_and_down()
    kept = make(
        default_project,
        "integration-test",
        "KEEP=1",
        "ARGS=-q -k test_settings",
        env=env,
    )
    kept_calls = up_and_down()
    failing = make(
        default_project, "integration-test", "ARGS=-q -k no_such_test", env=env
    )
    failing_calls = up_and_down()

    assert passing.returncode == 0, passing.stdout[-2000:]
    project = f"demo-app-test-{checkout_hash(default_project)}"
    flags = f"-p {project} -f compose.test.yaml --env-file .env.test"
    assert calls[0] == f"{flags} up -d --wait --wait-timeout 120"
    assert calls[1] == f"{flags} down --volumes --remove-orphans"
    assert kept.returncode == 0 and len(kept_calls) == 1 and " up " in kept_calls[0]
    assert failing.returncode != 0 and " down " in failing_calls[-1]


def test_audit_notices_leftovers() -> None:
    with redis.Redis.from_url(native_service("redis").url) as client:
        client.execute_command("SELECT", 9)
        client.set("leak", "1")
        try:
            assert leftovers(["redis"]) == {"redis": {9: 1}}
        finally:
            client.delete("leak")
    assert leftovers(["redis"]) == {}


RESTART_SUITE = """
import socket
import subprocess
import time


def test_1_before_the_restart(db):
    assert db.execute("SELECT 1").fetchone() == (1,)


def test_2_restart_postgres():
    subprocess.run(["pg_ctlcluster", "{version}", "itest", "restart", "-m", "fast"], check=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


def test_3_right_after_the_restart(db):
    assert db.execute("SELECT 1").fetchone() == (1,)


def test_4_later(db):
    assert db.execute("SELECT 1").fetchone() == (1,)
"""


def test_service_restarted_mid_run_fails_clearly_and_next_run_is_green(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    from services.postgres.native import _version

    project = render(tmp_path / "restart", cache="none", queue="none")
    suite = project / "tests/integration/test_restart.py"
    suite.write_text(
        RESTART_SUITE.format(version=_version(), port=native_service("postgres").port)
    )

    during = make(
        project,
        "integration-test-external",
        "ARGS=-p no:randomly -k restart -v",
        env=shared_venv,
    )
    suite.unlink()
    after = make(
        project, "integration-test-external", "ARGS=-p no:randomly", env=shared_venv
    )

    assert during.returncode != 0
    assert "test_1_before_the_restart PASSED" in during.stdout
    assert "test_4_later PASSED" in during.stdout
    reason = re.search(
        r"(terminating connection due to administrator command|server closed the connection)",
        during.stdout,
    )
    assert reason, during.stdout[-3000:]
    assert after.returncode == 0, after.stdout[-3000:]
