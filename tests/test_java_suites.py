"""language=java: generated Maven suites end to end against the native services, and render checks.

What covers what (CI time matters: each Maven run costs a JVM start, about 5 s here):
- The default stack (PostgreSQL, Redis as cache, RabbitMQ) with ``web_framework=spring-web`` (the
  accounts API through MockMvc on the real database, and its Redis rate limit), MySQL with Redis
  Streams, MariaDB with Kafka, NATS with the three external-service mocks (WireMock, Mailpit,
  stripe-mock: external_services=http_api,email,payments), MQTT with S3 object storage and
  MongoDB (``mqtt-s3``: Mosquitto, moto's S3, presigned URL included, and FerretDB 1.24 as
  MongoDB, document_store=mongodb, with the MongoDB Java driver) and SQS alone (``sqs-alone``:
  moto's SQS with dead-letter queues) (together every service and example Java offers) run in
  a new random order (JUnit's random class and method orderers), the default stack three times
  in a row and the others once, then each with ``PARALLEL=2`` (two
  Surefire forks, each a worker with its own database and Redis index); the leak audit must
  find nothing after each run; the default stack's last run must leave its reports
  (Surefire's JUnit XML, JaCoCo's XML naming the example app) where CI publishes them. (MySQL's project runs against the native MariaDB, with MySQL
  Connector/J, as the Python MySQL variant does.) MySQL with Redis Streams answers
  ``migrations=flyway``: Flyway builds each fork's database from the example migration and
  ``MigrationsIT`` runs (upgrade from empty, again, clean then upgrade on scratch databases).
- Every Java project shape (default stack with and without spring-web, spring-web on MySQL
  without Redis, each service alone, no services) is compiled with ``-Xlint:all`` and warnings
  as errors (``maven.compiler.failOnWarning`` in its pom.xml): the end-to-end projects by their
  runs, the others by a compile of their own.
- The harness's refusals: a service that does not answer stops the run with one message, the
  guard refuses a remote host and a database not named as a test database, and a second run on
  a database another run holds (the lock the Python and TypeScript harnesses take) is refused;
  a remote MQTT broker and AWS endpoint are refused in one message (``mqtt-s3``), and a run
  removes the queues, buckets and retained messages a killed run left, keeping newer ones;
  on MongoDB (``mongodb-alone``) it empties the test database and drops the worker databases
  a killed run left, keeping another database.
- ``migrations=flyway`` on PostgreSQL (``postgres-alone``, otherwise compiled only): a broken
  second migration fails the run with one message naming it, after the first one ran.
- The guard cases of MongoDB, MQTT, AWS and the three external-service mocks (their guard.yml: hostile
  settings refused, safe ones accepted) through the Java modules, without a service
  (``GuardCases``, a main class run on the compiled suite).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import boto3
import paho.mqtt.client as mqtt
import psycopg
import pymongo
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from native.common import native_service
from tests.audit import leftovers
from tests.rig import assert_reports, guard_cases, make, render, services_for

NONE = {"database": "none", "cache": "none", "queue": "none"}
JAVA = {
    "default-stack": {"web_framework": "spring-web"},
    "default-stack-plain": {},
    "spring-web-mysql": {**NONE, "database": "mysql", "web_framework": "spring-web"},
    # migrations=flyway compiled on PostgreSQL (run end to end on MySQL below).
    "postgres-alone": {**NONE, "database": "postgres", "migrations": "flyway"},
    "mysql-alone": {**NONE, "database": "mysql"},
    "mariadb-alone": {**NONE, "database": "mariadb"},
    "redis-alone": {**NONE, "cache": "redis"},
    "rabbitmq-alone": {**NONE, "queue": "rabbitmq"},
    "redis-streams-alone": {**NONE, "queue": "redis"},
    "kafka-alone": {**NONE, "queue": "kafka"},
    "nats-alone": {**NONE, "queue": "nats"},
    "http-mock-alone": {**NONE, "external_services": ["http_api"]},
    "mail-alone": {**NONE, "external_services": ["email"]},
    "stripe-alone": {**NONE, "external_services": ["payments"]},
    "nats-external-services": {
        **NONE,
        "queue": "nats",
        "external_services": ["http_api", "email", "payments"],
    },
    "mqtt-alone": {**NONE, "queue": "mqtt"},
    "sqs-alone": {**NONE, "queue": "sqs"},
    "mqtt-s3": {
        **NONE,
        "document_store": "mongodb",
        "queue": "mqtt",
        "external_services": ["object_storage"],
    },
    "mongodb-alone": {**NONE, "document_store": "mongodb"},
    "mariadb-kafka": {**NONE, "database": "mariadb", "queue": "kafka"},
    # migrations=flyway: Flyway builds each fork's database, MigrationsIT runs.
    "mysql-redis-streams": {
        **NONE,
        "database": "mysql",
        "queue": "redis",
        "migrations": "flyway",
    },
    "no-services": {**NONE, "ci": "none"},
}
SUMMARY = re.compile(
    r"^\[\w+\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)$",
    re.MULTILINE,
)


def java_project(path: Path, name: str) -> Path:
    """Render the Java project ``name`` of `JAVA` into ``path``."""
    return render(path / name, language="java", **JAVA[name])


def summary(output: str) -> tuple[int, int, int, int]:
    """Surefire's closing count: (run, failures, errors, skipped); zeros when none ran."""
    found = SUMMARY.findall(output)
    return tuple(int(n) for n in found[-1]) if found else (0, 0, 0, 0)  # type: ignore[return-value]


