"""The same stack in Python and TypeScript, in one invocation: suite time and fixture cost.

For the default stack (PostgreSQL, Redis, RabbitMQ) and tests/rig.py's widest stack
(with FastAPI / Express): renders both languages, installs their dependencies, runs each
suite once unmeasured, then alternates Python and TypeScript runs of
`make integration-test-external` (so both see the same machine load) and prints the median
suite time of each, on the default workers (PARALLEL unset) and on two, and their ratio.

Then the per-test isolation cost of each fixture, the same way in both languages: a test
module of ``--tests`` tiny tests per fixture (one write or query), run in order on one
worker; each test notes the clock when its body starts, and the median gap between two
tests of a kind is what one test of that kind costs (fixture setup + teardown + the body +
the runner's own overhead, the `baseline` row: a test with no fixture). Fixture cost =
median gap - baseline's.

    python bench/sidebyside.py [--runs N] [--tests N] [--stacks default,widest]

Needs the native services, and the e2e lock: `flock /work/notes/e2e.lock python bench/...`.
Prints figures; asserts nothing but that the runs pass.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.languages import timed
from tests.rig import WIDEST, install, make, render

STACKS = {
    "default": ({}, {}),
    "widest": (
        {**WIDEST, "web_framework": "fastapi"},
        {**WIDEST, "web_framework": "express"},
    ),
}

# Each kind: (label, Python test, TypeScript test); {i} is the test's number.
KINDS = {
    "baseline": (
        "no fixture (the runner's own overhead)",
        "def test_baseline(i):\n    mark('baseline')\n",
        'test(`baseline ${i}`, () => {\n    mark("baseline");\n  });',
    ),
    "db": (
        "db: transaction rolled back",
        "def test_db(db, i):\n    mark('db')\n    db.execute('SELECT 1')\n",
        'test(`db ${i}`, async ({ db }) => {\n    mark("db");\n    await db.query("SELECT 1");\n  });',
    ),
    "clean_db": (
        "clean_db / cleanDb: tables with rows emptied",
        "def test_clean_db(clean_db, i):\n    mark('clean_db')\n    clean_db.execute('SELECT 1')\n",
        'test(`cleanDb ${i}`, async ({ cleanDb }) => {\n    mark("clean_db");\n    await cleanDb.query("SELECT 1");\n  });',
    ),
    "redis": (
        "redis: the worker's database flushed",
        "def test_redis(redis, i):\n    mark('redis')\n    redis.set('k', i)\n",
        'test(`redis ${i}`, async ({ redis }) => {\n    mark("redis");\n    await redis.set("k", String(i));\n  });',
    ),
    "queue": (
        "make_queue / makeQueue: one queue, deleted",
        "def test_queue(make_queue, i):\n    mark('queue')\n    make_queue('bench')\n",
        'test(`queue ${i}`, async ({ makeQueue }) => {\n    mark("queue");\n    await makeQueue("bench");\n  });',
    ),
}
# A service's own cases live in services/<name>/bench.yml (its knowledge in its folder).
for _case_file in sorted(
    (Path(__file__).resolve().parent.parent / "services").glob("*/bench.yml")
):
    for _kind, _case in yaml.safe_load(_case_file.read_text())["sidebyside"].items():
        KINDS[_kind] = (_case["label"], _case["python"], _case["typescript"])
SERVICE_KINDS = [
    kind
    for kind in KINDS
    if kind not in ("baseline", "db", "clean_db", "redis", "queue")
]
STACK_KINDS = {
    "default": ["baseline", "db", "clean_db", "redis", "queue"],
    "widest": ["baseline", "db", "clean_db", "redis", *SERVICE_KINDS],
}

PYTHON_MODULE = """
import json, os, time
import pytest

MARKS = []


def mark(kind):
    MARKS.append((kind, time.perf_counter() * 1000))


@pytest.fixture(scope="module", autouse=True)
def _write_marks():
    yield
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(MARKS, out)

"""

TYPESCRIPT_MODULE = """
import { writeFileSync } from "node:fs";
import { afterAll } from "vitest";
import { test } from "./harness/fixtures";

const marks: Array<[string, number]> = [];
const mark = (kind: string) => marks.push([kind, performance.now()]);
afterAll(() => writeFileSync(process.env.BENCH_OUT as string, JSON.stringify(marks)));

