# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""The pytest plugin: loads this project's service modules and checks them once.

Before the first test (in the xdist controller, or the only process) every
service's URL goes through the safety guard and then one bounded, parallel
readiness wait. Any problem stops the run at once with one message per service,
naming it, its URL and the fix. The report header then shows one line saying
what the harness connected to and how long each service took to answer.
"""

from __future__ import annotations

import importlib
import os
import re
import uuid

import pytest

from .managed import enforce_managed_files
from .readiness import Readiness, wait_for_all
from .safety import UnsafeTarget
from .services import SERVICES, Service
from .settings import MissingSetting, Settings, load_settings

pytest_plugins = [f"integration_harness.{service.module}" for service in SERVICES]

_READINESS = pytest.StashKey[list[Readiness]]()
_PURPOSE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


def xdist_worker() -> str | None:
    """The pytest-xdist worker id (``gw0``, ``gw1``, ...), or None outside xdist workers."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def unique_test_name(factory: str, purpose: str, separator: str) -> str:
    """``test<sep><worker><sep><purpose><sep><random>``: a name no other test or worker uses.

    ``factory`` names the fixture in the error for a purpose that is not
    lowercase letters, digits, ``-`` or ``_``.
    """
    if not _PURPOSE.match(purpose):
        raise ValueError(
            f"{factory} purpose {purpose!r}: use lowercase letters, digits, - or _"
        )
    return separator.join(
        ("test", xdist_worker() or "main", purpose, uuid.uuid4().hex[:12])
    )


@pytest.fixture(scope="session")
def harness_settings() -> Settings:
    """Session: the resolved ``TEST_*`` settings (environment > .env.test.local > .env.test)."""
    return load_settings()


def _fix_for(service: Service, settings: Settings, problem: str = "") -> str:
    source = "the environment" if service.url_var in os.environ else settings.env_file
    if problem and not problem.startswith("no answer within"):
        return (
            f"    fix: the server answered but refused: check the user, password and "
            f"database in {service.url_var} (now from {source})"
        )
    return (
        f"    fix: start the test services (`make integration-services-up`, needs Docker) or point "
        f"{service.url_var} at a running {service.title} (now from {source})"
    )


def _module(service: Service):
    """The harness module of ``service``: guard(), probe() and, optionally, preflight()."""
    return importlib.import_module(f"integration_harness.{service.module}")


def check_services(settings: Settings) -> tuple[list[Readiness], list[str]]:
    """Guard and wait for every service; return the readiness results and the problems."""
    problems: list[str] = []
    checks = []
    waiting: list[Service] = []
    for service in SERVICES:
        module = _module(service)
        try:
            url = settings.url(service.url_var)
            module.guard(url, settings)
        except (MissingSetting, UnsafeTarget, ValueError) as error:
            problems.append(f"{service.title}: {error}")
            continue
        checks.append((service.title, url, module.probe))
        waiting.append(service)
    results = wait_for_all(checks, settings.service_timeout)
    for service, result in zip(waiting, results):
        preflight = getattr(_module(service), "preflight", None)
        if result.ready and preflight is not None:
            try:
                preflight(settings.url(service.url_var), settings)
            except UnsafeTarget as error:
                problems.append(f"{service.title}: {error}")
        if not result.ready:
            problems.append(
                f"{service.title} at {result.url}: {result.problem}\n{_fix_for(service, settings, result.problem)}"
            )
    return results, problems


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if xdist_worker() is not None or config.option.collectonly or config.option.help:
        return
    enforce_managed_files(config)
    try:
        settings = load_settings()
    except (OSError, ValueError) as error:
        raise pytest.UsageError(
            f"integration-harness: cannot read the TEST_* settings: {error}"
        ) from None
    results, problems = check_services(settings)
    if problems:
        count = "service is" if len(problems) == 1 else f"{len(problems)} services are"
        message = (
            f"integration-harness: {count} not usable, no test was run:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
        raise pytest.UsageError(message)
    config.stash[_READINESS] = results


def pytest_report_header(config: pytest.Config) -> str | None:
    results = config.stash.get(_READINESS, None)
    if results is None:
        return None
    if not results:
        return "integration-harness: this project uses no services"
    return "integration-harness: " + "; ".join(
        f"{r.server} at {r.url} ready in {r.seconds * 1000:.0f} ms" for r in results
    )
