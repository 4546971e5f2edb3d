"""Bad answers: a clear message naming the question, a non-zero exit, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.rig import CHOICE_QUESTIONS, copy_cli

BAD_ANSWERS = [
    ("project_name", "Billing API"),
    ("project_name", "9lives"),
    ("project_name", "-leading-dash"),
    ("project_name", "a" * 60),
    ("project_name", "semi;colon"),
    *((question, "mysql-9000") for question in CHOICE_QUESTIONS),
    ("database", "Postgres"),
    ("external_services", '[object_storage, "nope"]'),
    ("external_services", '["not-a-service"]'),
]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def existing_repo(tmp_path: Path) -> Path:
    """A destination that already holds the user's files, which must stay untouched."""
    repo = tmp_path / "existing"
    repo.mkdir()
    (repo / "Makefile").write_text("all:\n\techo mine\n")
    (repo / "README.md").write_text("# mine\n")
    return repo


@pytest.mark.parametrize(("question", "value"), BAD_ANSWERS)
def test_bad_answer_through_data_names_the_question(
    question: str, value: str, existing_repo: Path
) -> None:
    before = tree(existing_repo)

    result = copy_cli(existing_repo, "--data", f"{question}={value}")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert question in last_line, result.stderr[-2000:]
    assert tree(existing_repo) == before


def test_web_framework_without_a_database_is_refused(existing_repo: Path) -> None:
    before = tree(existing_repo)

    result = copy_cli(
        existing_repo, "--data", "web_framework=fastapi", "--data", "database=none"
    )

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "web_framework" in last_line and "choose a database" in last_line
    assert tree(existing_repo) == before


@pytest.mark.parametrize("value", ["nope", "5", "{a: 1}"])
def test_external_services_not_a_list_is_refused_and_nothing_written(
    value: str, existing_repo: Path
) -> None:
    """Copier parses a multiselect answer itself; its message names the value, not the question."""
    before = tree(existing_repo)

    result = copy_cli(existing_repo, "--data", f"external_services={value}")

    assert result.returncode != 0
    assert "Not a YAML list" in result.stderr.strip().splitlines()[-1]
    assert tree(existing_repo) == before


@pytest.mark.parametrize(("question", "value"), BAD_ANSWERS)
def test_bad_answer_through_a_data_file_names_the_question(
    question: str, value: str, tmp_path: Path
) -> None:
    data_file = tmp_path / "answers.yml"
    typed = yaml.safe_load(value) if question == "external_services" else value
    data_file.write_text(yaml.safe_dump({question: typed}))
    destination = tmp_path / "new-project"

    result = copy_cli(destination, "--data-file", str(data_file))

    assert result.returncode != 0
    assert question in result.stderr.strip().splitlines()[-1]
    assert not destination.exists()


def test_good_answers_need_no_trust(tmp_path: Path) -> None:
    destination = tmp_path / "new-project"

    result = copy_cli(destination, "--data", "project_name=billing-api")

    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "billing-api"
    assert {"database", "cache", "queue", "language", "ci", "external_services"} <= set(
        answers
    )
    assert "catalogue" not in answers and "services" not in answers


@pytest.mark.parametrize(
    "extra_flags", [[], ["--overwrite"]], ids=["plain", "overwrite"]
)
def test_copy_into_an_existing_repo_keeps_the_users_files(
    existing_repo: Path, extra_flags: list[str]
) -> None:
    (existing_repo / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    (existing_repo / "tests").mkdir()
    (existing_repo / "tests" / "conftest.py").write_text("# my unit-test conftest\n")
    before = tree(existing_repo)

    result = copy_cli(existing_repo, *extra_flags)

    assert result.returncode == 0, result.stderr
    after = tree(existing_repo)
    assert {name: after[name] for name in before} == before
    assert "integration.mk" in after and "tests/integration/conftest.py" in after
