"""Managed files: the manifest, the checks before every run, and restoring them.

What Copier really does on `copier update` (measured here, Copier 9.19): a managed
file that both the user and the new release changed on the same lines is merged
with ``<<<<<<< before updating`` markers and Copier exits 0; a managed file the
user deleted is not restored. The harness stops the next run naming such files
and the command that restores them, and warns about edited managed files before
an update meets them.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooks import manifest
from tests.rig import ROOT, WIDEST, make, render
from tests.test_update import (
    TemplateRepo,
    edit,
    generate,
    git,
    make_user_edits,
    own_settings,
    update,
)

MANIFEST = "tests/integration/managed-files.sha256"
RESTORE = manifest.restore_command()


@pytest.fixture(scope="module")
def own_env() -> Iterator[dict[str, str]]:
    """A database and a Redis index of this module's own (see `own_settings`)."""
    with own_settings() as env:
        yield env


def manifest_entries(project: Path) -> dict[str, str]:
    entries = {}
    for line in (project / MANIFEST).read_text().splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split("  ", 1)
            entries[name] = digest
    return entries


def user_owned(name: str) -> bool:
    return manifest.is_user_owned(name, manifest.user_owned_patterns())


@pytest.mark.render_only
def test_manifest_template_is_generated_from_the_template_tree() -> None:
    assert (
        ROOT / manifest.MANIFEST_TEMPLATE
    ).read_text() == manifest.manifest_template(), "run: python hooks/manifest.py"


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {**WIDEST, "database": "mysql", "web_framework": "fastapi"},
        {
            "language": "typescript",
            "queue": "sqs",
            "database": "mariadb",
            "web_framework": "express",
            "external_services": ["http_api", "email"],
        },
        {"database": "none", "cache": "none", "queue": "none", "ci": "none"},
    ],
    ids=["default", "python-widest", "typescript-wide", "no-services"],
)
@pytest.mark.render_only
def test_manifest_lists_every_managed_file_with_the_hash_written(
    tmp_path: Path, answers: dict
) -> None:
    project = render(tmp_path / "project", **answers)
    entries = manifest_entries(project)
    written = {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
    }
    managed = {
        name
        for name in written
        if not user_owned(name) and name not in (".copier-answers.yml", MANIFEST)
    }

    assert set(entries) == managed
    # Files the user owns are never in it (an edit of theirs is not a warning).
    assert not {"Makefile", ".gitignore", "tests/integration/conftest.py"} & set(
        entries
    )
    for name, digest in entries.items():
        assert hashlib.sha256((project / name).read_bytes()).hexdigest() == digest, name
    check = subprocess.run(
        ["sha256sum", "--check", "--strict", MANIFEST],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def conflicting_release(template: Path) -> None:
    """0.2.0 changes the same .env.test line the user edits (the PostgreSQL port)."""
    edit(
        template / "services/postgres/service.yml",
        "host_port: 25432",
        "host_port: 25433",
    )


def pytest_run(project: Path, env: dict[str, str], *args: str):
    return make(
        project,
        "integration-test-external",
        f"ARGS=-p no:randomly {' '.join(args)}",
        env=env,
    )


def test_update_conflict_stops_the_next_run_and_restoring_fixes_it(
    tmp_path: Path, shared_venv: dict[str, str], own_env: dict[str, str]
) -> None:
    template = TemplateRepo(tmp_path / "template")
    project = generate(template, tmp_path / "project")
    edits = make_user_edits(project)
    # The edits users make although the README says not to: a managed file.
    env_test = project / ".env.test"
    edit(env_test, "TEST_POSTGRES_PORT=25432", "TEST_POSTGRES_PORT=25999")
    (project / "tests/integration/integration_harness/readiness.py").unlink()
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "edit managed files")

    stopped_before = pytest_run(project, {**shared_venv, **own_env})
    (project / "tests/integration/integration_harness/readiness.py").write_bytes(
        (
            template.path
            / "template/{% if 'language=python' in parts %}tests{% endif %}"
            "/integration/integration_harness/readiness.py"
        ).read_bytes()
    )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "restore the harness module by hand")
    warned = pytest_run(project, {**shared_venv, **own_env}, "-k", "settings")
    template.release("0.2.0", conflicting_release)
    updated = update(project)
    merged = env_test.read_text()
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "update")
    stopped = pytest_run(project, {**shared_venv, **own_env})
    restored = subprocess.run(
        ["bash", "-c", RESTORE],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        },
    )
    after = pytest_run(project, {**shared_venv, **own_env})

    assert stopped_before.returncode != 0
    assert "managed files are broken, no test was run" in stopped_before.stderr
    assert "integration_harness/readiness.py: missing" in stopped_before.stderr
    assert "Traceback" not in stopped_before.stdout + stopped_before.stderr
    assert warned.returncode == 0, warned.stdout[-2000:] + warned.stderr[-2000:]
    assert "warning: managed files differ from what the template wrote: .env.test" in (
        warned.stdout
    )
    # What Copier does: a 3-way merge that leaves markers and still exits 0.
    assert updated.returncode == 0, updated.stderr
    assert "<<<<<<< before updating\nTEST_POSTGRES_PORT=25999\n=======\n" in merged
    assert stopped.returncode != 0
    assert ".env.test: conflict markers from `copier update`" in stopped.stderr
    assert RESTORE in stopped.stderr
    assert restored.returncode == 0, restored.stderr
    assert "<<<<<<<" not in env_test.read_text()
    assert "TEST_POSTGRES_PORT=25433" in env_test.read_text()
    for name, text in edits.items():
        assert (project / name).read_text() == text, name
    assert after.returncode == 0, after.stdout[-3000:] + after.stderr[-2000:]
    assert "warning: managed files differ" not in after.stdout


