"""The quick start's line for uv users works: uv makes the environment from requirements.txt."""

import os
import shutil
import subprocess

import pytest

from workshop.processes import ROOT
from support import require

pytestmark = pytest.mark.slow  # uv fetches the packages into its cache

UV_LINE = "uv run --no-project --with-requirements requirements.txt python -m step1_cookie_session"


def test_the_readme_gives_the_uv_line():
    assert UV_LINE in (ROOT / "README.md").read_text()


def test_uv_runs_a_step_from_the_requirements():
    require(shutil.which("uv"), "REQUIRE_RESOLVER", "uv is not installed",
            "python -m pip install -r requirements-dev.txt")
    result = subprocess.run([*UV_LINE.split(), "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"})
    assert result.returncode == 0, result.stderr
    assert "Step 1 of the sessions workshop" in result.stdout
