"""Mailpit built from its Go module (`go install`, Go module proxy): SMTP and its REST API.

The binary is built once into the cache dir. Its database is a temporary file of its
own (Mailpit's default without ``--database``), so every start is empty, as the compose
service is (data on tmpfs). The flags match the compose service's environment.
"""

from __future__ import annotations

import os

from native.common import (
    CACHE_DIR,
    NativeService,
    ensure_running,
    load_catalogue,
    require,
    run,
    spawn,
)

VERSION = "v1.27.11"
MODULE = f"github.com/axllent/mailpit@{VERSION}"
BINARY = CACHE_DIR / f"mailpit-{VERSION}" / "bin" / "mailpit"


def _smtp_port() -> int:
    (smtp,) = load_catalogue()["mail"]["also"]
    return int(os.environ.get(smtp["port_var"], smtp["host_port"]))


def _build() -> None:
    print(f"native: building Mailpit {VERSION} with go install", flush=True)
    BINARY.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(BINARY.parent), "CGO_ENABLED": "0"}
    run(require("go"), "install", MODULE, env=env)


def _launch(service: NativeService) -> None:
    if not BINARY.exists():
        _build()
    spawn(
        [
            str(BINARY),
            "--smtp",
            f"127.0.0.1:{_smtp_port()}",
            "--listen",
            f"127.0.0.1:{service.port}",
            "--smtp-auth-accept-any",
            "--smtp-auth-allow-insecure",
            "--disable-version-check",
            "--quiet",
        ],
        "mailpit.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"{BINARY} --smtp 127.0.0.1:{_smtp_port()} ", check=False)
