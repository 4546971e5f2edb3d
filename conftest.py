"""Fixtures shared by the template's test modules (tests/ and services/<name>/test_<name>.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id

from tests.rig import combination_id, install, make, render


def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker's ``PYTEST_XDIST_*`` variables must not reach the generated suites
    the tests run: a generated pytest harness would take them for its own worker's and
    name its databases after gw0/gw1. xdist itself reads the worker's input, not these."""
    for name in [name for name in os.environ if name.startswith("PYTEST_XDIST_")]:
        del os.environ[name]


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every test not marked ``render_only`` joins the xdist group "services": one worker
    runs them one after another, since they share the native servers (a leak audit after
    one run must not see another's data). Render-only tests run on the other worker."""
    if item.get_closest_marker("render_only") is None:
        item.add_marker(pytest.mark.xdist_group("services"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Give each grouped test its group in its id, as ``--dist loadgroup`` expects.

    pytest-xdist 3.8 writes the group into ``item._nodeid``, which pytest 9.2 no longer
    reads (a node's id is ``item._id``), so without this every group is ignored and two
    workers would use the native servers at once (checked: tests/test_xdist_groups.py)."""
    if not getattr(config.option, "loadgroup", False):  # xdist off (-n 0, -p no:xdist)
        return
    for item in items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            item._id = coerce_node_id(item.nodeid + "@services")


@pytest.fixture(autouse=True)
def services_lock(request: pytest.FixtureRequest):
    """With ``INTEGRATION_HARNESS_SERVICES_LOCK=<file>``, every test not marked render_only
    holds an exclusive lock on that file while it runs: other users of the same native servers
    (a developer trying a generated project by hand with ``flock <file> make ...``) wait
    between tests instead of mixing their data into a leak audit. Unset (CI): no lock."""
    path = os.environ.get("INTEGRATION_HARNESS_SERVICES_LOCK")
    if not path or request.node.get_closest_marker("render_only"):
        yield
        return
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module", autouse=True)
def free_installed_packages(tmp_path_factory: pytest.TempPathFactory):
    """After each test module, remove the node_modules its projects installed.

    A full run installs some forty TypeScript projects (about 120 MB each); kept to the
    end they can fill a small CI disk. The session's shared Python virtualenv stays.
    """
    yield
    for folder in tmp_path_factory.getbasetemp().glob(
        "*/*/tests/integration/node_modules"
    ):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def combination_project(tmp_path_factory: pytest.TempPathFactory):
    """``combination_project(answers)``: the project of one of `all_combinations`, rendered
    once per session (the render and compose-loader checks read the same projects; they
    must not change them)."""
    projects: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("combinations")

    def get(answers: dict) -> Path:
        name = combination_id(answers)
        if name not in projects:
            projects[name] = render(root / name, **answers)
        return projects[name]

    return get


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, its virtualenv built by its own `make integration-deps`."""
    project = render(tmp_path_factory.mktemp("shared") / "default-stack")
    result = make(project, "integration-deps")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "tests/integration/.venv/bin/pytest").exists()
    return project


@pytest.fixture(scope="session")
def shared_venv(default_project: Path) -> dict[str, str]:
    """Settings that make a Python project's make targets reuse the default project's
    virtualenv instead of building their own."""
    return {"INTEGRATION_VENV": str(default_project / "tests/integration/.venv")}


@pytest.fixture(scope="module")
def typescript_project(tmp_path_factory: pytest.TempPathFactory):
    """``typescript_project(answers)``: an installed TypeScript project with these answers
    (and ci=none), made once per answer set in the module."""
    projects: dict[str, Path] = {}

    def get(answers: dict) -> Path:
        key = repr(sorted(answers.items()))
        if key not in projects:
            path = render(
                tmp_path_factory.mktemp("typescript") / "project",
                language="typescript",
                ci="none",
                **answers,
            )
            install(path)
            projects[key] = path
        return projects[key]

    return get
