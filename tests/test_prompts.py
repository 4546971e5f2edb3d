"""The questions as a user answers them: `copier copy` in a real terminal, arrow keys and Enter.

Copier runs a question's validator on typed answers only, never on a menu: a
combination the template cannot render has to be a disabled menu entry (a
per-choice validator), which the arrow keys skip and which shows its reason.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from tests.rig import ROOT, choices
from tests.test_answers import LACKING, without_typescript
from tests.test_update import TemplateRepo

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

UP, DOWN, ENTER, ERASE_LINE = "\x1b[A", "\x1b[B", "\r", "\x15"
PROMPTS = {
    "project_name": "Project name",
    "language": "Language of the generated",
    "database": "SQL database",
    "document_store": "Document database",
    "cache": "Cache /",
    "queue": "Message broker",
    "external_services": "Third-party services",
    "web_framework": "Web framework",
    "migrations": "How each test database gets its schema",
    "ci": "CI workflow",
}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`copier copy` in a pseudo-terminal, with everything it drew kept for asserts."""

    def __init__(
        self, destination: Path, source: Path = ROOT, ref: str = "HEAD"
    ) -> None:
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "copier", "copy", "--vcs-ref", ref, str(source), str(destination)],
            encoding="utf-8",
            dimensions=(60, 300),
            timeout=60,
            # A terminal answers prompt_toolkit's cursor-position request at once; this
            # pseudo-terminal never does, and each question then waits ~1 s for it.
            env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1"},
        )
        self.drawn = io.StringIO()
        self.child.logfile_read = self.drawn

    def answer(self, question: str, keys: str) -> None:
        """Wait for ``question``'s prompt, then type ``keys``."""
        self.child.expect_exact(PROMPTS[question])
        self.child.send(keys)

    def finish(self) -> str:
        """Wait for Copier to end; returns everything it drew, without colours."""
        self.child.expect(pexpect.EOF, timeout=120)
        self.child.close()
        return ANSI.sub("", self.drawn.getvalue())


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def answer_all(
    terminal: Terminal, keys: dict[str, str], project_name: str = "demo-app"
) -> str:
    """Answer every question: the given keys, else Enter (the default)."""
    terminal.answer("project_name", ERASE_LINE + project_name + ENTER)
    return answer_rest(terminal, keys)


def answer_rest(terminal: Terminal, keys: dict[str, str]) -> str:
    """Answer every question after project_name: the given keys, else Enter (the default).

    migrations is asked only with a database; without one, ci's prompt comes next.
    """
    for question in list(PROMPTS)[1:]:
        if question == "migrations":
            if terminal.child.expect_exact([PROMPTS["migrations"], PROMPTS["ci"]]) == 0:
                terminal.child.send(keys.get("migrations", ENTER))
                continue
            terminal.child.send(keys.get("ci", ENTER))  # ci's prompt is up already
            break
        terminal.answer(question, keys.get(question, ENTER))
    return terminal.finish()


