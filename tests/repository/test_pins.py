"""The pins are complete: every package that a supported Python needs, on Linux, macOS and
Windows, is pinned with its marker, and nothing else (CONTRIBUTING.md, "The pins").

A resolver that knows markers answers for each target: uv pip compile of the
pinned files, for one Python and one platform, must give back exactly the pins
whose markers hold there. It asks PyPI for the packages' metadata.
"""

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from packaging.markers import Marker

from workshop.processes import ROOT
from support import require
from workshop.check_python import TESTED

pytestmark = pytest.mark.slow  # asks PyPI, once per Python and platform

PYTHONS = [f"{major}.{minor}" for major, minor in TESTED]
#: uv's name for each platform, and the marker values that Python reports there.
PLATFORMS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
              "platform_machine": "x86_64"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
              "platform_machine": "arm64"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                "platform_machine": "AMD64"},
}
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)\s*(?:;\s*(.+))?$")


#: The top layer of the pins: the peer stacks, on the maintainers', on the exercises', on the
#: learner's.
TOP = "measurements/peers/requirements.txt"


def pins(path):
    """[(name, version, marker or None)] of a requirements file, following -r as pip does
    (from the file's own folder)."""
    found = []
    for line in (ROOT / path).read_text().splitlines():
        if line.startswith("-r "):
            found += pins((ROOT / path).parent.relative_to(ROOT) / line[3:].strip())
        elif PIN.match(line):
            found.append(PIN.match(line).groups())
    return found


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_for(path, python, platform):
    """{name: version} of the pins whose markers hold for python on platform."""
    environment = {**PLATFORMS[platform], "python_version": python,
                   "python_full_version": f"{python}.0", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython"}
    return {normal(name): version for name, version, marker in pins(path)
            if marker is None or Marker(marker).evaluate(environment)}


def resolved_for(path, python, platform):
    """{name: version} that uv resolves from the file for python on platform."""
    require(shutil.which("uv"), "REQUIRE_RESOLVER", "uv is not installed",
            "python -m pip install -r requirements-dev.txt")
    result = subprocess.run(
        ["uv", "pip", "compile", str(path), "--python-version", python, "--python-platform",
         platform, "--no-header", "--no-annotate", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return {normal(match[1]): match[2] for match in map(PIN.match, result.stdout.splitlines())
            if match}


@pytest.fixture(scope="module")
def resolutions():
    """{(python, platform): what uv resolves from the top layer}, asked all at once."""
    targets = [(python, platform) for python in PYTHONS for platform in PLATFORMS]
    with ThreadPoolExecutor(6) as pool:
        answers = pool.map(lambda target: resolved_for(TOP, *target), targets)
        return dict(zip(targets, answers))


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("python", PYTHONS)
def test_every_package_needed_is_pinned_and_nothing_else(resolutions, python, platform):
    assert resolutions[python, platform] == pinned_for(TOP, python, platform)


def test_each_layer_holds_only_what_the_layers_below_lack():
    """A package is pinned once, in the lowest layer that needs it."""
    layers = ["requirements.txt", "requirements-exercises.txt", "requirements-dev.txt", TOP]
    own = [{normal(name) for name, _, _ in pins(layer)} - {
        normal(name) for below in layers[:number] for name, _, _ in pins(below)}
           for number, layer in enumerate(layers)]
    assert all(own) and sum(map(len, own)) == len({normal(name) for name, _, _ in pins(TOP)})
    assert "bottle" in own[0] and "cryptography" in own[1]
    assert "playwright" in own[2] and "django" in own[3]


def test_the_check_finds_a_pin_that_is_missing(tmp_path):
    """Without its colorama line, pytest on Windows needs a package that nothing pins."""
    learner = (ROOT / "requirements.txt").read_text()
    assert "colorama==" in learner
    cut = tmp_path / "requirements.txt"
    cut.write_text("".join(line for line in learner.splitlines(True)
                           if not line.startswith("colorama")))
    resolved = resolved_for(cut, PYTHONS[0], "windows")
    assert "colorama" in resolved
    assert "colorama" not in pinned_for(cut, PYTHONS[0], "windows")
    assert resolved != pinned_for(cut, PYTHONS[0], "windows")  # what the test above compares
