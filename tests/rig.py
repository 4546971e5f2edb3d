"""The template's test rig: render projects from this checkout and enumerate the answers.

Service names are never written here: the answers that choose a service, the widest
stack and each service's guard cases come from the catalogue and the service folders.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import copier
import jinja2
import yaml

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = yaml.safe_load((ROOT / "copier.yml").read_text())
CATALOGUE = yaml.safe_load((ROOT / "catalogue" / "services.yml").read_text())
CHOICE_QUESTIONS = (
    "language",
    "database",
    "document_store",
    "cache",
    "queue",
    "web_framework",
    "migrations",
    "ci",
)
# The migration tool each language offers (migrations=<tool>).
MIGRATION_TOOLS = {
    "alembic": "python",
    "knex": "typescript",
    "flyway": "java",
    "goose": "go",
}
SERVICES = ROOT / "services"
# The questions whose answers choose services; with all of them "none", no service.
NONE = {"database": "none", "cache": "none", "queue": "none"}


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
    framework_language = {
        "fastapi": "python",
        "express": "typescript",
        "net-http": "go",
        "spring-web": "java",
    }
    if web != "none" and (
        answers["database"] == "none" or framework_language[web] != language
    ):
        return False
    tool = answers.get("migrations", "sql")
    if tool != "sql" and (
        answers["database"] == "none" or MIGRATION_TOOLS.get(tool) != language
    ):
        return False
    return all(
        answers.get(q, QUESTIONS[q]["default"]) in offered(language, q)
        for q in ("database", "document_store", "cache", "queue")
    ) and set(answers.get("external_services", [])) <= offered(
        language, "external_services"
    )


def all_combinations() -> list[dict[str, Any]]:
    """A covering set of answers: every pair of answers to two questions appears in one.

    The full product is hundreds of thousands of projects; pairwise covers every answer
    and every interaction of two answers in a few dozen. Greedy, so deterministic.
    The defaults come first. Computed once per process (a fresh copy each call).
    """
    return [
        {**answers, "external_services": list(answers["external_services"])}
        for answers in _all_combinations()
    ]


@functools.cache
def _all_combinations() -> tuple[dict[str, Any], ...]:
    options = answer_options()
    names = list(options)
    # Each (question, answer, question, answer) pair is a bit; a combination is the
    # mask of its pairs, so "pairs still wanted" is one AND and a bit count.
    bits: dict[tuple, int] = {}

    def mask(values: tuple) -> int:
        found = 0
        for i, a in enumerate(values):
            for j in range(i + 1, len(values)):
                key = (i, a, j, values[j])
                found |= 1 << bits.setdefault(key, len(bits))
        return found

    def answers_of(values: tuple) -> dict[str, Any]:
        return as_answers(dict(zip(names, values)))

    candidates = [
        values
        for values in itertools.product(*options.values())
        if valid(answers_of(values))
    ]
    masks = [mask(values) for values in candidates]
    wanted = 0
    for each in masks:
        wanted |= each
    first = next(
        k for k, values in enumerate(candidates) if answers_of(values) == defaults()
    )
    chosen = [first]
    wanted &= ~masks[first]
    while wanted:
        # The first candidate adding most wanted pairs (max keeps the first on a tie).
        best = max(range(len(masks)), key=lambda k: (masks[k] & wanted).bit_count())
        chosen.append(best)
        wanted &= ~masks[best]
    return tuple(answers_of(candidates[k]) for k in chosen)


def combination_with(service: str, language: str) -> dict[str, Any]:
    """The first of `all_combinations` in ``language`` that uses ``service``."""
    return next(
        answers
        for answers in all_combinations()
        if service in services_for(answers) and answers["language"] == language
    )


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


def reports_for(language: str) -> dict[str, str]:
    """Where a ``language`` suite writes its reports: copier.yml's computed ``reports``
    (the one source the template's runner, configuration and CI files take them from)."""
    default = QUESTIONS["reports"]["default"]
    return yaml.safe_load(jinja2.Template(default).render(language=language))


def assert_reports(project: Path, language: str, passed: int) -> None:
    """The last run of ``project`` left its reports where the template's CI publishes
    them: JUnit XML that parses and lists ``passed`` passing tests, and a coverage report
    that names every source file of the example app."""
    reports = reports_for(language)
    junit = sorted(project.glob(f"{reports['junit']}/*.xml"))
    assert junit, f"no JUnit XML in {reports['junit']}"
    cases = [
        case for path in junit for case in ET.parse(path).getroot().iter("testcase")
    ]
    outcomes = [
        {child.tag for child in case} & {"failure", "error", "skipped"}
        for case in cases
    ]
    assert sum(1 for outcome in outcomes if not outcome) == passed, (len(cases), passed)
    coverage = project / reports["coverage"]
    assert coverage.is_file(), f"no coverage report at {reports['coverage']}"
    text = coverage.read_text()
    if reports["coverage_format"] == "go":
        assert text.startswith("mode: "), text[:200]
    else:
        ET.fromstring(text)  # well-formed XML
    suite = project / "tests/integration"
    sources = [
        path
        for folder in ("example_app", "src/test/java/integration/exampleapp")
        for path in (suite / folder).glob("*.*")
        if path.suffix in (".py", ".ts", ".java", ".go") and path.stem != "__init__"
    ]
    assert sources, "the project has no example app"
    for path in sources:
        assert path.stem in text, f"{path.name} is not in {reports['coverage']}"


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


# ---- Answers derived from the catalogue ----------------------------------------------


def service_chosen_by(question: str, value: str) -> str:
    """The catalogue service that answering ``question`` with ``value`` chooses."""
    return next(
        name
        for name, entry in CATALOGUE.items()
        if entry["selected_by"].get(question) == value
    )


def alone(question: str, value: str) -> dict[str, Any]:
    """Answers that choose only what ``question=value`` chooses (no other service)."""
    if question == "external_services":
        return {**NONE, "external_services": [value]}
    return {**NONE, question: value}


def alone_answers(service: str) -> dict[str, Any]:
    """Answers choosing ``service`` and nothing else (its first ``selected_by`` answer)."""
    question, value = next(iter(CATALOGUE[service]["selected_by"].items()))
    return alone(question, value)


def each_answer_alone() -> dict[str, dict[str, Any]]:
    """``{"<question>-<answer>": answers}``: every answer that chooses a service, alone.

    One entry per ``selected_by`` pair in catalogue order (a service chosen by two
    answers, such as a cache and a queue on one server, has two).
    """
    found = {}
    for entry in CATALOGUE.values():
        for question, value in entry["selected_by"].items():
            key = f"{question.split('_')[0]}-{value.replace('_', '-')}"
            found[key] = alone(question, value)
    return found


def widest_answers() -> dict[str, Any]:
    """The widest stack one project can have: the default database and cache, every
    external service, and the last broker offered that brings a server no other answer
    brings (a broker added to copier.yml later is the one the widest stack runs)."""
    external = choices("external_services")
    base = set(services_for({"queue": "none", "external_services": external}))
    queue = next(
        value
        for value in reversed(choices("queue"))
        if set(services_for({"queue": value, "external_services": external})) - base
    )
    return {"queue": queue, "external_services": external}


# Used by bench/widest.py and the tests that run the widest project of each language.
WIDEST = widest_answers()


def covering(language: str) -> list[dict[str, Any]]:
    """Few projects of ``language`` that together use every service it offers.

    Greedy over `all_combinations` (the one adding most services first), so deterministic.
    """
    candidates = [a for a in all_combinations() if a["language"] == language]
    wanted = {s for a in candidates for s in services_for(a)}
    chosen: list[dict[str, Any]] = []
    while wanted:
        best = max(candidates, key=lambda a: len(wanted & set(services_for(a))))
        chosen.append(best)
        wanted -= set(services_for(best))
    return chosen


def without_language(service: str, language: str) -> Callable[[Path], None]:
    """A change for `TemplateRepo.release`: the template as if ``service`` had no
    ``language`` harness yet (its ``<language>:`` entry and folder removed)."""

    def change(root: Path) -> None:
        path = root / "services" / service / "service.yml"
        lines = path.read_text().splitlines(keepends=True)
        start = lines.index(f"  {language}:\n")
        end = next(
            (
                i
                for i in range(start + 1, len(lines))
                if lines[i].strip() and not lines[i].startswith("    ")
            ),
            len(lines),
        )
        path.write_text("".join(lines[:start] + lines[end:]))
        shutil.rmtree(root / "services" / service / language)

    return change


def guard_cases(service: str) -> dict[str, Any]:
    """``services/<service>/guard.yml``: the settings its guard must refuse and accept,
    and what else the template's tests check per service (see that file).

    Empty when the file is missing (tests/test_services.py fails for that).
    """
    path = SERVICES / service / "guard.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


# ---- Generated projects' files --------------------------------------------------------


def compose_file(project: Path) -> dict:
    """The project's compose.test.yaml, parsed."""
    return yaml.safe_load((project / "compose.test.yaml").read_text())


def env_file(project: Path) -> dict[str, str]:
    """The project's .env.test settings, with ``${VAR}`` references expanded."""
    values = {}
    for line in (project / ".env.test").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return {
        name: re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], v)
        for name, v in values.items()
    }


