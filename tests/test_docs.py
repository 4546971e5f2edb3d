"""The docs say what copier.yml, the catalogue and the harness really do.

README's tables and the questions' help texts are tied to copier.yml and the
catalogue, so adding a choice or a fixture without documenting it fails here;
the generated README's advice is followed literally against the real servers.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from tests.rig import CATALOGUE, QUESTIONS, ROOT, choices, make, render

README = (ROOT / "README.md").read_text()
BASE_URL = "postgresql://test:test@127.0.0.1:25432"


def readme_row(key: str) -> list[str]:
    """The cells of README's questions-table row for answer key ``key``."""
    for line in README.splitlines():
        if line.startswith(f"| `{key}` |"):
            return [cell.strip() for cell in line.strip("|").split(" | ")]
    raise AssertionError(f"README has no row for `{key}`")


def catalogue_entries(question: str, value: str) -> list[dict]:
    return [
        entry
        for entry in CATALOGUE.values()
        if entry["selected_by"].get(question) == value
    ]


def assert_factories_named(
    entry: dict, text: str, where: object, shared_needs_one: bool = False
) -> None:
    """A service chosen by one answer: all its make_* fixtures (a shared one, Redis
    for cache and queue or moto for SQS and S3, has factories for each use)."""
    factories = [
        name for name in entry["python"]["fixtures"] if name.startswith("make_")
    ]
    named = [name for name in factories if re.search(rf"\b{name}\b", text)]
    if len(entry["selected_by"]) == 1:
        assert named == factories, (where, factories, text)
    elif shared_needs_one and factories:
        assert named, (where, factories, text)


def asked() -> list[str]:
    return [
        name
        for name, spec in QUESTIONS.items()
        if not name.startswith("_")
        and isinstance(spec, dict)
        and spec.get("when") is not False
    ]


@pytest.mark.parametrize("question", [q for q in asked() if "choices" in QUESTIONS[q]])
@pytest.mark.render_only
def test_readme_lists_every_choice_default_first(question: str) -> None:
    listed = re.findall(r"`([a-z_-]+)`", readme_row(question)[1])
    default = QUESTIONS[question]["default"]
    offered = choices(question)
    expected = (
        offered
        if isinstance(default, list)
        else [default] + [v for v in offered if v != default]
    )

    assert listed == expected


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (question, value)
        for question in (
            "database",
            "document_store",
            "cache",
            "queue",
            "external_services",
        )
        for value in choices(question)
        if value != "none"
    ],
)
@pytest.mark.render_only
def test_readme_names_each_choices_setting_and_factories(
    question: str, value: str
) -> None:
    """Every choice's TEST_* URL and its make_* fixtures appear in its README row."""
    described = readme_row(question)[2]
    for entry in catalogue_entries(question, value):
        assert f"`{entry['url_var']}`" in described, (question, value)
        assert_factories_named(entry, described, (question, value))


@pytest.mark.parametrize("value", [v for v in choices("queue") if v != "none"])
@pytest.mark.render_only
def test_queue_help_names_each_brokers_fixtures(value: str) -> None:
    """The prompt's help names every broker's make_* fixtures (from the catalogue)."""
    help_text = QUESTIONS["queue"]["help"]
    for entry in catalogue_entries("queue", value):
        assert_factories_named(entry, help_text, value, shared_needs_one=True)


@pytest.mark.render_only
def test_readme_default_stack_is_copier_defaults() -> None:
    stated = re.search(
        r"gives the default stack \(([^)]*)\)", README.replace("\n", " ")
    )
    assert stated is not None
    names = [part.strip() for part in stated[1].split(",")]
    defaults = [
        QUESTIONS[q]["default"] for q in ("language", "database", "cache", "queue")
    ]

    assert names[:4] == defaults
    assert (
        QUESTIONS["external_services"]["default"] == []
        and "no external services" in names
    )
    assert (
        QUESTIONS["web_framework"]["default"] == "none" and "no web framework" in names
    )
    assert (
        "widest" not in README.split("## Performance")[1].split("default stack")[1][:80]
    )


def test_generated_readme_advice_for_a_second_run_works_as_written(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """Follow the troubleshooting entry literally: create the database, point the URL at it."""
    project = render(tmp_path / "project", cache="none", queue="none")
    text = (project / "tests/integration/README.md").read_text().replace("\n", " ")
    entry = text.split("Another test run is using PostgreSQL database")[1].split(
        "- **"
    )[0]
    created = re.search(r"`CREATE DATABASE (\w+)`", entry)
    pointed = re.search(r"`TEST_DATABASE_URL=\.\.\./(\w+)`", entry)
    assert created and pointed and created[1] == pointed[1], entry
    name = created[1]
    with psycopg.connect(f"{BASE_URL}/app_test", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
    missing = make(
        project,
        "integration-test-external",
        "ARGS=-p no:randomly",
        env={
            **shared_venv,
            "TEST_DATABASE_URL": f"{BASE_URL}/{name}",
        },
    )
    with psycopg.connect(f"{BASE_URL}/app_test", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        works = make(
            project,
            "integration-test-external",
            "ARGS=-p no:randomly",
            env={
                **shared_venv,
                "TEST_DATABASE_URL": f"{BASE_URL}/{name}",
            },
        )
    finally:
        with psycopg.connect(f"{BASE_URL}/app_test", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    assert (
        missing.returncode != 0 and "does not exist" in missing.stderr + missing.stdout
    )
    assert works.returncode == 0, works.stdout[-3000:] + works.stderr[-2000:]


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_wrong_password_hint_says_to_check_the_credentials(
    tmp_path: Path, shared_venv: dict[str, str], language: str
) -> None:
    project = render(
        tmp_path / "project", language=language, cache="none", queue="none"
    )

    result = make(
        project,
        "integration-test-external",
        env={
            **shared_venv,
            "TEST_DATABASE_URL": "postgresql://test:Pw0rdNotRight@127.0.0.1:25432/app_test",
        },
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "check the user, password and database in TEST_DATABASE_URL" in output
    assert "start the test services" not in output
    assert "Pw0rdNotRight" not in output  # the password itself is never printed


def test_unreachable_hint_still_says_to_start_the_services(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = render(tmp_path / "project", cache="none", queue="none")

    result = make(
        project,
        "integration-test-external",
        env={**shared_venv, "TEST_POSTGRES_PORT": "1", "TEST_SERVICE_TIMEOUT": "1"},
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "start the test services (`make integration-services-up`" in output
    assert "check the user, password" not in output
