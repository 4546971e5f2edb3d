"""NATS from Debian's packages, with JetStream, on the catalogue's port."""

from __future__ import annotations

import subprocess

from .common import (
    STATE_DIR,
    NativeService,
    apt_install,
    port_open,
    require,
    run,
    wait_until,
)

PACKAGES = ("nats-server",)


def start(service: NativeService) -> None:
    apt_install(*PACKAGES)
    if port_open(service.port):
        return
    store = STATE_DIR / "nats"
    store.mkdir(parents=True, exist_ok=True)
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
    wait_until(lambda: port_open(service.port), "nats")


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"nats-server -a 127.0.0.1 -p {service.port}", check=False)
