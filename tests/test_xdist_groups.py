"""The template's own suite runs on two xdist workers (pytest.ini): every test not marked
render_only must run on one worker, one at a time, since they share the native servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)


def test_tests_not_marked_render_only_all_run_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = -n 2 --dist loadgroup -p no:randomly\n"
        "markers =\n    render_only: renders only\n"
    )
    # The root conftest's collection hooks, as the template's suite has them.
    (tmp_path / "conftest.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('root', {str(ROOT / 'conftest.py')!r})\n"
        "root = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(root)\n"
        "pytest_itemcollected = root.pytest_itemcollected\n"
        "pytest_collection_modifyitems = root.pytest_collection_modifyitems\n"
        "pytest_configure = root.pytest_configure\n"
    )
    (tmp_path / "test_mixed.py").write_text(
        "import os, time, pytest\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_service(i):\n"
        "    time.sleep(0.2)\n"
        "    # what a generated suite started from here would inherit\n"
        "    assert not [n for n in os.environ if n.startswith('PYTEST_XDIST_')]\n"
        "@pytest.mark.render_only\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_render(i):\n"
        "    time.sleep(0.2)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-v",
            "-s",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    service_workers = {
        line.split()[0]
        for line in result.stdout.splitlines()
        if line.startswith("[gw") and "test_service[" in line
    }
    render_workers = {
        line.split()[0]
        for line in result.stdout.splitlines()
        if line.startswith("[gw") and "test_render[" in line
    }
    assert len(service_workers) == 1, result.stdout[-3000:]
    assert render_workers, result.stdout[-3000:]
