"""Cookiecutter pre-generation hook: check the answers with Copier before anything is written."""

import json
import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # leave nothing behind in the template clone
CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")
# The template's own folder; a relative path is relative to where Cookiecutter ran.
REPO = Path(CONTEXT["_repo_dir"])
if not REPO.is_absolute():
    REPO = Path(os.environ.get("PWD") or CONTEXT["_output_dir"]) / REPO
sys.path.insert(0, str(REPO.resolve() / "hooks"))

import bridge

bridge.validate(CONTEXT)
