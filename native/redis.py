"""Redis from Debian's packages, a throwaway in-memory server on the catalogue's port."""

from __future__ import annotations

from .common import (
    STATE_DIR,
    NativeService,
    apt_install,
    port_open,
    require,
    run,
    wait_until,
)

PACKAGES = ("redis-server",)


def start(service: NativeService) -> None:
    apt_install(*PACKAGES)
    if port_open(service.port):
        return
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    run(
        require("redis-server"),
        "--port",
        str(service.port),
        "--bind",
        "127.0.0.1",
        "--daemonize",
        "yes",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(STATE_DIR),
        "--pidfile",
        str(STATE_DIR / "redis.pid"),
        "--logfile",
        str(STATE_DIR / "redis.log"),
    )
    wait_until(lambda: port_open(service.port), "redis")


def stop(service: NativeService) -> None:
    run("redis-cli", "-p", str(service.port), "shutdown", "nosave", check=False)
