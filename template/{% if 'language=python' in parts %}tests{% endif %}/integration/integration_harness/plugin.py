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
import threading
from collections.abc import Callable, Generator

import pytest

from .managed import enforce_managed_files
from .naming import xdist_worker
from .readiness import GRACE, Readiness, wait_for_all
from .safety import UnsafeTarget, redact
from .services import MIGRATIONS, SERVICES, Service
from .settings import MissingSetting, Settings, load_settings

pytest_plugins = [f"integration_harness.{service.module}" for service in SERVICES] + (
    ["integration_harness.migrations"] if MIGRATIONS != "sql" else []
)

_READINESS = pytest.StashKey[list[Readiness]]()


def planned_workers(config: pytest.Config) -> int:
    """How many xdist workers this run starts (1 without xdist)."""
    wanted = getattr(config.option, "numprocesses", None)
    if not wanted:
        return 1
    if isinstance(wanted, int):
        return max(wanted, 1)
    try:
        counted = config.hook.pytest_xdist_auto_num_workers(config=config)
    except Exception:  # noqa: BLE001 - an unknown count: assume the CPU count
        counted = None
    return max(int(counted or os.cpu_count() or 1), 1)


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


def run_preflight(
    service: Service,
    preflight: Callable[[str, Settings, int], None],
    settings: Settings,
    workers: int,
    timeout: float,
) -> str | None:
    """Run one service's preflight, bounded by ``timeout``; the problem as one line, or None.

    A service that answered readiness and then stops answering (paused, hung)
    must not hold the session start: the preflight runs in a daemon thread
    and is abandoned after ``timeout`` seconds.
    """
    url = settings.url(service.url_var)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            preflight(url, settings, workers)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - reported below
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout + GRACE)
    if not outcome:
        return redact(
            f"{service.title} at {url}: stopped answering after it was ready "
            f"(no answer within {timeout:g}s)"
        )
    error = outcome[0]
    if error is None:
        return None
    if isinstance(error, UnsafeTarget):
        return redact(f"{service.title}: {error}")
    detail = " ".join(f"{type(error).__name__}: {error}".split()).rstrip(":")
    return redact(
        f"{service.title} at {url}: stopped answering after it was ready ({detail})"
    )


def check_services(
    settings: Settings, workers: int = 1
) -> tuple[list[Readiness], list[str]]:
    """Guard and wait for every service; return the readiness results and the problems.

    ``workers`` is the number of test processes; a service whose resources
    depend on it (a Redis index per worker) checks every one before the run.
    """
    problems: list[str] = []
    checks = []
    waiting: list[Service] = []
    for service in SERVICES:
        module = _module(service)
        try:
            url = settings.url(service.url_var)
            module.guard(url, settings)
        except (MissingSetting, UnsafeTarget, ValueError) as error:
            problems.append(redact(f"{service.title}: {error}"))
            continue
        checks.append((service.title, url, module.probe))
        waiting.append(service)
    results = wait_for_all(checks, settings.service_timeout)
    for service, result in zip(waiting, results):
        preflight = getattr(_module(service), "preflight", None)
        if result.ready and preflight is not None:
            problem = run_preflight(
                service, preflight, settings, workers, settings.service_timeout
            )
            if problem:
                problems.append(problem)
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
    results, problems = check_services(settings, planned_workers(config))
    if problems:
        count = "service is" if len(problems) == 1 else f"{len(problems)} services are"
        message = (
            f"integration-harness: {count} not usable, no test was run:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )
        raise pytest.UsageError(message)
    config.stash[_READINESS] = results


def services_not_answering(settings: Settings) -> list[str]:
    """One line per service that does not answer a single probe within ``TEST_SERVICE_TIMEOUT``."""
    checks = []
    for service in SERVICES:
        try:
            checks.append(
                (service.title, settings.url(service.url_var), _module(service).probe)
            )
        except MissingSetting:
            continue
    return [
        f"{result.title} at {result.url} stopped answering: {result.problem}"
        for result in wait_for_all(checks, settings.service_timeout)
        if not result.ready
    ]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """After a failed test, check the services once; stop the run if one stopped answering.

    A paused or hung service would otherwise cost every later test its own
    timeout; this way the run ends with one line naming the service.
    """
    report = yield
    if (
        report.failed
        and call.when in ("setup", "call")
        and not item.session.shouldstop
        and not hasattr(report, "wasxfail")
    ):
        try:
            silent = services_not_answering(load_settings())
        except (OSError, ValueError):
            silent = []
        if silent:
            item.session.shouldstop = redact(
                f"integration-harness: {silent[0]}; the run stops after {item.nodeid}"
            )
    return report


def pytest_report_header(config: pytest.Config) -> str | None:
    results = config.stash.get(_READINESS, None)
    if results is None:
        return None
    if not results:
        return "integration-harness: this project uses no services"
    return "integration-harness: " + "; ".join(
        f"{r.server} at {redact(r.url)} ready in {r.seconds * 1000:.0f} ms"
        for r in results
    )
