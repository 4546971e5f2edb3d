"""Apache Kafka in KRaft mode (one broker that is its own controller), from the broker's
jars on Maven Central, run with the machine's Java 17.

The jars are resolved once with Maven (``mvn dependency:copy-dependencies``) into
the cache; the broker listens on 127.0.0.1 only: clients on the catalogue's port,
the controller on the port after it.
"""

from __future__ import annotations

import base64
import uuid

from native.common import (
    CACHE_DIR,
    STATE_DIR,
    NativeService,
    ensure_running,
    require,
    run,
    spawn,
    start_empty,
)

VERSION = "4.1.0"
LIBS = CACHE_DIR / f"kafka-{VERSION}" / "libs"
DATA_DIR = STATE_DIR / "kafka"
CONFIG = STATE_DIR / "kafka.properties"
POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>integration-harness</groupId><artifactId>native-kafka</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{VERSION}</version>
    </dependency>
  </dependencies>
</project>
"""


def _jars() -> str:
    if not (LIBS / f"kafka_2.13-{VERSION}.jar").is_file():
        print(f"native: resolving Kafka {VERSION} jars from Maven Central", flush=True)
        LIBS.mkdir(parents=True, exist_ok=True)
        (LIBS.parent / "pom.xml").write_text(POM)
        run(
            require("mvn"),
            "-q",
            "-B",
            "-f",
            str(LIBS.parent / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIBS}",
            "-DincludeScope=runtime",
        )
    return f"{LIBS}/*"


def _config(port: int) -> str:
    controller = port + 1
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={DATA_DIR}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=4",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            # A deleted test topic must stay deleted, not come back on a client's next look.
            "auto.create.topics.enable=false",
            "",
        ]
    )


def _launch(service: NativeService) -> None:
    classpath = _jars()
    java = require("java")
    CONFIG.write_text(_config(service.port))
    start_empty(DATA_DIR)
    cluster_id = "-"
    while cluster_id.startswith("-"):  # the tool would read it as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    run(
        java,
        "-cp",
        classpath,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        cluster_id,
        "-c",
        str(CONFIG),
    )
    spawn(
        [java, "-Xmx512m", "-cp", classpath, "kafka.Kafka", str(CONFIG)],
        "kafka.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"kafka.Kafka {CONFIG}", check=False)
