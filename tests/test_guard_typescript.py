"""The TypeScript harness against hostile and faulty environments (issue 11).

Every case runs a generated TypeScript project's own `make integration-test-external`:
a hostile setting must stop the run with one message while sentinel data survives;
a faulty service (accepts TCP and never answers, or stops answering mid-run) must
end the run within TEST_SERVICE_TIMEOUT + one test timeout with one line naming it.

Hung and paused servers are our own (a socket that never answers, a redis-server of
this module); the shared native servers are only used for databases of our own
(`guardts_*`, outside the names the leak audit watches).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import botocore.exceptions
import psycopg
import pymysql
import pytest
import redis

from native.common import native_service
from tests import rig
from tests.rig import (
    CATALOGUE,
    WIDEST,
    alone_answers,
    drop_postgres_database,
    free_port,
    guard_cases,
    install,
    postgres_url,
    recreate_postgres_database,
    render,
    services_for,
    silent_server,
    stamped,
)

SERVICE_TIMEOUT = 3  # seconds: TEST_SERVICE_TIMEOUT of every run here
TEST_TIMEOUT = 60  # seconds: the generated vitest.config.ts's testTimeout
BOUND = SERVICE_TIMEOUT + TEST_TIMEOUT
DATABASE = "guardts_test"


def record(case: str, seconds: float) -> None:
    """Print how long a fault case took to end (seen with ``pytest -s``)."""
    print(f"\nfault case {case}: ended in {seconds:.1f} s (bound {BOUND} s)")


@contextmanager
def freezable_proxy(target_port: int, freeze: Path) -> Iterator[int]:
    """A TCP proxy to 127.0.0.1:``target_port`` that stops forwarding while ``freeze`` exists.

    Frozen, it still accepts connections and holds them: a server paused mid-run.
    """
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    stop = threading.Event()
    sockets: list[socket.socket] = [server]

    def pump(source: socket.socket, sink: socket.socket) -> None:
        while not stop.is_set():
            if freeze.exists():
                time.sleep(0.05)
                continue
            if not select.select([source], [], [], 0.1)[0]:
                continue
            try:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        sink.close()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                client = server.accept()[0]
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", target_port))
            sockets.extend([client, upstream])
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=pump, args=(source, sink), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A redis-server of this module only (we flush and pause it), on a free port."""
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield {"port": port, "pid": server.pid, "url": f"redis://127.0.0.1:{port}"}
    os.kill(server.pid, signal.SIGCONT)
    server.terminate()
    server.wait(10)


@pytest.fixture
def fresh_redis(own_redis: dict) -> dict:
    """Our own Redis, emptied (every logical database) before the test."""
    redis.Redis(port=own_redis["port"]).flushall()
    return own_redis


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One installed TypeScript project (PostgreSQL + Redis) that every case here reuses."""
    recreate_postgres_database(DATABASE)
    path = render(
        tmp_path_factory.mktemp("guard-ts") / "project",
        language="typescript",
        queue="none",
        ci="none",
    )
    install(path)
    yield path
    drop_postgres_database(DATABASE)
    for name in ("guardts_test_w1", "guardts_test_w2"):
        drop_postgres_database(name)


@pytest.fixture(scope="module")
def mariadb_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An installed TypeScript project on MariaDB only."""
    path = render(
        tmp_path_factory.mktemp("guard-ts-mariadb") / "project",
        language="typescript",
        database="mariadb",
        cache="none",
        queue="none",
        ci="none",
    )
    install(path)
    return path


def clean_environment(**settings: str) -> dict[str, str]:
    """os.environ without PG*/TEST_* variables, with this module's TEST_SERVICE_TIMEOUT,
    plus ``settings``."""
    return rig.clean_environment(TEST_SERVICE_TIMEOUT=str(SERVICE_TIMEOUT), **settings)


def run(project: Path, env: dict[str, str], *args: str) -> tuple[int, str, float]:
    """`make integration-test-external` with exactly ``env``; exit status, output, seconds."""
    return rig.run_external(project, env, *args, timeout=BOUND + 60)


def default_env(redis_server: dict, index: int = 0, **more: str) -> dict[str, str]:
    settings = {
        "TEST_DATABASE_URL": postgres_url(DATABASE),
        "TEST_REDIS_URL": f"{redis_server['url']}/{index}",
        **more,
    }
    return clean_environment(**settings)