@pytest.mark.parametrize(
    ("language_keys", "database_keys", "web_keys", "expected"),
    [
        # Python without a database: every framework disabled, Up cannot leave "none".
        (ENTER, DOWN * 3 + ENTER, UP + ENTER, ("python", "none", "none")),
        (ENTER, DOWN * 3 + ENTER, UP + UP + ENTER, ("python", "none", "none")),
        # Python with PostgreSQL: Up skips the disabled Spring MVC and Express, lands on FastAPI.
        (ENTER, ENTER, UP + ENTER, ("python", "postgres", "fastapi")),
        # TypeScript: Up skips the disabled net-http and Spring MVC to Express; one more
        # Up skips the disabled FastAPI and wraps around to "none".
        (DOWN + ENTER, ENTER, UP + ENTER, ("typescript", "postgres", "express")),
        (DOWN + ENTER, ENTER, UP + UP + ENTER, ("typescript", "postgres", "none")),
        # Java: Up skips the disabled net-http to Spring MVC; one more Up skips the
        # disabled Express and FastAPI and wraps around to "none".
        (DOWN * 2 + ENTER, ENTER, UP + ENTER, ("java", "postgres", "spring-web")),
        (DOWN * 2 + ENTER, ENTER, UP + UP + ENTER, ("java", "postgres", "none")),
        # Go: net-http is the one above "none"; one more Up skips the disabled
        # Spring MVC, Express and FastAPI and wraps around to "none"; without a
        # database all four are disabled.
        (DOWN * 3 + ENTER, ENTER, UP + ENTER, ("go", "postgres", "net-http")),
        (DOWN * 3 + ENTER, ENTER, UP + UP + ENTER, ("go", "postgres", "none")),
        (DOWN * 3 + ENTER, DOWN * 3 + ENTER, UP + ENTER, ("go", "none", "none")),
    ],
    ids=[
        "python-nodb-up",
        "python-nodb-up-up",
        "python-postgres-up",
        "typescript-up",
        "typescript-up-up",
        "java-up",
        "java-up-up",
        "go-up",
        "go-up-up",
        "go-nodb-up",
    ],
)
def test_web_framework_menu_offers_only_what_renders(
    tmp_path: Path,
    language_keys: str,
    database_keys: str,
    web_keys: str,
    expected: tuple[str, str, str],
) -> None:
    project = tmp_path / "project"
    terminal = Terminal(project)

    screen = answer_all(
        terminal,
        {
            "language": language_keys,
            "database": database_keys,
            "web_framework": web_keys,
        },
    )

    answers = answers_of(project)
    assert (
        answers["language"],
        answers["database"],
        answers["web_framework"],
    ) == expected
    language, database, _ = expected
    own = {
        "python": "fastapi",
        "typescript": "express",
        "java": "spring-web",
        "go": "net-http",
    }[language]
    other = {
        "python": "express",
        "typescript": "fastapi",
        "java": "fastapi",
        "go": "express",
    }[language]
    other_language = {"fastapi": "python", "express": "typescript"}[other]
    assert f"{other} is for language={other_language}" in screen
    assert f"with language={language} choose {own} or none" in screen
    if database == "none":
        assert f"the {own} example API stores accounts in the database" in screen
    assert "include integration.mk" in screen  # the message after the copy


@pytest.mark.parametrize(
    ("language_keys", "expected", "shown"),
    [
        # Python: Up skips the disabled goose, Flyway and Knex to Alembic.
        (
            ENTER,
            "alembic",
            "knex is for language=typescript; with language=python choose alembic or sql",
        ),
        # TypeScript: Up skips the disabled goose and Flyway to Knex.
        (
            DOWN + ENTER,
            "knex",
            "goose is for language=go; with language=typescript choose knex or sql",
        ),
        # Java: Up skips the disabled goose to Flyway.
        (
            DOWN * 2 + ENTER,
            "flyway",
            "goose is for language=go; with language=java choose flyway or sql",
        ),
        # Go: goose is the last choice.
        (
            DOWN * 3 + ENTER,
            "goose",
            "alembic is for language=python; with language=go choose goose or sql",
        ),
    ],
    ids=["python", "typescript", "java", "go"],
)
def test_migrations_menu_offers_only_the_languages_tool(
    tmp_path: Path, language_keys: str, expected: str, shown: str
) -> None:
    """The migrations menu offers the chosen language's tool; the others show why not."""
    project = tmp_path / "project"
    terminal = Terminal(project)

    screen = answer_all(terminal, {"language": language_keys, "migrations": UP + ENTER})

    assert answers_of(project)["migrations"] == expected
    assert shown in screen


def test_a_typed_project_name_is_checked_at_the_prompt(tmp_path: Path) -> None:
    project = tmp_path / "project"
    terminal = Terminal(project)
    terminal.answer("project_name", ERASE_LINE + "Billing API" + ENTER)
    terminal.child.expect_exact("is not valid")
    terminal.child.send(ERASE_LINE + "billing-api" + ENTER)
    answer_rest(terminal, {})

    assert answers_of(project)["project_name"] == "billing-api"


def test_a_service_the_language_lacks_is_disabled_in_the_menu(tmp_path: Path) -> None:
    """Catalogue-driven: with no TypeScript harness for the second broker, Down skips it."""
    template = TemplateRepo(tmp_path / "template")
    template.release("0.2.0", without_typescript)
    project = tmp_path / "project"
    terminal = Terminal(project, source=template.path, ref="0.2.0")

    screen = answer_all(terminal, {"language": DOWN + ENTER, "queue": DOWN + ENTER})

    # The first broker, (the second disabled), the third.
    assert answers_of(project)["queue"] == choices("queue")[2]
    assert f"{LACKING} is not available with language=typescript" in screen
