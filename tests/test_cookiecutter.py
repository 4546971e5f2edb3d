"""`cookiecutter <this repo>` produces what `copier copy` produces, and stays updatable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.rig import ROOT, copy_cli, make, run_copier_cli
from tests.test_update import (
    TemplateRepo,
    assert_no_conflicts,
    commit_generated,
    harness_fix_and_new_fixture,
)

sys.path.insert(0, str(ROOT / "hooks"))
import bridge

ANSWER_SETS = {
    "defaults": {},
    "postgres-and-redis": {"queue": "none"},
    "no-services": {
        "database": "none",
        "cache": "none",
        "queue": "none",
        "ci": "none",
        "project_name": "billing-api",
    },
}


def cookiecutter(
    template: Path, output: Path, env: dict[str, str] | None = None, **answers: str
):
    output.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "cookiecutter",
        "--no-input",
        "-o",
        str(output),
        str(template),
    ]
    command += [f"{key}={value}" for key, value in answers.items()]
    return subprocess.run(
        command, check=False, text=True, capture_output=True, env=env, timeout=120
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".venv" not in p.parts
    }


@pytest.mark.render_only
def test_cookiecutter_json_is_derived_from_copier_yml() -> None:
    committed = json.loads((ROOT / "cookiecutter.json").read_text())

    assert committed == bridge.cookiecutter_json(), "run: python hooks/bridge.py"
    copier_questions = bridge.questions()
    assert [k for k in committed if k != "__prompts__"] == list(copier_questions)
    for name, spec in copier_questions.items():
        if spec.get("multiselect"):
            for value in bridge.choice_values(spec):
                assert value in committed["__prompts__"][name]
        elif spec.get("choices"):
            assert committed[name][0] == spec["default"]
            assert sorted(committed[name]) == sorted(bridge.choice_values(spec))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This template committed and tagged, so both tools record the same version."""
    return TemplateRepo(tmp_path_factory.mktemp("snapshot") / "template").path


@pytest.mark.parametrize("name", ANSWER_SETS)
@pytest.mark.render_only
def test_cookiecutter_tree_is_identical_to_copier_copy(
    name: str, snapshot: Path, tmp_path: Path
) -> None:
    answers = ANSWER_SETS[name]
    project_name = answers.get("project_name", "my-project")

    made = cookiecutter(snapshot, tmp_path / "cookiecutter", **answers)
    flags = [
        arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")
    ]
    copied = copy_cli(tmp_path / "copier" / project_name, *flags, source=snapshot)

    assert made.returncode == 0, made.stderr[-3000:]
    assert copied.returncode == 0, copied.stderr[-3000:]
    from_cookiecutter = tree(tmp_path / "cookiecutter" / project_name)
    from_copier = tree(tmp_path / "copier" / project_name)
    assert sorted(from_cookiecutter) == sorted(from_copier)
    assert from_cookiecutter == from_copier
    recorded = yaml.safe_load(from_cookiecutter[".copier-answers.yml"])
    assert (recorded["_src_path"], recorded["_commit"]) == (str(snapshot), "0.1.0")


def test_cookiecutter_project_passes_against_the_services(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    made = cookiecutter(ROOT, tmp_path)

    suite = make(
        tmp_path / "my-project",
        "integration-test-external",
        "ARGS=-p no:randomly",
        env=shared_venv,
    )

    assert made.returncode == 0, made.stderr[-3000:]
    assert suite.returncode == 0, suite.stdout[-3000:]


@pytest.mark.render_only
def test_cookiecutter_project_updates_with_copier(tmp_path: Path) -> None:
    template = TemplateRepo(tmp_path / "template")
    made = cookiecutter(template.path, tmp_path / "out")
    project = tmp_path / "out" / "my-project"
    commit_generated(project)
    template.release("0.2.0", harness_fix_and_new_fixture)

    updated = run_copier_cli("update", "--defaults", cwd=project)

    assert made.returncode == 0, made.stderr[-3000:]
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())[
        "_src_path"
    ] == str(template.path)
    assert updated.returncode == 0, updated.stderr[-3000:]
    assert_no_conflicts(project)
    assert "image: redis:8.2.3" in (project / "compose.test.yaml").read_text()


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("project_name", "Bad Name"),
        ("external_services", "http_api, fax"),
        ("database", "oracle"),
        ("ci", "jenkins"),
    ],
)
@pytest.mark.render_only
def test_bad_answer_through_cookiecutter_names_the_question_and_writes_nothing(
    question: str, value: str, tmp_path: Path
) -> None:
    output = tmp_path / "out"

    made = cookiecutter(ROOT, output, **{question: value})

    assert made.returncode != 0
    assert question in made.stderr
    assert list(output.iterdir()) == []


@pytest.mark.render_only
def test_missing_copier_is_reported_before_anything_is_written(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "copier.py").write_text(
        "raise ImportError('copier is not installed here')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(blocker), "HOME": str(tmp_path)}
    output = tmp_path / "out"

    made = cookiecutter(ROOT, output, env=env)

    assert made.returncode != 0
    assert "pip install copier" in made.stderr
    assert list(output.iterdir()) == []


@pytest.mark.render_only
def test_relative_template_path_is_recorded_absolute(tmp_path: Path) -> None:
    """`cookiecutter .` inside a checkout: the project must still find the template later."""
    made = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), "."],
        check=False,
        cwd=ROOT,
        env={**os.environ, "PWD": str(ROOT)},
        text=True,
        capture_output=True,
        timeout=120,
    )

    assert made.returncode == 0, made.stderr[-3000:]
    recorded = yaml.safe_load(
        (tmp_path / "my-project" / ".copier-answers.yml").read_text()
    )
    assert recorded["_src_path"] == str(ROOT)


@pytest.mark.render_only
def test_git_url_is_recorded_as_typed_and_updates_from_it(tmp_path: Path) -> None:
    """Cookiecutter clones a URL into ~/.cookiecutters; the project must point at the URL."""
    template = TemplateRepo(tmp_path / "template")
    url = (
        f"git+file://{template.path}"  # a git URL both tools accept, cloned like https
    )
    env = {**os.environ, "HOME": str(tmp_path / "home")}

    made = cookiecutter(url, tmp_path / "out", env=env)
    project = tmp_path / "out" / "my-project"
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    commit_generated(project)
    template.release("0.2.0", harness_fix_and_new_fixture)
    updated = run_copier_cli("update", "--defaults", cwd=project)

    assert made.returncode == 0, made.stderr[-3000:]
    assert (recorded["_src_path"], recorded["_commit"]) == (url, "0.1.0")
    assert updated.returncode == 0, updated.stderr[-3000:]
    assert "image: redis:8.2.3" in (project / "compose.test.yaml").read_text()
