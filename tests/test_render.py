"""Render every combination of the answers and check what was generated."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from tests.rig import (
    CATALOGUE,
    CHOICE_QUESTIONS,
    ROOT,
    WIDEST,
    all_combinations,
    choices,
    combination_id,
    compose_file,
    env_file,
    guard_cases,
    offered,
    render,
    reports_for,
    selects,
    services_for,
)

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

COMBINATIONS = all_combinations()
WITH_SERVICES = [answers for answers in COMBINATIONS if services_for(answers)]
# Where each language's harness modules live, and their suffix; its dependency list.
HARNESS = {
    "python": (Path("tests/integration/integration_harness"), ".py"),
    "typescript": (Path("tests/integration/harness"), ".ts"),
    "java": (Path("tests/integration/src/test/java/integration/harness"), ".java"),
    "go": (Path("tests/integration/harness"), ".go"),
}
DEPENDENCIES = {
    "python": "requirements.txt",
    "typescript": "package.json",
    "java": "pom.xml",
    "go": "go.mod",
}


@pytest.fixture(scope="module")
def rendered(combination_project) -> dict[str, Path]:
    """Every combination, rendered once for the session."""
    return {
        combination_id(answers): combination_project(answers)
        for answers in COMBINATIONS
    }


def parse_setting(value: str):
    """A URL setting, or a bare ``host:port[,host:port]`` list (its first server)."""
    if "://" not in value:
        value = "tcp://" + value.split(",")[0]
    return urlsplit(value)


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_expected_files_present_and_absent(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    services = services_for(answers)

    assert (project / ".copier-answers.yml").is_file()
    assert (project / "Makefile").read_text().count("include integration.mk") == 1
    assert (project / "compose.test.yaml").exists() == bool(services)
    workflow = project / ".github/workflows/integration-tests.yml"
    assert workflow.exists() == (answers["ci"] == "github")
    for gitlab in (".gitlab-ci.yml", ".gitlab/integration-tests.gitlab-ci.yml"):
        assert (project / gitlab).exists() == (answers["ci"] == "gitlab"), gitlab
    # No empty folder of the CI not chosen.
    assert (project / ".github").exists() == (answers["ci"] == "github")
    assert (project / ".gitlab").exists() == (answers["ci"] == "gitlab")
    language = answers["language"]
    harness, suffix = HARNESS[language]
    modules: dict[str, bool] = {}
    examples: dict[str, bool] = {}
    requirements: dict[str, bool] = {}
    for name, entry in CATALOGUE.items():
        if language not in entry:
            assert name not in services, f"{name} has no {language} harness"
            continue
        harness_entry = entry[language]
        used = name in services
        module = harness_entry["module"]
        modules[module] = modules.get(module, False) or used
        for requirement in harness_entry.get("requirements", []):
            requirements[requirement] = requirements.get(requirement, False) or used
        for package, version in harness_entry.get("dependencies", {}).items():
            pin = (
                f"{package} {version}"
                if language == "go"
                else f'"{package}": "{version}"'
            )
            requirements[pin] = requirements.get(pin, False) or used
        for question, files in harness_entry["examples"].items():
            wanted = selects(answers, question, entry["selected_by"][question])
            for example in files:  # the example test, its code, a folder (schema/)
                examples[example] = examples.get(example, False) or wanted
    api = answers["web_framework"] == "fastapi"
    assert (project / "tests/integration/test_api.py").exists() == api
    assert (project / "tests/integration/test_api_rate_limit.py").exists() == (
        api and "redis" in services
    )
    go_api = answers["web_framework"] == "net-http"
    assert (project / "tests/integration/api_test.go").exists() == go_api
    assert (project / "tests/integration/example_app/api.go").exists() == go_api
    assert (project / "tests/integration/api_rate_limit_test.go").exists() == (
        go_api and "redis" in services
    )
    spring = answers["web_framework"] == "spring-web"
    java_tests = project / "tests/integration/src/test/java/integration"
    assert (java_tests / "AccountsApiIT.java").exists() == spring
    assert (java_tests / "exampleapp/AccountsApi.java").exists() == spring
    assert (java_tests / "AccountsApiRateLimitIT.java").exists() == (
        spring and "redis" in services
    )
    tool = answers["migrations"] if answers["database"] != "none" else "sql"
    migration_files = {
        "alembic": [
            "integration_harness/migrations.py",
            "test_migrations.py",
            "alembic.ini",
            "migrations/env.py",
        ],
        "knex": [
            "harness/migrations.ts",
            "migrations.integration.ts",
            "migrations/0001_example_accounts.ts",
        ],
        "flyway": [
            "src/test/java/integration/harness/Migrations.java",
            "src/test/java/integration/MigrationsIT.java",
            "migrations/V1__example_accounts.sql",
        ],
        "goose": [
            "harness/migrations.go",
            "migrations_test.go",
            "migrations/00001_example_accounts.sql",
        ],
    }
    for name, files in migration_files.items():
        for file in files:
            assert (project / "tests/integration" / file).exists() == (tool == name), (
                file
            )
    for module, wanted in modules.items():
        assert (project / harness / f"{module}{suffix}").exists() == wanted, module
    for example, wanted in examples.items():
        assert (project / "tests/integration" / example).exists() == wanted, example
    dependencies = DEPENDENCIES[language]
    generated = (project / "tests/integration" / dependencies).read_text()
    for requirement, wanted in requirements.items():
        assert (requirement in generated) == wanted, requirement


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_no_template_syntax_left(answers: dict, rendered: dict[str, Path]) -> None:
    project = rendered[combination_id(answers)]
    for path in project.rglob("*"):
        assert "{%" not in path.name and "{{" not in path.name, path
        if path.is_file():
            text = path.read_text()
            assert not re.search(r"\{\{\s*[\w.]|\{%|%\}|_copier_", text), path


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_compose_matches_the_settings_the_tests_read(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    services = services_for(answers)
    compose = yaml.safe_load((project / "compose.test.yaml").read_text())
    settings = env_file(project)

    assert compose["name"] == "demo-app-test"
    assert sorted(compose["services"]) == sorted(
        CATALOGUE[n]["compose_host"] for n in services
    )
    for name in services:
        entry = CATALOGUE[name]
        service = compose["services"][entry["compose_host"]]
        _image, _, tag = service["image"].partition(":")
        assert tag and tag != "latest" and not tag.startswith("latest-"), service[
            "image"
        ]
        assert service["healthcheck"]["test"][0] == "CMD-SHELL"
        assert service["tmpfs"]
        published = [entry, *entry.get("also", [])]
        assert len(service["ports"]) == len(published)
        for port_mapping, port in zip(service["ports"], published):
            host_ip, host_port, container_port = re.fullmatch(
                r"([^:]+):(\$\{[^}]+\}):(\d+)", port_mapping
            ).groups()
            assert host_ip == "127.0.0.1"
            assert host_port == f"${{{port['port_var']}:?pass --env-file .env.test}}"
            assert int(container_port) == port["container_port"]
            extra = parse_setting(settings[port["url_var"]])
            assert extra.hostname == "127.0.0.1"
            assert extra.port == int(settings[port["port_var"]]) == port["host_port"]

        url = parse_setting(settings[entry["url_var"]])
        environment = service.get("environment", {})
        credentials = [
            v
            for k, v in environment.items()
            if k.endswith(("_USER", "_PASS", "_PASSWORD"))
        ]
        if any(k.endswith("_ROOT_PASSWORD") for k in environment):
            credentials.append("root")  # MySQL/MariaDB: the user is implied
        assert sorted(credentials) == sorted(
            c for c in (url.username, url.password) if c
        )
        for key in ("POSTGRES_DB", "MYSQL_DATABASE", "MARIADB_DATABASE"):
            if key in environment:
                assert url.path == f"/{environment[key]}"
        if "POSTGRES_USER" in environment:
            assert environment["POSTGRES_USER"] in service["healthcheck"]["test"][1]


GITHUB = [answers for answers in COMBINATIONS if answers["ci"] == "github"]
# The first major of each action that runs on Node 24 (the runner drops Node 20).
NODE24_ACTIONS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/setup-node": 5,
    "actions/setup-java": 5,
    "actions/setup-go": 6,
    "actions/upload-artifact": 6,
    # A Docker action (no Node runtime): any v2.
    "EnricoMi/publish-unit-test-result-action": 2,
}
# Each language's setup action and the dependency cache it keeps (files it hashes).
SETUP_ACTIONS = {
    "python": ("actions/setup-python", "pip", "tests/integration/requirements.txt"),
    "typescript": ("actions/setup-node", "npm", "tests/integration/package.json"),
    "java": ("actions/setup-java", "maven", "tests/integration/pom.xml"),
    "go": ("actions/setup-go", True, "tests/integration/go.mod"),
}


@pytest.mark.parametrize("answers", GITHUB, ids=combination_id)
def test_workflow_starts_the_services_from_compose(
    answers: dict, rendered: dict[str, Path]
) -> None:
    """CI runs the stack users run: compose.test.yaml through make, nothing else.

    GitHub service containers cannot take a command (some services need one: see
    `command` in the catalogue), so no job may declare any, nor a second copy of an image.
    """
    project = rendered[combination_id(answers)]
    text = (project / ".github/workflows/integration-tests.yml").read_text()
    workflow = yaml.safe_load(text)
    for name, job in workflow["jobs"].items():
        assert "services" not in job and "container" not in job, name
    for entry in CATALOGUE.values():
        assert entry["image"] not in text, entry["image"]
    job = workflow["jobs"]["integration"]
    assert not [k for k in job.get("env", {}) if k.startswith("TEST_")], job["env"]
    runs = [(step.get("if"), step["run"]) for step in job["steps"] if "run" in step]
    targets = re.findall(
        r"^(integration-[\w-]+):",
        (project / "integration.mk").read_text(),
        re.MULTILINE,
    )
    for _condition, run in runs:
        for target in re.findall(r"\bmake (integration-[\w-]+)", run):
            assert target in targets, target
    if services_for(answers):
        assert (None, "make integration-services-up") == runs[0]
        assert (None, "make integration-test-external PARALLEL=2") == runs[1]
        logs = runs[2]
        assert logs[0] == "failure()" and "docker logs" in logs[1], logs
        assert ("always()", "make integration-services-down") == runs[-1]
    else:
        assert runs == [(None, "make integration-test-external PARALLEL=2")]


@pytest.mark.parametrize("answers", GITHUB, ids=combination_id)
def test_workflow_actions_run_on_node_24_and_cache_dependencies(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    workflow = yaml.safe_load(
        (project / ".github/workflows/integration-tests.yml").read_text()
    )
    steps = workflow["jobs"]["integration"]["steps"]
    used = {}
    for step in steps:
        if "uses" in step:
            action, _, ref = step["uses"].partition("@")
            assert re.fullmatch(r"v\d+", ref), step["uses"]
            assert int(ref[1:]) >= NODE24_ACTIONS[action], step["uses"]
            used[action] = step.get("with", {})
    assert "actions/checkout" in used
    setup, cache, hashed = SETUP_ACTIONS[answers["language"]]
    assert set(used) == {
        "actions/checkout",
        setup,
        "EnricoMi/publish-unit-test-result-action",
        "actions/upload-artifact",
    }
    assert used[setup]["cache"] == cache
    pattern = used[setup]["cache-dependency-path"]
    assert project / hashed in project.glob(pattern), pattern


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_workflow_without_services_only_runs_the_suite(
    language: str, tmp_path: Path
) -> None:
    """No compose file, so nothing to start, log or stop (pairwise never picks this)."""
    answers = {"language": language, "database": "none", "cache": "none"}
    project = render(tmp_path, **answers, queue="none", external_services=[])
    assert not (project / "compose.test.yaml").exists()
    path = project / ".github/workflows/integration-tests.yml"
    steps = yaml.safe_load(path.read_text())["jobs"]["integration"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ["make integration-test-external PARALLEL=2"]
    result = check_jsonschema("vendor.github-workflows", [path])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("language", ["python", "typescript", "java", "go"])
def test_ci_publishes_the_reports_where_the_suite_writes_them(
    language: str, tmp_path: Path
) -> None:
    """The GitHub workflow and the GitLab job publish the JUnit XML and the coverage report
    from the paths the suite's own runner and configuration write them to, all taken from
    copier.yml's `reports`; the folder is git-ignored by the suite's .gitignore."""
    reports = reports_for(language)
    junit = f"{reports['junit']}/*.xml"
    github = render(tmp_path / "github", language=language, ci="github")
    gitlab = render(tmp_path / "gitlab", language=language, ci="gitlab")

    job = yaml.safe_load(
        (github / ".github/workflows/integration-tests.yml").read_text()
    )["jobs"]["integration"]
    steps = {step.get("uses", "").partition("@")[0]: step for step in job["steps"]}
    publish = steps["EnricoMi/publish-unit-test-result-action"]
    upload = steps["actions/upload-artifact"]
    assert publish["with"]["files"] == junit
    assert upload["with"]["path"] == f"{reports['dir']}/"
    for step in (publish, upload):
        assert step["if"].startswith("always()"), step
    # The check run needs checks: write, and nothing else is granted beyond reading.
    assert job["permissions"] == {"contents": "read", "checks": "write"}
    names = [step.get("name") for step in job["steps"]]
    assert names.index("Integration tests") < names.index("Publish the test results")

    artifacts = yaml.safe_load(
        (gitlab / ".gitlab/integration-tests.gitlab-ci.yml").read_text()
    )["integration-tests"]["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == [f"{reports['dir']}/"]
    assert artifacts["reports"]["junit"] == junit
    if reports["coverage_format"] == "go":
        assert "coverage_report" not in artifacts["reports"]
    else:
        assert artifacts["reports"]["coverage_report"] == {
            "coverage_format": reports["coverage_format"],
            "path": reports["coverage"],
        }

    # What the suite writes, relative to tests/integration, in the file that says so.
    suite = github / "tests/integration"
    inside = {key: reports[key].removeprefix("tests/integration/") for key in reports}
    writer = {
        "python": "runner.mk",
        "typescript": "vitest.config.ts",
        "java": "pom.xml",
        "go": "runner.mk",
    }[language]
    text = (suite / writer).read_text()
    if language == "python":
        text = text.replace("$(INTEGRATION_DIR)/", "")
    if language == "java":
        text = text.replace("${integration.reports}", "reports").replace(
            "<integration.reports>${project.basedir}/", "<integration.reports>"
        )
        assert f"<integration.reports>{inside['dir']}</integration.reports>" in text
        assert f"<reportsDirectory>{inside['junit']}</reportsDirectory>" in text
        coverage_dir = inside["coverage"].rpartition("/")[0]
        assert f"<outputDirectory>{coverage_dir}</outputDirectory>" in text
    else:
        assert f"{inside['junit']}/TEST-integration.xml" in text, writer
        coverage = inside["coverage"]
        if language == "typescript":  # the folder; Vitest names the Cobertura file
            coverage = coverage.rpartition("/")[0]
        assert coverage in text, writer
    ignored = (suite / ".gitignore").read_text().splitlines()
    assert f"{reports['folder']}/" in ignored


def check_jsonschema(
    schema: str, files: list[Path]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            schema,
            *map(str, files),
        ],
        check=False,
        text=True,
        capture_output=True,
    )


def in_gitlab(service: dict, text: str) -> str:
    """``text`` as a GitLab job sees it: the host port on 127.0.0.1 of each of the
    service's ports becomes its compose service name and container port."""
    for port in [service, *service.get("also", [])]:
        text = text.replace(
            f"127.0.0.1:${{{port['port_var']}}}",
            f"{service['compose_host']}:{port['container_port']}",
        )
    return text