def test_a_renamed_integration_folder_is_reported(
    tmp_path: Path, shared_venv: dict[str, str], own_env: dict[str, str]
) -> None:
    project = render(tmp_path / "project")
    (project / "tests/integration").rename(project / "tests/it")
    result = subprocess.run(
        [
            shared_venv["INTEGRATION_VENV"] + "/bin/python",
            "-m",
            "pytest",
            "-c",
            "tests/it/pytest.ini",
            "--rootdir",
            "tests/it",
            "tests/it",
            "-p",
            "no:randomly",
            "-k",
            "settings",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **own_env},
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (
        "the harness runs from tests/it, but `copier update` only updates tests/integration"
        in result.stdout
    )


def test_typescript_run_warns_and_stops_like_python(tmp_path: Path) -> None:
    project = render(
        tmp_path / "project",
        language="typescript",
        database="none",
        cache="none",
        queue="none",
    )
    deps = make(project, "integration-deps")
    assert deps.returncode == 0, deps.stdout + deps.stderr
    clean = make(project, "integration-test-external")
    original_mk = (project / "integration.mk").read_text()
    original_env = (project / ".env.test").read_text()
    original_readiness = (
        project / "tests/integration/harness/readiness.ts"
    ).read_text()
    with (project / "integration.mk").open("a") as file:
        file.write("\n# my note\n")
    warned = make(project, "integration-test-external")
    (project / "tests/integration/harness/readiness.ts").unlink()
    (project / ".env.test").write_text(
        (project / ".env.test").read_text() + "<<<<<<< before updating\n"
    )
    stopped = make(project, "integration-test-external")
    (project / "integration.mk").write_text(original_mk)
    (project / ".env.test").write_text(original_env)
    (project / "tests/integration/harness/readiness.ts").write_text(original_readiness)
    (project / "tests/integration").rename(project / "tests/it")
    renamed = subprocess.run(
        ["./node_modules/.bin/vitest", "run"],
        cwd=project / "tests/it",
        capture_output=True,
        text=True,
        check=False,
    )

    assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
    assert "warning: managed files differ" not in clean.stdout + clean.stderr
    assert warned.returncode == 0
    assert (
        "warning: managed files differ from what the template wrote: integration.mk"
        in warned.stdout + warned.stderr
    )
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0
    assert "managed files are broken, no test was run" in output
    assert ".env.test: conflict markers from `copier update`" in output
    assert "tests/integration/harness/readiness.ts: missing" in output
    assert RESTORE in output
    assert renamed.returncode == 0, renamed.stdout[-2000:] + renamed.stderr[-2000:]
    assert (
        "the harness runs from tests/it, but `copier update` only updates tests/integration"
        in renamed.stdout + renamed.stderr
    )


@pytest.mark.render_only
def test_copier_does_not_restore_a_deleted_managed_file(tmp_path: Path) -> None:
    """Measured, so README says it: an update leaves a deleted managed file deleted."""
    template = TemplateRepo(tmp_path / "template")
    project = generate(template, tmp_path / "project")
    git(project, "rm", "-q", "integration.mk")
    git(project, "commit", "-q", "-m", "delete")
    template.release("0.2.0", conflicting_release)

    result = update(project)

    assert result.returncode == 0, result.stderr
    assert not (project / "integration.mk").exists()


def test_a_rej_file_next_to_a_managed_file_stops_the_run(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """`copier update --conflict rej` writes FILE.rej instead of markers."""
    project = render(tmp_path / "project")
    (project / "compose.test.yaml.rej").write_text("@@ -1 +1 @@\n-a\n+b\n")

    result = make(project, "integration-test-external", env=shared_venv)

    assert result.returncode != 0
    assert "compose.test.yaml: conflict markers from `copier update`" in result.stderr


@pytest.mark.render_only
def test_crlf_checkouts_are_not_reported_as_edits(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """git with core.autocrlf=true checks text files out with CRLF: not an edit."""
    project = render(tmp_path / "project")
    env_test = project / ".env.test"
    env_test.write_bytes(env_test.read_bytes().replace(b"\n", b"\r\n"))
    compose = project / "compose.test.yaml"
    compose.write_text(compose.read_text() + "# an edit\n")
    probe = (
        "import sys; sys.path.insert(0, 'tests/integration');"
        "from integration_harness.managed import check_managed_files;"
        "report = check_managed_files(); print(report.edited, report.missing)"
    )

    result = subprocess.run(
        [shared_venv["INTEGRATION_VENV"] + "/bin/python", "-c", probe],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['compose.test.yaml'] []"


@pytest.mark.render_only
def test_the_restore_command_spares_every_user_file_and_readme_gives_it() -> None:
    """The -x patterns are copier.yml's user files; README shows the very same command."""
    command = manifest.restore_command()
    for pattern in manifest.user_owned_patterns():
        assert f"-x '{pattern.removesuffix('/**')}'" in command
    assert command in (ROOT / "README.md").read_text()
