"""NATS from Debian's packages, with JetStream, on the catalogue's port."""

from __future__ import annotations

import subprocess

from native.common import (
    STATE_DIR,
    NativeService,
    ensure_running,
    require,
    run,
    start_empty,
)

PACKAGES = ("nats-server",)


def _launch(service: NativeService) -> None:
    store = start_empty(STATE_DIR / "nats")
    with (STATE_DIR / "nats.log").open("a") as log:
        subprocess.Popen(
            [
                require("nats-server"),
                "-a",
                "127.0.0.1",
                "-p",
                str(service.port),
                "-js",
                "-sd",
                str(store),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start(service: NativeService) -> None:
    ensure_running(service, PACKAGES, lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"nats-server -a 127.0.0.1 -p {service.port}", check=False)