# Each language's job image and the dependency cache it keeps (variable, folder, key file).
GITLAB_IMAGES = {
    "python": ("python:", "PIP_CACHE_DIR", "tests/integration/requirements.txt"),
    "typescript": ("node:", "npm_config_cache", "tests/integration/package.json"),
    "java": ("maven:", "MAVEN_OPTS", "tests/integration/pom.xml"),
    "go": ("golang:", "GOMODCACHE", "tests/integration/go.mod"),
}


def widest_of(language: str) -> dict:
    """`WIDEST` with only what ``language`` offers."""
    queue = WIDEST["queue"] if WIDEST["queue"] in offered(language, "queue") else "none"
    external = offered(language, "external_services")
    return {
        **WIDEST,
        "language": language,
        "queue": queue,
        "external_services": [e for e in WIDEST["external_services"] if e in external],
    }


# The pairwise answer sets with ci=gitlab, and each language's widest stack (every
# service a GitLab job can carry, in every language's job image).
GITLAB = {
    **{
        combination_id(answers): answers
        for answers in COMBINATIONS
        if answers["ci"] == "gitlab"
    },
    **{
        f"{language}-widest": {**widest_of(language), "ci": "gitlab"}
        for language in HARNESS
    },
}


@pytest.fixture(scope="module")
def gitlab_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every `GITLAB` answer set, rendered once for this module."""
    root = tmp_path_factory.mktemp("gitlab")
    return {name: render(root / name, **answers) for name, answers in GITLAB.items()}


@pytest.mark.parametrize("name", GITLAB)
def test_gitlab_job_runs_each_compose_service_as_compose_defines_it(
    name: str, gitlab_projects: dict[str, Path]
) -> None:
    """One definition of each service: the GitLab job's service containers carry the
    compose file's image, command and environment (ports rewritten to where a job
    reaches them), and its TEST_* variables point the harness there."""
    project = gitlab_projects[name]
    answers = GITLAB[name]
    owned = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert owned == {"include": [{"local": ".gitlab/integration-tests.gitlab-ci.yml"}]}
    job = yaml.safe_load(
        (project / ".gitlab/integration-tests.gitlab-ci.yml").read_text()
    )["integration-tests"]
    services = services_for(answers)
    compose = compose_file(project)["services"] if services else {}
    settings = dict(  # as written, ${...} not expanded
        line.split("=", 1)
        for line in (project / ".env.test").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )

    expected_services = []
    expected_variables = {}
    for service_name in services:
        entry = CATALOGUE[service_name]
        defined = compose[entry["compose_host"]]
        container = {"name": defined["image"], "alias": entry["compose_host"]}
        if "command" in defined:
            container["command"] = defined["command"]
        if defined.get("environment"):
            container["variables"] = {
                key: in_gitlab(entry, value)
                for key, value in defined["environment"].items()
            }
        expected_services.append(container)
        for port in [entry, *entry.get("also", [])]:
            expected_variables[port["port_var"]] = str(port["container_port"])
            raw = settings[port["url_var"]]
            expected_variables[port["url_var"]] = in_gitlab(entry, raw)
    assert job.get("services", []) == expected_services
    variables = {k: v for k, v in job["variables"].items() if k.startswith("TEST_")}
    if services:
        expected_variables["TEST_SERVICE_TIMEOUT"] = "60"
    assert variables == expected_variables
    # Nothing in the job still points at the runner's loopback, where no service is.
    assert "127.0.0.1" not in yaml.safe_dump(job)

    image, cache_variable, key_file = GITLAB_IMAGES[answers["language"]]
    assert re.fullmatch(re.escape(image) + r"\d+\.\d+\.\d+-[\w.-]+", job["image"]), job[
        "image"
    ]
    assert cache_variable in job["variables"]
    assert job["cache"]["key"]["files"] == [key_file] and (project / key_file).exists()
    targets = re.findall(
        r"^(integration-[\w-]+):",
        (project / "integration.mk").read_text(),
        re.MULTILINE,
    )
    assert job["script"] == ["make integration-test-external PARALLEL=2"]
    assert "integration-test-external" in targets


def test_every_gitlab_file_validates(gitlab_projects: dict[str, Path]) -> None:
    files = [
        project / name
        for project in gitlab_projects.values()
        for name in (".gitlab-ci.yml", ".gitlab/integration-tests.gitlab-ci.yml")
    ]
    result = check_jsonschema("vendor.gitlab-ci", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_compose_file_validates(rendered: dict[str, Path]) -> None:
    files = [
        p / "compose.test.yaml"
        for p in rendered.values()
        if (p / "compose.test.yaml").exists()
    ]
    assert len(files) == sum(1 for a in COMBINATIONS if services_for(a))
    result = check_jsonschema("vendor.compose-spec", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_workflow_validates(rendered: dict[str, Path]) -> None:
    files = [Path(p) for p in rendered.values()]
    files = [p / ".github/workflows/integration-tests.yml" for p in files]
    files = [f for f in files if f.exists()]
    assert files
    result = check_jsonschema("vendor.github-workflows", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_python_is_clean_under_ruff(rendered: dict[str, Path]) -> None:
    projects = [str(p) for p in rendered.values()]
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *projects],
        check=False,
        text=True,
        capture_output=True,
    )
    assert lint.returncode == 0, lint.stdout
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", *projects],
        check=False,
        text=True,
        capture_output=True,
    )
    assert fmt.returncode == 0, fmt.stdout


def test_every_public_fixture_has_a_docstring(rendered: dict[str, Path]) -> None:
    for name, entry in CATALOGUE.items():
        answers = next(
            a
            for a in COMBINATIONS
            if name in services_for(a) and a["language"] == "python"
        )
        module = (
            rendered[combination_id(answers)]
            / HARNESS["python"][0]
            / f"{entry['python']['module']}.py"
        )
        source = module.read_text()
        for fixture in entry["python"]["fixtures"]:
            match = re.search(
                rf"\n(?:async )?def {fixture}\([^)]*\)[^:]*:\n\s+\"\"\"", source
            )
            assert match, f"{name}.{fixture} has no docstring"


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_only_test_credentials_are_generated(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    compose = yaml.safe_load((project / "compose.test.yaml").read_text())
    secrets = {
        key: value
        for service in compose["services"].values()
        for key, value in service.get("environment", {}).items()
        if re.search(r"USER|PASS|SECRET|TOKEN|KEY", key)
    }
    assert set(secrets.values()) <= {"test"}, secrets
    for value in env_file(project).values():
        url = urlsplit(value)
        if url.password is not None:
            # root: MySQL/MariaDB, where the harness creates per-worker databases.
            assert url.username in ("test", "root") and url.password == "test", value


def test_readme_says_how_every_choice_is_verified() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Choices, and how each is verified", 1)[1].split(
        "\n### ", 1
    )[0]
    named = set(re.findall(r"`(\w+=[\w-]+)`", section))
    for question in (*CHOICE_QUESTIONS, "external_services"):
        for value in choices(question):
            assert f"{question}={value}" in named, f"{question}={value}"


def test_every_typescript_fixture_is_documented(rendered: dict[str, Path]) -> None:
    for name, entry in CATALOGUE.items():
        if "typescript" not in entry:
            continue
        answers = next(
            a
            for a in COMBINATIONS
            if name in services_for(a) and a["language"] == "typescript"
        )
        module = entry["typescript"]["module"]
        source = (
            rendered[combination_id(answers)]
            / HARNESS["typescript"][0]
            / f"{module}.ts"
        ).read_text()
        for fixture in entry["typescript"]["fixtures"]:
            assert re.search(rf"/\*\*[^\n]*\*/\n\s*{fixture}:", source), (
                f"{name}.{fixture}"
            )


# ---- compose.test.yaml on a real Docker host (issue 13) ----------------------

LINUX_EPHEMERAL_PORTS = range(32768, 61000)


def seconds(duration: str) -> float:
    """A compose duration (``2s``, ``1m30s``, ``500ms``) in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert parts and "".join(a + u for a, u in parts) == duration, duration
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(amount) * scale[unit] for amount, unit in parts)


