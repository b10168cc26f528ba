"""An offline room: a wheelhouse built with each interpreter installs the learner's packages with
no network (--no-index), and both steps start (docs/organisers-guide.md, "A room with a weak
network"). Tested with the oldest and the newest supported Python that this machine has."""

import os
import subprocess

import pytest

from workshop.private_redis import redis_url
from workshop.processes import ROOT, free_port
from workshop.steps import StepServer
from harness.pythons import supported
from support import require

pytestmark = pytest.mark.slow  # downloads the wheels, and makes virtual environments

FOUND = {version: python for version, python in supported().items() if python}
PAIR = sorted({min(FOUND, key=lambda v: tuple(map(int, v.split(".")))),
               max(FOUND, key=lambda v: tuple(map(int, v.split("."))))}) if FOUND else []


def pip(python, *args, timeout=300):
    result = subprocess.run([python, "-m", "pip", *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("version", PAIR or ["3.10", "3.15"])
def test_a_wheelhouse_installs_with_no_index_and_the_steps_start(version, tmp_path):
    require(len(PAIR) == 2 and version in FOUND, "REQUIRE_PYTHONS",
            f"Python {version} is not on this machine (or only one supported Python is)",
            "install it with pyenv, or run bash .ci/debian-pythons")
    python = FOUND[version]
    subprocess.run([python, "-m", "venv", str(tmp_path / "download")], check=True)
    downloader = str(tmp_path / "download" / "bin" / "python")
    wheels = tmp_path / "wheels"
    # The learner's install and what the exercises add: what the organiser's guide downloads.
    pip(downloader, "download", "-q", "-r", "requirements-exercises.txt", "-d", str(wheels))
    size = sum(path.stat().st_size for path in wheels.iterdir())
    print(f"\nPython {version}: {len(list(wheels.iterdir()))} files, {size / 2**20:.1f} MiB")

    subprocess.run([python, "-m", "venv", str(tmp_path / "room")], check=True)
    learner = str(tmp_path / "room" / "bin" / "python")
    # PIP_NO_INDEX as well as --no-index: no configuration can bring the network back.
    result = subprocess.run([learner, "-m", "pip", "install", "-q", "--no-index", "--find-links",
                             str(wheels), "-r", "requirements-exercises.txt"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PIP_NO_INDEX": "1"})
    assert result.returncode == 0, result.stderr
    embedded = ["--embedded-redis", "--redis-url", redis_url(free_port())]
    for module, extra in (("step1_cookie_session", []), ("step2_redis_session", embedded)):
        with StepServer(module, "--quiet", *extra, python=learner):
            pass  # it started, and said "Open http…"
    # Exercise 4's check finds what it needs: it checks, rather than naming a missing package.
    checked = subprocess.run([learner, "-m", "workshop.verify", "04", "--lang", "en"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode in (0, 1) and "needs cryptography" not in checked.stdout
    assert checked.stdout.startswith(("✓", "✗"))
