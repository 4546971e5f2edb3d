"""Time to first test: a cold `make integration-test-external` in a freshly generated project.

"Cold" means a new project with no virtualenv (the pip download cache is warm,
as it is on a developer's machine after the first time). Measures from the
`make` call to the first test starting, then the readiness check's own cost
when the services are already up (`check_services`, in-process).

    python bench/first_test.py [--runs N]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rig import make, render

CLOCK_PLUGIN = """
import os, time
def pytest_runtest_setup(item):
    path = os.environ["FIRST_TEST_AT"]
    if not os.path.exists(path):
        with open(path, "w") as out:
            out.write(repr(time.time()))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    firsts, installs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            project = render(Path(tmp) / f"cold-{run}")
            (project / "tests/integration/first_test_clock.py").write_text(CLOCK_PLUGIN)
            stamp = Path(tmp) / f"first-{run}"
            started = time.time()
            result = make(
                project,
                "integration-test-external",
                "ARGS=-q -p first_test_clock",
                env={"FIRST_TEST_AT": str(stamp)},
            )
            assert result.returncode == 0, result.stdout[-2000:]
            firsts.append(float(stamp.read_text()) - started)
            started = time.time()
            make(project, "integration-deps")  # already installed: make's own overhead
            installs.append(time.time() - started)
        project_dir = str(Path(tmp) / "cold-0" / "tests/integration")
        sys.path.insert(0, project_dir)
        os.environ.setdefault("TEST_ENV_FILE", str(Path(tmp) / "cold-0" / ".env.test"))
        plugin = importlib.import_module("integration_harness.plugin")
        settings = importlib.import_module(
            "integration_harness.settings"
        ).load_settings()
        checks = []
        for _ in range(20):
            started = time.perf_counter()
            results, problems = plugin.check_services(settings)
            checks.append(time.perf_counter() - started)
            assert not problems, problems
    print(
        f"cold make integration-test-external to first test, median of {args.runs}: {statistics.median(firsts):.1f} s"
    )
    print(
        f"  (a second `make integration-deps`, nothing to install: {statistics.median(installs):.2f} s)"
    )
    print(
        f"readiness check with {len(results)} services up, median of 20: "
        f"{statistics.median(checks) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
