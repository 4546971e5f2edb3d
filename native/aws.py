"""Moto in server mode (PyPI ``moto[server]``, a requirement of the template's tests):
one SQS- and S3-compatible endpoint on the catalogue's port, in memory."""

from __future__ import annotations

import subprocess
import sys

from .common import STATE_DIR, NativeService, ensure_running, run


def _launch(service: NativeService) -> None:
    log = (STATE_DIR / "moto.log").open("ab")
    subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            str(service.port),
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", "moto.server -H 127.0.0.1", check=False)
