"""The quick start's first command: a clear line on a Python that is too old, a go-ahead on a
tested one, and a plain word on one newer than any tested."""

import glob
import os
import re
import subprocess
import sys

import pytest

from workshop.processes import ROOT
from workshop.check_python import NEWEST, OLDEST, TESTED, verdict

OLD_PYTHONS = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/[23].[6789].*/bin/python")))


def check_python(python, *args):
    return subprocess.run([python, "-m", "workshop.check_python", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=30)


def test_a_tested_python_is_told_to_go_on():
    result = check_python(sys.executable)
    assert result.returncode == 0
    assert result.stdout == f"Python {sys.version_info[0]}.{sys.version_info[1]}: tested, good, go on.\n"


def test_the_range_runs_from_3_10_to_3_15_and_ci_reads_it_here():
    assert (OLDEST, NEWEST) == ((3, 10), (3, 15))
    assert check_python(sys.executable, "--list").stdout == " ".join(
        f"{major}.{minor}" for major, minor in TESTED) + "\n"


def test_the_supported_range_has_one_home():
    """CI's scripts read the list; the pages that state the range state this one."""
    for script in (ROOT / ".ci").iterdir():
        assert not re.search(r"\b3\.1\d\b", script.read_text()), f"{script} lists Pythons itself"
    stated = "%d.%d" % OLDEST, "%d.%d" % NEWEST
    for page, spelling in (("README.md", "Python {} to {}"), ("README.zh-CN.md", "Python {} 到 {}")):
        assert spelling.format(*stated) in (ROOT / page).read_text(), page


def test_a_python_newer_than_any_tested_is_told_so():
    status, line = verdict((3, 16))
    assert status == 0 and line.startswith("Python 3.16: newer than any the workshop was tested on")
    assert verdict((3, 15)) == (0, "Python 3.15: tested, good, go on.")


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 2.7 or 3.6 to 3.9 under ~/.pyenv/versions")
@pytest.mark.parametrize("python", OLD_PYTHONS)
def test_a_python_too_old_gets_one_line_that_says_what_to_do(python):
    result = check_python(python)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "needs Python 3.10 or newer" in result.stderr and "python.org" in result.stderr
