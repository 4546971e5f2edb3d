"""PostgreSQL from Debian's packages, as a dedicated cluster on the catalogue's port."""

from __future__ import annotations

from pathlib import Path

from native.common import NativeService, apt_install, port_open, run, wait_until

PACKAGES = ("postgresql",)
CLUSTER = "itest"


def _version() -> str:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    return versions[-1].name


def _psql(service: NativeService, sql: str) -> str:
    result = run(
        "su",
        "postgres",
        "-c",
        f'psql -X -q -At -p {service.port} -h /var/run/postgresql -d postgres -c "{sql}"',
    )
    return result.stdout.strip()


def start(service: NativeService) -> None:
    apt_install(*PACKAGES)
    version = _version()
    clusters = run("pg_lsclusters", "-h").stdout.split("\n")
    exists = any(line.split()[:2] == [version, CLUSTER] for line in clusters if line)
    if exists and not port_open(service.port):
        # A server that is not running starts empty, as its compose service does (data on
        # tmpfs): what a killed run left (databases, tables) never reaches the next run.
        run("pg_dropcluster", "--stop", version, CLUSTER)
        exists = False
    if not exists:
        # Settings for a throwaway test server: loopback only, no durability.
        run(
            "pg_createcluster",
            version,
            CLUSTER,
            "-p",
            str(service.port),
            "-o",
            "listen_addresses=localhost",
            "-o",
            "fsync=off",
            "-o",
            "synchronous_commit=off",
            "-o",
            "full_page_writes=off",
            "-o",
            "max_connections=200",
        )
    if not port_open(service.port):
        run("pg_ctlcluster", version, CLUSTER, "start")
    wait_until(lambda: port_open(service.port), "postgres")
    user, password, database = service.user, service.password, service.path
    if _psql(service, f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'") != "1":
        _psql(service, f"CREATE ROLE {user} LOGIN CREATEDB PASSWORD '{password}'")
    if _psql(service, f"SELECT 1 FROM pg_database WHERE datname = '{database}'") != "1":
        _psql(service, f"CREATE DATABASE {database} OWNER {user}")


def stop(service: NativeService) -> None:
    run("pg_ctlcluster", _version(), CLUSTER, "stop", check=False)