"""


def python_module(kinds: list[str], tests: int) -> str:
    """The Python benchmark module: ``tests`` tests of each kind, parametrized."""
    parts = [PYTHON_MODULE]
    for kind in kinds:
        parts.append(
            f"@pytest.mark.parametrize('i', range({tests}))\n{KINDS[kind][1]}\n"
        )
    return "\n".join(parts)


def typescript_module(kinds: list[str], tests: int) -> str:
    """The TypeScript benchmark module: ``tests`` tests of each kind, in a loop."""
    loops = [
        f"for (let i = 0; i < {tests}; i++) {{\n  {KINDS[kind][2]}\n}}\n"
        for kind in kinds
    ]
    return TYPESCRIPT_MODULE + "\n".join(loops)


def gaps(marks: list[list]) -> dict[str, float]:
    """Median milliseconds between the starts of two consecutive tests of one kind."""
    found: dict[str, list[float]] = {}
    for (kind, start), (next_kind, next_start) in itertools.pairwise(marks):
        if kind == next_kind:
            found.setdefault(kind, []).append(next_start - start)
    # The first gap of a kind can include worker-scoped setup; leave it out.
    return {kind: statistics.median(values[1:]) for kind, values in found.items()}


def fixture_costs(
    project: Path, language: str, kinds: list[str], tests: int, out: Path
):
    """Median per-test gap of each kind in ``project`` (see the module docstring)."""
    integration = project / "tests/integration"
    if language == "python":
        (integration / "test_bench_sidebyside.py").write_text(
            python_module(kinds, tests)
        )
        args = "ARGS=-q -p no:randomly -k bench_sidebyside"
    else:
        (integration / "benchSidebyside.integration.ts").write_text(
            typescript_module(kinds, tests)
        )
        args = "ARGS=benchSidebyside --sequence.shuffle=false"
    result = make(
        project,
        "integration-test-external",
        "PARALLEL=",
        args,
        env={"BENCH_OUT": str(out)},
    )
    if result.returncode != 0:
        sys.exit(result.stdout[-3000:] + result.stderr[-2000:])
    return gaps(json.loads(out.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tests", type=int, default=50, help="tests per fixture")
    parser.add_argument("--stacks", default=",".join(STACKS))
    parser.add_argument(
        "--fixtures-only", action="store_true", help="skip the suite times"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        for stack in args.stacks.split(","):
            python_answers, typescript_answers = STACKS[stack]
            projects = {
                "python": render(Path(tmp) / f"{stack}-python", **python_answers),
                "typescript": render(
                    Path(tmp) / f"{stack}-typescript",
                    **{**typescript_answers, "language": "typescript"},
                ),
            }
            counts = {}
            for language, project in projects.items():
                install(project)
                counts[language] = timed(project, language)[1]  # warm-up, unmeasured
            for label, extra in (
                ("default workers", "PARALLEL="),
                ("2 workers", "PARALLEL=2"),
            )[: 0 if args.fixtures_only else 2]:
                walls: dict[str, list[float]] = {language: [] for language in projects}
                for _ in range(args.runs):
                    for language, project in projects.items():
                        walls[language].append(timed(project, language, extra)[0])
                medians = {
                    language: statistics.median(w) for language, w in walls.items()
                }
                for language in projects:
                    print(
                        f"{stack} stack, {language} ({counts[language]} tests), {label}: "
                        f"median {medians[language]:.1f} s (min {min(walls[language]):.1f}, "
                        f"max {max(walls[language]):.1f}) of {args.runs}",
                        flush=True,
                    )
                ratio = medians["typescript"] / medians["python"]
                print(
                    f"{stack} stack, {label}: TypeScript / Python = {ratio:.2f}x",
                    flush=True,
                )
            kinds = STACK_KINDS[stack]
            costs = {
                language: fixture_costs(
                    project,
                    language,
                    kinds,
                    args.tests,
                    Path(tmp) / f"{stack}-{language}.json",
                )
                for language, project in projects.items()
            }
            print(
                f"{stack} stack: per-test cost, median of {args.tests - 2} gaps, ms "
                "(python | typescript | typescript / python of the fixture's own cost)"
            )
            for kind in kinds:
                python, typescript = costs["python"][kind], costs["typescript"][kind]
                line = f"  {KINDS[kind][0]:48s} {python:7.2f} | {typescript:7.2f}"
                if kind != "baseline":
                    own_python = python - costs["python"]["baseline"]
                    own_typescript = typescript - costs["typescript"]["baseline"]
                    line += (
                        f"   fixture alone {own_python:6.2f} | {own_typescript:6.2f}"
                    )
                    line += f"  {own_typescript / own_python:5.2f}x"
                print(line, flush=True)


if __name__ == "__main__":
    main()
