"""RabbitMQ from Debian's packages, as its own node on the catalogue's port.

The node runs as the ``rabbitmq`` user (Erlang cookie in /var/lib/rabbitmq) with
its data in the state directory, so it never touches a system RabbitMQ.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from native.common import (
    STATE_DIR,
    NativeService,
    apt_install,
    port_open,
    run,
    start_empty,
    wait_until,
)

PACKAGES = ("rabbitmq-server",)
NODE = "itest@localhost"


def _env(service: NativeService) -> dict[str, str]:
    base = STATE_DIR / "rabbitmq"
    return {
        "RABBITMQ_NODENAME": NODE,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(service.port),
        # The default distribution port is NODE_PORT + 20000, past 65535 here.
        "RABBITMQ_DIST_PORT": "25673",
        # Erlang's own ports (epmd, distribution) on loopback too.
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "HOME": "/var/lib/rabbitmq",
    }


def _as_rabbitmq(service: NativeService, command: str, **kwargs):
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in _env(service).items())
    return ["su", "rabbitmq", "-s", "/bin/sh", "-c", f"env {env} {command}"]


def _ctl(service: NativeService, *args: str, check: bool = True):
    command = "/usr/lib/rabbitmq/bin/rabbitmqctl " + " ".join(
        shlex.quote(a) for a in args
    )
    return run(*_as_rabbitmq(service, command), check=check)


def start(service: NativeService) -> None:
    apt_install(*PACKAGES)
    if not port_open(service.port):
        base = STATE_DIR / "rabbitmq"
        start_empty(base / "mnesia")
        (base / "log").mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")
        run("chown", "-R", "rabbitmq:rabbitmq", str(base))
        os.chmod(STATE_DIR, 0o755)
        subprocess.Popen(
            _as_rabbitmq(service, "/usr/lib/rabbitmq/bin/rabbitmq-server"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _ctl(service, "wait", "--timeout", "90", str(base / "mnesia" / f"{NODE}.pid"))
        wait_until(lambda: port_open(service.port), "rabbitmq", timeout=90)
    users = _ctl(service, "list_users", "-q").stdout.split()
    if service.user not in users:
        _ctl(service, "add_user", service.user, service.password)
        _ctl(service, "set_user_tags", service.user, "administrator")
        _ctl(service, "set_permissions", "-p", "/", service.user, ".*", ".*", ".*")


def stop(service: NativeService) -> None:
    _ctl(service, "stop", check=False)


def queue_names(service: NativeService) -> list[str]:
    """Names of all queues in the default vhost (used by the leak audit)."""
    out = _ctl(service, "list_queues", "-q", "-p", "/", "name").stdout
    return [
        line.strip()
        for line in out.splitlines()
        if line.strip() and line.strip() != "name"
    ]
