"""The native stand-ins for the compose services start empty, as the compose services do
(their data is on tmpfs): what a killed run left never fails the next run's leak audit.

A CI run that was killed mid-test left a broker's topics in its native data dir;
the next run on that machine started the broker on the same data and every suite's
"clean before the run" audit failed. For each service whose audit can leave what a
killed test leaves (``make_leftover`` in services/<name>/audit.py): leave it, stop the
server, start it with ``python -m native start``, and audit.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from native.common import ROOT
from tests.audit import leftovers
from tests.rig import CATALOGUE

AUDITS = {name: importlib.import_module(f"services.{name}.audit") for name in CATALOGUE}
STATEFUL = [name for name, audit in AUDITS.items() if hasattr(audit, "make_leftover")]


def native(action: str, service: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "native", action, service],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("service", STATEFUL)
def test_a_restarted_native_server_starts_without_a_killed_runs_leftovers(
    service: str,
) -> None:
    assert leftovers([service]) == {}, "services were not clean before the test"
    AUDITS[service].make_leftover()
    assert leftovers([service]), "the leftover was not made"

    native("stop", service)
    native("start", service)

    assert leftovers([service]) == {}
