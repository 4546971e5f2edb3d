"""Build the compose-go loader (tests/composeload) once and run it.

The binary is cached under ~/.cache/integration-harness (NATIVE_CACHE_DIR) by a
hash of its Go sources, so a test session builds it at most once, and a fresh
machine fetches compose-go from the Go module proxy on the first build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent / "composeload"
CACHE_DIR = Path(
    os.environ.get("NATIVE_CACHE_DIR", Path.home() / ".cache" / "integration-harness")
)


def build() -> Path:
    """Path of the loader binary, built from SOURCE when its sources changed."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SOURCE / name).read_bytes())
    binary = CACHE_DIR / f"composeload-{digest.hexdigest()[:16]}"
    if binary.is_file():
        return binary
    go = shutil.which("go")
    if go is None:
        raise RuntimeError("the compose loader needs Go (https://go.dev/dl/)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = binary.with_name(f"{binary.name}.{os.getpid()}.partial")
    result = subprocess.run(
        [go, "build", "-trimpath", "-o", str(partial), "."],
        cwd=SOURCE,
        text=True,
        capture_output=True,
        check=False,
        timeout=600,
        env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"building {SOURCE} failed:\n{result.stderr}")
    os.replace(partial, binary)
    return binary


def load(
    loader: Path,
    *files: Path,
    env_files: list[Path] = (),
    project_name: str = "",
    os_env: bool = False,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any] | None, str]:
    """(the project as docker compose resolves it, or None; the loader's stderr)."""
    command = [str(loader), "-format", "json"]
    if os_env:
        command.append("-os-env")
    for env_file in env_files:
        command += ["-env-file", str(env_file)]
    if project_name:
        command += ["-p", project_name]
    result = subprocess.run(
        [*command, *map(str, files)],
        text=True,
        capture_output=True,
        check=False,
        timeout=60,
        env={"PATH": os.environ["PATH"], "HOME": str(Path.home()), **(env or {})},
    )
    if result.returncode != 0:
        return None, result.stderr
    return json.loads(result.stdout), result.stderr


def checkout_hash(path: Path) -> str:
    """What integration.mk appends to the project name: POSIX cksum of the path, hex."""
    crc = subprocess.run(
        ["cksum"], input=str(path), text=True, capture_output=True, check=True
    ).stdout.split()[0]
    return f"{int(crc):08x}"
