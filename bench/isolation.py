"""Per-test cost of each isolation fixture, measured inside a generated project.

Renders the default project, adds a benchmark test module with N tiny tests per
fixture (write one thing, read it back) plus naive alternatives, runs them with
the project's own `make integration-test-external`, and prints the median setup+teardown
time per test: what a fixture adds to every test that uses it.

    python bench/isolation.py [--tests N]

Needs the native services (python -m native start). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rig import make, render

TIMINGS_PLUGIN = """
import json, os
_rows = []
def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        _rows.append((report.nodeid.split("::")[-1].split("[")[0], report.when, report.duration))
def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(_rows, out)
"""

BENCH_TESTS = '''
import uuid
from pathlib import Path

import pika
import psycopg
import pytest
import redis as redis_client
from example_app.accounts import AccountStore, register
from integration_harness.settings import load_settings
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql import factories

_PG = conninfo_to_dict(load_settings().url("TEST_DATABASE_URL"))
_SCHEMA = Path(__file__).with_name("schema") / "example_accounts.sql"
postgresql_noproc_bench = factories.postgresql_noproc(
    host=_PG["host"], port=int(_PG["port"]), user=_PG["user"], password=_PG["password"],
    dbname="bench_pytest_postgresql", load=[_SCHEMA],
)
postgresql_bench = factories.postgresql("postgresql_noproc_bench")

N = range({n})


@pytest.fixture
def truncate_everything(database_url, database_schema):
    """Alternative: TRUNCATE every table after each test, on a new connection."""
    yield
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        conn.execute("TRUNCATE " + ", ".join(t for (t,) in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture
def flushall_client(redis_url):
    """Alternative: a new client per test and FLUSHALL after it."""
    client = redis_client.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def fresh_connection_queue(amqp_url):
    """Alternative: a new AMQP connection and queue per test."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    name = "test.bench." + uuid.uuid4().hex
    channel.queue_declare(name)
    yield channel, name
    channel.queue_delete(name)
    connection.close()


@pytest.mark.parametrize("i", N)
def test_baseline_no_fixture(i):
    assert i >= 0


@pytest.mark.parametrize("i", N)
def test_db_rollback(db, i):
    store = AccountStore(db)
    assert store.find_by_email(store.create(f"a{{i}}@x.io", "A").email)


@pytest.mark.parametrize("i", N)
def test_clean_db_truncate(clean_db, database_url, i):
    register(database_url, f"a{{i}}@x.io", "A")
    assert AccountStore(clean_db).find_by_email(f"a{{i}}@x.io")


@pytest.mark.parametrize("i", N)
def test_alternative_truncate_everything(truncate_everything, database_url, i):
    register(database_url, f"a{{i}}@x.io", "A")
    with psycopg.connect(database_url) as conn:
        assert AccountStore(conn).find_by_email(f"a{{i}}@x.io")


@pytest.mark.parametrize("i", N)
def test_alternative_pytest_postgresql_clone(postgresql_bench, i):
    store = AccountStore(postgresql_bench)
    assert store.find_by_email(store.create(f"a{{i}}@x.io", "A").email)


@pytest.mark.parametrize("i", N)
def test_redis_flushdb(redis, i):
    redis.set("k", i)
    assert redis.get("k") == str(i)


@pytest.mark.parametrize("i", N)
def test_alternative_redis_flushall(flushall_client, i):
    flushall_client.set("k", i)
    assert flushall_client.get("k") == str(i)


@pytest.mark.parametrize("i", N)
def test_make_queue(amqp_channel, make_queue, i):
    queue = make_queue("bench")
    amqp_channel.basic_publish("", queue, b"x")
    assert amqp_channel.queue_declare(queue, passive=True)


@pytest.mark.parametrize("i", N)
def test_alternative_fresh_connection_and_queue(fresh_connection_queue, i):
    channel, queue = fresh_connection_queue
    channel.basic_publish("", queue, b"x")
    assert channel.queue_declare(queue, passive=True)
'''

PYTEST_POSTGRESQL = "10.0.0"
LABELS = {
    "test_baseline_no_fixture": "no fixture (pytest's own overhead)",
    "test_db_rollback": "db: transaction rolled back",
    "test_clean_db_truncate": "clean_db: TRUNCATE tables with rows",
    "test_alternative_truncate_everything": "alternative: new connection + TRUNCATE all",
    "test_alternative_pytest_postgresql_clone": "pytest-postgresql: template clone per test",
    "test_redis_flushdb": "redis: FLUSHDB on the worker's DB",
    "test_alternative_redis_flushall": "alternative: new client + FLUSHALL",
    "test_make_queue": "make_queue: unique queue, deleted after",
    "test_alternative_fresh_connection_and_queue": "alternative: new connection + queue",
}
PAIRS = [
    ("test_db_rollback", "test_alternative_pytest_postgresql_clone"),
    ("test_clean_db_truncate", "test_alternative_pytest_postgresql_clone"),
    ("test_clean_db_truncate", "test_alternative_truncate_everything"),
    ("test_redis_flushdb", "test_alternative_redis_flushall"),
    ("test_make_queue", "test_alternative_fresh_connection_and_queue"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per fixture")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        project = render(Path(tmp) / "bench-project")
        integration = project / "tests/integration"
        (integration / "bench_timings.py").write_text(TIMINGS_PLUGIN)
        (integration / "test_bench_isolation.py").write_text(
            BENCH_TESTS.format(n=args.tests)
        )
        (integration / "requirements-local.txt").write_text(
            f"pytest-postgresql=={PYTEST_POSTGRESQL}\n"
        )
        out = Path(tmp) / "timings.json"
        result = make(
            project,
            "integration-test-external",
            "ARGS=-q -p bench_timings -p no:randomly -k bench_isolation",
            env={"BENCH_OUT": str(out)},
        )
        if result.returncode != 0:
            sys.exit(result.stdout[-3000:] + result.stderr[-2000:])
        rows = json.loads(out.read_text())
    costs: dict[str, list[float]] = {}
    pending: dict[str, float] = {}
    for name, when, duration in rows:
        if when == "setup":
            pending[name] = duration
        else:
            costs.setdefault(name, []).append(pending.pop(name) + duration)
    # The first test of each kind also pays for session fixtures; leave it out.
    medians = {
        name: statistics.median(values[1:]) * 1000 for name, values in costs.items()
    }
    print(f"Per-test setup+teardown, median of {args.tests - 1} tests, milliseconds")
    for name, label in LABELS.items():
        print(f"  {label:45s} {medians[name]:7.2f}")
    print("Ratios (alternative / ours):")
    for ours, alternative in PAIRS:
        ratio = medians[alternative] / medians[ours]
        ours_name = LABELS[ours].split(":")[0]
        print(f"  {LABELS[alternative]:45s} vs {ours_name:10s} {ratio:6.1f}x")


if __name__ == "__main__":
    main()
