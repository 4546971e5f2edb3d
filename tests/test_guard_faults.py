"""Issue 11, Python harness: hostile environments are refused (sentinel data survives) and
every faulty service ends the run quickly with one line naming it.

Hung services are this module's own sockets (accept TCP, never answer) or a proxy that
forwards the readiness probe to the shared server and then stops answering; the shared
servers are never paused. Sentinel data lives in databases and Redis indexes of its own.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pymysql
import pytest
import redis

from native.common import native_service
from tests.rig import (
    drop_postgres_database,
    forget_harness,
    harness_module,
    make,
    postgres_url,
    recreate_postgres_database,
    render,
    stamp,
)

SERVICE_TIMEOUT = 2
TEST_TIMEOUT = (
    60  # pytest.ini's timeout: the bound is SERVICE_TIMEOUT + one test timeout
)
OWN_DATABASE = "app_test_guardpy"
REDIS_INDEX = 12  # on this module's own redis-server


@pytest.fixture
def sentinel_database() -> Iterator[Callable[[str], str]]:
    """``sentinel(name)``: a PostgreSQL database ``name`` holding one row that must survive."""
    made: list[str] = []

    def make_one(name: str) -> str:
        url = recreate_postgres_database(name)
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE orders (id int, note text)")
            conn.execute("INSERT INTO orders VALUES (1, 'sentinel')")
        made.append(name)
        return url

    yield make_one
    for name in made:
        drop_postgres_database(name)


@contextmanager
def extra_test(project: Path, name: str, text: str) -> Iterator[Path]:
    """``tests/integration/<name>`` holding ``text`` while the block runs, then removed."""
    path = project / "tests/integration" / name
    path.write_text(text)
    try:
        yield path
    finally:
        path.unlink()


def rows(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, note FROM orders").fetchall()


@pytest.fixture(scope="module")
def pg_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PostgreSQL + Redis project; its database is this module's own."""
    return render(tmp_path_factory.mktemp("faults") / "pg", cache="redis", queue="none")


@pytest.fixture(scope="module")
def rabbit_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("faults") / "rabbit",
        database="none",
        cache="none",
        queue="rabbitmq",
    )


def start_redis_server(folder: Path, *options: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            "redis-server",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            *options,
        ],
        stdout=subprocess.DEVNULL,
    )
    return server


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return listener.getsockname()[1]


def wait_for_redis(**where) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with redis.Redis(socket_timeout=1, **where) as client:
                client.ping()
            return
        except redis.RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own redis-server (no other session's keys can meet ours): its base URL."""
    port = free_port()
    server = start_redis_server(
        tmp_path_factory.mktemp("redis"), "--port", str(port), "--bind", "127.0.0.1"
    )
    wait_for_redis(port=port)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def own_env(shared_venv: dict[str, str], module_redis: str) -> Iterator[dict[str, str]]:
    """Settings pointing at this module's own database and Redis server."""
    recreate_postgres_database(OWN_DATABASE)
    with redis.Redis.from_url(module_redis) as client:
        client.flushall()
    yield {
        **shared_venv,
        "TEST_DATABASE_URL": postgres_url(OWN_DATABASE),
        "TEST_REDIS_URL": f"{module_redis}/{REDIS_INDEX}",
        "TEST_SERVICE_TIMEOUT": str(SERVICE_TIMEOUT),
    }
    drop_postgres_database(OWN_DATABASE)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# -- Hostile environments: refused, sentinel intact -------------------------------------


def test_pg_service_environment_is_refused_and_the_sentinel_survives(
    pg_project: Path, own_env: dict[str, str], sentinel_database, tmp_path: Path
) -> None:
    """PGSERVICE=prod names orders_prod; the URL names no database: libpq would use prod."""
    prod = sentinel_database("orders_prod")
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(
        "[prod]\nhost=127.0.0.1\nport={}\ndbname=orders_prod\nuser=test\npassword=test\n".format(
            native_service("postgres").port
        )
    )
    env = {
        **own_env,
        "TEST_DATABASE_URL": "postgresql://test@",
        "PGSERVICE": "prod",
        "PGSERVICEFILE": str(service_file),
    }

    result = make(pg_project, "integration-test-external", env=env)

    assert result.returncode != 0
    assert "database 'orders_prod' is not a test database" in output(result)
    assert " passed" not in result.stdout
    assert rows(prod) == [(1, "sentinel")]


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://test:test@127.0.0.1:{port}/",
        "postgresql://test:test@127.0.0.1:{port}",
    ],
)
def test_a_url_naming_no_database_is_refused(
    pg_project: Path, own_env: dict[str, str], url: str
) -> None:
    env = {
        **own_env,
        "TEST_DATABASE_URL": url.format(port=native_service("postgres").port),
    }

    result = make(pg_project, "integration-test-external", env=env)

    assert result.returncode != 0
    assert output(result).count("the URL names no database") == 1


