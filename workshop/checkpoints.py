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


def known_check(check_id):
    """Whether check_id names one Expected of an exercise the workshop has: 06.3 is exercise
    06's third (verify numbers them in its lines; a page has fewer than a hundred)."""
    match = isinstance(check_id, str) and re.fullmatch(r"(\d\d)\.([1-9]\d?)", check_id)
    return bool(match) and f"ex{match.group(1)}" in exercise_checkpoints()