# The projects run end to end, and the example classes each must run.
END_TO_END = {
    "default-stack": (
        "AccountsIT",
        "ProfileCacheIT",
        "SignupEventsIT",
        "AccountsApiIT",
        "AccountsApiRateLimitIT",
    ),
    "mysql-redis-streams": ("AccountsIT", "JobQueueIT", "MigrationsIT"),
    "mariadb-kafka": ("AccountsIT", "ShipmentEventsIT"),
    "nats-external-services": (
        "OrderEventsIT",
        "ExchangeRatesIT",
        "WelcomeMailIT",
        "CheckoutPaymentsIT",
    ),
    "nats-alone": ("OrderEventsIT",),
    "mqtt-s3": ("UserDirectoryIT", "TelemetryIT", "AvatarsIT"),
    "sqs-alone": ("InvoiceJobsIT",),
}
HEADER = {
    "default-stack": r"PostgreSQL [\d.]+ at postgresql://test:\*\*\*@.* ready in \d+ ms; "
    r"Redis [\d.]+ at redis://.* ready in \d+ ms; RabbitMQ [\d.]+ at amqp://test:\*\*\*@",
    "mysql-redis-streams": r"MariaDB [\d.]+ at mysql://root:\*\*\*@.* ready in \d+ ms; "
    r"Redis [\d.]+ at redis://",
    "mariadb-kafka": r"MariaDB [\d.]+ at mysql://root:\*\*\*@.* ready in \d+ ms; "
    r"Apache Kafka \(KRaft\), 1 broker at 127\.0\.0\.1:\d+ ready in \d+ ms",
    "nats-external-services": r"NATS JetStream [\d.]+ at nats://127\.0\.0\.1:\d+ ready in \d+ ms; "
    r"HTTP API mock \(WireMock\) [\d.]+ at http://127\.0\.0\.1:\d+ ready in \d+ ms; "
    r"E-mail capture \(Mailpit\) at http://127\.0\.0\.1:\d+ ready in \d+ ms; "
    r"Stripe API mock \(stripe-mock\) \S+ at http://127\.0\.0\.1:\d+ ready in \d+ ms$",
    "nats-alone": r"NATS JetStream [\d.]+ at nats://127\.0\.0\.1:\d+ ready in \d+ ms",
    "mqtt-s3": r"MongoDB [\d.]+ \(FerretDB\) at mongodb://127\.0\.0\.1:\d+/app_test ready in \d+ ms; "
    r"mosquitto version [\d.]+ at mqtt://127\.0\.0\.1:\d+ ready in \d+ ms; "
    r"AWS emulator \(moto; SQS, S3\) at http://127\.0\.0\.1:\d+ ready in \d+ ms",
    "sqs-alone": r"^AWS emulator \(moto; SQS, S3\) at http://127\.0\.0\.1:\d+ ready in \d+ ms$",
}