def service_named(compose_host: str) -> str:
    """The catalogue name of the service compose calls ``compose_host``."""
    return next(n for n, e in CATALOGUE.items() if e["compose_host"] == compose_host)


def service_entry(compose_host: str) -> dict:
    return CATALOGUE[service_named(compose_host)]


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_published_ports_are_loopback_unique_and_outside_the_ephemeral_range(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    settings = env_file(project)
    default_ports = {
        port["container_port"]
        for entry in CATALOGUE.values()
        for port in [entry, *entry.get("also", [])]
    }
    published = []
    for name, service in compose_file(project)["services"].items():
        for mapping in service["ports"]:
            host_ip, variable, container_port = re.fullmatch(
                r"([^:]+):\$\{(\w+):\?[^}]*\}:(\d+)", mapping
            ).groups()
            host_port = int(settings[variable])
            assert host_ip == "127.0.0.1", mapping
            assert host_port < LINUX_EPHEMERAL_PORTS.start, (name, host_port)
            assert host_port != int(container_port), (name, host_port)
            assert host_port not in default_ports, (name, host_port)
            published.append(host_port)
    assert len(published) == len(set(published)), published


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_healthcheck_timing_holds_on_a_busy_runner(
    answers: dict, rendered: dict[str, Path]
) -> None:
    """Sane timing for `up --wait` on a two-vCPU runner that also pulls images."""
    project = rendered[combination_id(answers)]
    for name, service in compose_file(project)["services"].items():
        check = service["healthcheck"]
        interval, timeout = seconds(check["interval"]), seconds(check["timeout"])
        start_period, retries = seconds(check["start_period"]), check["retries"]
        assert 1 <= interval <= 10, name
        assert 5 <= timeout <= 30, name
        assert start_period >= 5, name
        # Failing checks alone must not mark a slow starter unhealthy within a minute.
        assert start_period + retries * interval >= 60, name
        # A check that starts a virtual machine each time (a JVM, the Erlang VM; its
        # guard.yml says so) is slow on a busy two-vCPU CI runner.
        if guard_cases(service_named(name)).get("healthcheck_starts_vm"):
            assert timeout >= 10 and start_period >= 30, (name, check)


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_healthchecks_ask_127_0_0_1_and_the_image_has_the_tool(
    answers: dict, rendered: dict[str, Path]
) -> None:
    """busybox wget may resolve localhost to ::1, where the server may not listen."""
    project = rendered[combination_id(answers)]
    for name, service in compose_file(project)["services"].items():
        command = service["healthcheck"]["test"][1]
        assert "localhost" not in command, (name, command)
        hosts = re.findall(r"(?:-h |//|--bootstrap-server )([\w.\-]+)", command)
        assert all(host == "127.0.0.1" for host in hosts), (name, command)
        # Tools the image has (its guard.yml, read from upstream sources).
        tool = command.split()[0]
        tools = guard_cases(service_named(name))["healthcheck_tools"]
        assert tool in tools, (name, tool)


@pytest.mark.parametrize("answers", WITH_SERVICES, ids=combination_id)
def test_compose_keeps_every_command_the_image_needs(
    answers: dict, rendered: dict[str, Path]
) -> None:
    """The one definition of each service carries its command (CI runs it too).

    What a command must hold is the service's own test (services/<name>/test_<name>.py).
    """
    project = rendered[combination_id(answers)]
    for name, service in compose_file(project)["services"].items():
        entry = service_entry(name)
        assert service.get("command") == entry.get("command"), name


@pytest.mark.parametrize(
    "answers",
    [
        a
        for a in WITH_SERVICES
        if "mysql" in services_for(a) and a["language"] == "python"
    ],
    ids=combination_id,
)
def test_mysql_84_password_exchange_has_its_rsa_package(
    answers: dict, rendered: dict[str, Path]
) -> None:
    """caching_sha2_password over plain TCP: PyMySQL needs its `rsa` extra.

    (TypeScript's mysql2 encrypts with Node's own crypto module: nothing to add.)
    """
    project = rendered[combination_id(answers)]
    pins = {
        Requirement(line).name.lower(): Requirement(line)
        for line in (project / "tests/integration/requirements.txt")
        .read_text()
        .splitlines()
        if line and not line.startswith("#")
    }
    rsa = [
        Requirement(r)
        for r in requires("PyMySQL") or []
        if Requirement(r).marker and Requirement(r).marker.evaluate({"extra": "rsa"})
    ]
    assert rsa, "PyMySQL declares no rsa extra"
    for wanted in rsa:
        pin = pins[wanted.name.lower()]
        (version,) = [s.version for s in pin.specifier if s.operator == "=="]
        assert wanted.specifier.contains(version), (wanted, pin)


def test_pymysql_encrypts_with_the_pinned_cryptography() -> None:
    """PyMySQL's RSA step, at the pinned versions, is one MySQL can decrypt.

    No MySQL server runs here (MariaDB has no caching_sha2_password), so this checks
    the client half: with the pinned `cryptography` PyMySQL finds its RSA support and
    encrypts password XOR scramble with RSA-OAEP (SHA-1), which the server undoes.
    """
    from importlib.metadata import version

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from pymysql import _auth

    pins = dict(r.split("==") for r in CATALOGUE["mysql"]["python"]["requirements"])
    assert version("PyMySQL") == pins["PyMySQL"]
    assert version("cryptography") == pins["cryptography"]
    assert _auth._have_cryptography
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    scramble = b"0123456789abcdefghij"
    sent = _auth.sha2_rsa_encrypt(b"test", scramble, public)
    oaep = padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None
    )
    received = key.decrypt(sent, oaep)
    password = bytes(b ^ scramble[i % len(scramble)] for i, b in enumerate(received))
    assert password == b"test\0"
