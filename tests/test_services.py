"""A service is one folder (services/README.md): the template is what the folders give,
every folder has every part, and knowledge of a service stays in its folder."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hooks import assemble
from tests.audit import KEPT_TABLES, SCHEMA_TABLE
from tests.rig import CATALOGUE, ROOT, guard_cases

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

# The parts every service folder has, besides its harness modules and examples.
OWN_PARTS = ("service.yml", "native.py", "audit.py", "guard.yml")
# The measure (issue 14): files outside a service's folder that mention it.
MEASURED = ("nats", "mqtt", "kafka", "stripe")
MOST_MENTIONS = 3
# Not counted: the docs, generated files (the catalogue, cookiecutter.json, the
# manifest and the stubs assemble.py writes), and this file, which names MEASURED.
NOT_COUNTED_NAMES = {"README.md", "CHANGELOG.md"}
GENERATED = {"catalogue/services.yml", "cookiecutter.json"}
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()


def test_the_template_is_what_the_service_folders_give() -> None:
    """catalogue/services.yml, the stubs and the manifest are up to date."""
    assert assemble.check() == [], "run: python hooks/assemble.py"


def missing_parts(root: Path, name: str) -> list[str]:
    """The files service ``name`` lacks in the repository at ``root``: its own parts, and
    for each language it offers (has a ``<language>:`` entry), its harness module and
    every example, in the folder it takes them from (``files_from``)."""
    entry = assemble.entry_of(root / assemble.SERVICES / name)
    folder = root / assemble.SERVICES / name
    source = root / assemble.SERVICES / entry.get("files_from", name)
    wanted = [folder / part for part in OWN_PARTS]
    for language in assemble.LANGUAGES:
        harness = entry.get(language)
        if not harness:
            continue
        modules, suffix = assemble.HARNESS[language]
        wanted.append(source / language / modules / f"{harness['module']}{suffix}")
        for files in harness.get("examples", {}).values():
            # A folder (schema/) is missing_folders' part.
            wanted += [source / language / f for f in files if not f.endswith("/")]
    return [p.relative_to(root).as_posix() for p in wanted if not p.is_file()]


def missing_folders(root: Path, name: str) -> list[str]:
    """The example folders (``schema/``) service ``name`` names that hold no file, in its
    language folder or its ``any/`` folder."""
    entry = assemble.entry_of(root / assemble.SERVICES / name)
    source = root / assemble.SERVICES / entry.get("files_from", name)
    missing = []
    for language in assemble.LANGUAGES:
        for files in entry.get(language, {}).get("examples", {}).values():
            for example in (f for f in files if f.endswith("/")):
                places = [source / language / example, source / "any" / example]
                if not any(p.is_dir() and any(p.rglob("*.*")) for p in places):
                    missing.append(f"{source.name}/{{{language},any}}/{example}")
    return missing


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_service_has_every_part_for_every_language_it_offers(name: str) -> None:
    assert missing_parts(ROOT, name) == []
    assert missing_folders(ROOT, name) == []


def copy_of_the_repository(destination: Path) -> Path:
    """What assemble.py reads (copier.yml, services/), copied to ``destination``."""
    destination.mkdir()
    shutil.copy(ROOT / "copier.yml", destination)
    shutil.copytree(
        ROOT / assemble.SERVICES,
        destination / assemble.SERVICES,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return destination


def a_service_with_its_own_files() -> tuple[str, dict]:
    """The first catalogue service whose harness is in its own folder, and its entry."""
    return next(
        (name, entry) for name, entry in CATALOGUE.items() if "files_from" not in entry
    )


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    """The check above fails, naming the file, when a folder lacks a part."""
    root = copy_of_the_repository(tmp_path / "repo")
    name, entry = a_service_with_its_own_files()
    example = next(iter(entry["python"]["examples"].values()))[0]
    (root / "services" / name / "python" / example).unlink()
    (root / "services" / name / "audit.py").unlink()

    assert missing_parts(root, name) == [
        f"services/{name}/audit.py",
        f"services/{name}/python/{example}",
    ]


def test_a_file_no_service_names_stops_the_assembly_naming_it(tmp_path: Path) -> None:
    root = copy_of_the_repository(tmp_path / "repo")
    name, _ = a_service_with_its_own_files()
    stray = root / "services" / name / "python" / "example_app" / "unclaimed.py"
    stray.write_text("print('nobody lists me')\n")

    with pytest.raises(assemble.AssemblyError) as refused:
        assemble.stubs(root)

    assert f"services/{name}/python/example_app/unclaimed.py" in str(refused.value)
    assert "no service names it" in str(refused.value)


def test_a_file_holding_jinja_delimiters_stops_the_assembly_naming_it(
    tmp_path: Path,
) -> None:
    root = copy_of_the_repository(tmp_path / "repo")
    name, entry = a_service_with_its_own_files()
    module = f"python/integration_harness/{entry['python']['module']}.py"
    path = root / "services" / name / module
    path.write_text(path.read_text() + "# {{ not for Jinja }}\n")

    with pytest.raises(assemble.AssemblyError) as refused:
        assemble.stubs(root)

    assert f"services/{name}/{module}" in str(refused.value)
    assert "Jinja delimiters" in str(refused.value)


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_service_audits_leftovers_and_has_guard_cases(name: str) -> None:
    """audit.py has ``leftovers()``; guard.yml has the cases the tests read (a service
    taking its harness from another folder may leave its guard cases to that one)."""
    audit = importlib.import_module(f"services.{name}.audit")
    assert callable(audit.leftovers) and audit.leftovers.__doc__
    cases = guard_cases(name)
    known = {
        "hostile",
        "safe",
        "safe_python_only",
        "silent_url",
        "healthcheck_tools",
        "healthcheck_starts_vm",
    }
    assert set(cases) <= known, set(cases) - known
    for key in ("hostile", "safe", "healthcheck_tools"):
        assert isinstance(cases[key], list), key
        assert all(isinstance(value, str) for value in cases[key]), key
    assert cases["healthcheck_tools"], "the tools its image has"
    if "files_from" not in CATALOGUE[name]:
        assert cases["hostile"] and cases["safe"]
    if "silent_url" in cases:
        assert "{port}" in cases["silent_url"]


def mention(name: str) -> re.Pattern[str]:
    """``name`` as a word, in any case: ``nats``, ``NATS_URL``, ``test_nats``, ``natsUrl``
    (not inside a longer lowercase word)."""
    return re.compile(
        rf"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))(?i:{re.escape(name)})(?![a-z])"
    )


def counted_files(root: Path) -> list[str]:
    """The repository's files (tracked, and new ones not ignored) the measure reads."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    files = []
    for relative in listed:
        path = root / relative
        if (
            not path.is_file()
            or path.name in NOT_COUNTED_NAMES
            or relative in GENERATED
            or relative == THIS_FILE
            or relative.endswith("managed-files.sha256.jinja")
        ):
            continue
        files.append(relative)
    return files


