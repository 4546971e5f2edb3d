"""Mosquitto from Debian's packages, anonymous and in memory, on the catalogue's port."""

from __future__ import annotations

from native.common import STATE_DIR, NativeService, ensure_running, require, run

PACKAGES = ("mosquitto", "mosquitto-clients")
CONFIG = STATE_DIR / "mosquitto.conf"


def _launch(service: NativeService) -> None:
    CONFIG.write_text(
        f"listener {service.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
    )
    run(require("mosquitto"), "-c", str(CONFIG), "-d")


def start(service: NativeService) -> None:
    ensure_running(service, PACKAGES, lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"mosquitto -c {CONFIG}", check=False)
