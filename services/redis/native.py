"""Redis from Debian's packages, a throwaway in-memory server on the catalogue's port."""

from __future__ import annotations

from native.common import STATE_DIR, NativeService, ensure_running, require, run

PACKAGES = ("redis-server",)


def start(service: NativeService) -> None:
    ensure_running(
        service,
        PACKAGES,
        lambda: run(
            require("redis-server"),
            *("--port", str(service.port), "--bind", "127.0.0.1", "--daemonize", "yes"),
            *("--save", "", "--appendonly", "no", "--dir", str(STATE_DIR)),
            *(
                "--pidfile",
                str(STATE_DIR / "redis.pid"),
                "--logfile",
                str(STATE_DIR / "redis.log"),
            ),
        ),
    )


def stop(service: NativeService) -> None:
    run("redis-cli", "-p", str(service.port), "shutdown", "nosave", check=False)
