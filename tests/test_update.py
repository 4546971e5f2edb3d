"""`copier update`: template changes arrive, user edits stay, nothing conflicts.

Each test builds a throwaway git repository of this template, tags versions,
generates a project from the oldest, commits it, makes the edits users make
(through the documented files), and updates it with the Copier command line.

Versions of the throwaway template:
- 0.1.0: this template as it is;
- 0.2.0: a harness fix (lock timeout), a new fixture, a bumped Redis image;
- 1.0.0: a breaking rename (``.env.test.local`` becomes ``.env.test.user``) with
  a ``_migrations`` entry that moves users' files forward.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from hooks import assemble
from tests.rig import ROOT, copy_cli, make, own_postgres_database, run_copier_cli

HARNESS = "template/{% if 'language=python' in parts %}tests{% endif %}/integration/integration_harness"
PROJECT_HARNESS = Path("tests/integration/integration_harness")
NEW_FIXTURE = '''

@pytest.fixture(scope="session")
def harness_service_names() -> tuple[str, ...]:
    """Session: catalogue names of the services this project uses."""
    return tuple(service.name for service in SERVICES)
'''
MIGRATION = """
_migrations:
  - version: "1.0.0"
    when: "{{ _stage == 'after' }}"
    command: >-
      python3 -c "import pathlib; old = pathlib.Path('.env.test.local');
      old.exists() and old.rename('.env.test.user')"
"""

USER_EDITS = {
    "tests/integration/test_mine.py": (
        "def test_my_own_query(db):\n"
        "    assert db.execute(\"SELECT 'mine'\").fetchone() == ('mine',)\n"
    ),
    "compose.test.override.yaml": (
        "services:\n"
        "  mail:\n"
        "    image: axllent/mailpit:v1.27.10\n"
        "    ports:\n"
        '      - "127.0.0.1:25025:1025"\n'
    ),
    ".env.test.local": "TEST_MY_SETTING=from-the-user\n",
}
USER_APPENDS = {
    "tests/integration/conftest.py": (
        "\n\nimport pytest  # noqa: E402\n\n\n"
        "@pytest.fixture\n"
        "def my_setting(harness_settings):\n"
        '    return harness_settings.get("TEST_MY_SETTING")\n'
    ),
    "tests/integration/test_accounts.py": (
        "\n\ndef test_my_setting_is_read(my_setting):\n"
        '    assert my_setting == "from-the-user"\n'
    ),
    "Makefile": "\nhello:\n\t@echo hello from my Makefile\n",
}


OWN_DATABASE = "app_test_updates"


@contextmanager
def own_settings() -> Iterator[dict[str, str]]:
    """TEST_* settings of a database and a Redis index of these modules' own.

    The database is dropped afterwards (see `own_postgres_database`).
    """
    with own_postgres_database(OWN_DATABASE) as url:
        yield {"TEST_DATABASE_URL": url, "TEST_REDIS_URL": "redis://127.0.0.1:25379/12"}


@pytest.fixture(scope="module")
def own_env() -> Iterator[dict[str, str]]:
    """A database and a Redis index of this module's own (see `own_settings`)."""
    with own_settings() as env:
        yield env


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, text=True, capture_output=True
    ).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


