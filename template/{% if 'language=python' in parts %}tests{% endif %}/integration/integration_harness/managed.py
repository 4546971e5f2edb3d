# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Checks, before every run, that the managed files are as the template wrote them.

``tests/integration/managed-files.sha256`` holds the sha256 of every managed file
as the template wrote it (``sha256sum -c`` format, paths from the project root).
- A file that differs is reported as a warning: `copier update` merges the
  template's changes into it and can leave conflict markers where both changed.
- A missing file, a file holding conflict markers (``<<<<<<< before updating``)
  or a ``.rej`` file next to one stops the run with one message naming the files
  and the command that restores them.
- A harness that runs from another folder than ``tests/integration`` is reported
  as a warning: `copier update` only writes ``tests/integration``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MANIFEST_NAME = "managed-files.sha256"
INTEGRATION_DIR = "tests/integration"
ANSWERS_FILE = ".copier-answers.yml"
RESTORE_HELP = "README of integration-harness, section 'Restoring managed files'"
RESTORE_PREFIX = "# restore: "
_CONFLICT = re.compile(r"^(<{7} |>{7} |<{7}$|>{7}$)", re.MULTILINE)
_ENTRY = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<path>.+)$")


@dataclass
class ManagedReport:
    """What differs between the managed files and the manifest."""

    root: Path
    integration_dir: Path
    edited: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    conflicted: list[str] = field(default_factory=list)
    moved_from: str | None = None
    restore: str = ""

    @property
    def broken(self) -> bool:
        """True when the run must stop: files missing or holding conflict markers."""
        return bool(self.missing or self.conflicted)

    def stop_message(self) -> str:
        """One message naming every broken file and the fix."""
        problems = [
            f"{name}: conflict markers from `copier update`" for name in self.conflicted
        ]
        problems += [f"{name}: missing" for name in self.missing]
        return (
            "integration-harness: managed files are broken, no test was run:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\n  fix: resolve the conflicts by hand (keep your lines and the template's, drop the"
            " <<<<<<< ======= >>>>>>> lines), or restore every managed file as the template wrote it:"
            f"\n    {self.restore or 'copier recopy (see below)'}"
            f"\n    (see the {RESTORE_HELP}); then move your changes to your own files."
        )

    def warnings(self) -> list[str]:
        """One line per thing that works today but will not survive an update."""
        lines = []
        if self.edited:
            lines.append(
                "integration-harness: warning: managed files differ from what the template wrote: "
                + ", ".join(self.edited)
                + ". `copier update` merges into them and can leave conflict markers; put"
                " changes in your own files instead (.env.test.local, compose.test.override.yaml, your fixtures)."
            )
        if self.moved_from is not None:
            lines.append(
                f"integration-harness: warning: the harness runs from {self.moved_from}, but"
                f" `copier update` only updates {INTEGRATION_DIR}: move the folder back"
                f" (git mv {self.moved_from} {INTEGRATION_DIR})."
            )
        return lines


def project_root(integration_dir: Path) -> Path:
    """The project root: the nearest folder at or above ``integration_dir`` holding
    the Copier answers file, else the nearest holding ``.git``, else two levels up."""
    for marker in (ANSWERS_FILE, ".git"):
        for folder in (integration_dir, *integration_dir.parents):
            if (folder / marker).exists():
                return folder
    return integration_dir.parent.parent


def _has_conflict_markers(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(_CONFLICT.search(text))


def _matches(content: bytes, digest: str) -> bool:
    """True when ``content`` is what the template wrote (also checked out with CRLF)."""
    if hashlib.sha256(content).hexdigest() == digest:
        return True
    return b"\r\n" in content and (
        hashlib.sha256(content.replace(b"\r\n", b"\n")).hexdigest() == digest
    )


def check_managed_files(integration_dir: Path | None = None) -> ManagedReport | None:
    """Compare the managed files with the manifest; None when there is no manifest."""
    integration_dir = (
        integration_dir or Path(__file__).resolve().parent.parent
    ).resolve()
    manifest = integration_dir / MANIFEST_NAME
    if not manifest.is_file():
        return None
    root = project_root(integration_dir)
    report = ManagedReport(root=root, integration_dir=integration_dir)
    relative = (
        integration_dir.relative_to(root).as_posix()
        if integration_dir.is_relative_to(root)
        else str(integration_dir)
    )
    if relative != INTEGRATION_DIR:
        report.moved_from = relative
    if _has_conflict_markers(manifest):
        report.conflicted.append(f"{relative}/{MANIFEST_NAME}")
        return report
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.startswith(RESTORE_PREFIX):
            report.restore = line.removeprefix(RESTORE_PREFIX)
        entry = _ENTRY.match(line)
        if entry is None:
            continue
        name = entry["path"]
        if name.startswith(INTEGRATION_DIR + "/"):
            path = integration_dir / name[len(INTEGRATION_DIR) + 1 :]
            shown = f"{relative}/{name[len(INTEGRATION_DIR) + 1 :]}"
        else:
            path = root / name
            shown = name
        if not path.is_file():
            report.missing.append(shown)
        elif _has_conflict_markers(path) or path.with_name(path.name + ".rej").exists():
            report.conflicted.append(shown)
        elif not _matches(path.read_bytes(), entry["digest"]):
            report.edited.append(shown)
    return report


def stop_if_broken() -> None:
    """At import, before any other harness module: stop when managed files are broken.

    A missing harness module would otherwise fail the plugin's own imports with a
    traceback; this names every broken file and the fix, then ends the run.
    """
    report = check_managed_files()
    if report is not None and report.broken:
        sys.stderr.write(report.stop_message() + "\n")
        raise SystemExit(pytest.ExitCode.USAGE_ERROR)


def enforce_managed_files(config: pytest.Config) -> None:
    """Before the run: print the warnings, or stop with one message when files are broken."""
    report = check_managed_files()
    if report is None:
        return
    if report.broken:
        raise pytest.UsageError(report.stop_message())
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for line in report.warnings():
        if reporter is not None:
            reporter.write_line(line, yellow=True)
        else:
            print(line)