@pytest.mark.parametrize("name", ["latest_orders", "contest"])
def test_test_inside_a_word_is_refused_and_the_sentinel_survives(
    pg_project: Path, own_env: dict[str, str], sentinel_database, name: str
) -> None:
    url = sentinel_database(name)

    result = make(
        pg_project,
        "integration-test-external",
        env={**own_env, "TEST_DATABASE_URL": url},
    )

    assert result.returncode != 0
    assert (
        f"database '{name}' is not a test database: 'test' must be a whole word of its name"
        in output(result)
    )
    assert rows(url) == [(1, "sentinel")]


def test_a_parent_folders_env_test_is_never_used(
    tmp_path: Path, sentinel_database, shared_venv: dict[str, str]
) -> None:
    """A project without .env.test must not read one from the folder above it."""
    url = sentinel_database("parent_test")
    (tmp_path / ".env.test").write_text(f"TEST_DATABASE_URL={url}\n")
    project = render(tmp_path / "project", cache="none", queue="none")
    (project / ".env.test").unlink()

    stopped = make(project, "integration-test-external", env=shared_venv)
    # A project without the manifest (generated before 0.3.0) reaches the settings.
    (project / "tests/integration/managed-files.sha256").unlink()
    result = make(project, "integration-test-external", env=shared_venv)

    assert stopped.returncode != 0 and ".env.test: missing" in output(stopped)
    assert result.returncode != 0
    assert "TEST_DATABASE_URL is not set" in output(result)
    assert rows(url) == [(1, "sentinel")]