class TemplateRepo:
    """A throwaway git repository of the template, released version by version."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir()
        for file in ("copier.yml", "cookiecutter.json"):
            shutil.copy(ROOT / file, path)
        for folder in (
            "catalogue",
            "services",
            "template",
            "hooks",
            "{{cookiecutter.project_name}}",
        ):
            shutil.copytree(
                ROOT / folder,
                path / folder,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.email", "t@example.com")
        git(path, "config", "user.name", "template tests")
        self.release("0.1.0")

    def release(
        self, version: str, change: Callable[[Path], None] | None = None
    ) -> None:
        if change:
            change(self.path)
            assemble.write(self.path)  # as a contributor runs it before a release
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", f"release {version}")
        git(self.path, "tag", version)


def harness_fix_and_new_fixture(template: Path) -> None:
    edit(
        template / "services/redis/service.yml",
        "image: redis:8.2.2",
        "image: redis:8.2.3",
    )
    postgres = template / "services/postgres/python/integration_harness/postgres.py"
    edit(postgres, 'LOCK_TIMEOUT = "10s"', 'LOCK_TIMEOUT = "7s"')
    plugin = template / HARNESS / "plugin.py"
    plugin.write_text(plugin.read_text() + NEW_FIXTURE)


def breaking_rename(template: Path) -> None:
    settings = template / HARNESS / "settings.py"
    edit(
        settings,
        'LOCAL_ENV_FILE_NAME = ".env.test.local"',
        'LOCAL_ENV_FILE_NAME = ".env.test.user"',
    )
    edit(
        template / "template/integration.mk",
        "$(wildcard .env.test.local),--env-file .env.test.local",
        "$(wildcard .env.test.user),--env-file .env.test.user",
    )
    copier_yml = template / "copier.yml"
    copier_yml.write_text(copier_yml.read_text() + MIGRATION)


@pytest.fixture
def template(tmp_path: Path) -> TemplateRepo:
    return TemplateRepo(tmp_path / "template")


def copy_release(template: TemplateRepo, destination: Path, *data: str) -> Path:
    """Generate from the oldest release (0.1.0) with ``data`` answers (``name=value``)."""
    flags = [arg for item in data for arg in ("--data", item)]
    result = copy_cli(destination, *flags, source=template.path, ref="0.1.0")
    assert result.returncode == 0, result.stderr
    return destination


def generate(template: TemplateRepo, destination: Path, *data: str) -> Path:
    return commit_generated(copy_release(template, destination, *data))


def commit_generated(project: Path) -> Path:
    """Make a generated project a git repository with one commit, as users do."""
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "u@example.com")
    git(project, "config", "user.name", "a user")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    return project


def make_user_edits(project: Path) -> dict[str, str]:
    for name, text in USER_EDITS.items():
        (project / name).write_text(text)
    for name, text in USER_APPENDS.items():
        with (project / name).open("a") as file:
            file.write(text)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "user edits")
    return {name: (project / name).read_text() for name in (*USER_EDITS, *USER_APPENDS)}


def update(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_copier_cli("update", "--defaults", *args, cwd=project)


def assert_no_conflicts(project: Path) -> None:
    for path in project.rglob("*"):
        if ".venv" in path.parts or ".git" in path.parts or not path.is_file():
            continue
        assert path.suffix != ".rej", path
        text = path.read_text(errors="replace")
        # Markers start a line; the harness's own messages mention them mid-line.
        assert not re.search(r"^(<<<<<<<|>>>>>>>)", text, re.MULTILINE), path


def assert_user_edits_intact(
    project: Path, edits: dict[str, str], renamed: dict[str, str] | None = None
) -> None:
    for name, text in edits.items():
        name = (renamed or {}).get(name, name)
        assert (project / name).read_text() == text, name


def test_update_brings_template_changes_and_keeps_every_user_edit(
    template: TemplateRepo, tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = generate(template, tmp_path / "project")
    edits = make_user_edits(project)
    template.release("0.2.0", harness_fix_and_new_fixture)

    result = update(project)

    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert_user_edits_intact(project, edits)
    assert "image: redis:8.2.3" in (project / "compose.test.yaml").read_text()
    assert (
        'LOCK_TIMEOUT = "7s"' in (project / PROJECT_HARNESS / "postgres.py").read_text()
    )
    assert (
        "def harness_service_names"
        in (project / PROJECT_HARNESS / "plugin.py").read_text()
    )
    assert (
        yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"]
        == "0.2.0"
    )
    suite = make(
        project, "integration-test-external", "ARGS=-p no:randomly", env=shared_venv
    )
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert (
        "test_my_own_query PASSED" in suite.stdout or "test_mine.py ." in suite.stdout
    )


@pytest.mark.parametrize(
    ("answer", "removed", "service"),
    [
        ("queue=none", "rabbitmq.py", "rabbitmq"),
        ("database=none", "postgres.py", "postgres"),
        ("cache=none", "redis.py", "redis"),
    ],
)
@pytest.mark.render_only
def test_switching_an_answer_off_removes_only_template_files(
    template: TemplateRepo, tmp_path: Path, answer: str, removed: str, service: str
) -> None:
    project = generate(template, tmp_path / "project")
    edits = make_user_edits(project)
    user_owned = sorted(
        str(p.relative_to(project))
        for p in (project / "tests/integration").glob("test_*.py")
    )

    result = update(project, "--data", answer)

    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert not (project / PROJECT_HARNESS / removed).exists()
    assert (
        service
        not in yaml.safe_load((project / "compose.test.yaml").read_text())["services"]
    )
    assert (
        sorted(
            str(p.relative_to(project))
            for p in (project / "tests/integration").glob("test_*.py")
        )
        == user_owned
    )
    assert_user_edits_intact(project, edits)


@pytest.mark.render_only
def test_switching_an_answer_on_adds_the_service(
    template: TemplateRepo, tmp_path: Path
) -> None:
    project = generate(template, tmp_path / "project", "queue=none")
    edits = make_user_edits(project)

    result = update(project, "--data", "queue=rabbitmq")

    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert (project / PROJECT_HARNESS / "rabbitmq.py").exists()
    assert (
        "rabbitmq"
        in yaml.safe_load((project / "compose.test.yaml").read_text())["services"]
    )
    assert "TEST_AMQP_URL=" in (project / ".env.test").read_text()
    assert "pika==" in (project / "tests/integration/requirements.txt").read_text()
    assert_user_edits_intact(project, edits)


@pytest.mark.render_only
def test_deleted_examples_stay_deleted(template: TemplateRepo, tmp_path: Path) -> None:
    project = generate(template, tmp_path / "project")
    git(
        project,
        "rm",
        "-q",
        "-r",
        "tests/integration/example_app",
        "tests/integration/test_profile_cache.py",
    )
    git(project, "commit", "-q", "-m", "delete examples")
    template.release("0.2.0", harness_fix_and_new_fixture)

    result = update(project)

    assert result.returncode == 0, result.stderr
    assert not (project / "tests/integration/example_app").exists()
    assert not (project / "tests/integration/test_profile_cache.py").exists()
    assert git(
        project, "status", "--porcelain", "--untracked-files=all"
    ).strip().splitlines() == [
        line
        for line in git(project, "status", "--porcelain", "--untracked-files=all")
        .strip()
        .splitlines()
        if "example_app" not in line and "test_profile_cache" not in line
    ]


def test_breaking_update_needs_trust_for_its_migration_and_ends_consistent(
    template: TemplateRepo, tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = generate(template, tmp_path / "project")
    edits = make_user_edits(project)
    template.release("1.0.0", breaking_rename)

    refused = update(project)
    untouched = git(project, "status", "--porcelain")
    result = update(project, "--trust")

    assert refused.returncode != 0 and "--trust" in refused.stderr + refused.stdout
    assert untouched == ""
    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert not (project / ".env.test.local").exists()
    assert_user_edits_intact(
        project, edits, renamed={".env.test.local": ".env.test.user"}
    )
    suite = make(
        project,
        "integration-test-external",
        "ARGS=-p no:randomly -k my_setting",
        env=shared_venv,
    )
    assert suite.returncode == 0, suite.stdout[-3000:]


def test_update_from_the_oldest_release_to_the_newest(
    template: TemplateRepo, tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    project = generate(template, tmp_path / "project")
    edits = make_user_edits(project)
    template.release("0.2.0", harness_fix_and_new_fixture)
    template.release("1.0.0", breaking_rename)

    result = update(project, "--trust")

    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert_user_edits_intact(
        project, edits, renamed={".env.test.local": ".env.test.user"}
    )
    assert "image: redis:8.2.3" in (project / "compose.test.yaml").read_text()
    assert (
        yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"]
        == "1.0.0"
    )
    suite = make(
        project, "integration-test-external", "ARGS=-p no:randomly", env=shared_venv
    )
    assert suite.returncode == 0, suite.stdout[-3000:]


@pytest.mark.render_only
def test_make_check_update_one_line_and_status_per_outcome(
    template: TemplateRepo, tmp_path: Path
) -> None:
    project = generate(template, tmp_path / "project")

    current = make(project, "integration-check-update")
    template.release("0.2.0", harness_fix_and_new_fixture)
    behind = make(project, "integration-check-update")
    shutil.rmtree(template.path)  # the template's source is gone: Copier cannot check
    broken = make(project, "integration-check-update")

    assert (current.returncode, current.stdout, current.stderr) == (
        0,
        "integration-harness: up to date with the template (0.1.0)\n",
        "",
    )
    assert (behind.returncode, behind.stderr) == (0, "")
    assert behind.stdout == (
        "integration-harness: template 0.2.0 is available (this project has 0.1.0):"
        " run copier update --defaults, and read the template's CHANGELOG\n"
    )
    assert broken.returncode == 2 and broken.stdout == ""
    ours, makes = broken.stderr.splitlines()
    assert ours.startswith("integration-harness: cannot check for updates: ")
    assert "_src_path in .copier-answers.yml" in ours
    assert f"the template's source {template.path} (_src_path" in ours
    assert ours.endswith("does not exist: point it at the template's clone or git URL")
    assert (
        makes.startswith("make: *** [integration.mk:")
        and "check-update" not in ours[:40]
    )


@pytest.mark.render_only
def test_make_check_update_without_copier_says_how_to_install(
    template: TemplateRepo, tmp_path: Path
) -> None:
    project = generate(template, tmp_path / "project")

    result = make(
        project, "integration-check-update", "INTEGRATION_COPIER=no-such-copier"
    )

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "integration-harness: cannot check for updates: copier is not installed"
        " (pipx install copier, or uv tool install copier)"
    )


# --- the README's ways to generate, each followed by an update -----------------


@pytest.mark.render_only
def test_readme_first_command_from_a_clone_gives_a_project_that_updates(
    tmp_path: Path,
) -> None:
    """`copier copy --defaults --vcs-ref RELEASE . DEST` from a clone, as README shows.

    RELEASE is the tag of the clone's HEAD when HEAD is a release; a project made
    from unreleased work (HEAD past the newest tag) updates with `--vcs-ref HEAD`.
    """
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    described = subprocess.run(
        ["git", "-C", str(clone), "describe", "--tags", "--exact-match", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    ways = [(typed, "HEAD", ("--vcs-ref", "HEAD")) for typed in (".", str(clone))]
    if described.returncode == 0:  # HEAD is a release: the README's own command
        release = described.stdout.strip()
        ways += [(typed, release, ()) for typed in (".", str(clone))]
    results = {}
    for typed, ref, update_args in ways:
        project = tmp_path / f"project-{len(results)}"
        made = run_copier_cli(
            "copy", "--defaults", "--vcs-ref", ref, typed, str(project), cwd=clone
        )
        assert made.returncode == 0, made.stderr
        commit_generated(project)
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        results[(typed, ref)] = (
            answers["_src_path"],
            update(project, *update_args),
            make(project, "integration-check-update"),
        )

    for typed, (recorded, updated, check) in results.items():
        assert recorded == str(clone), typed
        assert updated.returncode == 0, (typed, updated.stderr[-2000:])
        assert check.returncode == 0, (typed, check.stderr)


@pytest.mark.render_only
def test_git_url_pinned_release_updates_to_the_newest(
    template: TemplateRepo, tmp_path: Path
) -> None:
    """`copier copy --vcs-ref 0.1.0 <git URL> DEST`, then `copier update`."""
    template.release("0.2.0", harness_fix_and_new_fixture)
    url = f"git+file://{template.path}"  # a git URL, as https://... or git@... would be
    made = run_copier_cli(
        "copy", "--defaults", "--vcs-ref", "0.1.0", url, str(tmp_path / "project")
    )
    assert made.returncode == 0, made.stderr
    project = commit_generated(tmp_path / "project")
    before = yaml.safe_load((project / ".copier-answers.yml").read_text())

    updated = update(project)

    after = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (before["_src_path"], before["_commit"]) == (url, "0.1.0")
    assert updated.returncode == 0, updated.stderr
    assert (after["_src_path"], after["_commit"]) == (url, "0.2.0")
    assert "image: redis:8.2.3" in (project / "compose.test.yaml").read_text()


# --- the previous real release (0.2.0) to this one ------------------------------

# The commits the lead tags as the real releases (CHANGELOG history: 0.1.0 is the last
# commit before MySQL arrived, 0.2.0 the last before the integration- targets).
RELEASES = {
    "0.1.0": "4573da9",  # "Mend: one unique_test_name helper in the harness; ..."
    "0.2.0": "7da2028",  # "README: suite timings for both languages"
}
# Later releases, by commit too: CI's clone may carry no tags.
RELEASE_0_4_0 = {"0.4.0": "7fb2bf5"}  # "Release 0.4.0: Java and Go, ..."
TEMPLATE_PARTS = (
    "copier.yml",
    "cookiecutter.json",
    "catalogue",
    "services",
    "template",
    "hooks",
    "{{cookiecutter.project_name}}",
)


def real_releases(
    path: Path, releases: dict[str, str] = RELEASES, current: str = "0.3.0"
) -> Path:
    """A template repository: the real ``releases`` (by default 0.1.0 and 0.2.0), then
    this working tree as ``current``."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "t@example.com")
    git(path, "config", "user.name", "template tests")
    for version, commit in releases.items():
        for part in TEMPLATE_PARTS:
            target = path / part
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        present = [
            part
            for part in TEMPLATE_PARTS
            if git(ROOT, "ls-tree", "--name-only", commit, part).strip()
        ]
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, *present],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(path)], input=archive, check=True)
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", version)
        git(path, "tag", version)
    for part in TEMPLATE_PARTS:
        target = path / part
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, target, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, target)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", current)
    git(path, "tag", current)
    return path


