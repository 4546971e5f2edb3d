"""Moto in server mode (PyPI ``moto[server]``, a requirement of the template's tests):
one SQS- and S3-compatible endpoint on the catalogue's port, in memory."""

from __future__ import annotations

import sys

from native.common import NativeService, ensure_running, run, spawn


def _launch(service: NativeService) -> None:
    spawn(
        [
            sys.executable,
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            str(service.port),
        ],
        "moto.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", "moto.server -H 127.0.0.1", check=False)