@pytest.mark.parametrize("name", list(END_TO_END))
def test_java_suite_passes_repeatedly_and_in_parallel_leaving_nothing(
    name: str, tmp_path: Path
) -> None:
    project = java_project(tmp_path, name)
    assert leftovers() == {}, "services were not clean before the run"

    counts = []
    serial_runs = 3 if name == "default-stack" else 1
    for args in ("PARALLEL=",) * serial_runs + ("PARALLEL=2",):
        result = make(project, "integration-test-external", args)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert "BUILD SUCCESS" in output, output[-4000:]
        run, failures, errors, skipped = summary(output)
        assert (failures, errors, skipped) == (0, 0, 0), output[-4000:]
        assert "VM warning" not in output, output[-4000:]
        counts.append(run)
        assert leftovers() == {}, f"left behind after {args}"
        header = re.search(r"^integration-harness: (.*)$", output, re.MULTILINE)
        assert header, output[-3000:]
        assert re.search(HEADER[name], header.group(1)), header.group(1)
        for example in END_TO_END[name]:
            assert f"in integration.{example}" in output, example

    assert len(set(counts)) == 1 and counts[0] > 0, counts
    if name == "default-stack":
        # The last run (two forks) left its Surefire XML and JaCoCo report where CI
        # publishes them.
        assert_reports(project, "java", counts[-1])


@pytest.mark.parametrize("name", [name for name in JAVA if name not in END_TO_END])
def test_every_java_project_compiles_with_warnings_as_errors(
    name: str, tmp_path: Path
) -> None:
    project = java_project(tmp_path, name)
    pom = (project / "tests/integration/pom.xml").read_text()
    assert "<maven.compiler.failOnWarning>true</maven.compiler.failOnWarning>" in pom
    assert "<arg>-Xlint:all</arg>" in pom

    build = subprocess.run(
        ["mvn", "-B", "-ntp", "-q", "test-compile"],
        cwd=project / "tests/integration",
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )

    output = build.stdout + build.stderr
    assert build.returncode == 0, output[-4000:]
    assert "warning" not in output.lower(), output[-4000:]


def test_java_down_service_stops_the_run_quickly_with_one_message(
    tmp_path: Path,
) -> None:
    project = java_project(tmp_path, "redis-alone")
    started = time.monotonic()
    result = make(
        project,
        "integration-test-external",
        env={"TEST_REDIS_PORT": "1", "TEST_SERVICE_TIMEOUT": "2"},
    )
    took = time.monotonic() - started

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert took < 120
    assert "integration-harness: service is not usable, no test was run:" in output
    assert "Redis at redis://127.0.0.1:1/0: no answer within 2s" in output
    assert "make integration-services-up" in output and "TEST_REDIS_URL" in output
    run, failures, errors, _skipped = summary(output)
    assert (run - failures - errors) == 0, output[-3000:]


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        (
            "postgresql://test:secret@db.example.com:5432/app_test",
            "host 'db.example.com' is not loopback, a compose service or listed in",
        ),
        (
            "postgresql://test:secret@127.0.0.1:25432/app",
            "database 'app' is not a test database: 'test' must be a whole word of its name",
        ),
    ],
    ids=["remote-host", "dev-database"],
)
def test_java_guard_refuses_before_any_test(
    url: str, refusal: str, tmp_path: Path
) -> None:
    project = java_project(tmp_path, "postgres-alone")

    result = make(project, "integration-test-external", env={"TEST_DATABASE_URL": url})

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert refusal in output, output[-3000:]
    assert "secret" not in output and "test:***@" in output
    run, failures, errors, _skipped = summary(output)
    assert (run - failures - errors) == 0


def test_java_run_is_refused_while_another_run_holds_the_database(
    tmp_path: Path,
) -> None:
    """The same advisory lock as the Python harness: a second run never empties the first's tables."""
    project = java_project(tmp_path, "postgres-alone")
    with psycopg.connect(native_service("postgres").url, autocommit=True) as holder:
        holder.execute(
            "SELECT pg_advisory_lock(hashtext('integration-harness:app_test'))"
        )
        result = make(project, "integration-test-external")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Another test run is using PostgreSQL database 'app_test'" in output
    assert leftovers() == {}


def test_java_run_refuses_a_redis_database_holding_keys_and_keeps_them(
    tmp_path: Path,
) -> None:
    project = java_project(tmp_path, "redis-alone")
    with redis.Redis.from_url(native_service("redis").url) as client:
        client.set("not-ours", "1")
        try:
            result = make(project, "integration-test-external")
            kept = client.get("not-ours")
        finally:
            client.delete("not-ours")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the database already holds 1 keys the harness did not create" in output
    assert kept == b"1"


