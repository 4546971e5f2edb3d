"""language=go: generated projects' `make integration-test-external` against the native services.

What covers what (every Go service runs in parallel at least once):

- ``go-default-stack`` (PostgreSQL + Redis + RabbitMQ, with ``web_framework=net-http``: the
  accounts API and its Redis rate limiting): three runs in a row, each in a new random order
  (``-shuffle=on``), then ``PARALLEL=2`` with ``-race``; the leak audit after each run; the
  last run's reports (gotestsum's JUnit XML, the coverage profile naming the example app)
  where CI publishes them.
- each Go service alone: one run with ``PARALLEL=2`` and the audit. Each database's project
  has net-http too (the API without rate limiting, and on MySQL's and MariaDB's store);
  ``external_services=object_storage`` (S3) joins ``go-queue-sqs`` (one AWS emulator), so
  that project runs the SQS and the S3 examples and the killed-run cleanup of both.
- ``go-widest``: every Go harness module in one go.mod (S3 among them), ``PARALLEL=2``.
- no services: the settings tests, and the line saying so.
- ``migrations=goose``: the default stack (PostgreSQL) and ``go-database-mysql`` build their
  databases with the example goose migration and run the migration tests (up from empty,
  down then up, on a scratch database); the other database projects run schema/*.sql.
- render checks: ``go vet``, ``gofmt -l`` and ``go mod tidy`` (go.mod is complete, so tidy
  must not change it) on every rendered Go project above.
- failure paths: a service that does not answer, a wrong password, the guard (remote host,
  dev database), a Redis database that holds keys, the run lock, broken managed files.

The projects render into one module-scoped folder and share Go's module and build caches.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
import redis

from native.common import native_service
from tests.audit import leftovers
from tests.rig import (
    CATALOGUE,
    assert_reports,
    choices,
    guard_cases,
    install,
    make,
    offered,
    postgres_url,
    render,
    services_for,
)

NONE = {"database": "none", "cache": "none", "queue": "none"}
GO = {"language": "go"}
WEB = {"web_framework": "net-http"}


def alone_projects() -> dict[str, dict]:
    """Each answer Go offers, alone (named after it, so that this file names no service).

    A database's project also has the example API (net-http needs a database); an
    external service whose service an earlier project runs already joins that project
    instead of costing one of its own (one emulator serves both).
    """
    projects: dict[str, dict] = {}
    for question in (
        "database",
        "document_store",
        "cache",
        "queue",
        "external_services",
    ):
        for value in choices(question):
            if value == "none" or value not in offered("go", question):
                continue
            answer = [value] if question == "external_services" else value
            wanted = set(services_for({**GO, **NONE, question: answer}))
            host = next(
                (a for a in projects.values() if wanted <= set(services_for(a))), None
            )
            if question == "external_services" and host is not None:
                host["external_services"] = [*host.get("external_services", []), value]
                continue
            name = f"go-{question}-{value}".replace("_", "-")
            projects[name] = {
                **GO,
                **NONE,
                question: answer,
                **(WEB if question == "database" else {}),
            }
    return projects


ALONE = alone_projects()
# migrations=goose on PostgreSQL (the default stack) and on MySQL (its project alone).
ALONE["go-database-mysql"]["migrations"] = "goose"
PROJECTS = {
    "go-default-stack": {**GO, **WEB, "migrations": "goose"},
    **ALONE,
    "go-no-services": {**GO, **NONE},
    # Every Go harness module that can be chosen together (the last queue Go offers):
    # one go.mod must hold them all.
    "go-widest": {
        **GO,
        "queue": [
            v for v in choices("queue") if v != "none" and v in offered("go", "queue")
        ][-1],
        "external_services": [
            v
            for v in choices("external_services")
            if v in offered("go", "external_services")
        ],
    },
}


@pytest.fixture(scope="module")
def go_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every project of PROJECTS, rendered once, its go.sum written (make integration-deps)."""
    assert shutil.which("go"), "the Go suites need `go` on PATH"
    root = tmp_path_factory.mktemp("go")
    return {
        name: install(render(root / name, **answers))
        for name, answers in PROJECTS.items()
    }


