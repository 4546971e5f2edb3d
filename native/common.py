"""Shared helpers for the native service starters: catalogue access, packages, waiting."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE_FILE = ROOT / "catalogue" / "services.yml"
STATE_DIR = Path(os.environ.get("NATIVE_STATE_DIR", "/tmp/integration-harness-native"))


@dataclass(frozen=True)
class NativeService:
    """One catalogue entry with its URL resolved for 127.0.0.1."""

    name: str
    port: int
    url: str

    @property
    def user(self) -> str:
        return unquote(urlsplit(self.url).username or "")

    @property
    def password(self) -> str:
        return unquote(urlsplit(self.url).password or "")

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/"))


def load_catalogue() -> dict:
    return yaml.safe_load(CATALOGUE_FILE.read_text())


def native_service(name: str) -> NativeService:
    entry = load_catalogue()[name]
    port = int(os.environ.get(entry["port_var"], entry["host_port"]))
    url = entry["url"].replace("${" + entry["port_var"] + "}", str(port))
    return NativeService(name=name, port=port, url=url)


def run(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, text=True, capture_output=True, **kwargs)


def apt_install(*packages: str) -> None:
    """Install Debian packages that are missing (one `apt-get update` per process)."""
    missing = [p for p in packages if run("dpkg", "-s", p, check=False).returncode != 0]
    if not missing:
        return
    print(f"native: installing {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not getattr(apt_install, "updated", False):
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        apt_install.updated = True
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


CACHE_DIR = Path(
    os.environ.get("NATIVE_CACHE_DIR", Path.home() / ".cache" / "integration-harness")
)


def maven_artifact(coordinates: str) -> Path:
    """Download ``group:artifact:version`` from Maven Central once; return the jar."""
    _group, artifact, version = coordinates.split(":")
    jar = CACHE_DIR / f"{artifact}-{version}.jar"
    if not jar.is_file():
        print(f"native: downloading {coordinates} from Maven Central", flush=True)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        run(
            require("mvn"),
            "-q",
            "-B",
            "dependency:copy",
            f"-Dartifact={coordinates}",
            f"-DoutputDirectory={CACHE_DIR}",
        )
    return jar


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(check, what: str, timeout: float = 60.0) -> float:
    """Poll ``check`` until it is true; return seconds taken or raise after ``timeout``."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"native: {what} not ready after {timeout:.0f}s")
        time.sleep(0.2)


def spawn(args: list[str], log_name: str) -> None:
    """Start a server in the background, detached, its output appended to STATE_DIR/log_name."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with (STATE_DIR / log_name).open("ab") as log:
        subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)


def start_empty(directory: Path) -> Path:
    """Remove ``directory``'s contents before a server is launched on it: a native server
    starts empty, as its compose service does (data on tmpfs), so what a killed run left
    (topics, streams, queues, databases) never reaches the next run. Only called when
    the server is not already running; a running server is left as it is.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


def ensure_running(service: NativeService, packages: tuple[str, ...], launch) -> None:
    """Install ``packages``, and unless the service already answers, ``launch()`` it and wait."""
    apt_install(*packages)
    if port_open(service.port):
        return
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    launch()
    wait_until(lambda: port_open(service.port), service.name)


def require(binary: str) -> str:
    path = shutil.which(binary)
    if not path:
        raise FileNotFoundError(f"native: {binary} not found after installing packages")
    return path
