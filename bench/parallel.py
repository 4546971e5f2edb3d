"""Parallel scaling: a generated suite of a few hundred database tests at -n 1 and -n 2.

Renders the default project, adds N tests that write and read PostgreSQL (half
with `db`, half with `clean_db`, plus Redis and RabbitMQ ones), and runs the
project's `make integration-test-external` with `-n 1` and `-n 2`, several times each.
Prints the median wall time, the speed-up and the failure count.

    python bench/parallel.py [--tests N] [--runs R]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rig import make, render

SUITE = """
import pytest
from example_app.accounts import AccountStore, register

N = range({n})


@pytest.mark.parametrize("i", N)
def test_rollback_write_and_read(db, i):
    store = AccountStore(db)
    assert store.find_by_email(store.create(f"p{{i}}@x.io", "P").email)


@pytest.mark.parametrize("i", N)
def test_committed_write_and_read(clean_db, database_url, i):
    register(database_url, f"p{{i}}@x.io", "P")
    assert AccountStore(clean_db).find_by_email(f"p{{i}}@x.io")


@pytest.mark.parametrize("i", N)
def test_cache_write_and_read(redis, i):
    redis.set(f"k{{i}}", i)
    assert redis.get(f"k{{i}}") == str(i)


@pytest.mark.parametrize("i", N)
def test_queue_round_trip(amqp_channel, make_queue, i):
    queue = make_queue("parallel")
    amqp_channel.basic_publish("", queue, b"x")
    assert amqp_channel.queue_declare(queue, passive=True).method.message_count == 1
"""


def run(project: Path, workers: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    result = make(
        project,
        "integration-test-external",
        f"ARGS=-q -p no:randomly -n {workers} -k parallel",
    )
    wall = time.perf_counter() - started
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", result.stdout)) else 0
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", result.stdout))
    return wall, passed, failed + (result.returncode != 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tests", type=int, default=100, help="tests per kind (4 kinds)"
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        project = render(Path(tmp) / "parallel-project")
        suite = project / "tests/integration/test_parallel_bench.py"
        suite.write_text(SUITE.format(n=args.tests))
        make(project, "integration-deps")
        results = {
            workers: [run(project, workers) for _ in range(args.runs)]
            for workers in ("1", "2")
        }
    medians = {w: statistics.median(r[0] for r in runs) for w, runs in results.items()}
    for workers, runs in results.items():
        passed = {r[1] for r in runs}
        failures = sum(r[2] for r in runs)
        print(
            f"-n {workers}: median wall {medians[workers]:.2f} s over {args.runs} runs, "
            f"{'/'.join(map(str, sorted(passed)))} passed per run, {failures} failures"
        )
    print(f"speed-up -n 2 over -n 1: {medians['1'] / medians['2']:.2f}x")


if __name__ == "__main__":
    main()
