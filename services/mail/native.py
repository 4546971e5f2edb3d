"""MailDev from the npm registry, run with the machine's Node.js: SMTP and its REST API."""

from __future__ import annotations

from native.common import (
    CACHE_DIR,
    NativeService,
    ensure_running,
    load_catalogue,
    require,
    run,
    spawn,
)

PACKAGE = "maildev@2.2.1"
INSTALL_DIR = CACHE_DIR / "maildev"


def _smtp_port() -> int:
    (smtp,) = load_catalogue()["mail"]["also"]
    return int(smtp["host_port"])


def _launch(service: NativeService) -> None:
    binary = INSTALL_DIR / "node_modules" / ".bin" / "maildev"
    if not binary.exists():
        print(f"native: installing {PACKAGE} from npm", flush=True)
        INSTALL_DIR.mkdir(parents=True, exist_ok=True)
        run(
            require("npm"),
            "install",
            "--no-audit",
            "--no-fund",
            "--silent",
            PACKAGE,
            cwd=INSTALL_DIR,
        )
    spawn(
        [
            require("node"),
            str(binary),
            "--smtp",
            str(_smtp_port()),
            "--web",
            str(service.port),
            "--ip",
            "127.0.0.1",
            "--silent",
        ],
        "maildev.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", "maildev --smtp", check=False)
