"""Mosquitto from Debian's packages, anonymous and in memory, on the catalogue's port."""

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

PACKAGES = ("mosquitto", "mosquitto-clients")


def start(service: NativeService) -> None:
    apt_install(*PACKAGES)
    if port_open(service.port):
        return
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    config = STATE_DIR / "mosquitto.conf"
    config.write_text(
        f"listener {service.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
    )
    run(require("mosquitto"), "-c", str(config), "-d")
    wait_until(lambda: port_open(service.port), "mqtt")


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"mosquitto -c {STATE_DIR / 'mosquitto.conf'}", check=False)
