"""The template's test rig: render projects from this checkout and enumerate the answers."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import copier
import yaml

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = yaml.safe_load((ROOT / "copier.yml").read_text())
CATALOGUE = yaml.safe_load((ROOT / "catalogue" / "services.yml").read_text())
CHOICE_QUESTIONS = ("language", "database", "cache", "queue", "web_framework", "ci")


def choices(question: str) -> list[str]:
    """The answer values a choice (or multiselect) question offers, in copier.yml's order."""
    offered = QUESTIONS[question]["choices"]
    values = offered.values() if isinstance(offered, dict) else offered
    return [v["value"] if isinstance(v, dict) else v for v in values]


def defaults() -> dict[str, Any]:
    return {
        name: QUESTIONS[name]["default"]
        for name in (*CHOICE_QUESTIONS, "external_services")
    }


def answer_options() -> dict[str, list[Any]]:
    """Each question's possible answers; each external service is its own yes/no."""
    options: dict[str, list[Any]] = {q: choices(q) for q in CHOICE_QUESTIONS}
    for service in choices("external_services"):
        options[f"external:{service}"] = [False, True]
    return options


def as_answers(values: dict[str, Any]) -> dict[str, Any]:
    answers = {q: values[q] for q in CHOICE_QUESTIONS}
    answers["external_services"] = [
        key.split(":", 1)[1]
        for key, on in values.items()
        if key.startswith("external:") and on
    ]
    return answers


def offered(language: str, question: str) -> set[str]:
    """Answers to ``question`` that ``language`` has a harness and an example for."""
    return {"none"} | {
        entry["selected_by"][question]
        for entry in CATALOGUE.values()
        if question in entry.get(language, {}).get("examples", {})
    }


def valid(answers: dict[str, Any]) -> bool:
    """False for combinations copier.yml's validators refuse."""
    language = answers["language"]
    web = answers.get("web_framework", "none")
    framework_language = {"fastapi": "python", "express": "typescript"}
    if web != "none" and (
        answers["database"] == "none" or framework_language[web] != language
    ):
        return False
    return all(
        answers[q] in offered(language, q) for q in ("database", "cache", "queue")
    ) and set(answers.get("external_services", [])) <= offered(
        language, "external_services"
    )


def all_combinations() -> list[dict[str, Any]]:
    """A covering set of answers: every pair of answers to two questions appears in one.

    The full product is thousands of projects; pairwise covers every answer and
    every interaction of two answers in a few dozen. Greedy, so deterministic.
    The defaults come first.
    """
    options = answer_options()
    names = list(options)
    product = [
        dict(zip(names, values)) for values in itertools.product(*options.values())
    ]
    candidates = [values for values in product if valid(as_answers(values))]

    def pairs(values: dict[str, Any]) -> set[tuple]:
        return {
            (a, values[a], b, values[b])
            for i, a in enumerate(names)
            for b in names[i + 1 :]
        }

    wanted = set().union(*(pairs(values) for values in candidates))
    chosen = [next(v for v in candidates if as_answers(v) == defaults())]
    wanted -= pairs(chosen[0])
    while wanted:
        best = max(candidates, key=lambda values: len(pairs(values) & wanted))
        chosen.append(best)
        wanted -= pairs(best)
    return [as_answers(values) for values in chosen]


def combination_id(answers: dict[str, Any]) -> str:
    external = "+".join(answers["external_services"]) or "no-external"
    return "-".join([*(f"{answers[n]}" for n in CHOICE_QUESTIONS), external])


def services_for(answers: dict[str, Any]) -> list[str]:
    """Catalogue names a project with these answers uses (as copier.yml computes them)."""
    return [
        name
        for name, entry in CATALOGUE.items()
        if any(selects(answers, q, value) for q, value in entry["selected_by"].items())
    ]


def selects(answers: dict[str, Any], question: str, value: str) -> bool:
    """True when ``question`` (answered as in ``answers``, else its default) chose ``value``."""
    answer = answers.get(question, QUESTIONS[question]["default"])
    return value in answer if isinstance(answer, list) else answer == value


def render(destination: Path, **answers: Any) -> Path:
    """Generate a project into ``destination`` with ``answers`` (defaults for the rest)."""
    copier.run_copy(
        str(ROOT),
        str(destination),
        data={"project_name": "demo-app", **answers},
        defaults=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    return destination


def run_copier_cli(
    *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `copier` command line as a user would (never with --trust)."""
    command = [sys.executable, "-m", "copier", *args]
    return subprocess.run(
        command, check=False, cwd=cwd, text=True, capture_output=True, timeout=120
    )


def copy_cli(
    destination: Path, *flags: str, source: Path = ROOT, ref: str = "HEAD"
) -> subprocess.CompletedProcess[str]:
    """`copier copy --defaults --vcs-ref REF [flags] SOURCE DESTINATION`, as a user types it."""
    return run_copier_cli(
        "copy", "--defaults", "--vcs-ref", ref, *flags, str(source), str(destination)
    )


def make(
    project: Path,
    *targets: str,
    env: dict[str, str] | None = None,
    timeout: float = 600,
):
    """Run make in a generated project; returns the CompletedProcess (never raises on failure)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(project), *targets],
        check=False,
        text=True,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def install(project: Path, env: dict[str, str] | None = None) -> Path:
    """Run ``make integration-deps`` in ``project``; on failure, fail with what the
    installer printed and the free disk space (npm's own error is the tail)."""
    result = make(project, "integration-deps", env=env)
    if result.returncode != 0:
        free = shutil.disk_usage(project).free // 2**20
        output = (result.stdout + result.stderr)[-3000:]
        raise AssertionError(
            f"make integration-deps failed in {project} ({free} MiB free):\n{output}"
        )
    return project


def postgres_url(database: str = "app_test") -> str:
    """The native PostgreSQL's URL for ``database`` (the test user may create databases)."""
    from native.common import native_service

    return native_service("postgres").url.rsplit("/", 1)[0] + f"/{database}"


def recreate_postgres_database(name: str) -> str:
    """Drop ``name`` if it exists and create it empty; its URL."""
    import psycopg

    with psycopg.connect(postgres_url(), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return postgres_url(name)


def drop_postgres_database(name: str, with_workers: bool = False) -> None:
    """Drop ``name`` (and, ``with_workers``, the ``<name>_gw0``/``<name>_w1`` ones beside it)."""
    import psycopg

    with psycopg.connect(postgres_url(), autocommit=True) as connection:
        names = [name]
        if with_workers:
            pattern = name.replace("_", "\\_") + "\\_%"
            names += [
                row[0]
                for row in connection.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)
                )
            ]
        for database in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def own_postgres_database(name: str) -> Iterator[str]:
    """A database of one test module's own on the native PostgreSQL; its URL.

    Made empty for the module and dropped after it, with any worker databases
    the harness made beside it, so the leak audit of the next module finds nothing.
    """
    url = recreate_postgres_database(name)
    try:
        yield url
    finally:
        drop_postgres_database(name, with_workers=True)