def go(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the go command in the project's test module."""
    return subprocess.run(
        ["go", *args],
        cwd=project / "tests/integration",
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def passed(output: str) -> int:
    """Tests passed, from `go test -v` output."""
    return len(re.findall(r"^\s*--- PASS: ", output, re.MULTILINE))


@pytest.mark.parametrize("name", PROJECTS)
def test_rendered_go_project_is_vet_gofmt_and_tidy_clean(
    name: str, go_projects: dict[str, Path]
) -> None:
    project = go_projects[name]
    module = project / "tests/integration/go.mod"
    written = module.read_text()

    vet = go(project, "vet", "./...")
    unformatted = subprocess.run(
        ["gofmt", "-l", "."],
        cwd=module.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    tidy = go(project, "mod", "tidy")

    assert vet.returncode == 0, vet.stderr
    assert unformatted.returncode == 0 and unformatted.stdout == "", unformatted.stdout
    assert tidy.returncode == 0, tidy.stderr
    assert module.read_text() == written, "go mod tidy changed the generated go.mod"


def run_suite(project: Path, *args: str) -> subprocess.CompletedProcess:
    """`make integration-test-external` with -v (go test shows a passing package's output only then)."""
    return make(project, "integration-test-external", f"ARGS={' '.join(('-v', *args))}")


def test_go_default_stack_passes_repeatedly_and_in_parallel_leaving_nothing(
    go_projects: dict[str, Path],
) -> None:
    project = go_projects["go-default-stack"]
    assert leftovers() == {}, "services were not clean before the run"

    counts, seeds = [], set()
    for parallel, extra in (("", ()), ("", ()), ("", ()), ("2", ("-race",))):
        result = make(
            project,
            "integration-test-external",
            f"PARALLEL={parallel}",
            f"ARGS={' '.join(('-v', *extra))}",
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert "FAIL" not in output and "WARNING: DATA RACE" not in output, output[
            -4000:
        ]
        counts.append(passed(output))
        seeds.update(re.findall(r"-test\.shuffle (\d+)", output))
        assert leftovers() == {}, f"left behind after PARALLEL={parallel}"

    assert counts[0] == counts[1] == counts[2] == counts[3] > 20
    assert len(seeds) == 4, "every run has an order of its own"
    assert re.search(
        r"integration-harness: PostgreSQL [\d.]+ at postgresql://test:\*\*\*@\S+ ready in \d+ ms; "
        r"Redis [\d.]+ at \S+ ready in \d+ ms; RabbitMQ [\d.]+ at amqp://test:\*\*\*@\S+ ready in \d+ ms",
        output,
    )
    assert "-p 2 -parallel 2" in output
    # The last run (two at once, -race) left its JUnit XML (gotestsum) and coverage
    # profile where CI publishes them.
    assert_reports(project, "go", counts[-1])


@pytest.mark.parametrize(
    "name",
    [*ALONE, "go-widest"],
)
def test_go_service_alone_passes_in_parallel_leaving_nothing(
    name: str, go_projects: dict[str, Path]
) -> None:
    result = make(
        go_projects[name], "integration-test-external", "PARALLEL=2", "ARGS=-v"
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert passed(output) > 9  # the settings tests and the service's examples
    assert output.count(" ready in ") == len(services_for(PROJECTS[name]))
    assert leftovers() == {}


def test_go_project_without_services_runs_its_settings_tests(
    go_projects: dict[str, Path],
) -> None:
    project = go_projects["go-no-services"]

    result = run_suite(project)

    assert result.returncode == 0, result.stdout[-3000:]
    assert "integration-harness: this project uses no services" in result.stdout
    assert passed(result.stdout) == 9
    assert not (project / "compose.test.yaml").exists()


def test_go_down_service_stops_the_run_quickly_with_one_message(
    go_projects: dict[str, Path],
) -> None:
    started = time.monotonic()
    result = make(
        go_projects["go-default-stack"],
        "integration-test-external",
        env={"TEST_REDIS_PORT": "1", "TEST_SERVICE_TIMEOUT": "2"},
    )
    took = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert took < 30
    assert (
        output.count("integration-harness: service is not usable, no test was run") == 1
    )
    assert "Redis at redis://127.0.0.1:1/0: no answer within 2s" in output
    assert "make integration-services-up" in output and "TEST_REDIS_URL" in output
    assert "panic" not in output and "--- PASS" not in output


def test_go_wrong_password_is_reported_at_once_without_the_password(
    go_projects: dict[str, Path],
) -> None:
    result = make(
        go_projects["go-database-postgres"],
        "integration-test-external",
        env={
            "TEST_DATABASE_URL": "postgresql://test:Pw0rdNotRight@127.0.0.1:25432/app_test"
        },
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "check the user, password and database in TEST_DATABASE_URL" in output
    assert "start the test services" not in output
    assert "Pw0rdNotRight" not in output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://test:test@db.example.com:25432/app_test",
            "host 'db.example.com' is not loopback, a compose service or listed in"
            + " TEST_ALLOWED_HOSTS. If it really is a disposable test service, add it:"
            + " TEST_ALLOWED_HOSTS=db.example.com",
        ),
        (
            "postgresql://test:test@127.0.0.1:25432/app",
            "database 'app' is not a test database: 'test' must be a whole word of its name",
        ),
        ("postgresql://test:test@127.0.0.1:25432", "the URL names no database"),
    ],
)
def test_go_guard_refuses_what_is_not_a_test_database(
    url: str, message: str, go_projects: dict[str, Path]
) -> None:
    result = make(
        go_projects["go-database-postgres"],
        "integration-test-external",
        env={"TEST_DATABASE_URL": url},
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        f"PostgreSQL: Refusing to clean PostgreSQL at {url.replace(':test@', ':***@')}"
        in output
    )
    assert message in output
    assert "--- PASS" not in output


def test_go_redis_database_with_foreign_keys_is_refused(
    go_projects: dict[str, Path],
) -> None:
    url = native_service("redis").url.rsplit("/", 1)[0] + "/7"
    with redis.Redis.from_url(url) as client:
        client.set("not-ours", "1")
        try:
            result = make(
                go_projects["go-cache-redis"],
                "integration-test-external",
                env={"TEST_REDIS_URL": url},
            )
            kept = client.get("not-ours")
        finally:
            client.delete("not-ours")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "database 7 already holds 1 keys the harness did not create" in output
    assert kept == b"1"


def test_go_run_lock_refuses_a_second_run_of_the_same_package(
    go_projects: dict[str, Path],
) -> None:
    project = go_projects["go-database-postgres"]
    folder = str((project / "tests/integration").resolve())
    own = "app_test_go_" + hashlib.sha256(folder.encode()).hexdigest()[:8]
    with psycopg.connect(postgres_url(), autocommit=True) as other_run:
        other_run.execute(
            "SELECT pg_advisory_lock(hashtext(%s))", (f"integration-harness:{own}",)
        )
        result = make(project, "integration-test-external")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"Another test run is using PostgreSQL database '{own}'" in output
    assert "--- PASS" not in output


def test_go_conflicted_managed_file_stops_the_run(go_projects: dict[str, Path]) -> None:
    project = go_projects["go-no-services"]
    readme = project / "tests/integration/README.md"
    original = readme.read_text()
    readme.write_text(
        original
        + "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"
    )
    try:
        result = make(project, "integration-test-external")
    finally:
        readme.write_text(original)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "integration-harness: managed files are broken, no test was run" in output
    assert (
        "tests/integration/README.md: conflict markers from `copier update`" in output
    )
    assert "copier recopy" in output


GUARD_TEST = """package harness

import "testing"

func TestGuardCases(t *testing.T) {
	settings := &Settings{Values: map[string]string{}}
	for _, c := range []struct {
		service, url string
		safe         bool
	}{
%s
	} {
		err := modules[c.service].guard(c.url, settings)
		if c.safe && err != nil {
			t.Errorf("%%s refused safe %%s: %%v", c.service, c.url, err)
		}
		if !c.safe && err == nil {
			t.Errorf("%%s accepted hostile %%s", c.service, c.url)
		}
	}
}
"""
# The Go drivers take URLs only: a libpq keyword string is refused (safely).
URL_ONLY = {"host=127.0.0.1 dbname=app_test user=test password=secret"}


def guard_urls(service: str) -> tuple[list[str], list[str]]:
    """The hostile and the safe settings of ``service`` (its guard.yml)."""
    cases = guard_cases(service)
    return cases["hostile"], cases["safe"]


@pytest.mark.parametrize(
    "name",
    [
        "go-widest",
        *(
            name
            for name, answers in ALONE.items()
            if not set(services_for(answers))
            <= set(services_for(PROJECTS["go-widest"]))
            # a service whose module is another's is checked with that one's cases
            and not all("files_from" in CATALOGUE[s] for s in services_for(answers))
        ),
    ],
)
def test_go_guards_refuse_every_hostile_setting(
    name: str, go_projects: dict[str, Path]
) -> None:
    """The guard cases every language's guard must pass, through the Go harness modules."""
    project = go_projects[name]
    services = services_for(PROJECTS[name])
    cases = [
        f"\t\t{{{json.dumps(service)}, {json.dumps(url)}, {str(safe).lower()}}},"
        for service in services
        for safe, urls in zip((False, True), guard_urls(service), strict=True)
        for url in urls
        if url not in URL_ONLY
    ]
    test_file = project / "tests/integration/harness/guard_cases_test.go"
    test_file.write_text(GUARD_TEST % "\n".join(cases))
    try:
        result = go(project, "test", "-count=1", "-run", "TestGuardCases", "./harness/")
    finally:
        test_file.unlink()

    assert len(cases) >= 5
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
