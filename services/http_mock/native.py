"""WireMock from its standalone jar on Maven Central, run with the machine's Java."""

from __future__ import annotations

from native.common import (
    STATE_DIR,
    NativeService,
    ensure_running,
    maven_artifact,
    require,
    run,
    spawn,
    start_empty,
)

ARTIFACT = "org.wiremock:wiremock-standalone:3.13.2"
ROOT_DIR = STATE_DIR / "wiremock"


def _launch(service: NativeService) -> None:
    jar = maven_artifact(ARTIFACT)
    start_empty(ROOT_DIR)
    spawn(
        [
            require("java"),
            "-Xmx256m",
            "-jar",
            str(jar),
            "--port",
            str(service.port),
            "--bind-address",
            "127.0.0.1",
            "--root-dir",
            str(ROOT_DIR),
            "--disable-banner",
        ],
        "wiremock.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"wiremock-standalone.*--root-dir {ROOT_DIR}", check=False)
