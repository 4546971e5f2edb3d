"""Scaffolding speed: `copier copy` of the default stack, and `copier update` of it.

The update goes from a throwaway release 0.1.0 of this template to a 0.2.0 that
changes the harness, adds a fixture and bumps an image (as in tests/test_update.py),
in a project with typical user edits. Prints the median wall time of each and
how many files the update changed.

    python bench/scaffolding.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import copier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.rig import run_copier_cli
from tests.test_update import (
    TemplateRepo,
    copy_release,
    generate,
    git,
    harness_fix_and_new_fixture,
    make_user_edits,
)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    copies, updates, changed = [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = TemplateRepo(root / "template")
        for run in range(args.runs):
            destination = root / f"copy-{run}"

            def copy(destination: Path = destination) -> None:
                copy_release(template, destination)

            copies.append(timed(copy))
        projects = []
        for run in range(args.runs):
            project = generate(template, root / f"project-{run}")
            make_user_edits(project)
            projects.append(project)
        template.release("0.2.0", harness_fix_and_new_fixture)
        for project in projects:

            def update(project: Path = project) -> None:
                result = run_copier_cli("update", "--defaults", cwd=project)
                assert result.returncode == 0, result.stderr

            updates.append(timed(update))
            git(project, "add", "-A")
            names = git(project, "diff", "--cached", "--name-only").split()
            changed.add(tuple(names))
    (files,) = changed
    print(
        f"copier copy --defaults (default stack), median of {args.runs}: {statistics.median(copies):.2f} s"
    )
    print(
        f"copier update --defaults 0.1.0 -> 0.2.0, median of {args.runs}: {statistics.median(updates):.2f} s"
    )
    print(f"files the update changed ({len(files)}): {', '.join(files)}")
    version = copier.__version__
    print(f"(copier {version}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
