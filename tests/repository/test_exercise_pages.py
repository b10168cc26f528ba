"""Each exercise folder holds its task, in both languages, its check and its answer; every hint
that a check sends the learner to is on both pages."""

import re
import subprocess

import pytest

from workshop.processes import ROOT
from workshop import verify
from workshop.checkpoints import exercise_folders

FOLDERS = exercise_folders()


def test_every_exercise_folder_has_a_check():
    folders = sorted(path.name for path in (ROOT / "exercises").iterdir() if path.is_dir())
    assert folders == FOLDERS and len(FOLDERS) >= 5


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_hint_a_check_names_is_on_both_pages(folder):
    checks = verify.expectations(verify.load_check(folder))
    assert len(checks) >= 4
    pages = {language: (ROOT / "exercises" / folder / page).read_text()
             for language, page in (("en", "README.md"), ("zh", "README.zh-CN.md"))}
    for check in checks:
        assert check.line["en"] and check.line["zh"] and check.line["en"] != check.line["zh"]
        assert f"<summary>Hint {check.hint}</summary>" in pages["en"], check.__name__
        assert f"<summary>提示 {check.hint}</summary>" in pages["zh"], check.__name__
    for page in pages.values():
        assert f"python -m workshop.verify {folder[:2]}" in page
        assert re.search(r"python -m workshop\.reset step[12]", page)
        assert (ROOT / "exercises" / folder / "solution.patch").exists()


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_reference_answer_applies_to_the_steps(folder):
    """A change to a step must be carried into the patches (tests/lesson/test_exercises.py
    applies each to the steps of the last commit, and runs it). Checked against git's index
    (the steps as committed, or as staged), so that an answer being written in the folder,
    the learner's or a reference one, fails nothing here."""
    result = subprocess.run(["git", "apply", "--check", "--cached",
                             f"exercises/{folder}/solution.patch"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
