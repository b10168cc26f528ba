"""The supported Pythons that this machine has: python -m harness.pythons [--debian FOLDER]

Prints one line per supported version (workshop/check_python.py holds the list):
the version and the interpreter, or the version and "-" when the machine lacks
it. .ci/run and tests/repository/test_offline_room.py use it. It looks, in turn, in pyenv's
versions, in the folder of Debian's newest Pythons (.ci/debian-pythons), and on
the PATH; each candidate is run once, because a pyenv shim can stand on the PATH
for a Python that it cannot run.
"""

import glob
import os
import shutil
import subprocess
import sys

from workshop.check_python import TESTED

#: Where .ci/debian-pythons puts them; .ci/run names the folder in HARNESS_DEBIAN_PYTHONS.
DEBIAN_PYTHONS = os.environ.get("HARNESS_DEBIAN_PYTHONS") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
    "sessions-workshop", "debian-pythons")


def candidates(version, debian):
    yield from sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")))
    yield os.path.join(debian, "usr", "bin", f"python{version}")
    if shutil.which(f"python{version}"):
        yield shutil.which(f"python{version}")


def runs_as(python, version):
    try:
        out = subprocess.run([python, "-c", "import sys, ssl, venv; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return False
    return out == version


def find(version, debian=DEBIAN_PYTHONS):
    """The path of a working Python of this version (say "3.12"), or None."""
    return next((python for python in candidates(version, debian) if runs_as(python, version)),
                None)


def supported(debian=DEBIAN_PYTHONS):
    """{version: path or None} for every supported version."""
    return {f"{major}.{minor}": find(f"{major}.{minor}", debian) for major, minor in TESTED}


if __name__ == "__main__":
    folder = sys.argv[2] if sys.argv[1:2] == ["--debian"] else DEBIAN_PYTHONS
    for version, python in supported(folder).items():
        print(version, python or "-")
