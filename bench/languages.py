"""The default stack (PostgreSQL, Redis, RabbitMQ) in every language, side by side.

For each language: a freshly generated project's first `make integration-test-external`
with a cold dependency cache of the language's own kind (Python: a new virtualenv, pip's
download cache as it is; TypeScript: a new node_modules, npm's cache as it is; Java: an
empty Maven repository, everything from Maven Central; Go: an empty module and build
cache, everything from the module proxy), then, after one unmeasured run on the usual
caches, the median of ``--runs`` warm runs on one worker and on two. Prints one line per figure; the test count is the runner's own.

    python bench/languages.py [--runs N] [--languages python,java]
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

LANGUAGES = ("python", "typescript", "java", "go")


def cold_environment(language: str, cache: Path) -> dict[str, str]:
    """Settings that make ``language``'s dependency cache start empty, under ``cache``."""
    if language == "java":
        # Maven 3.9+ reads MAVEN_ARGS; older ones take the flag from INTEGRATION_MVN_FLAGS.
        return {"INTEGRATION_MVN_FLAGS": f"-B -ntp -Dmaven.repo.local={cache}/m2"}
    if language == "go":
        return {
            "GOMODCACHE": str(cache / "gomod"),
            "GOCACHE": str(cache / "gobuild"),
            "GOFLAGS": "-modcacherw",  # so the temporary folder can be removed
        }
    return {}  # a new project has no virtualenv / node_modules of its own


def tests_run(language: str, output: str) -> int:
    """How many tests ``language``'s runner reported as run in ``output``."""
    if language == "java":
        found = re.findall(r"Tests run: (\d+), Failures: 0, Errors: 0", output)
        return int(found[-1]) if found else 0
    if language == "go":
        return len(re.findall(r"^\s*--- PASS: ", output, re.MULTILINE))
    if language == "typescript":
        found = re.findall(r"Tests\s+(\d+) passed", output)
        return int(found[-1]) if found else 0
    found = re.findall(r"(\d+) passed", output)
    return int(found[-1]) if found else 0


def timed(project: Path, language: str, *args: str, env=None) -> tuple[float, int]:
    """Wall time of one `make integration-test-external` and its test count."""
    extra = ("ARGS=-v",) if language == "go" else ()
    started = time.monotonic()
    plain = {
        **(env or {}),
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    }  # counts without ANSI codes
    result = make(project, "integration-test-external", *extra, *args, env=plain)
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return wall, tests_run(language, result.stdout + result.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Dirty template changes")
    with tempfile.TemporaryDirectory() as tmp:
        for language in args.languages.split(","):
            project = render(Path(tmp) / language, language=language)
            cold = cold_environment(language, Path(tmp) / f"{language}-cache")
            wall, count = timed(project, language, env=cold)
            print(
                f"{language} default ({count} tests): first run, cold dependency cache: "
                f"{wall:.1f} s wall",
                flush=True,
            )
            timed(project, language)  # warm-up: back on the usual caches, built once
            for label, extra in (
                ("1 worker", "PARALLEL="),
                ("2 workers", "PARALLEL=2"),
            ):
                walls = [timed(project, language, extra)[0] for _ in range(args.runs)]
                print(
                    f"{language} default ({count} tests), warm, {label}: median "
                    f"{statistics.median(walls):.1f} s (min {min(walls):.1f}, "
                    f"max {max(walls):.1f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
