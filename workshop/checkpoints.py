"""Which checkpoints the workshop has: one list for verify, progress, the coach and the room.

A checkpoint is a walkthrough's (step1-login …, in catalogue.CHECKPOINTS, each
with its line) or an exercise's: ex01, ex02 …, one for each folder of
exercises/ that holds a check.py.
"""

import re

from workshop.catalogue import CHECKPOINTS
from workshop.processes import ROOT

EXERCISES = ROOT / "exercises"


def exercise_folders():
    """The exercise folders that have a check, in order."""
    return sorted(path.name for path in EXERCISES.iterdir() if (path / "check.py").is_file())


def find_exercise(name):
    """The folder of the exercise named 01, 1 or 01-idle-timeout; None if there is none."""
    for folder in exercise_folders():
        number = folder.split("-")[0]
        if name in (folder, number) or (name.isdigit() and int(name) == int(number)):
            return folder
    return None


def exercise_checkpoints():
    """ex01, ex02 …: one for each exercise that has a check."""
    return [f"ex{folder[:2]}" for folder in exercise_folders()]


def all_checkpoints():
    """Every checkpoint, the walkthroughs' first, in order."""
    return list(CHECKPOINTS) + exercise_checkpoints()


def known(checkpoint):
    """Whether checkpoint is one the workshop has."""
    return isinstance(checkpoint, str) and checkpoint in all_checkpoints()


def check_count(folder):
    """How many Expected an exercise's check.py marks: the @expect lines of its text, read
    without running it (the board has no use for the steps that a check imports)."""
    return (EXERCISES / folder / "check.py").read_text("utf-8").count("\n@expect(")


def known_check(check_id):
    """Whether check_id names one Expected of an exercise the workshop has: 06.3 is exercise
    06's third, as verify numbers them in its lines."""
    match = isinstance(check_id, str) and re.fullmatch(r"([0-9]{2})\.([1-9][0-9]?)", check_id)
    if not match:
        return False
    folder = find_exercise(match.group(1))
    return folder is not None and int(match.group(2)) <= check_count(folder)