def assert_one_stop(output: str, fragment: str) -> None:
    """The run stopped before any test, with ``fragment`` said exactly once."""
    assert "no test was run" in output, output[-3000:]
    assert output.count(fragment) == 1, output[-3000:]
    assert "Test Files" not in output, output[-3000:]


@pytest.fixture
def sentinel_database() -> Iterator[callable]:
    """``sentinel_database(name)``: a database holding one row that must survive."""
    made: list[str] = []

    def make_one(name: str) -> str:
        url = recreate_postgres_database(name)
        made.append(name)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE accounts (id int, email text)")
            conn.execute("INSERT INTO accounts VALUES (1, 'sentinel@example.com')")
        return url

    yield make_one
    for name in made:
        drop_postgres_database(name)


def sentinel_rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, email FROM accounts").fetchall()


# Hostile settings: refused before anything is cleaned, the sentinel intact.


def test_pgdatabase_cannot_supply_a_database_the_url_does_not_name(
    project: Path, fresh_redis: dict, sentinel_database
) -> None:
    """pg falls back to PGDATABASE when the URL names none: that is never judged safe."""
    dev = sentinel_database("guardts_dev")
    url = postgres_url("").rstrip("/")
    env = default_env(fresh_redis, TEST_DATABASE_URL=url, PGDATABASE="guardts_dev")

    status, output, _ = run(project, env)

    assert status != 0
    assert_one_stop(
        output,
        "the URL names no database. Name a dedicated test database (e.g. app_test).",
    )
    assert sentinel_rows(dev) == [(1, "sentinel@example.com")]


def test_pghost_is_judged_when_the_url_names_no_host(
    project: Path, fresh_redis: dict
) -> None:
    url = f"postgresql://test:test@/{DATABASE}"
    env = default_env(fresh_redis, TEST_DATABASE_URL=url, PGHOST="db.prod.example.com")

    status, output, _ = run(project, env)

    assert status != 0
    assert_one_stop(output, "host 'db.prod.example.com' is not loopback")


def test_test_must_be_a_whole_word_of_the_database_name(
    project: Path, fresh_redis: dict, sentinel_database
) -> None:
    latest = sentinel_database("guardts_latest")
    env = default_env(fresh_redis, TEST_DATABASE_URL=latest)

    status, output, _ = run(project, env)

    shown = latest.replace(":test@", ":***@")
    assert status != 0
    assert_one_stop(
        output,
        f"Refusing to clean PostgreSQL at {shown}: database 'guardts_latest' is not a test "
        "database: 'test' must be a whole word of its name (app_test, test_app, app-test-2). "
        "Point the URL at a dedicated test database (e.g. guardts_latest_test).",
    )
    assert sentinel_rows(latest) == [(1, "sentinel@example.com")]


def test_a_db_localhost_name_that_does_not_resolve_to_loopback_is_refused(
    project: Path, fresh_redis: dict
) -> None:
    env = default_env(
        fresh_redis,
        TEST_DATABASE_URL=f"postgresql://test:test@db.localhost:25432/{DATABASE}",
    )

    status, output, _ = run(project, env)

    assert status != 0
    assert_one_stop(output, "host 'db.localhost' is not loopback")


def test_secrets_never_appear_in_messages(project: Path, fresh_redis: dict) -> None:
    env = default_env(
        fresh_redis,
        TEST_DATABASE_URL="postgresql://test@db.prod.example.com/app_test?password=hunter2secret&sslpassword=pw2secret",
        TEST_REDIS_URL=f"redis://:s3cretpw@cache.prod.example.com:{fresh_redis['port']}/0",
    )

    status, output, _ = run(project, env)

    assert status != 0 and "2 services are not usable" in output, output[-3000:]
    for secret in ("hunter2secret", "pw2secret", "s3cretpw"):
        assert secret not in output
    assert "password=***" in output and ":***@cache.prod.example.com" in output


