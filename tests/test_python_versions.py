"""The quick start's first command: a clear line on a Python that is too old, a go-ahead otherwise."""

import glob
import os
import subprocess
import sys

import pytest

from harness.processes import ROOT

OLD_PYTHONS = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.[89].*/bin/python")))


def check_python(python):
    return subprocess.run([python, "-m", "workshop.check_python"], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)


def test_a_supported_python_is_told_to_go_on():
    result = check_python(sys.executable)
    assert result.returncode == 0
    assert result.stdout == f"Python {sys.version_info[0]}.{sys.version_info[1]}: good, go on.\n"


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 3.8 or 3.9 under ~/.pyenv/versions")
@pytest.mark.parametrize("python", OLD_PYTHONS)
def test_a_python_too_old_gets_one_line_that_says_what_to_do(python):
    result = check_python(python)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "needs Python 3.10 or newer" in result.stderr and "python.org" in result.stderr