def test_java_failing_flyway_migration_fails_the_run_naming_it(tmp_path: Path) -> None:
    """migrations=flyway on PostgreSQL: V1 runs, a broken V2 fails every test that needs
    the database (and the migration tests) with one message naming it; nothing left."""
    project = java_project(tmp_path, "postgres-alone")
    (project / "tests/integration/migrations/V2__broken.sql").write_text(
        "CREATE TABLE broken (account_id bigint REFERENCES no_such_table (id));\n"
    )

    result = make(project, "integration-test-external")

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        "PostgreSQL: migration V2 (V2__broken.sql) failed on database 'app_test': "
        'ERROR: relation "no_such_table" does not exist'
    ) in output, output[-3000:]
    assert "in integration.MigrationsIT" in output
    run, failures, errors, _skipped = summary(output)
    assert run > 0 and failures + errors == run, output[-3000:]
    assert leftovers() == {}


def test_java_run_stops_on_a_missing_managed_file_before_any_service(
    tmp_path: Path,
) -> None:
    project = java_project(tmp_path, "postgres-alone")
    managed = project / "tests/integration/src/test/resources/simplelogger.properties"
    managed.unlink()

    result = make(
        project,
        "integration-test-external",
        # Unreachable on purpose: the check must stop the run before any service is asked.
        env={"TEST_POSTGRES_PORT": "1"},
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "integration-harness: managed files are broken, no test was run:" in output
    assert "simplelogger.properties: missing" in output
    assert "-x 'tests/integration/src/test/java/integration/*IT.java'" in output
    assert "no answer within" not in output


def test_java_guard_refuses_a_remote_broker_and_aws_endpoint_naming_both(
    tmp_path: Path,
) -> None:
    """MQTT and AWS settings of a cloud host are refused before any test, in one message."""
    project = java_project(tmp_path, "mqtt-s3")

    result = make(
        project,
        "integration-test-external",
        env={
            "TEST_MQTT_URL": "mqtts://user:secret@a1b2c3-ats.iot.eu-west-1.amazonaws.com:8883",
            "TEST_AWS_ENDPOINT_URL": "https://sqs.eu-west-1.amazonaws.com",
        },
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "integration-harness: 2 services are not usable, no test was run:" in output
    assert (
        "Refusing to clean MQTT (Mosquitto) at mqtts://user:***@a1b2c3-ats.iot.eu-west-1"
        ".amazonaws.com:8883: host 'a1b2c3-ats.iot.eu-west-1.amazonaws.com' is not loopback"
    ) in output, output[-3000:]
    assert (
        "Refusing to clean AWS emulator (moto; SQS, S3) at https://sqs.eu-west-1.amazonaws.com:"
        " host 'sqs.eu-west-1.amazonaws.com' is not loopback"
    ) in output, output[-3000:]
    assert "secret" not in output
    run, failures, errors, _skipped = summary(output)
    assert (run - failures - errors) == 0


def base36(number: int, width: int = 7) -> str:
    """``number`` in ``width`` base-36 digits, as the harness stamps names."""
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
    return digits.rjust(width, "0")


def test_java_run_removes_what_a_killed_run_left_on_mqtt_and_aws_and_nothing_newer(
    tmp_path: Path,
) -> None:
    """Before the first test: queues, buckets and retained messages under harness names over an
    hour old are removed; a name made a minute ago (another run's) is kept."""
    project = java_project(tmp_path, "mqtt-s3")
    old = base36(int(time.time()) - 7200) + "abcdef"
    recent = base36(int(time.time()) - 60) + "abcdef"
    options = {
        "endpoint_url": native_service("aws").url,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    sqs, s3 = boto3.client("sqs", **options), boto3.client("s3", **options)
    sqs.create_queue(QueueName=f"test-main-invoices-{old}")
    kept = sqs.create_queue(QueueName=f"test-main-invoices-{recent}")["QueueUrl"]
    s3.create_bucket(Bucket=f"test-main-avatars-{old}")
    s3.put_object(Bucket=f"test-main-avatars-{old}", Key="avatars/7", Body=b"x")
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", native_service("mqtt").port)
    publisher.loop_start()
    publisher.publish(
        f"test/main/telemetry/{old}/status", b"online", qos=1, retain=True
    ).wait_for_publish(5)
    publisher.disconnect()
    publisher.loop_stop()
    try:
        result = make(project, "integration-test-external")
        queues = sqs.list_queues(QueueNamePrefix="test-").get("QueueUrls", [])
        left = leftovers()
    finally:
        sqs.delete_queue(QueueUrl=kept)
        sweep_killed_run(
            sqs, s3, f"test-main-invoices-{old}", f"test/main/telemetry/{old}"
        )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert queues == [kept]
    assert left == {"aws": {f"test-main-invoices-{recent}": 1}}
    assert leftovers() == {}


def sweep_killed_run(sqs, s3, name: str, prefix: str) -> None:
    """Remove what the killed-run test made if the run under test did not (other tests
    need clean services)."""
    for url in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []):
        sqs.delete_queue(QueueUrl=url)
    bucket = name.replace("invoices", "avatars")
    if any(b["Name"] == bucket for b in s3.list_buckets().get("Buckets", [])):
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", native_service("mqtt").port)
    client.loop_start()
    client.publish(f"{prefix}/status", b"", qos=1, retain=True).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def test_java_run_empties_what_a_killed_run_left_on_mongodb_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Before the first test: the test database's documents and the worker databases beside it
    (``app_test_w<N>``, a killed ``PARALLEL`` run's) go; another test database is kept."""
    project = java_project(tmp_path, "mongodb-alone")
    with pymongo.MongoClient(
        native_service("mongodb").url, serverSelectionTimeoutMS=5000
    ) as client:
        client["app_test"]["users"].insert_one({"email": "killed@example.com"})
        client["app_test_w3"]["users"].insert_one({"email": "worker@example.com"})
        client["other_test"]["users"].insert_one({"email": "kept@example.com"})
        try:
            result = make(project, "integration-test-external")
            databases = client.list_database_names()
            left = client["app_test"]["users"].count_documents({})
            kept = client["other_test"]["users"].count_documents({})
        finally:
            client.drop_database("other_test")
            client.drop_database("app_test_w3")
            client["app_test"]["users"].delete_many({})

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "in integration.UserDirectoryIT" in output
    assert "app_test_w3" not in databases
    assert left == 0
    assert kept == 1
    assert leftovers() == {}


GUARD_CASES = """\
import integration.harness.Services;
import integration.harness.Settings;
import java.util.Map;

/** Feeds each service's guard.yml cases to its Java module's guard. */
public class GuardCases {
  record Case(String service, String url, boolean safe) {}

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.load(Map.of(), null);
    Case[] cases = {
%s
    };
    int failures = 0;
    for (Case c : cases) {
      RuntimeException refusal = null;
      try {
        Services.ALL.stream()
            .filter(service -> service.name().equals(c.service()))
            .findFirst()
            .orElseThrow()
            .module()
            .guard(c.url(), settings);
      } catch (RuntimeException error) {
        refusal = error;
      }
      if (c.safe() == (refusal != null)) {
        failures++;
        System.out.println(
            (c.safe() ? "refused safe " : "accepted hostile ") + c.service() + " " + c.url()
                + (refusal == null ? "" : ": " + refusal.getMessage()));
      }
    }
    System.out.println(cases.length + " cases, " + failures + " failed");
    System.exit(failures == 0 ? 0 : 1);
  }
}
"""


@pytest.mark.parametrize("name", ["mqtt-s3", "nats-external-services"])
def test_java_guards_refuse_every_hostile_setting(name: str, tmp_path: Path) -> None:
    """The guard cases every language's guard must pass (each service's guard.yml),
    through the project's Java modules; no service is asked."""
    project = java_project(tmp_path, name)
    suite = project / "tests/integration"
    cases = [
        f"      new Case({json.dumps(service)}, {json.dumps(url)}, {str(safe).lower()}),"
        for service in services_for(JAVA[name])
        for safe in (False, True)
        for url in guard_cases(service)["safe" if safe else "hostile"]
    ]
    build = subprocess.run(
        ["mvn", "-B", "-ntp", "-q", "test-compile", "dependency:build-classpath"]
        + ["-Dmdep.outputFile=classpath.txt"],
        cwd=suite,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert build.returncode == 0, (build.stdout + build.stderr)[-3000:]
    (tmp_path / "GuardCases.java").write_text(GUARD_CASES % "\n".join(cases))
    classpath = (
        f"{suite / 'target/test-classes'}:{(suite / 'classpath.txt').read_text()}"
    )
    subprocess.run(
        [
            "javac",
            "-d",
            str(tmp_path),
            "-cp",
            classpath,
            str(tmp_path / "GuardCases.java"),
        ],
        check=True,
        timeout=120,
    )

    result = subprocess.run(
        ["java", "-cp", f"{tmp_path}:{classpath}", "GuardCases"],
        cwd=suite,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert len(cases) >= 5
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"{len(cases)} cases, 0 failed" in result.stdout