def test_env_test_of_a_parent_folder_is_never_read(
    tmp_path: Path, project: Path, sentinel_database
) -> None:
    """A project without .env.test inside a folder that has one: the parent's is not used."""
    parent_db = sentinel_database("guardts_parent_test")
    (tmp_path / ".env.test").write_text(
        f"TEST_DATABASE_URL={parent_db}\nTEST_REDIS_URL=redis://127.0.0.1:1/0\n"
    )
    child = tmp_path / "child"
    shutil.copytree(
        project, child, symlinks=True, ignore=shutil.ignore_patterns(".env.test")
    )

    stopped = run(child, clean_environment())
    # A project without the manifest (generated before 0.3.0) reaches the settings.
    (child / "tests/integration/managed-files.sha256").unlink()
    status, output, _ = run(child, clean_environment())

    assert stopped[0] != 0 and ".env.test: missing" in stopped[1], stopped[1][-3000:]
    assert status != 0
    assert "TEST_DATABASE_URL is not set" in output, output[-3000:]
    assert sentinel_rows(parent_db) == [(1, "sentinel@example.com")]


def test_redis_db_query_is_the_index_guard_workers_and_client_use(
    project: Path, fresh_redis: dict
) -> None:
    """`?db=8` wins over the path: the run uses 8, and the key in 0 (the path) is untouched."""
    client = redis.Redis(port=fresh_redis["port"], db=0)
    client.set("someone:else", "keep me")
    env = default_env(fresh_redis, TEST_REDIS_URL=f"{fresh_redis['url']}/0?db=8")

    status, output, _ = run(project, env)

    assert status == 0, output[-3000:]
    assert f"at {fresh_redis['url']}/0?db=8 ready in" in output
    assert client.get("someone:else") == b"keep me"
    assert redis.Redis(port=fresh_redis["port"], db=8).dbsize() == 0


def test_redis_index_of_the_second_worker_is_checked_before_any_flush(
    project: Path, fresh_redis: dict
) -> None:
    """PARALLEL=2 on base 3: worker 2 would flush 4, which holds a key: one stop, key kept."""
    other = redis.Redis(port=fresh_redis["port"], db=4)
    other.set("sentinel", "keep me")
    env = default_env(fresh_redis, index=3)

    status, output, _ = run(project, env, "PARALLEL=2")

    assert status != 0
    assert_one_stop(
        output,
        "database 4 (worker 2's database) already holds 1 keys the harness did not create",
    )
    assert other.get("sentinel") == b"keep me"
    assert redis.Redis(port=fresh_redis["port"], db=3).dbsize() == 0  # no claim key


def test_a_leftover_key_in_the_workers_own_index_is_one_clear_stop(
    project: Path, fresh_redis: dict
) -> None:
    own = redis.Redis(port=fresh_redis["port"], db=5)
    own.set("leftover", "of a killed run")

    status, output, _ = run(project, default_env(fresh_redis, index=5))

    assert status != 0
    assert_one_stop(
        output, "database 5 already holds 1 keys the harness did not create"
    )
    assert f"redis-cli -u {fresh_redis['url']}/5 flushdb" in output
    assert own.get("leftover") == b"of a killed run"


def test_a_second_run_on_the_same_redis_index_is_refused(
    project: Path, fresh_redis: dict
) -> None:
    """Another run holds the claim on the base index: this one stops and flushes nothing."""
    other_run = redis.Redis(
        port=fresh_redis["port"], db=6, single_connection_client=True
    )
    other_run.client_setname("integration-harness-claim-db6")
    other_run.set("theirs", "kept")
    try:
        status, output, _ = run(project, default_env(fresh_redis, index=6))
        kept = other_run.get("theirs")
    finally:
        other_run.delete("theirs")
        other_run.close()

    assert status != 0
    assert_one_stop(
        output,
        f"Another test run is using Redis database 6 at {fresh_redis['url']}/6; wait for it "
        "to finish (a killed run's claim ends with its process).",
    )
    assert kept == b"kept"


