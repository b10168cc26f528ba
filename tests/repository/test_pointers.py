"""No stale pointer anywhere: every path, test and module that any file names exists.

Pages, docstrings, comments, package.json files and scripts all point at one
another; a moved or renamed file leaves pointers behind where no one looks.
This reads every text file that git knows and follows each pointer it finds.
"""

import re
import subprocess

import pytest

from workshop.processes import ROOT


def tracked_text_files():
    """Every file that git knows (or would add), but lock files, pictures and patches.

    A patch names its files as a/… and b/…; tests/lesson/test_exercises.py applies each one.
    """
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return sorted(path for path in listed if (ROOT / path).is_file()
                  and not path.endswith(("package-lock.json", ".png", ".patch"))
                  and "node_modules" not in path)


FILES = tracked_text_files()
TOP_LEVEL = {path.split("/")[0] for path in FILES if "/" in path}
PACKAGES = {name for name in TOP_LEVEL if (ROOT / name / "__init__.py").exists()}
# A path is a run of names joined by slashes, not inside a URL or an absolute path.
PATH = re.compile(r"(?<![\w./:~@-])((?:\.\.?/)*[\w.-]+(?:/[\w.-]+)+/?)")
EXTENSIONS = (".py", ".md", ".js", ".mjs", ".json", ".txt", ".in", ".html", ".patch", ".png")
NAMED_TEST = re.compile(r"(tests/(?:\w+/)?test_\w+\.py)::(test_\w+)")
TEST_FILE = re.compile(r"(?<![\w/])(test_\w+\.py)\b")
MODULE = re.compile(r"\b(?:python3?|py) -m ([\w.]+)")


def pointers(text):
    """The repository paths that text names: under a top-level folder, or a file by its extension."""
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        first = path.lstrip("./").split("/")[0]
        if first in TOP_LEVEL or (path.endswith(EXTENSIONS) and not path.startswith("a/")):
            yield path


def exists(path, named_in):
    """Whether path is there, from the repository's root or from the naming file's folder; a
    path that git ignores (a file that a command writes, such as .workshop/progress.json) is
    taken as there."""
    if any((base / path).exists() for base in (ROOT, (ROOT / named_in).parent)):
        return True
    relative = path[2:] if path.startswith("./") else path
    return subprocess.run(["git", "check-ignore", "-q", relative], cwd=ROOT).returncode == 0


@pytest.mark.parametrize("named_in", FILES)
def test_every_path_named_exists(named_in):
    text = (ROOT / named_in).read_text("utf-8", "replace")
    missing = sorted({path for path in pointers(text) if not exists(path, named_in)})
    assert missing == [], f"{named_in} names paths that are not there"


@pytest.mark.parametrize("named_in", FILES)
def test_every_test_named_exists(named_in):
    text = (ROOT / named_in).read_text("utf-8", "replace")
    for test_file, test_name in NAMED_TEST.findall(text):
        source = ROOT / test_file
        assert source.exists(), f"{named_in} names {test_file}, which is not there"
        assert f"def {test_name}(" in source.read_text(), f"{named_in} names missing {test_name}"
    test_files = {path.name for path in (ROOT / "tests").rglob("test_*.py")}
    assert sorted(set(TEST_FILE.findall(text)) - test_files) == []


@pytest.mark.parametrize("named_in", FILES)
def test_every_module_run_with_python_m_exists(named_in):
    text = (ROOT / named_in).read_text("utf-8", "replace")
    for module in MODULE.findall(text):
        if module.split(".")[0] in PACKAGES:
            path = ROOT / module.replace(".", "/")
            assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), (
                f"{named_in} runs python -m {module}, which is not there")


def test_the_checks_find_a_stale_pointer():
    """The patterns above see each kind of pointer that went stale before."""
    m, t = "measurements", "tests"  # so that this file does not name the stale paths itself
    stale = (f"See {m}/peers.py; {t}/test_step2_faults.py and "
             f"{t}/lesson/test_login_flow.py::test_no_such_test; python -m {m}.gone")
    assert [path for path in pointers(stale) if not exists(path, "README.md")] == [
        f"{m}/peers.py", f"{t}/test_step2_faults.py"]
    assert NAMED_TEST.findall(stale) == [(f"{t}/lesson/test_login_flow.py", "test_no_such_test")]
    assert MODULE.findall(stale) == [f"{m}.gone"]
    # A folder that only a command makes (npm ci) is there before it is made, as in a fresh clone.
    assert exists(f"{m}/node_modules", "README.md")


def ci_run_names():
    """What .ci/run installs with apt-get, where it runs npm ci, and the REQUIRE_* it sets."""
    script = (ROOT / ".ci" / "run").read_text()
    packages = re.findall(r"missing\+=\(([\w-]+)\)", script)
    folders = re.search(r"for folder in ([^;]+); do", script).group(1).split()
    variables = re.findall(r"\b(REQUIRE_\w+)=1", script)
    return packages, folders, variables


@pytest.mark.parametrize("page", ["CONTRIBUTING.md", "CONTRIBUTING.zh-CN.md"])
def test_contributing_names_what_ci_installs_and_requires(page):
    packages, folders, variables = ci_run_names()
    assert len(packages) >= 6 and len(folders) >= 2 and len(variables) >= 6
    text = (ROOT / page).read_text()
    assert [name for name in packages + folders + variables if name not in text] == []
