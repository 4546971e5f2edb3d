"""MariaDB from Debian's packages, in its own data directory, on the catalogue's port.

The root account the catalogue's URL names is reachable over TCP from 127.0.0.1
only (name resolution off), with the URL's password; the URL's database exists.
"""

from __future__ import annotations

import shutil
import subprocess

from native.common import (
    STATE_DIR,
    NativeService,
    ensure_running,
    require,
    run,
    start_empty,
)

PACKAGES = ("mariadb-server", "mariadb-client")
DATA_DIR = STATE_DIR / "mariadb"
RUN_DIR = STATE_DIR / "mariadb-run"  # socket, pid and log: written by the mysql user
SOCKET = RUN_DIR / "mariadb.sock"


def _launch(service: NativeService) -> None:
    shutil.chown(start_empty(DATA_DIR), "mysql", "mysql")
    run(
        require("mariadb-install-db"),
        "--user=mysql",
        f"--datadir={DATA_DIR}",
        "--auth-root-authentication-method=socket",
        "--skip-test-db",
    )
    RUN_DIR.mkdir(exist_ok=True)
    shutil.chown(RUN_DIR, "mysql", "mysql")
    subprocess.Popen(
        [
            require("mariadbd"),
            "--no-defaults",
            "--user=mysql",
            f"--datadir={DATA_DIR}",
            f"--socket={SOCKET}",
            f"--pid-file={RUN_DIR / 'mariadb.pid'}",
            f"--log-error={RUN_DIR / 'mariadb.log'}",
            f"--port={service.port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            # A throwaway server: no durability, room for parallel workers.
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--max-connections=300",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _provision(service: NativeService) -> None:
    """The catalogue's user (root over TCP, with its password) and database."""
    user, password, database = service.user, service.password, service.path
    sql = (
        f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';"
        f"GRANT ALL ON *.* TO '{user}'@'127.0.0.1' WITH GRANT OPTION;"
        f"CREATE DATABASE IF NOT EXISTS `{database}`;"
    )
    run(require("mariadb"), f"--socket={SOCKET}", "-uroot", "-e", sql)


def start(service: NativeService) -> None:
    ensure_running(service, PACKAGES, lambda: _launch(service))
    _provision(service)


def stop(service: NativeService) -> None:
    run(
        "pkill",
        "-f",
        f"mariadbd --no-defaults --user=mysql --datadir={DATA_DIR}",
        check=False,
    )