def mentions(root: Path, name: str) -> list[str]:
    """Files outside ``services/<name>/`` whose path or text mentions service ``name``."""
    pattern = mention(name)
    found = []
    for relative in counted_files(root):
        if relative.startswith(f"services/{name}/"):
            continue
        text = (root / relative).read_text(errors="replace")
        if text.startswith(assemble.STUB_MARK):
            continue  # a stub assemble.py writes
        if pattern.search(relative) or pattern.search(text):
            found.append(relative)
    return found


def test_the_mention_pattern_finds_the_forms_a_service_is_written_in() -> None:
    pattern = mention("nats")
    for text in ("nats", "NATS_URL", "test_nats.py", "natsUrl", "makeNatsStream"):
        assert pattern.search(text), text
    for text in ("natsort", "gnats", "signature"):
        assert not pattern.search(text), text


@pytest.mark.parametrize("name", MEASURED)
def test_few_files_outside_its_folder_mention_a_service(name: str) -> None:
    """Issue 14: at most three (copier.yml's choice, requirements-dev.txt, one more)."""
    found = mentions(ROOT, name)

    assert len(found) <= MOST_MENTIONS, (
        f"{len(found)} files outside services/{name}/ mention {name}:\n  "
        + "\n  ".join(found)
    )


def test_every_harness_keeps_every_migration_tools_version_table() -> None:
    """Two projects of a user's may share a test database and use different migration tools:
    no harness empties another tool's version table (the leak audit keeps the same ones)."""
    version_tables = KEPT_TABLES - {SCHEMA_TABLE}
    lists = {
        "python": "template/{% if 'language=python' in parts %}tests{% endif %}/integration/integration_harness/databases.py",
        "typescript": "template/{% if 'language=typescript' in parts %}tests{% endif %}/integration/harness/databases.ts",
        "go": "template/{% if 'language=go' in parts %}tests{% endif %}/integration/harness/main.go",
        "java postgres": "services/postgres/java/src/test/java/integration/harness/Postgres.java",
        "java mysql": "services/mysql/java/src/test/java/integration/harness/MySql.java",
    }
    for where, path in lists.items():
        text = (ROOT / path).read_text()
        missing = {table for table in version_tables if f'"{table}"' not in text}
        assert not missing, f"{where} ({path}) would empty {sorted(missing)}"
