"""Bad answers: a clear message naming the question, a non-zero exit, nothing written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.rig import (
    CHOICE_QUESTIONS,
    QUESTIONS,
    choices,
    copy_cli,
    service_chosen_by,
    without_language,
)
from tests.test_update import TemplateRepo, generate, git, update

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

BAD_ANSWERS = [
    ("project_name", "Billing API"),
    ("project_name", "9lives"),
    ("project_name", "-leading-dash"),
    ("project_name", "a" * 60),
    ("project_name", "semi;colon"),
    *((question, "mysql-9000") for question in CHOICE_QUESTIONS),
    ("database", "Postgres"),
    ("web_framework", "net-http"),  # language=python (the default): Go's framework
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


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (
            ["language=python"],
            "spring-web is for language=java; with language=python choose fastapi or none",
        ),
        (
            ["language=java", "database=none"],
            "the spring-web example API stores accounts in the database",
        ),
    ],
    ids=["python", "java-without-database"],
)
def test_spring_web_is_refused_outside_java_and_without_a_database(
    data: list[str], says: str, existing_repo: Path
) -> None:
    before = tree(existing_repo)
    flags = [flag for answer in data for flag in ("--data", answer)]

    result = copy_cli(existing_repo, "--data", "web_framework=spring-web", *flags)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "web_framework" in last_line and says in last_line, result.stderr[-2000:]
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


@pytest.mark.parametrize(
    "value", ["abc\n", "abc\r\n", "\nabc"], ids=["newline", "crlf", "leading"]
)
def test_project_name_with_a_newline_is_refused(value: str, tmp_path: Path) -> None:
    """Python's `$` also matches before a trailing newline; the validator must not."""
    destination = tmp_path / "new-project"

    result = copy_cli(destination, "--data", f"project_name={value}")

    assert result.returncode != 0
    assert "project_name" in result.stderr.strip().splitlines()[-1]
    assert not destination.exists()


def test_a_long_folder_name_gives_a_valid_default(tmp_path: Path) -> None:
    destination = tmp_path / ("Billing_" + "Very-Long-Service-Name-" * 4)

    result = copy_cli(destination)

    assert result.returncode == 0, result.stderr[-2000:]
    name = yaml.safe_load((destination / ".copier-answers.yml").read_text())[
        "project_name"
    ]
    assert name == ("billing_" + "very-long-service-name-" * 4)[:49]
    assert (
        f"name: {name.replace('_', '-')}-test\n"
        in (destination / "compose.test.yaml").read_text()
    )


def test_the_validator_knows_every_question() -> None:
    """project_name's validator lists the questions, to refuse any other --data key."""
    asked = [
        name
        for name, spec in QUESTIONS.items()
        if not name.startswith("_") and spec.get("when") is not False
    ]
    listed = QUESTIONS["project_name"]["validator"].split("set asked = ")[1]
    assert yaml.safe_load(listed.split(" %}")[0]) == asked


@pytest.mark.parametrize(
    ("flags", "key"),
    [
        (["--data", "datbase=mysql"], "datbase"),
        (
            ["--data", "project_name=billing-api", "--data", "Database=mysql"],
            "Database",
        ),
        (["--data", "services=[postgres, redis]"], "services"),
        (["--data", "project_slug=other"], "project_slug"),
        (["--data", "catalogue={}"], "catalogue"),
        (["--data", "offered={}"], "offered"),
    ],
    ids=["typo", "case", "services", "project_slug", "catalogue", "offered"],
)
def test_an_unknown_or_computed_data_key_is_refused_naming_it(
    flags: list[str], key: str, existing_repo: Path
) -> None:
    before = tree(existing_repo)

    result = copy_cli(existing_repo, *flags)

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert f"--data {key}: not a question of this template" in last_line, last_line
    assert tree(existing_repo) == before


def test_an_unknown_key_in_a_data_file_is_refused(tmp_path: Path) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text("project_name: billing-api\nqueu: rabbitmq\n")
    destination = tmp_path / "new-project"

    result = copy_cli(destination, "--data-file", str(data_file))

    assert result.returncode != 0
    assert "--data queu:" in result.stderr.strip().splitlines()[-1]
    assert not destination.exists()


def test_the_message_after_copy_says_what_to_run_next(tmp_path: Path) -> None:
    result = copy_cli(tmp_path / "new-project", "--data", "project_name=billing-api")

    assert result.returncode == 0, result.stderr[-2000:]
    message = result.stderr.split("integration-harness: the python integration suite")[
        1
    ]
    assert "make integration-test " in message
    assert "make integration-test-external" in message
    # For a Makefile Copier kept: the exact line to add (integration.mk exists).
    assert "\n  include integration.mk\n" in message
    assert "\n  .env.test.local\n" in message


def test_env_test_local_is_git_ignored_and_an_own_gitignore_kept(
    tmp_path: Path,
) -> None:
    fresh = tmp_path / "fresh"
    subprocess.run(["git", "init", "-q", str(fresh)], check=True)
    own = tmp_path / "own"
    subprocess.run(["git", "init", "-q", str(own)], check=True)
    (own / ".gitignore").write_text("*.log\n")

    for destination in (fresh, own):
        result = copy_cli(destination, "--data", "project_name=billing-api")
        assert result.returncode == 0, result.stderr[-2000:]
        (destination / ".env.test.local").write_text("TEST_DATABASE_URL=x\n")

    ignored = subprocess.run(
        ["git", "-C", str(fresh), "check-ignore", "-q", ".env.test.local"], check=False
    )
    assert ignored.returncode == 0
    assert (own / ".gitignore").read_text() == "*.log\n"  # the user's, kept as it was


def test_an_unknown_data_key_on_update_is_refused_and_nothing_changes(
    tmp_path: Path,
) -> None:
    template = TemplateRepo(tmp_path / "template")
    project = generate(template, tmp_path / "project")
    template.release("0.2.0")

    result = update(project, "--data", "datbase=mysql")

    assert result.returncode != 0
    assert "--data datbase:" in result.stderr.strip().splitlines()[-1]
    assert git(project, "status", "--porcelain") == ""
    assert "_commit: 0.1.0" in (project / ".copier-answers.yml").read_text()


# A broker the tests below take away from TypeScript: the second one offered, so that
# in the menu Down from the default (the first) has to skip it.
LACKING = choices("queue")[1]


def without_typescript(root: Path) -> None:
    """The template as if the ``LACKING`` broker's service had no TypeScript harness yet."""
    without_language(service_chosen_by("queue", LACKING), "typescript")(root)


def test_a_service_the_language_lacks_is_refused_from_the_catalogue(
    tmp_path: Path,
) -> None:
    template = TemplateRepo(tmp_path / "template")
    template.release("0.2.0", without_typescript)

    refused = copy_cli(
        tmp_path / "ts",
        "--data",
        "language=typescript",
        "--data",
        f"queue={LACKING}",
        source=template.path,
        ref="0.2.0",
    )
    kept = copy_cli(
        tmp_path / "py", "--data", f"queue={LACKING}", source=template.path, ref="0.2.0"
    )

    assert refused.returncode != 0
    last_line = refused.stderr.strip().splitlines()[-1]
    assert (
        f"Invalid choice for 'queue': {LACKING} is not available with language=typescript"
        in last_line
    )
    assert "choose none, " in last_line and choices("queue")[0] in last_line
    assert not (tmp_path / "ts").exists()
    assert kept.returncode == 0, kept.stderr[-2000:]
