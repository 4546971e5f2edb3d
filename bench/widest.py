"""Wall time of the widest generated suite: every service kind at once.

PostgreSQL + Redis + Kafka + all four external services + the FastAPI example,
run by its own `make test-external` (virtualenv already built), on one process
and on two xdist workers; median of ``--runs`` runs each, with the test count.

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

from tests.rig import make, render

WIDEST = {
    "queue": "kafka",
    "web_framework": "fastapi",
    "external_services": ["http_api", "email", "object_storage", "payments"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        project = render(Path(tmp) / "widest", **WIDEST)
        assert make(project, "integration-deps").returncode == 0
        for label, extra in (("1 process", "-p no:randomly"), ("-n 2", "-n 2")):
            walls, count = [], 0
            for _ in range(args.runs):
                started = time.monotonic()
                result = make(project, "test-external", f"ARGS=-q {extra}")
                walls.append(time.monotonic() - started)
                assert result.returncode == 0, result.stdout[-3000:]
                count = int(re.search(r"(\d+) passed", result.stdout).group(1))
            print(
                f"widest suite ({count} tests), {label}: median {statistics.median(walls):.1f} s "
                f"wall for make test-external (min {min(walls):.1f}, max {max(walls):.1f})"
            )


if __name__ == "__main__":
    main()