def test_two_runs_at_once_on_one_redis_index_never_both_run(
    project: Path, fresh_redis: dict, tmp_path: Path
) -> None:
    """Two runs started together: one passes, the other stops with the claim message."""
    twin = tmp_path / "twin"
    shutil.copytree(project, twin, symlinks=True)
    env = default_env(
        fresh_redis,
        index=7,
        TEST_DATABASE_URL=recreate_postgres_database("guardts_twin_test"),
    )
    env_first = default_env(fresh_redis, index=7)
    try:
        with (
            subprocess.Popen(
                [
                    "make",
                    "--no-print-directory",
                    "-C",
                    str(project),
                    "integration-test-external",
                ],
                env=env_first,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ) as first,
            subprocess.Popen(
                [
                    "make",
                    "--no-print-directory",
                    "-C",
                    str(twin),
                    "integration-test-external",
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ) as second,
        ):
            outputs = [
                first.communicate(timeout=120)[0],
                second.communicate(timeout=120)[0],
            ]
            statuses = [first.returncode, second.returncode]
    finally:
        drop_postgres_database("guardts_twin_test")
        drop_postgres_database("guardts_twin_test_w1")

    claimed = "Another test run is using Redis database 7"
    results = sorted(zip(statuses, outputs))
    # Either both ran one after the other (each passed), or one stopped on the claim.
    for status, output in results:
        assert status == 0 or output.count(claimed) == 1, output[-3000:]
    assert any(status == 0 for status in statuses)


def test_unix_socket_redis_url_gets_one_clear_message(
    project: Path, fresh_redis: dict
) -> None:
    env = default_env(fresh_redis, TEST_REDIS_URL="unix:///tmp/redis.sock?db=2")

    status, output, _ = run(project, env)

    assert status != 0
    assert_one_stop(
        output,
        "unix socket URLs (unix:///tmp/redis.sock?db=2) are not supported by the TypeScript harness",
    )


def test_inline_comment_in_env_test_local_ends_the_value(
    project: Path, fresh_redis: dict
) -> None:
    local = project / ".env.test.local"
    local.write_text(f"TEST_REDIS_URL={fresh_redis['url']}/9 # my own index\n")
    env = default_env(fresh_redis)
    del env["TEST_REDIS_URL"]
    try:
        status, output, _ = run(project, env)
    finally:
        local.unlink()

    assert status == 0, output[-3000:]
    assert (
        f"Redis 7.0.15 at {fresh_redis['url']}/9 ready" in output
        or f"at {fresh_redis['url']}/9 ready" in output
    )


def test_empty_setting_in_the_environment_stops_the_run(
    project: Path, fresh_redis: dict
) -> None:
    env = default_env(fresh_redis, TEST_DATABASE_URL="")

    status, output, _ = run(project, env)

    assert status != 0
    assert (
        output.count(
            "TEST_DATABASE_URL is set but empty in the environment: unset it or give it a value"
        )
        == 1
    ), output[-3000:]
    assert "Test Files" not in output


def test_rows_left_by_a_killed_run_never_fail_the_next_run(
    project: Path, fresh_redis: dict
) -> None:
    """A run killed with SIGKILL mid-test; the next run starts clean on its own."""
    stuck = project / "tests/integration/zz_killed.test.ts"
    stuck.write_text(
        'import { test } from "./harness/fixtures";\n\n'
        'test("commits and hangs", async ({ cleanDb, redis }) => {\n'
        "  await cleanDb.query(\"INSERT INTO accounts (email, display_name) VALUES ('left@example.com', 'Left')\");\n"
        '  await redis.set("profile:left", "behind");\n'
        '  console.log("COMMITTED");\n'
        "  await new Promise((done) => setTimeout(done, 120_000));\n"
        "}, 200_000);\n"
    )
    env = default_env(fresh_redis, index=10)
    try:
        killed = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-C",
                str(project),
                "integration-test-external",
                "ARGS=zz_killed",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        seen = ""
        while "COMMITTED" not in seen and time.monotonic() < deadline:
            seen += killed.stdout.readline()
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    finally:
        stuck.unlink()
    assert "COMMITTED" in seen
    with psycopg.connect(postgres_url("guardts_test_w1")) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    left = redis.Redis(port=fresh_redis["port"], db=10)
    assert left.get("profile:left") == b"behind"

    status, output, _ = run(project, default_env(fresh_redis, index=10))

    assert status == 0, output[-3000:]
    assert (
        left.dbsize() == 0
    )  # the killed run's keys, emptied by this checkout's next run
    assert not list((project / "tests/integration/.harness-runs").iterdir())


def test_mysql_identifiers_are_quoted_so_a_table_name_cannot_reach_another_database(
    mariadb_project: Path,
) -> None:
    """A table named ``x`.`customers`` in the test database: emptying it never touches x.customers."""
    service = native_service("mariadb")
    conn = pymysql.connect(
        host="127.0.0.1",
        port=service.port,
        user=service.user,
        password=service.password,
        autocommit=True,
    )
    try:
        with conn.cursor() as cursor:
            for statement in (
                "DROP DATABASE IF EXISTS guardts_x",
                "CREATE DATABASE guardts_x",
                "CREATE TABLE guardts_x.customers (id int)",
                "INSERT INTO guardts_x.customers VALUES (42)",
                "DROP DATABASE IF EXISTS guardts_test",
                "CREATE DATABASE guardts_test",
                "CREATE TABLE guardts_test.`guardts_x``.``customers` (id int)",
                "INSERT INTO guardts_test.`guardts_x``.``customers` VALUES (1)",
            ):
                cursor.execute(statement)
        url = f"mysql://{service.user}:{service.password}@127.0.0.1:{service.port}/guardts_test"

        status, output, _ = run(
            mariadb_project, clean_environment(TEST_DATABASE_URL=url)
        )

        with conn.cursor() as cursor:
            cursor.execute("SELECT id FROM guardts_x.customers")
            survivors = cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM guardts_test.`guardts_x``.``customers`"
            )
            (left,) = cursor.fetchone()
    finally:
        with conn.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS guardts_x")
            cursor.execute("DROP DATABASE IF EXISTS guardts_test")
            cursor.execute("DROP DATABASE IF EXISTS guardts_test_w1")
        conn.close()

    assert status == 0, output[-3000:]
    assert survivors == ((42,),)
    assert left == 0  # the odd table itself was emptied at session start


