"""The template's test rig: render projects from this checkout and enumerate the answers."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import copier
import yaml

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = yaml.safe_load((ROOT / "copier.yml").read_text())
CATALOGUE = yaml.safe_load((ROOT / "catalogue" / "services.yml").read_text())
CHOICE_QUESTIONS = ("language", "database", "cache", "queue", "ci")


def choices(question: str) -> list[str]:
    """The answer values a choice question offers, in copier.yml's order."""
    offered = QUESTIONS[question]["choices"]
    return list(offered.values()) if isinstance(offered, dict) else list(offered)


def defaults() -> dict[str, Any]:
    return {
        name: QUESTIONS[name]["default"]
        for name in (*CHOICE_QUESTIONS, "external_services")
    }


def all_combinations() -> list[dict[str, Any]]:
    """Every combination of the choice questions' answers."""
    names = CHOICE_QUESTIONS
    return [
        dict(zip(names, values))
        for values in itertools.product(*(choices(n) for n in names))
    ]


def combination_id(answers: dict[str, Any]) -> str:
    return "-".join(f"{answers[n]}" for n in CHOICE_QUESTIONS)


def services_for(answers: dict[str, Any]) -> list[str]:
    """Catalogue names a project with these answers uses (as copier.yml computes them)."""
    chosen = [
        answers.get(q, QUESTIONS[q]["default"]) for q in ("database", "cache", "queue")
    ]
    chosen += list(answers.get("external_services", []))
    return list(dict.fromkeys(name for name in chosen if name != "none"))


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
