"""Render every combination of the answers and check what was generated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.rig import (
    CATALOGUE,
    CHOICE_QUESTIONS,
    ROOT,
    all_combinations,
    choices,
    combination_id,
    render,
    selects,
    services_for,
)

COMBINATIONS = all_combinations()
WITH_SERVICES = [answers for answers in COMBINATIONS if services_for(answers)]
# Where each language's harness modules live, and their suffix; its dependency list.
HARNESS = {
    "python": (Path("tests/integration/integration_harness"), ".py"),
    "typescript": (Path("tests/integration/harness"), ".ts"),
}
DEPENDENCIES = {"python": "requirements.txt", "typescript": "package.json"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every combination, rendered once for this module."""
    root = tmp_path_factory.mktemp("combinations")
    return {
        combination_id(answers): render(root / combination_id(answers), **answers)
        for answers in COMBINATIONS
    }


def env_file(project: Path) -> dict[str, str]:
    values = {}
    for line in (project / ".env.test").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return {
        name: re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], v)
        for name, v in values.items()
    }


def parse_setting(value: str):
    """A URL setting, or a Kafka-style ``host:port`` list (its first server)."""
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
            pin = f'"{package}": "{version}"'
            requirements[pin] = requirements.get(pin, False) or used
        for question, example in harness_entry["examples"].items():
            wanted = selects(answers, question, entry["selected_by"][question])
            examples[example] = examples.get(example, False) or wanted
    api = answers["web_framework"] == "fastapi"
    assert (project / "tests/integration/test_api.py").exists() == api
    assert (project / "tests/integration/test_api_rate_limit.py").exists() == (
        api and "redis" in services
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


@pytest.mark.parametrize(
    "answers", [a for a in COMBINATIONS if a["ci"] == "github"], ids=combination_id
)
def test_workflow_services_match_compose(
    answers: dict, rendered: dict[str, Path]
) -> None:
    project = rendered[combination_id(answers)]
    workflow = yaml.safe_load(
        (project / ".github/workflows/integration-tests.yml").read_text()
    )
    job = workflow["jobs"]["integration"]
    services = services_for(answers)
    assert sorted(job.get("services", {})) == sorted(
        CATALOGUE[n]["compose_host"] for n in services
    )
    for name in services:
        entry = CATALOGUE[name]
        service = job["services"][entry["compose_host"]]
        assert service["image"] == entry["image"]
        published = [entry, *entry.get("also", [])]
        assert service["ports"] == [
            f"127.0.0.1:{port['host_port']}:{port['container_port']}"
            for port in published
        ]
        for port in published:
            assert job["env"][port["port_var"]] == str(port["host_port"])
        for value in service.get("env", {}).values():
            assert "${" not in value, value  # compose-only interpolation resolved
    assert job["steps"][-1]["run"].startswith("make integration-test-external")


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


def test_healthchecks_survive_both_quotings() -> None:
    """The workflow wraps a healthcheck in double quotes; compose escapes its dollars."""
    for name, entry in CATALOGUE.items():
        assert '"' not in entry["healthcheck"], name


def test_readme_says_how_every_choice_is_verified() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Choices, and how each is verified", 1)[1].split(
        "\n### ", 1
    )[0]
    named = set(re.findall(r"`(\w+=\w+)`", section))
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