def local_server_rows(project: Path) -> dict[str, str]:
    """``{service title: table row}`` of the generated README's "Running without Docker"."""
    readme = (project / "tests/integration/README.md").read_text()
    section = readme.split("## Running without Docker", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split(" | ")[0].lstrip("| "): line
        for line in section.splitlines()
        if line.startswith("| ")
    }
    return {
        t: row for t, row in rows.items() if t not in ("service", "---|---|---|---")
    }


def harness_module(project: Path, name: str):
    """``integration_harness.<name>`` imported fresh from the Python ``project``.

    The caller removes ``integration_harness*`` from sys.modules when done (see
    `forget_harness`), so modules of different projects never mix.
    """
    forget_harness()
    sys.path.insert(0, str(project / "tests/integration"))
    try:
        return __import__(f"integration_harness.{name}", fromlist=[name])
    finally:
        sys.path.pop(0)


def forget_harness() -> None:
    """Remove every imported ``integration_harness`` module."""
    for module in [m for m in sys.modules if m.startswith("integration_harness")]:
        del sys.modules[module]


# ---- Faults: ports, silent servers, killed runs' names, exact environments -------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 15) -> None:
    """Return once 127.0.0.1:``port`` accepts a connection (raise after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers; its port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def stamp(seconds: float) -> str:
    """A creation stamp as the harness's unique test names carry it: unix ``seconds``
    in 7 base-36 digits."""
    digits, number = "", int(seconds)
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits.rjust(7, "0")


def stamped(name: str, seconds_ago: int, worker: str = "w1") -> str:
    """A unique test name (``test-<worker>-<name>-<stamp><random>``) made ``seconds_ago``."""
    return f"test-{worker}-{name}-{stamp(time.time() - seconds_ago)}a1b2c3"


def clean_environment(**settings: str) -> dict[str, str]:
    """os.environ without PG*/TEST_* variables, with NO_COLOR=1, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "TEST_"))}
    return {**env, "NO_COLOR": "1", **settings}


def run_external(
    project: Path, env: dict[str, str], *args: str, timeout: float = 600
) -> tuple[int, str, float]:
    """`make integration-test-external` with exactly ``env``: exit status, output, seconds."""
    started = time.monotonic()
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(project),
            "integration-test-external",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started