# Faults: every run ends within the bound, with one line naming the service.


@pytest.mark.parametrize("service", ["Redis", "PostgreSQL"])
def test_a_service_that_accepts_tcp_and_never_answers_stops_the_run_in_time(
    project: Path, fresh_redis: dict, service: str
) -> None:
    with silent_server() as port:
        url = (
            f"redis://127.0.0.1:{port}/0"
            if service == "Redis"
            else f"postgresql://test:test@127.0.0.1:{port}/{DATABASE}"
        )
        env = default_env(
            fresh_redis,
            **{"TEST_REDIS_URL" if service == "Redis" else "TEST_DATABASE_URL": url},
        )
        status, output, seconds = run(project, env)

    record(f"{service} hung at start", seconds)
    assert status != 0
    shown = url.replace(":test@", ":***@")
    assert_one_stop(
        output, f"{service} at {shown}: no answer within {SERVICE_TIMEOUT}s"
    )
    assert seconds < SERVICE_TIMEOUT + 15, seconds


def test_mariadb_that_accepts_tcp_and_never_answers_stops_the_run_in_time(
    mariadb_project: Path,
) -> None:
    with silent_server() as port:
        url = f"mysql://root:test@127.0.0.1:{port}/{DATABASE}"
        status, output, seconds = run(
            mariadb_project, clean_environment(TEST_DATABASE_URL=url)
        )

    record("MariaDB hung at start", seconds)
    assert status != 0
    assert_one_stop(
        output,
        f"MariaDB at mysql://root:***@127.0.0.1:{port}/{DATABASE}: no answer within",
    )
    assert seconds < SERVICE_TIMEOUT + 15, seconds


PAUSE_TEST = """
import { expect } from "vitest";
import { test } from "./harness/fixtures";

test("1 writes", async ({ redis }) => {
  await redis.set("a", "1");
  expect(await redis.get("a")).toBe("1");
});

test("2 the server stops answering", async ({ redis }) => {
  process.kill(Number(process.env.GUARD_REDIS_PID), "SIGSTOP");
  await redis.get("a");
});

for (const n of [3, 4, 5]) {
  test(`${n} after the pause`, async ({ redis }) => {
    await redis.get("a");
  });
}
"""


PAUSE_TEST_OTHER_FILE = """
import { test } from "./harness/fixtures";

for (const n of [1, 2]) {
  test(`other file ${n}`, async ({ redis }) => {
    await redis.get("b");
  });
}
"""


