"""The Cookiecutter front door: Cookiecutter asks, Copier renders.

copier.yml is the one source of truth for the questions. This module
- derives cookiecutter.json from it (``python hooks/bridge.py`` rewrites the file;
  tests/test_cookiecutter.py fails when the two drift apart);
- turns Cookiecutter's answers into Copier's and validates them with Copier
  itself (pre_gen_project.py), before anything is written;
- renders the real template with Copier into the folder Cookiecutter created,
  at the same version, and records the template source the user typed in
  .copier-answers.yml, so `copier update` works later (post_gen_project.py).

Multiselect answers (``external_services``) are a comma-separated string in
Cookiecutter, e.g. ``external_services=http_api,email``; empty means none.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = ".cookiecutter-bridge"
MULTISELECT = "external_services"
REMOTE = re.compile(r"^(?:[a-z+]+://|gh:|gl:|bb:|git@)")


def questions(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """The questions users answer (computed values, ``when: false``, left out)."""
    config = yaml.safe_load((root / "copier.yml").read_text())
    return {
        name: spec
        for name, spec in config.items()
        if not name.startswith("_")
        and isinstance(spec, dict)
        and spec.get("when") is not False
    }


def choice_values(spec: dict[str, Any]) -> list[Any]:
    """A question's answer values in order (a choice may be ``{value, validator}``)."""
    offered = spec.get("choices") or {}
    return [
        value["value"] if isinstance(value, dict) else value
        for value in (offered.values() if isinstance(offered, dict) else offered)
    ]


def cookiecutter_json(root: Path = ROOT) -> dict[str, Any]:
    """cookiecutter.json's content: same questions, choices and defaults as copier.yml."""
    content: dict[str, Any] = {}
    prompts: dict[str, str] = {}
    for name, spec in questions(root).items():
        values = choice_values(spec)
        if name == MULTISELECT:
            content[name] = ", ".join(spec.get("default") or [])
        elif values:
            default = spec.get("default", values[0])
            content[name] = [default, *(v for v in values if v != default)]
        else:
            content[name] = (
                "my-project" if name == "project_name" else spec.get("default", "")
            )
        help_text = spec.get("help", name)
        if name == MULTISELECT:
            help_text = (
                f"{help_text.split(' (')[0]}: comma-separated, from "
                f"{', '.join(values)}; empty for none"
            )
        prompts[name] = help_text
    content["__prompts__"] = prompts
    return content


def copier_answers(context: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
    """Cookiecutter's answers as Copier ``data``."""
    answers: dict[str, Any] = {}
    for name in questions(root):
        value = context[name]
        if name == MULTISELECT:
            value = [item.strip() for item in str(value).split(",") if item.strip()]
        answers[name] = value
    return answers


def _resolve_local(path: str, context: dict[str, Any]) -> Path:
    """A local template path as typed, made absolute from where Cookiecutter ran."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        return candidate.resolve()
    started_in = os.environ.get("PWD") or context["_output_dir"]
    return (Path(started_in) / candidate).resolve()


def template_source(context: dict[str, Any]) -> tuple[str, str]:
    """(where Copier reads the template now, what .copier-answers.yml records)."""
    typed = str(context["_template"])
    repo_dir = str(context["_repo_dir"])
    if REMOTE.match(typed):
        local = (
            repo_dir
            if Path(repo_dir).is_absolute()
            else str(_resolve_local(repo_dir, context))
        )
        return local, typed
    local = str(_resolve_local(typed, context))
    return local, local


def _copier():
    try:
        import copier
    except ImportError:
        sys.exit(
            "integration-harness renders its files with Copier, which this Python "
            f"({sys.executable}) cannot import. Install it next to Cookiecutter: "
            "pip install copier"
        )
    return copier


def validate(context: dict[str, Any]) -> None:
    """Check the answers with Copier's own validators; exit with its message if one fails."""
    copier = _copier()
    source, _ = template_source(context)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            copier.run_copy(
                source,
                str(Path(scratch) / "check"),
                data=copier_answers(context, Path(source)),
                defaults=True,
                pretend=True,
                quiet=True,
                vcs_ref="HEAD",
            )
        except (ValueError, TypeError) as error:
            sys.exit(f"integration-harness: {error}")


def render(context: dict[str, Any], destination: Path) -> None:
    """Render the template with Copier into ``destination`` and record the typed source."""
    copier = _copier()
    source, recorded = template_source(context)
    (destination / PLACEHOLDER).unlink(missing_ok=True)
    copier.run_copy(
        source,
        str(destination),
        data=copier_answers(context, Path(source)),
        defaults=True,
        overwrite=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    answers_file = destination / ".copier-answers.yml"
    text = answers_file.read_text()
    answers_file.write_text(
        re.sub(
            r"^_src_path: .*$",
            lambda _: yaml.safe_dump({"_src_path": recorded}, width=10_000).strip(),
            text,
            flags=re.MULTILINE,
        )
    )


if __name__ == "__main__":
    target = ROOT / "cookiecutter.json"
    target.write_text(json.dumps(cookiecutter_json(), indent=2) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")
