# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""The ``TEST_*`` settings, read in one place.

Precedence, highest first: the process environment, ``.env.test.local`` (yours,
optional), ``.env.test`` (managed by the template). ``${NAME}`` in a value is
expanded with the same precedence. Only names starting with ``TEST_`` are read,
so a stray ``DATABASE_URL`` can never point the tests at a real database.
``TEST_ENV_FILE`` names another base file instead of ``.env.test``.

``.env.test`` is looked for in the project root only, never above it: the
nearest folder at or above this package holding ``.copier-answers.yml``, else
the nearest holding ``.git``, else the folder two levels above
``tests/integration``. As in docker compose, an unquoted value ends at `` #``
(an inline comment). A ``TEST_*`` variable set but empty in the environment
stops the run rather than silently falling back to the files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .managed import project_root

ENV_FILE_NAME = ".env.test"
LOCAL_ENV_FILE_NAME = ".env.test.local"
DEFAULT_SERVICE_TIMEOUT = 10.0
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingSetting(LookupError):
    """A ``TEST_*`` setting the suite needs is set nowhere."""


@dataclass(frozen=True)
class Settings:
    """Resolved ``TEST_*`` settings and where the base file was found."""

    values: Mapping[str, str]
    env_file: Path | None

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name, "")
        return value if value != "" else default

    def url(self, name: str) -> str:
        """The URL in setting ``name``; raises `MissingSetting` naming the fix."""
        value = self.get(name)
        if value is None:
            where = self.env_file or f"{ENV_FILE_NAME} (not found)"
            raise MissingSetting(
                f"{name} is not set: set it in the environment or in {where} "
                f"(to restore the generated {ENV_FILE_NAME}, see README, 'Restoring managed files')."
            )
        return value

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Extra hosts the safety guard accepts (``TEST_ALLOWED_HOSTS``, comma-separated)."""
        raw = self.get("TEST_ALLOWED_HOSTS", "") or ""
        return frozenset(
            host.strip().lower() for host in raw.split(",") if host.strip()
        )

    @property
    def service_timeout(self) -> float:
        """Seconds each service may take to answer (``TEST_SERVICE_TIMEOUT``)."""
        raw = self.get("TEST_SERVICE_TIMEOUT")
        try:
            return float(raw) if raw is not None else DEFAULT_SERVICE_TIMEOUT
        except ValueError:
            raise MissingSetting(
                f"TEST_SERVICE_TIMEOUT must be a number of seconds, not {raw!r}"
            ) from None


def parse_env_file(text: str) -> dict[str, str]:
    """Parse ``NAME=value`` lines; ``#`` comments, blank lines and quotes are allowed."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not name.strip():
            raise ValueError(f"line {number}: expected NAME=value, got {line!r}")
        value = value.strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1 : value.index(value[0], 1)]
        else:
            value = re.split(r"\s#", value, maxsplit=1)[0].rstrip()
        values[name.strip()] = value
    return values


def find_env_file(start: Path | None = None) -> Path | None:
    """``TEST_ENV_FILE``, else the project root's ``.env.test`` (never a parent folder's).

    ``start`` is the integration folder (default: the one holding this package).
    """
    explicit = os.environ.get("TEST_ENV_FILE")
    if explicit:
        return Path(explicit)
    integration = (start or Path(__file__).resolve().parent.parent).resolve()
    candidate = project_root(integration) / ENV_FILE_NAME
    return candidate if candidate.is_file() else None


def empty_environment_settings(environ: Mapping[str, str]) -> list[str]:
    """Names of ``TEST_*`` variables set to an empty value in ``environ``."""
    return sorted(
        name
        for name, value in environ.items()
        if name.startswith("TEST_") and not value.strip()
    )


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Read the settings with the documented precedence and expand ``${NAME}``."""
    environ = os.environ if environ is None else environ
    empty = empty_environment_settings(environ)
    if empty:
        raise ValueError(
            f"{empty[0]} is set but empty in the environment: unset it or give it a value"
        )
    env_file = env_file or find_env_file()
    merged: dict[str, str] = {}
    if env_file is not None:
        merged.update(parse_env_file(env_file.read_text()))
        local = env_file.with_name(LOCAL_ENV_FILE_NAME)
        if local.is_file():
            merged.update(parse_env_file(local.read_text()))
    merged.update(
        {name: value for name, value in environ.items() if name.startswith("TEST_")}
    )

    def expand(value: str, seen: tuple[str, ...]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in seen:
                raise ValueError(f"{name} refers to itself")
            return expand(merged.get(name, ""), (*seen, name))

        return _REFERENCE.sub(replace, value)

    resolved = {
        name: expand(value, (name,))
        for name, value in merged.items()
        if name.startswith("TEST_")
    }
    return Settings(values=resolved, env_file=env_file)