def test_a_redis_paused_mid_run_ends_the_run_within_the_bound(
    project: Path, own_redis: dict
) -> None:
    """Later tests, in that file and in others, are skipped: one line names Redis."""
    redis.Redis(port=own_redis["port"]).flushall()
    paused = project / "tests/integration/zz_paused.test.ts"
    paused.write_text(PAUSE_TEST)
    other = project / "tests/integration/zz_paused_other.test.ts"
    other.write_text(PAUSE_TEST_OTHER_FILE)
    env = default_env(own_redis, index=12, GUARD_REDIS_PID=str(own_redis["pid"]))
    try:
        status, output, seconds = run(
            project, env, "ARGS=zz_paused --sequence.shuffle=false"
        )
    finally:
        os.kill(own_redis["pid"], signal.SIGCONT)
        paused.unlink()
        other.unlink()

    record("Redis paused mid-run", seconds)
    assert status != 0
    assert seconds < BOUND, seconds
    assert output.count(f"Redis at {own_redis['url']}/12 stopped answering") == 1, (
        output[-4000:]
    )
    summary = re.search(
        r"Tests\s+1 failed \| (\d) passed \| (\d) skipped \(7\)", output
    )
    assert summary and summary.groups() in {("1", "5"), ("3", "3")}, output[-2000:]


FREEZE_TEST = """
import { writeFileSync } from "node:fs";
import { expect } from "vitest";
import { test } from "./harness/fixtures";

test("1 reads", async ({ db }) => {
  const { rows } = await db.query("SELECT 1 AS one");
  expect(rows[0].one).toBe(1);
});

test("2 the server stops answering", async ({ db }) => {
  writeFileSync(process.env.GUARD_FREEZE_FILE!, "");
  await new Promise((done) => setTimeout(done, 300)); // the proxy holds everything from now on
  await db.query("SELECT 1");
});

for (const n of [3, 4, 5]) {
  test(`${n} after the pause`, async ({ db }) => {
    await db.query("SELECT 1");
  });
}
"""


def test_a_postgresql_paused_mid_run_ends_the_run_within_the_bound(
    project: Path, fresh_redis: dict, tmp_path: Path
) -> None:
    frozen = project / "tests/integration/zz_frozen.test.ts"
    frozen.write_text(FREEZE_TEST)
    freeze = tmp_path / "freeze"
    try:
        with freezable_proxy(native_service("postgres").port, freeze) as port:
            url = f"postgresql://test:test@127.0.0.1:{port}/{DATABASE}"
            env = default_env(
                fresh_redis, TEST_DATABASE_URL=url, GUARD_FREEZE_FILE=str(freeze)
            )
            status, output, seconds = run(
                project, env, "ARGS=zz_frozen --sequence.shuffle=false"
            )
    finally:
        frozen.unlink()
        drop_postgres_database("guardts_test_w1")

    record("PostgreSQL paused mid-run", seconds)
    assert status != 0
    assert seconds < BOUND, seconds
    shown = url.replace(":test@", ":***@").replace(f"/{DATABASE}", f"/{DATABASE}_w1")
    assert output.count(f"PostgreSQL at {shown} stopped answering") == 1, output[-4000:]
    assert re.search(r"Tests\s+1 failed \| 1 passed \| 3 skipped", output), output[
        -2000:
    ]


BUSY_TEST = """
import { expect } from "vitest";
import { test } from "./harness/fixtures";

test("1 a query outlives its test", { timeout: 1000 }, async ({ db }) => {
  await db.query("SELECT pg_sleep(20)");
});

for (const n of [2, 3, 4]) {
  test(`${n} the next tests get a working connection`, async ({ db }) => {
    const { rows } = await db.query("SELECT 1 AS one");
    expect(rows[0].one).toBe(1);
  });
}
"""


def test_a_busy_session_connection_is_replaced_and_only_its_test_fails(
    project: Path, fresh_redis: dict
) -> None:
    busy = project / "tests/integration/zz_busy.test.ts"
    busy.write_text(BUSY_TEST)
    try:
        status, output, seconds = run(
            project, default_env(fresh_redis), "ARGS=zz_busy --sequence.shuffle=false"
        )
    finally:
        busy.unlink()

    record("PostgreSQL connection busy after a timed-out test", seconds)
    assert status != 0
    assert re.search(r"Tests\s+1 failed \| 3 passed", output), output[-3000:]
    assert seconds < 20, seconds  # the stuck query was ended, not waited for


