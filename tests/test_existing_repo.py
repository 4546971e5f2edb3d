"""Copying into a repository that already has its own tests, test runner and Makefile.

Afterwards the repository's own commands must do exactly what they did before
(same tests collected, same results, same make targets, no make warnings), and
the integration suite runs through `make integration-test-external` only. Covered:
a Python repo (pyproject testpaths, conftest), Node repos (Vitest, Jest), a Spring Boot
repo (its own pom.xml and `mvn test`) and a Go module (its own go.mod, reached from the
suite through the go.work the generated README shows).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.rig import copy_cli, install, make, own_postgres_database
from tests.test_update import TemplateRepo, edit, generate, git, update

# A database of this module's own on the test PostgreSQL (.env.test's server):
# a suite run elsewhere at the same time holds app_test, and the harness refuses
# a database another run is using.
SERVER_URL = "postgresql://test:test@127.0.0.1:25432/app_test"
DATABASE_URL = SERVER_URL.rsplit("/", 1)[0] + "/app_test_existing_repo"
PYTHON_ANSWERS = (
    "--data",
    "database=postgres",
    "--data",
    "cache=none",
    "--data",
    "queue=none",
)

OWN_TARGETS = ("test", "check", "lint", "clean", "up", "down", "update")


@pytest.fixture(scope="module")
def own_database() -> Iterator[None]:
    """DATABASE_URL's database, for this module only (dropped afterwards)."""
    with own_postgres_database(DATABASE_URL.rsplit("/", 1)[1]):
        yield


@pytest.fixture(autouse=True)
def own_database_unless_render_only(request: pytest.FixtureRequest) -> None:
    """own_database for every test that runs a suite. A render_only test never creates it:
    it may run on another xdist worker beside the service tests, whose leak audit would
    find the database."""
    if request.node.get_closest_marker("render_only") is None:
        request.getfixturevalue("own_database")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def python_service_repo(root: Path) -> Path:
    """A service with its own pytest setup: pyproject testpaths, a conftest, unit tests."""
    write(
        root / "pyproject.toml",
        '[project]\nname = "billing"\nversion = "1.0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-p no:randomly"\n',
    )
    write(
        root / "tests" / "conftest.py",
        "import pytest\n\n\n@pytest.fixture\ndef invoice_total():\n    return 42\n",
    )
    write(
        root / "tests" / "test_unit.py",
        "def test_total(invoice_total):\n    assert invoice_total == 42\n\n\n"
        "def test_vat():\n    assert round(100 * 1.2) == 120\n",
    )
    makefile = "".join(
        f".PHONY: {target}\n{target}:\n\t@echo 'mine: {target}'\n\n"
        for target in OWN_TARGETS
    )
    write(root / "Makefile", makefile)
    return root


def own_pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The repository's own test command, run as its developers run it."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=repo,
        check=False,
        text=True,
        capture_output=True,
        timeout=300,
    )