MANAGED_EDIT = "\n# mine: a note in a managed file\n"


@pytest.mark.parametrize("start", ["0.1.0", "0.2.0"])
def test_a_project_of_a_previous_release_keeps_make_test_after_updating(
    tmp_path: Path, shared_venv: dict[str, str], own_env: dict[str, str], start: str
) -> None:
    """Generated by a real earlier release, edited, updated release by release to this one."""
    template = real_releases(tmp_path / "template")
    made = copy_cli(tmp_path / "project", source=template, ref=start)
    assert made.returncode == 0, made.stderr
    project = commit_generated(tmp_path / "project")
    assert "`make test`" in (project / "tests/integration/README.md").read_text()
    assert (project / "Makefile").read_text().strip().endswith("include integration.mk")
    for name, text in USER_APPENDS.items():
        if (
            name != "Makefile"
        ):  # an untouched old Makefile: only `include integration.mk`
            with (project / name).open("a") as file:
                file.write(text)
    (project / ".env.test.local").write_text("TEST_MY_SETTING=from-the-user\n")
    with (project / "compose.test.yaml").open("a") as file:
        file.write(MANAGED_EDIT)  # what the README says not to do, done anyway
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "user edits")
    edits = {
        name: (project / name).read_text()
        for name in (*USER_APPENDS, ".env.test.local")
    }

    steps = [v for v in ("0.2.0", "0.3.0") if v > start]
    updates = []
    for version in steps:
        updates.append(update(project, "--vcs-ref", version))
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", f"update to {version}")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    suite = make(
        project,
        "test-external",
        "ARGS=-p no:randomly -v",
        env={**shared_venv, **own_env},
    )
    check = subprocess.run(
        ["sha256sum", "--check", "--quiet", "tests/integration/managed-files.sha256"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert [u.returncode for u in updates] == [0] * len(steps), updates[-1].stderr
    assert answers["_commit"] == "0.3.0"
    assert_no_conflicts(project)
    assert_user_edits_intact(project, edits)
    assert (project / "compose.test.yaml").read_text().endswith(MANAGED_EDIT)
    assert "TEST_POSTGRES_PORT=25432" in (project / ".env.test").read_text()
    assert check.stdout.strip() == "compose.test.yaml: FAILED", check.stdout
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
    assert (
        "`make test-external` is now `make integration-test-external`" in suite.stdout
    )
    assert (
        "warning: managed files differ from what the template wrote: compose.test.yaml"
        in suite.stdout
    )
    assert "test_my_setting_is_read PASSED" in suite.stdout


def test_gitlab_ci_file_stays_the_users_while_the_job_file_updates(
    template: TemplateRepo, tmp_path: Path
) -> None:
    """`.gitlab-ci.yml` is the repository's one pipeline file: created once with the
    include, then the user's; the job it includes is managed and updated."""
    project = generate(template, tmp_path / "project", "ci=gitlab")
    owned = project / ".gitlab-ci.yml"
    job_file = project / ".gitlab/integration-tests.gitlab-ci.yml"
    with owned.open("a") as file:
        file.write("\nunit:\n  stage: test\n  script:\n    - make test\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a job of mine")
    mine = owned.read_text()

    def longer_timeout(root: Path) -> None:
        path = next(root.glob("template/*.gitlab*/integration-tests.gitlab-ci.yml*"))
        edit(path, "timeout: 20 minutes", "timeout: 25 minutes")

    template.release("0.2.0", longer_timeout)
    result = update(project)

    assert result.returncode == 0, result.stderr
    assert_no_conflicts(project)
    assert owned.read_text() == mine
    assert "timeout: 25 minutes" in job_file.read_text()


def test_a_maildev_project_of_0_4_0_updates_to_mailpit_and_names_the_renamed_setting(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """external_services=email was MailDev up to 0.4.0 (TEST_MAILDEV_PORT/URL); it is
    Mailpit now (TEST_MAILPIT_PORT/URL). The update replaces the compose service without
    a conflict; a user's old setting in .env.test.local stops the run naming its new
    name (rather than being ignored), and under the new name it is honoured."""
    template = real_releases(tmp_path / "template", RELEASE_0_4_0, "0.5.0")
    made = copy_cli(
        tmp_path / "project",
        *("--data", "external_services=[email]", "--data", "database=none"),
        *("--data", "cache=none", "--data", "queue=none"),
        source=template,
        ref="0.4.0",
    )
    assert made.returncode == 0, made.stderr
    project = commit_generated(tmp_path / "project")
    assert "maildev/maildev:" in (project / "compose.test.yaml").read_text()
    local = "TEST_MAILDEV_PORT=26180\nTEST_SMTP_PORT=26025\nTEST_SERVICE_TIMEOUT=1\n"
    (project / ".env.test.local").write_text(local)  # git-ignored: never committed

    updated = update(project, "--vcs-ref", "0.5.0")
    old_name = make(project, "integration-test-external", env=shared_venv)
    (project / ".env.test.local").write_text(local.replace("MAILDEV", "MAILPIT"))
    new_name = make(project, "integration-test-external", env=shared_venv)

    assert updated.returncode == 0, updated.stderr
    assert_no_conflicts(project)
    compose = yaml.safe_load((project / "compose.test.yaml").read_text())
    assert list(compose["services"]) == ["mailpit"]
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit:v1.27")
    env_test = (project / ".env.test").read_text()
    assert "TEST_MAILPIT_PORT=25180" in env_test and "MAILDEV" not in env_test
    assert old_name.returncode != 0
    assert (
        "TEST_MAILDEV_PORT is set, but e-mail capture is Mailpit now: "
        "rename it TEST_MAILPIT_PORT" in old_name.stdout + old_name.stderr
    ), old_name.stdout[-3000:]
    # Renamed, the user's port is the one the run waits for (nothing listens there).
    assert new_name.returncode != 0
    output = new_name.stdout + new_name.stderr
    assert "E-mail capture (Mailpit)" in output and "127.0.0.1:26180" in output, output[
        -3000:
    ]
    assert "MAILDEV" not in output, output[-3000:]