ONLY_QUEUE = {"database": "none", "cache": "none"}
# Services with a TypeScript harness whose guard.yml gives the setting of a server
# that never answers.
SILENT = [
    name
    for name in CATALOGUE
    if "silent_url" in guard_cases(name) and "typescript" in CATALOGUE[name]
]


def project_with(service: str) -> dict:
    """The widest project's answers if it has ``service``, else answers choosing it alone."""
    widest = {"language": "typescript", **WIDEST}
    return WIDEST if service in services_for(widest) else alone_answers(service)


@pytest.mark.parametrize("service", SILENT)
def test_every_other_service_that_never_answers_stops_the_run_in_time(
    typescript_project, fresh_redis: dict, service: str
) -> None:
    entry = CATALOGUE[service]
    with silent_server() as port:
        url = guard_cases(service)["silent_url"].format(port=port)
        env = default_env(fresh_redis, **{entry["url_var"]: url})
        status, output, seconds = run(typescript_project(project_with(service)), env)

    record(f"{entry['title']} hung at start", seconds)
    assert status != 0
    shown = url.replace(":test@", ":***@")
    assert_one_stop(
        output, f"{entry['title']} at {shown}: no answer within {SERVICE_TIMEOUT}s"
    )
    assert seconds < SERVICE_TIMEOUT + 15, seconds


def test_queues_and_buckets_a_killed_run_left_are_removed_by_the_next_run(
    typescript_project,
) -> None:
    """On a moto server of our own: 2-hour-old test queues and buckets go, fresh ones and others stay."""
    port = free_port()
    server = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    sqs = session.client("sqs", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    old, fresh = stamped("leak", 7200), stamped("running", 60)
    try:
        for _ in range(100):
            try:
                sqs.list_queues()
                break
            except botocore.exceptions.EndpointConnectionError:
                time.sleep(0.1)
        for name in (old, fresh, "orders"):
            sqs.create_queue(QueueName=name)
            s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=old, Key="left.txt", Body=b"x")

        status, output, _ = run(
            typescript_project(
                {**ONLY_QUEUE, "queue": "sqs", "external_services": ["object_storage"]}
            ),
            clean_environment(TEST_AWS_ENDPOINT_URL=url),
        )
        queues = sorted(
            q.rsplit("/", 1)[1] for q in sqs.list_queues().get("QueueUrls", [])
        )
        buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    finally:
        server.terminate()
        server.wait(10)

    assert status == 0, output[-3000:]
    assert queues == sorted([fresh, "orders"])
    assert buckets == sorted([fresh, "orders"])


EXPIRING_QUEUE_TEST = """
import { expect } from "vitest";
import { test } from "./harness/fixtures";
import { QUEUE_EXPIRES_MS } from "./harness/rabbitmq";

test("a made queue carries x-expires", async ({ makeQueue, amqpConnection }) => {
  const name = await makeQueue("expiring");
  expect(name).toMatch(/^test\\.w\\d+\\.expiring\\.[0-9a-z]{7}[0-9a-f]{6}$/);
  const same = await amqpConnection.createChannel();
  await same.assertQueue(name, { durable: false, arguments: { "x-expires": QUEUE_EXPIRES_MS } });
  await same.close();
  const other = await amqpConnection.createChannel();
  other.on("error", () => undefined);
  await expect(other.assertQueue(name, { durable: false })).rejects.toThrow(/PRECONDITION_FAILED.*x-expires/);
});
"""


def test_rabbitmq_queues_a_killed_run_left_expire_on_their_own(
    typescript_project,
) -> None:
    """AMQP cannot list queues: each made queue expires once unused for an hour."""
    project = typescript_project({**ONLY_QUEUE, "queue": "rabbitmq"})
    probe = project / "tests/integration/zz_expiring.test.ts"
    probe.write_text(EXPIRING_QUEUE_TEST)
    try:
        status, output, _ = run(project, clean_environment(), "ARGS=zz_expiring")
    finally:
        probe.unlink()

    assert status == 0, output[-3000:]
    assert re.search(r"Tests\s+1 passed", output), output[-2000:]