def test_mysql_identifiers_are_quoted_so_no_table_reaches_another_database(
    tmp_path: Path,
) -> None:
    """A table named x`.`customers in the test database must not truncate x.customers."""
    project = render(
        tmp_path / "project", database="mariadb", cache="none", queue="none"
    )
    sys.path.insert(0, str(project / "tests/integration"))
    try:
        for module in [m for m in sys.modules if m.startswith("integration_harness")]:
            del sys.modules[module]
        from integration_harness import mysql as harness
    finally:
        sys.path.pop(0)
    service = native_service("mariadb")
    admin = {
        "host": "127.0.0.1",
        "port": service.port,
        "user": service.user,
        "password": service.password,
    }
    with pymysql.connect(**admin, autocommit=True) as conn, conn.cursor() as cursor:
        for statement in (
            "DROP DATABASE IF EXISTS x",
            "DROP DATABASE IF EXISTS app_test_guardpy",
            "CREATE DATABASE x",
            "CREATE TABLE x.customers (id int)",
            "INSERT INTO x.customers VALUES (1)",
            "CREATE DATABASE app_test_guardpy",
            "CREATE TABLE app_test_guardpy.`x``.``customers` (id int)",
            "INSERT INTO app_test_guardpy.`x``.``customers` VALUES (2)",
        ):
            cursor.execute(statement)
    url = f"mysql://{service.user}:{service.password}@127.0.0.1:{service.port}/app_test_guardpy"
    try:
        with harness.connect(url, autocommit=True) as conn:
            emptied = harness.truncate_tables_with_rows(conn)
        with pymysql.connect(**admin) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM x.customers")
            survivors = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM app_test_guardpy.`x``.``customers`")
            left = cursor.fetchone()[0]
    finally:
        with pymysql.connect(**admin, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS x")
            cursor.execute("DROP DATABASE IF EXISTS app_test_guardpy")
        for module in [m for m in sys.modules if m.startswith("integration_harness")]:
            del sys.modules[module]
    assert emptied == ["x`.`customers"]
    assert (survivors, left) == (1, 0)


# -- Redis: one index rule, a claim per run, one message for a worker's leftover ---------


def test_redis_db_query_with_two_workers_is_green_and_the_claim_goes(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    """?db= wins over the path for the client, so for the workers' indexes too."""
    redis_base = own_env["TEST_REDIS_URL"].rsplit("/", 1)[0]
    env = {**own_env, "TEST_REDIS_URL": f"{redis_base}/0?db={REDIS_INDEX}"}

    result = make(pg_project, "integration-test-external", "PARALLEL=2", env=env)

    assert result.returncode == 0, result.stdout[-3000:]
    assert f"?db={REDIS_INDEX} ready" in result.stdout
    with redis.Redis.from_url(redis_base, db=REDIS_INDEX) as client:
        assert client.dbsize() == 0  # nothing left behind, no claim key either


def test_a_leftover_key_in_a_workers_index_is_one_message(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    redis_base = own_env["TEST_REDIS_URL"].rsplit("/", 1)[0]
    with redis.Redis.from_url(redis_base, db=REDIS_INDEX + 1) as client:
        client.set("someone:else", "kept")
        result = make(
            pg_project, "integration-test-external", "PARALLEL=2", env=own_env
        )
        kept = client.get("someone:else")

    assert result.returncode != 0
    assert output(result).count("already holds 1 keys the harness did not create") == 1
    assert f"/{REDIS_INDEX + 1}" in output(result)
    assert "INTERNALERROR" not in output(result)
    assert kept == b"kept"


def test_a_second_run_on_a_claimed_redis_index_stops_with_one_line(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    redis_base = own_env["TEST_REDIS_URL"].rsplit("/", 1)[0]
    # Another run's claim: its open connection named for the index (no key).
    with redis.Redis.from_url(
        redis_base, db=REDIS_INDEX, single_connection_client=True
    ) as other_run:
        other_run.client_setname(f"integration-harness-claim-db{REDIS_INDEX}")
        result = make(pg_project, "integration-test-external", env=own_env)
    after = make(
        pg_project, "integration-test-external", "ARGS=-p no:randomly", env=own_env
    )

    assert result.returncode != 0
    assert (
        output(result).count(
            f"Another test run is using Redis database {REDIS_INDEX} at "
            f"{redis_base}/{REDIS_INDEX}; wait for it to finish "
            "(a killed run's claim ends with its process)."
        )
        == 1
    )
    assert after.returncode == 0, after.stdout[
        -3000:
    ]  # the claim went with its connection


# -- Faults: every run ends within the bound, with one line naming the service ----------


class HungServer:
    """A TCP server that accepts connections and never answers.

    With ``forward=n`` the first ``n`` connections are relayed to ``target``
    (the readiness probe gets through), later ones hang: a service that stops
    answering after it was ready.
    """

    def __init__(self, target: tuple[str, int] | None = None, forward: int = 0) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target = target
        self.forward = forward
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            if self.target is not None and self.forward > 0:
                self.forward -= 1
                upstream = socket.create_connection(self.target)
                for a, b in ((conn, upstream), (upstream, conn)):
                    threading.Thread(
                        target=self._pipe, args=(a, b), daemon=True
                    ).start()
            else:
                self.held.append(conn)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


FAULTS = {
    # name: (project fixture, setting, url template, forward the probe?, title)
    "postgres-hung": (
        "pg_project",
        "TEST_DATABASE_URL",
        "postgresql://test:test@127.0.0.1:{port}/app_test",
        False,
        "PostgreSQL",
    ),
    "postgres-stops-after-ready": (
        "pg_project",
        "TEST_DATABASE_URL",
        "postgresql://test:test@127.0.0.1:{port}/app_test_guardpy",
        True,
        "PostgreSQL",
    ),
    "redis-hung": (
        "pg_project",
        "TEST_REDIS_URL",
        "redis://127.0.0.1:{port}/14",
        False,
        "Redis",
    ),
    "rabbitmq-hung": (
        "rabbit_project",
        "TEST_AMQP_URL",
        "amqp://test:test@127.0.0.1:{port}/%2F",
        False,
        "RabbitMQ",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_hung_service_ends_the_run_in_bound_with_one_line(
    request: pytest.FixtureRequest, own_env: dict[str, str], fault: str
) -> None:
    fixture, setting, template, forward, title = FAULTS[fault]
    project = request.getfixturevalue(fixture)
    real = native_service("postgres").port
    server = HungServer(("127.0.0.1", real), forward=1) if forward else HungServer()
    env = {**own_env, setting: template.format(port=server.port)}
    try:
        started = time.monotonic()
        result = make(
            project,
            "integration-test-external",
            env=env,
            timeout=SERVICE_TIMEOUT + TEST_TIMEOUT + 30,
        )
        seconds = time.monotonic() - started
    finally:
        server.close()

    text = output(result)
    print(f"\nfault {fault} ended in {seconds:.1f} s")
    assert result.returncode != 0
    assert "INTERNALERROR" not in text and "Traceback" not in text
    assert "integration-harness: service is not usable, no test was run" in text
    assert text.count(f"  - {title}") == 1
    assert seconds < SERVICE_TIMEOUT + TEST_TIMEOUT


# -- Timed-out query, killed run, changed schema, bad settings ---------------------------

SLOW_TEST = """
import pytest


@pytest.mark.timeout(3)
def test_a_stuck_query(db):
    db.execute("SELECT pg_sleep(20)")


@pytest.mark.parametrize("n", range(5))
def test_after_the_stuck_query(db, n):
    assert db.execute("SELECT 1").fetchone() == (1,)
"""


def test_a_timed_out_query_fails_one_test_and_the_rest_pass(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    with extra_test(pg_project, "test_zz_stuck.py", SLOW_TEST):
        result = make(
            pg_project,
            "integration-test-external",
            "ARGS=-p no:randomly -k stuck_query",
            env=own_env,
        )

    assert "1 failed, 5 passed" in result.stdout, result.stdout[-3000:]


KILLED_TEST = """
import os
import re
import time
from pathlib import Path


def test_commits_and_is_killed(clean_db, redis):
    clean_db.execute(
        "INSERT INTO accounts (email, display_name) VALUES ('killed@example.com', 'Killed')"
    )
    redis.set("profile:killed", "left behind")
    Path(os.environ["KILL_MARKER"]).write_text(str(os.getpid()))
    time.sleep(120)
"""


def test_a_run_killed_after_a_commit_leaves_the_next_run_green(
    pg_project: Path, own_env: dict[str, str], tmp_path: Path
) -> None:
    marker = tmp_path / "pid"
    with extra_test(pg_project, "test_zz_killed.py", KILLED_TEST):
        run = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-C",
                str(pg_project),
                "integration-test-external",
                "ARGS=-p no:randomly -k commits_and_is_killed",
            ],
            env={**os.environ, **own_env, "KILL_MARKER": str(marker)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(int(marker.read_text()), signal.SIGKILL)
        run.wait(timeout=30)
    with psycopg.connect(own_env["TEST_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    with redis.Redis.from_url(own_env["TEST_REDIS_URL"]) as client:
        assert client.get("profile:killed") == b"left behind"

    result = make(pg_project, "integration-test-external", env=own_env)

    assert result.returncode == 0, result.stdout[-3000:]
    with redis.Redis.from_url(own_env["TEST_REDIS_URL"]) as client:
        assert client.dbsize() == 0
    assert not list((pg_project / "tests/integration/.harness-runs").iterdir())


def test_a_changed_schema_file_is_applied_on_the_next_run(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    schema = pg_project / "tests/integration/schema/example_accounts.sql"
    original = schema.read_text()
    check = pg_project / "tests/integration/test_zz_schema.py"
    check.write_text(
        "def test_new_column(db):\n"
        "    db.execute(\"INSERT INTO accounts (email, display_name, plan) VALUES ('a@b.c', 'A', 'pro')\")\n"
    )
    try:
        first = make(pg_project, "integration-test-external", env=own_env)
        schema.write_text(
            original.replace(
                "display_name text NOT NULL",
                "display_name text NOT NULL,\n    plan text",
            )
        )
        second = make(pg_project, "integration-test-external", env=own_env)
    finally:
        schema.write_text(original)
        check.unlink()

    assert "1 failed" in first.stdout  # no column plan yet
    assert second.returncode == 0, second.stdout[-3000:]


def test_an_empty_setting_in_the_environment_is_one_clear_message(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    result = make(
        pg_project,
        "integration-test-external",
        env={**own_env, "TEST_DATABASE_URL": ""},
    )

    assert result.returncode != 0
    assert (
        output(result).count(
            "TEST_DATABASE_URL is set but empty in the environment: unset it or give it a value"
        )
        == 1
    )


def test_an_inline_comment_in_env_test_local_is_not_part_of_the_value(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    local = pg_project / ".env.test.local"
    local.write_text(
        f"TEST_DATABASE_URL={own_env['TEST_DATABASE_URL']}  # my own database\n"
        f"TEST_SERVICE_TIMEOUT=5 # seconds\n"
    )
    env = {
        k: v
        for k, v in own_env.items()
        if k not in ("TEST_DATABASE_URL", "TEST_SERVICE_TIMEOUT")
    }
    try:
        result = make(pg_project, "integration-test-external", env=env)
    finally:
        local.unlink()

    assert result.returncode == 0, output(result)[-3000:]
    assert f"/{OWN_DATABASE} ready" in result.stdout


# -- The rules themselves: names, hosts, secrets -----------------------------------------


@pytest.fixture
def safety(pg_project: Path):
    module = harness_module(pg_project, "safety")
    yield module
    forget_harness()


@pytest.mark.parametrize(
    "name",
    [
        "app_test",
        "test_app",
        "app-test-2",
        "my_test_db",
        "app_test_gw0",
        "app_test_w1",
        "test2",
        "app_tests",
        "APP_TEST",
        "test",
    ],
)
def test_test_as_a_whole_word_passes(safety, name: str) -> None:
    assert safety.is_test_database(name)


@pytest.mark.parametrize(
    "name",
    [
        "latest_orders",
        "contest",
        "latest_prod",
        "apptest",
        "attestation",
        "app",
        "testing",
    ],
)
def test_test_inside_a_word_does_not_pass(safety, name: str) -> None:
    assert not safety.is_test_database(name)
    with pytest.raises(
        safety.UnsafeTarget, match="'test' must be a whole word of its name"
    ):
        safety.ensure_test_database("PostgreSQL", "postgresql://127.0.0.1/x", name)


def test_local_names_pass_only_when_they_resolve_to_loopback(safety) -> None:
    def loopback_only(name: str) -> bool:
        try:
            infos = socket.getaddrinfo(name, None)
        except OSError:
            return False
        return all(
            i[4][0] in ("127.0.0.1", "::1") or i[4][0].startswith("127.") for i in infos
        )

    for name in ("localhost", "db.localhost", "api.test.localhost"):
        assert safety.is_disposable_host(name) == loopback_only(name), name
    for name in ("127.0.0.1.nip.io", "localhost.evil.example.com", "db.notlocalhost"):
        assert not safety.is_disposable_host(name)
    assert safety.is_disposable_host("127.0.0.2") and safety.is_disposable_host("[::1]")


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://test:hunter2@127.0.0.1/app_test",
        "postgresql://test@127.0.0.1/app_test?sslmode=require&password=hunter2",
        "redis://:hunter2@127.0.0.1:6379/0",
        "rediss://127.0.0.1:6380/0?Password=hunter2",
        "host=127.0.0.1 dbname=app_test password=hunter2 user=test",
        "host=127.0.0.1 password='hunter2 x' user=test",
        "http://127.0.0.1:4566/bucket?X-Amz-Credential=hunter2&X-Amz-Signature=hunter2",
        "http://127.0.0.1:4566/?X-Amz-Security-Token=hunter2",
        "http://127.0.0.1:8080/?token=hunter2&api_key=hunter2&apikey=hunter2",
        "http://127.0.0.1:8080/?key=hunter2&sig=hunter2&secret=hunter2",
        "amqp://user:hunter2@127.0.0.1/%2F",
    ],
)
def test_every_credential_form_is_redacted(safety, text: str) -> None:
    """(A service's own key formats are its test, services/<name>/test_<name>.py.)"""
    redacted = safety.redact(text)

    assert "hunter2" not in redacted
    assert "***" in redacted
    assert "127.0.0.1" in redacted


def test_report_header_and_readiness_problems_hide_the_password(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    base = postgres_url(OWN_DATABASE)
    query_password = base.replace("test:test@", "test@") + "?password=test"
    wrong = base.replace("test:test@", "test:wr0ngpass@")

    ready = make(
        pg_project,
        "integration-test-external",
        env={**own_env, "TEST_DATABASE_URL": query_password},
    )
    refused = make(
        pg_project,
        "integration-test-external",
        env={**own_env, "TEST_DATABASE_URL": wrong},
    )

    assert ready.returncode == 0, output(ready)[-3000:]
    assert f"/{OWN_DATABASE}?password=*** ready" in ready.stdout
    assert "password=test" not in output(ready)
    assert refused.returncode != 0
    assert "password authentication failed" in output(refused)
    assert "wr0ngpass" not in output(refused)


# -- Redis over a unix socket keeps its index ---------------------------------------------


@pytest.fixture
def unix_redis(tmp_path: Path) -> Iterator[Path]:
    """This test's own redis-server, on a unix socket only."""
    sock = tmp_path / "redis.sock"
    server = start_redis_server(tmp_path, "--port", "0", "--unixsocket", str(sock))
    wait_for_redis(unix_socket_path=str(sock))
    yield sock
    server.terminate()
    server.wait(timeout=10)


def test_a_unix_socket_redis_url_keeps_its_index(
    pg_project: Path, own_env: dict[str, str], unix_redis: Path
) -> None:
    url = f"unix://{unix_redis}?db=2"
    with (
        redis.Redis(unix_socket_path=str(unix_redis), db=3) as worker_index,
        redis.Redis(unix_socket_path=str(unix_redis), db=0) as index_zero,
    ):
        index_zero.set("not:ours", "kept")
        worker_index.set("left:over", "kept")
        refused = make(
            pg_project,
            "integration-test-external",
            "PARALLEL=2",
            env={**own_env, "TEST_REDIS_URL": url},
        )
        worker_index.delete("left:over")
        green = make(
            pg_project,
            "integration-test-external",
            "PARALLEL=2",
            env={**own_env, "TEST_REDIS_URL": url},
        )
        zero = index_zero.get("not:ours")

    assert output(refused).count("already holds 1 keys the harness did not create") == 1
    assert "?db=3" in output(refused)
    assert green.returncode == 0, output(green)[-3000:]
    assert zero == b"kept"


# -- MySQL/MariaDB: a hung server and a timed-out statement -------------------------------


@pytest.fixture(scope="module")
def maria_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("faults") / "maria",
        database="mariadb",
        cache="none",
        queue="none",
    )


@pytest.fixture
def maria_env(shared_venv: dict[str, str]) -> Iterator[dict[str, str]]:
    service = native_service("mariadb")
    admin = {
        "host": "127.0.0.1",
        "port": service.port,
        "user": service.user,
        "password": service.password,
    }
    with pymysql.connect(**admin, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {OWN_DATABASE}")
        cursor.execute(f"CREATE DATABASE {OWN_DATABASE}")
    yield {
        **shared_venv,
        "TEST_DATABASE_URL": f"mysql://{service.user}:{service.password}@127.0.0.1:{service.port}/{OWN_DATABASE}",
        "TEST_SERVICE_TIMEOUT": str(SERVICE_TIMEOUT),
    }
    with pymysql.connect(**admin, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {OWN_DATABASE}")


def test_a_hung_mariadb_ends_the_run_in_bound_with_one_line(
    maria_project: Path, maria_env: dict[str, str]
) -> None:
    server = HungServer()
    try:
        started = time.monotonic()
        result = make(
            maria_project,
            "integration-test-external",
            env={
                **maria_env,
                "TEST_DATABASE_URL": f"mysql://root:x@127.0.0.1:{server.port}/app_test",
            },
            timeout=SERVICE_TIMEOUT + TEST_TIMEOUT + 30,
        )
        seconds = time.monotonic() - started
    finally:
        server.close()

    print(f"\nfault mariadb-hung ended in {seconds:.1f} s")
    assert result.returncode != 0
    assert "INTERNALERROR" not in output(result)
    assert output(result).count("  - MariaDB") == 1
    assert seconds < SERVICE_TIMEOUT + TEST_TIMEOUT


MARIA_SLOW_TEST = """
import pytest


@pytest.mark.timeout(3)
def test_a_stuck_query(db):
    with db.cursor() as cursor:
        cursor.execute("SELECT SLEEP(20)")


@pytest.mark.parametrize("n", range(5))
def test_after_the_stuck_query(db, n):
    with db.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
"""


def test_a_timed_out_mariadb_statement_fails_one_test_and_the_rest_pass(
    maria_project: Path, maria_env: dict[str, str]
) -> None:
    with extra_test(maria_project, "test_zz_stuck.py", MARIA_SLOW_TEST):
        result = make(
            maria_project,
            "integration-test-external",
            "ARGS=-p no:randomly -k stuck_query",
            env=maria_env,
        )

    assert "1 failed, 5 passed" in result.stdout, result.stdout[-3000:]


# -- A service paused in the middle of a run -----------------------------------------------


@pytest.fixture
def own_redis_server(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """This test's own redis-server on a free port: (port, pid); resumed and stopped after."""
    port = free_port()
    server = start_redis_server(tmp_path, "--port", str(port), "--bind", "127.0.0.1")
    wait_for_redis(port=port)
    yield port, server.pid
    os.kill(server.pid, signal.SIGCONT)
    server.terminate()
    server.wait(timeout=10)


PAUSING_TEST = """
import os
import re
import signal

import pytest


def test_a_pauses_redis(redis):
    redis.set("before", "1")
    os.kill(int(os.environ["PAUSE_PID"]), signal.SIGSTOP)
    redis.get("before")


@pytest.mark.parametrize("n", range(10))
def test_b_later(redis, n):
    redis.set("later", n)
"""


def test_a_service_paused_mid_run_stops_the_run_with_one_line(
    pg_project: Path, own_env: dict[str, str], own_redis_server: tuple[int, int]
) -> None:
    port, pid = own_redis_server
    env = {
        **own_env,
        "TEST_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "PAUSE_PID": str(pid),
    }
    with extra_test(pg_project, "test_zz_pause.py", PAUSING_TEST):
        started = time.monotonic()
        result = make(
            pg_project,
            "integration-test-external",
            "ARGS=-p no:randomly -k 'pauses_redis or b_later'",
            env=env,
            timeout=SERVICE_TIMEOUT + TEST_TIMEOUT + 60,
        )
        seconds = time.monotonic() - started

    text = output(result)
    print(f"\nfault redis-paused-mid-run ended in {seconds:.1f} s")
    assert result.returncode != 0
    assert "INTERNALERROR" not in text
    assert text.count(f"Redis at redis://127.0.0.1:{port}/0 stopped answering") == 1
    assert (
        "test_b_later" not in text.split("short test summary info")[-1]
        or " passed" not in text
    )
    assert seconds < SERVICE_TIMEOUT + TEST_TIMEOUT


DROPPED_TEST = """
import psycopg


def test_1_before(db):
    assert db.execute("SELECT 1").fetchone() == (1,)


def test_2_drop_the_session_connections(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_3_right_after(db):
    assert db.execute("SELECT 1").fetchone() == (1,)


def test_4_later(db):
    assert db.execute("SELECT 1").fetchone() == (1,)
"""


def test_a_dropped_session_connection_fails_one_test_and_is_replaced(
    pg_project: Path, own_env: dict[str, str]
) -> None:
    with extra_test(pg_project, "test_zz_dropped.py", DROPPED_TEST):
        result = make(
            pg_project,
            "integration-test-external",
            "ARGS=-p no:randomly -v -k 'before or drop_the or right_after or later'",
            env=own_env,
        )

    assert "test_1_before PASSED" in result.stdout, result.stdout[-3000:]
    assert "test_3_right_after" in result.stdout
    assert "terminating connection due to administrator command" in result.stdout
    assert "did not yield a value" not in result.stdout
    assert "test_4_later PASSED" in result.stdout
    assert "stopped answering" not in output(result)


# -- Leaks of killed runs: swept when over an hour old, never a live run's -----------------
# (Each service's own sweep is its test, services/<name>/test_<name>.py.)


def test_mariadb_leftover_rows_and_a_changed_schema_do_not_fail_the_next_run(
    maria_project: Path, maria_env: dict[str, str]
) -> None:
    """A committed row (as a killed run leaves) is emptied; a changed schema file is applied."""
    first = make(maria_project, "integration-test-external", env=maria_env)
    assert first.returncode == 0, output(first)[-3000:]
    service = native_service("mariadb")
    with (
        pymysql.connect(
            host="127.0.0.1",
            port=service.port,
            user=service.user,
            password=service.password,
            database=OWN_DATABASE,
            autocommit=True,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO accounts (email, display_name) VALUES ('killed@example.com', 'K')"
        )
    schema = next((maria_project / "tests/integration/schema").glob("*.sql"))
    original = schema.read_text()
    check = maria_project / "tests/integration/test_zz_schema.py"
    check.write_text(
        "def test_new_column(db):\n"
        "    with db.cursor() as cursor:\n"
        '        cursor.execute("INSERT INTO accounts (email, display_name, plan)'
        " VALUES ('a@b.c', 'A', 'pro')\")\n"
    )
    try:
        schema.write_text(
            original.replace(
                "CREATE TABLE IF NOT EXISTS accounts (",
                "CREATE TABLE IF NOT EXISTS accounts (\n    plan varchar(20),",
                1,
            )
        )
        second = make(maria_project, "integration-test-external", env=maria_env)
    finally:
        schema.write_text(original)
        check.unlink()

    assert second.returncode == 0, output(second)[-3000:]


def test_unique_names_carry_their_creation_stamp(pg_project: Path) -> None:
    naming = harness_module(pg_project, "naming")
    try:
        name = naming.unique_test_name("make_queue", "orders", "-")
        old = f"test-main-orders-{stamp(time.time() - 7200)}abcdef"
        checks = (
            naming.created_at(name, "-"),
            naming.is_stale_test_name(name, "-"),
            naming.is_stale_test_name(old, "-"),
            naming.is_stale_test_name("test-main-orders-0000000abcdeg", "-"),
            naming.is_stale_test_name("orders-main-x-0000000abcdef", "-"),
        )
    finally:
        forget_harness()

    assert re.fullmatch(r"test-[a-z0-9]+-orders-[0-9a-z]{7}[0-9a-f]{6}", name)
    assert abs(checks[0] - time.time()) < 60
    assert checks[1:] == (False, True, False, False)


QUEUE_EXPIRY_TEST = """
import pika.exceptions
import pytest


def test_make_queue_queues_expire_unused(amqp_channel, make_queue):
    name = make_queue("expiring")
    # Declaring it again with the same x-expires is accepted: that is what it has.
    amqp_channel.queue_declare(name, durable=False, arguments={"x-expires": 3_600_000})
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        amqp_channel.queue_declare(name, durable=False)  # without it: not the same queue
    assert refused.value.reply_code == 406
"""


def test_rabbitmq_queues_of_a_killed_run_expire_on_their_own(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """AMQP cannot list queues to sweep: every make_queue queue carries x-expires of an hour."""
    project = render(
        tmp_path / "project", database="none", cache="none", queue="rabbitmq"
    )
    (project / "tests/integration/test_zz_expiry.py").write_text(QUEUE_EXPIRY_TEST)

    result = make(
        project,
        "integration-test-external",
        "ARGS=-p no:randomly -k expire_unused",
        env=shared_venv,
    )

    assert result.returncode == 0, output(result)[-3000:]
    assert "1 passed" in result.stdout
