"""stripe-mock built from the Go module proxy with the machine's Go, on the catalogue's port."""

from __future__ import annotations

import os

from native.common import (
    CACHE_DIR,
    NativeService,
    ensure_running,
    require,
    run,
    spawn,
)

MODULE = "github.com/stripe/stripe-mock@v0.203.0"
BIN_DIR = CACHE_DIR / "stripe-mock-v0.203.0"


def _launch(service: NativeService) -> None:
    binary = BIN_DIR / "stripe-mock"
    if not binary.exists():
        print(f"native: building {MODULE} with go install", flush=True)
        run(require("go"), "install", MODULE, env={**os.environ, "GOBIN": str(BIN_DIR)})
    spawn(
        [str(binary), "-http-addr", f"127.0.0.1:{service.port}"],
        "stripe-mock.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"{BIN_DIR}/stripe-mock", check=False)
