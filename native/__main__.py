"""Start or stop the native test services: ``python -m native start [service ...]``.

Idempotent: a service already answering on its port is left as it is. With no
service names, every catalogue service whose folder has a ``native.py``
(``services/<name>/native.py``) is handled.
"""

from __future__ import annotations

import argparse
import importlib
import time

from .common import ROOT, load_catalogue, native_service, port_open, wait_until

SERVICES = ROOT / "services"


def available() -> list[str]:
    return [
        name for name in load_catalogue() if (SERVICES / name / "native.py").exists()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m native", description=__doc__)
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("services", nargs="*", help="catalogue names (default: all)")
    args = parser.parse_args()
    for name in args.services or available():
        module = importlib.import_module(f"services.{name}.native")
        service = native_service(name)
        started = time.monotonic()
        getattr(module, args.action)(service)
        if args.action == "stop":  # the next start must not find the old server's port
            wait_until(lambda: not port_open(service.port), f"{name} stop", timeout=60)
        took = time.monotonic() - started
        print(
            f"native: {name} {args.action} done on 127.0.0.1:{service.port} ({took:.1f}s)"
        )


if __name__ == "__main__":
    main()