def collected_ids(repo: Path) -> list[str]:
    result = own_pytest(repo, "--collect-only", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_python_repo_keeps_its_own_pytest_run(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    repo = python_service_repo(tmp_path / "billing")
    ids_before = collected_ids(repo)
    run_before = own_pytest(repo)
    assert ids_before == [
        "tests/test_unit.py::test_total",
        "tests/test_unit.py::test_vat",
    ]
    assert run_before.returncode == 0

    copied = copy_cli(repo, "--data", "project_name=billing", *PYTHON_ANSWERS)
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert (repo / "tests/integration/test_accounts.py").exists()

    # The repository's own run: the same tests, passing, nothing from tests/integration.
    assert collected_ids(repo) == ids_before
    run_after = own_pytest(repo)
    assert run_after.returncode == 0, run_after.stdout[-3000:]
    assert re.search(r"\b2 passed\b", run_after.stdout), run_after.stdout[-2000:]
    assert "integration" not in run_after.stdout + run_after.stderr

    # The integration suite, through its own target (the user adds the include line).
    with (repo / "Makefile").open("a") as makefile:
        makefile.write("include integration.mk\n")
    suite = make(
        repo,
        "integration-test-external",
        "ARGS=-p no:randomly -v",
        env={**shared_venv, "TEST_DATABASE_URL": DATABASE_URL},
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert "test_accounts.py::" in suite.stdout and " passed" in suite.stdout
    assert "test_unit.py" not in suite.stdout  # and not the other way round
    # A run after the integration suite (its .pytest_cache, __pycache__) still collects the same.
    assert collected_ids(repo) == ids_before


def test_own_makefile_with_the_include_line_keeps_its_targets(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    repo = python_service_repo(tmp_path / "billing")
    makefile_before = (repo / "Makefile").read_text()
    before = make(repo, *OWN_TARGETS)
    assert before.returncode == 0

    copied = copy_cli(repo, "--data", "project_name=billing", *PYTHON_ANSWERS)
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert (repo / "Makefile").read_text() == makefile_before  # kept, not overwritten
    # The message tells the line to add; the user adds it as told.
    line = re.search(r"Makefile.*\n\s+(include \S+)\n", copied.stderr)
    assert line, copied.stderr[-2000:]
    with (repo / "Makefile").open("a") as makefile:
        makefile.write(f"\n{line.group(1)}\n")

    after = make(repo, *OWN_TARGETS)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout  # each target does what it did
    assert after.stderr == "", after.stderr  # no "overriding recipe" or other warning
    default_goal = make(repo)
    assert default_goal.stdout == "mine: test\n" and default_goal.stderr == ""

    suite = make(
        repo,
        "integration-test-external",
        "ARGS=-p no:randomly -q",
        env={**shared_venv, "TEST_DATABASE_URL": DATABASE_URL},
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert "warning" not in suite.stderr.lower(), suite.stderr
    assert re.search(r"\b\d+ passed\b", suite.stdout), suite.stdout[-2000:]


@pytest.mark.render_only
def test_include_line_at_the_top_keeps_the_default_goal(tmp_path: Path) -> None:
    """Users often put includes first; integration.mk must not become the default goal."""
    repo = python_service_repo(tmp_path / "billing")
    before = make(repo)
    assert (
        copy_cli(repo, "--data", "project_name=billing", *PYTHON_ANSWERS).returncode
        == 0
    )
    makefile = repo / "Makefile"
    makefile.write_text("include integration.mk\n\n" + makefile.read_text())

    after = make(repo)

    assert before.returncode == 0 and before.stdout == "mine: test\n"
    assert (after.returncode, after.stdout, after.stderr) == (0, before.stdout, "")


@pytest.mark.parametrize("flags", [[], ["--overwrite"]], ids=["plain", "overwrite"])
@pytest.mark.render_only
def test_own_gitignore_and_makefile_are_never_rewritten(
    tmp_path: Path, flags: list[str]
) -> None:
    repo = python_service_repo(tmp_path / "billing")
    write(repo / ".gitignore", "*.log\n")
    kept = {name: (repo / name).read_text() for name in (".gitignore", "Makefile")}

    copied = copy_cli(repo, "--data", "project_name=billing", *PYTHON_ANSWERS, *flags)

    assert copied.returncode == 0, copied.stderr[-2000:]
    assert {name: (repo / name).read_text() for name in kept} == kept


TYPESCRIPT_ANSWERS = (
    "--data",
    "language=typescript",
    *PYTHON_ANSWERS,
)
# The repository's own runner, its test script and one test file per runner.
NODE_REPOS = {
    "vitest": {
        "devDependencies": {"vitest": "4.1.12"},
        "test": "vitest run",
        "list": ["./node_modules/.bin/vitest", "list"],
        "file": ("src/sum.test.ts", "import { expect, test } from 'vitest';\n"),
    },
    "jest": {
        "devDependencies": {"jest": "30.5.2"},
        "test": "jest",
        "list": ["./node_modules/.bin/jest", "--listTests"],
        "file": ("src/sum.test.js", ""),
    },
}


def node_service_repo(root: Path, runner: str) -> Path:
    spec = NODE_REPOS[runner]
    write(
        root / "package.json",
        json.dumps(
            {
                "name": "web",
                "private": True,
                "scripts": {"test": spec["test"]},
                "devDependencies": spec["devDependencies"],
            },
            indent=2,
        ),
    )
    name, header = spec["file"]
    write(
        root / name,
        header + "test('adds', () => { expect(1 + 2).toBe(3); });\n"
        "test('subtracts', () => { expect(3 - 2).toBe(1); });\n",
    )
    install = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=root,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return root


def node_run(repo: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command),
        cwd=repo,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "1", "NO_COLOR": "1"},
    )


def listed(repo: Path, runner: str) -> list[str]:
    """The tests the repository's own runner finds, paths relative to the repository."""
    result = node_run(repo, *NODE_REPOS[runner]["list"])
    assert result.returncode == 0, result.stdout + result.stderr
    return sorted(
        line.replace(str(repo) + "/", "") for line in result.stdout.splitlines()
    )


@pytest.mark.parametrize("runner", list(NODE_REPOS))
def test_node_repo_keeps_its_own_test_script(tmp_path: Path, runner: str) -> None:
    repo = node_service_repo(tmp_path / "web", runner)
    tests_before = listed(repo, runner)
    assert tests_before and all("src/sum.test" in line for line in tests_before)
    assert node_run(repo, "npm", "test").returncode == 0

    copied = copy_cli(repo, "--data", "project_name=web", *TYPESCRIPT_ANSWERS)
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert (repo / "tests/integration/accounts.integration.ts").exists()
    assert listed(repo, runner) == tests_before
    own = node_run(repo, "npm", "test")
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-3000:]
    assert "integration" not in own.stdout + own.stderr

    # The suite through its own target (this repo had no Makefile: the template made one).
    suite = make(
        repo,
        "integration-test-external",
        env={"TEST_DATABASE_URL": DATABASE_URL, "NO_COLOR": "1"},
    )
    output = suite.stdout + suite.stderr
    assert suite.returncode == 0, output[-4000:]
    assert "accounts.integration.ts" in output and "src/sum.test" not in output
    # With the suite's node_modules installed, the repository's run is still the same.
    assert listed(repo, runner) == tests_before
    assert node_run(repo, "npm", "test").returncode == 0


def test_package_lock_is_the_users_and_an_update_leaves_it(tmp_path: Path) -> None:
    """npm writes tests/integration/package-lock.json; the template never writes or removes it."""
    template = TemplateRepo(tmp_path / "template")
    project = generate(
        template, tmp_path / "web", "language=typescript", "cache=none", "queue=none"
    )
    lock = project / "tests/integration/package-lock.json"
    assert not lock.exists()  # not part of the template

    install(project)
    assert lock.exists()
    ignored = subprocess.run(
        ["git", "-C", str(project), "check-ignore", "-q", str(lock)], check=False
    )
    assert ignored.returncode == 1  # to be committed, as the README says
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "lock file")
    locked = lock.read_text()

    def describe_differently(root: Path) -> None:
        path = next(root.glob("template/*/integration/package.json.jinja"))
        edit(path, "Integration tests of", "The integration tests of")

    template.release("0.2.0", describe_differently)
    result = update(project)

    assert result.returncode == 0, result.stderr
    assert (
        "The integration tests of"
        in (project / "tests/integration/package.json").read_text()
    )
    assert lock.read_text() == locked
    install(project)
    # npm agrees the lock file matches package.json (npm ci refuses a stale one).
    check = subprocess.run(
        ["npm", "ci", "--dry-run", "--no-audit", "--no-fund"],
        cwd=lock.parent,
        check=False,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr[-2000:]


def java_service_repo(root: Path) -> Path:
    """A Spring Boot service with its own Maven build, unit tests and Makefile."""
    write(
        root / "pom.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>4.0.7</version>
    <relativePath/>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>billing</artifactId>
  <version>1.0</version>
  <properties><java.version>17</java.version></properties>
  <dependencies>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
""",
    )
    write(
        root / "src/main/java/com/example/billing/Vat.java",
        "package com.example.billing;\n\n"
        "public final class Vat {\n"
        "  private Vat() {}\n\n"
        "  public static long gross(long net) {\n    return Math.round(net * 1.2);\n  }\n}\n",
    )
    write(
        root / "src/test/java/com/example/billing/VatTest.java",
        "package com.example.billing;\n\n"
        "import static org.junit.jupiter.api.Assertions.assertEquals;\n\n"
        "import org.junit.jupiter.api.Test;\n\n"
        "class VatTest {\n"
        "  @Test\n  void gross() {\n    assertEquals(120, Vat.gross(100));\n  }\n\n"
        "  @Test\n  void zero() {\n    assertEquals(0, Vat.gross(0));\n  }\n}\n",
    )
    makefile = "".join(
        f".PHONY: {target}\n{target}:\n\t@echo 'mine: {target}'\n\n"
        for target in OWN_TARGETS
    )
    write(root / "Makefile", makefile)
    return root


def own_maven_test(repo: Path) -> tuple[str, list[str]]:
    """The repository's own `mvn test`: its closing test count line, and the test
    classes Surefire reported (from target/surefire-reports)."""
    result = subprocess.run(
        ["mvn", "-B", "-ntp", "test"],
        cwd=repo,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    counts = re.findall(
        r"^\[\w+\] (Tests run: \d+, Failures: \d+.*)$", result.stdout, re.MULTILINE
    )
    reports = sorted(
        path.stem.removeprefix("TEST-")
        for path in (repo / "target/surefire-reports").glob("TEST-*.xml")
    )
    return counts[-1], reports


def test_java_repo_keeps_its_own_maven_build_and_makefile(tmp_path: Path) -> None:
    repo = java_service_repo(tmp_path / "billing")
    pom_before = (repo / "pom.xml").read_text()
    own_before = own_maven_test(repo)
    assert own_before == (
        "Tests run: 2, Failures: 0, Errors: 0, Skipped: 0",
        ["com.example.billing.VatTest"],
    )
    make_before = make(repo, *OWN_TARGETS)

    copied = copy_cli(
        repo,
        "--data",
        "project_name=billing",
        "--data",
        "language=java",
        *PYTHON_ANSWERS,
    )
    assert copied.returncode == 0, copied.stderr[-2000:]
    assert (repo / "tests/integration/pom.xml").exists()

    # Their build: the same pom, the same tests, nothing of the integration suite.
    assert (repo / "pom.xml").read_text() == pom_before
    assert own_maven_test(repo) == own_before
    with (repo / "Makefile").open("a") as makefile:
        makefile.write("\ninclude integration.mk\n")
    make_after = make(repo, *OWN_TARGETS)
    assert (make_after.stdout, make_after.stderr) == (make_before.stdout, "")

    # The suite, through its own target, runs its own classes only.
    suite = make(
        repo, "integration-test-external", env={"TEST_DATABASE_URL": DATABASE_URL}
    )
    output = suite.stdout + suite.stderr
    assert suite.returncode == 0, output[-4000:]
    assert "integration.AccountsIT" in output and "VatTest" not in output
    assert own_maven_test(repo) == own_before  # and still the same afterwards


def go_service_repo(root: Path) -> Path:
    """A Go service module with its own unit tests and Makefile."""
    write(root / "go.mod", "module example.com/billing\n\ngo 1.25.0\n")
    write(
        root / "vat/vat.go",
        "// Package vat computes gross prices.\npackage vat\n\n"
        "// Gross is net plus 20% VAT, rounded.\n"
        "func Gross(net int64) int64 { return (net*12 + 5) / 10 }\n",
    )
    write(
        root / "vat/vat_test.go",
        'package vat\n\nimport "testing"\n\n'
        "func TestGross(t *testing.T) {\n"
        '\tif got := Gross(100); got != 120 {\n\t\tt.Fatalf("Gross(100) = %d", got)\n\t}\n}\n',
    )
    makefile = "".join(
        f".PHONY: {target}\n{target}:\n\t@echo 'mine: {target}'\n\n"
        for target in OWN_TARGETS
    )
    write(root / "Makefile", makefile)
    return root


def go(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        cwd=repo,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_go_repo_keeps_its_own_module_and_reaches_it_through_the_documented_workspace(
    tmp_path: Path,
) -> None:
    repo = go_service_repo(tmp_path / "billing")
    packages_before = go(repo, "list", "./...").stdout
    assert packages_before == "example.com/billing/vat\n"
    assert go(repo, "test", "./...").returncode == 0

    copied = copy_cli(
        repo, "--data", "project_name=billing", "--data", "language=go", *PYTHON_ANSWERS
    )
    assert copied.returncode == 0, copied.stderr[-2000:]

    # Their module: the same go.mod, packages, vet and tests (tests/integration is a
    # module of its own, outside theirs).
    assert (repo / "go.mod").read_text() == "module example.com/billing\n\ngo 1.25.0\n"
    assert go(repo, "list", "./...").stdout == packages_before
    assert go(repo, "vet", "./...").returncode == 0
    own = go(repo, "test", "./...")
    assert own.returncode == 0 and "integration" not in own.stdout, own.stdout

    # Their package from the suite, as the generated README says: a go.work of theirs.
    readme = (repo / "tests/integration/README.md").read_text()
    workspace = re.search(
        r"create `tests/integration/go.work`.*?```\n(.*?)```", readme, re.DOTALL
    )
    assert workspace, "the README no longer shows the go.work to create"
    write(repo / "tests/integration/go.work", workspace.group(1))
    write(
        repo / "tests/integration/vat_test.go",
        'package integration\n\nimport (\n\t"testing"\n\n\t"example.com/billing/vat"\n)\n\n'
        "func TestGrossFromTheUsersModule(t *testing.T) {\n"
        '\tif vat.Gross(50) != 60 {\n\t\tt.Fatal("Gross(50) != 60")\n\t}\n}\n',
    )
    with (repo / "Makefile").open("a") as makefile:
        makefile.write("\ninclude integration.mk\n")
    suite = make(
        repo,
        "integration-test-external",
        "ARGS=-v -run 'GrossFromTheUsersModule|Accounts'",
        env={"TEST_DATABASE_URL": DATABASE_URL},
    )
    output = suite.stdout + suite.stderr
    assert suite.returncode == 0, output[-4000:]
    assert "--- PASS: TestGrossFromTheUsersModule" in output
    assert "--- PASS: TestEveryTestStartsWithNoAccounts" in output, output[-3000:]
    assert "--- FAIL" not in output
    assert go(repo, "list", "./...").stdout == packages_before


def test_own_gitlab_ci_is_kept_and_the_message_shows_the_include(
    tmp_path: Path,
) -> None:
    repo = python_service_repo(tmp_path / "billing")
    own = "stages: [test]\n\nunit:\n  stage: test\n  script:\n    - make test\n"
    write(repo / ".gitlab-ci.yml", own)

    copied = copy_cli(
        repo, "--data", "project_name=billing", "--data", "ci=gitlab", *PYTHON_ANSWERS
    )

    assert copied.returncode == 0, copied.stderr[-2000:]
    assert (repo / ".gitlab-ci.yml").read_text() == own
    assert (repo / ".gitlab/integration-tests.gitlab-ci.yml").exists()
    shown = re.search(
        r"\.gitlab-ci\.yml, add these lines to it.*\n((?:  .*\n)+)", copied.stderr
    )
    assert shown, copied.stderr[-2000:]
    with (repo / ".gitlab-ci.yml").open("a") as pipeline:
        pipeline.write("\n" + textwrap.dedent(shown.group(1)))
    pipeline = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    assert pipeline["include"] == [{"local": ".gitlab/integration-tests.gitlab-ci.yml"}]
    assert pipeline["unit"]["script"] == ["make test"]
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(repo / ".gitlab-ci.yml"),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
