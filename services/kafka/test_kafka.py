"""The template's tests that are only about Kafka: its compose entry's log directory on the
tmpfs, and the sweep of topics a killed run left."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from native.common import native_service
from services.kafka import native as native_kafka
from tests.rig import (
    CATALOGUE,
    all_combinations,
    alone_answers,
    combination_id,
    compose_file,
    env_file,
    make,
    render,
    services_for,
    stamp,
)

SERVICE = "kafka"
WITH_KAFKA = [a for a in all_combinations() if SERVICE in services_for(a)]


def kafka_service(project: Path) -> dict:
    """Kafka's service in the project's compose.test.yaml."""
    host = CATALOGUE[SERVICE]["compose_host"]
    return compose_file(project)["services"][host]


@pytest.mark.parametrize("answers", WITH_KAFKA, ids=combination_id)
@pytest.mark.render_only
def test_kafka_keeps_its_log_on_the_tmpfs(answers: dict, tmp_path: Path) -> None:
    """With env-only config the image's server.properties has only KAFKA_* values."""
    kafka = kafka_service(render(tmp_path / "project", **answers))
    # The image maps KAFKA_LOG_DIRS to log.dirs (else /tmp/kafka-logs, on disk).
    assert kafka["environment"]["KAFKA_LOG_DIRS"] in kafka["tmpfs"]


def test_kafka_image_wrapper_writes_log_dirs_on_the_tmpfs(tmp_path: Path) -> None:
    """The image's own env-to-config step (KafkaDockerWrapper), run on our environment.

    The wrapper is in Kafka's core jar (the native broker's jars, same version as
    the image). The tmpfs path is moved under tmp_path so nothing is written to /tmp.
    """
    image_version = CATALOGUE[SERVICE]["image"].rpartition(":")[2]
    assert native_kafka.VERSION == image_version
    if not (native_kafka.LIBS / f"kafka_2.13-{image_version}.jar").is_file():
        pytest.skip("Kafka jars not fetched (python -m native start kafka)")
    project = render(tmp_path / "project", **WITH_KAFKA[0])
    settings = env_file(project)
    kafka = kafka_service(project)
    (tmpfs,) = kafka["tmpfs"]
    moved = str(tmp_path / "tmpfs") + tmpfs

    dirs = {d: tmp_path / d for d in ("default", "mounted", "final")}
    for d in dirs.values():
        d.mkdir()
    # The image's default file (its log.dirs is never read once any KAFKA_* is set).
    (dirs["default"] / "server.properties").write_text(f"log.dirs={tmpfs}\n")
    (dirs["final"] / "server.properties").write_text("")
    environment = {
        key: re.sub(r"\$\{(\w+)\}", lambda m: settings[m.group(1)], value).replace(
            tmpfs, moved
        )
        for key, value in kafka["environment"].items()
    }
    # Checked first: without it the wrapper would format /tmp/kafka-logs here.
    assert environment.get("KAFKA_LOG_DIRS") == moved, environment
    result = subprocess.run(
        [
            "java",
            "-cp",
            f"{native_kafka.LIBS}/*",
            "kafka.docker.KafkaDockerWrapper",
            "setup",
            *("--default-configs-dir", str(dirs["default"])),
            *("--mounted-configs-dir", str(dirs["mounted"])),
            *("--final-configs-dir", str(dirs["final"])),
        ],
        env={
            "PATH": os.environ["PATH"],
            "CLUSTER_ID": "5L6g3nShT-eMCtK--X86sw",  # the image's configureDefaults
            **environment,
        },
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (dirs["final"] / "server.properties").read_text()
    config = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    assert config["log.dirs"] == moved
    assert any(Path(moved).iterdir())  # the storage was formatted there
    # Only the environment counts: without KAFKA_LOG_DIRS, Kafka's /tmp/kafka-logs.
    assert len(config) == len(environment)


def test_kafka_topics_a_killed_run_leaked_are_swept_and_fresh_ones_kept(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """On the shared broker: a 2-hour-old test topic goes, a fresh one stays."""
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": native_service(SERVICE).url})
    stale = f"test-main-orders-{stamp(time.time() - 7200)}a1b2c3"
    fresh = f"test-main-orders-{stamp(time.time())}d4e5f6"
    for future in admin.create_topics(
        [NewTopic(stale, 1, 1), NewTopic(fresh, 1, 1)]
    ).values():
        future.result(timeout=30)
    project = render(tmp_path / "kafka", **alone_answers(SERVICE))
    try:
        result = make(
            project, "integration-test-external", "ARGS=-k settings", env=shared_venv
        )
        topics = set(admin.list_topics(timeout=10).topics)
    finally:
        leftovers = [
            name
            for name in (fresh, stale)
            if name in admin.list_topics(timeout=10).topics
        ]
        if leftovers:
            for future in admin.delete_topics(leftovers).values():
                future.result(timeout=30)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert stale not in topics
    assert fresh in topics
