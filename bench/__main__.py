"""Run every benchmark and print its figures: ``python -m bench``.

Needs the native services (``python -m native start``). Takes a few minutes.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

BENCHMARKS = (
    "isolation",
    "parallel",
    "first_test",
    "scaffolding",
    "widest",
    "languages",
    "sidebyside",
)


def main() -> None:
    here = Path(__file__).resolve().parent
    for name in BENCHMARKS:
        print(f"== bench/{name}.py", flush=True)
        sys.argv = [name]
        runpy.run_path(str(here / f"{name}.py"), run_name="__main__")
        print(flush=True)


if __name__ == "__main__":
    main()
