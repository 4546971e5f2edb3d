"""Wall time of generated suites: the widest in each language, and the TypeScript default.

The widest is tests/rig.py's WIDEST (the default database and cache, the last broker
offered that brings its own server, every external service) + the example API
(FastAPI for Python, Express for TypeScript); each runs through its
own `make integration-test-external` (dependencies already installed), on one process and on
two workers; median of ``--runs`` runs each, with the test count.

    python bench/widest.py [--runs N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rig import WIDEST, make, render

SUITES = {
    "python widest": {**WIDEST, "web_framework": "fastapi"},
    "typescript widest": {
        **WIDEST,
        "language": "typescript",
        "web_framework": "express",
    },
    "typescript default": {"language": "typescript"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        for name, answers in SUITES.items():
            project = render(Path(tmp) / name.replace(" ", "-"), **answers)
            assert make(project, "integration-deps").returncode == 0
            for label, extra in (
                ("1 worker", "PARALLEL="),
                ("2 workers", "PARALLEL=2"),
            ):
                walls, count = [], 0
                for _ in range(args.runs):
                    started = time.monotonic()
                    result = make(project, "integration-test-external", extra)
                    walls.append(time.monotonic() - started)
                    assert result.returncode == 0, result.stdout[-3000:]
                    count = max(
                        int(n) for n in re.findall(r"(\d+) passed", result.stdout)
                    )
                print(
                    f"{name} suite ({count} tests), {label}: median "
                    f"{statistics.median(walls):.1f} s wall for make integration-test-external "
                    f"(min {min(walls):.1f}, max {max(walls):.1f})"
                )


if __name__ == "__main__":
    main()
