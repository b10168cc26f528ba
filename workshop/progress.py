"""Your checkpoints: python -m workshop.progress [--reset] [--lang zh|en]

The coach (python -m workshop.coach) and the checks (python -m workshop.verify)
note each checkpoint you reach in .workshop/progress.json, in the workshop's
folder (git ignores it). This shows them, step by step, done or not; --reset
forgets them all, and the hints taken too (python -m workshop.hint). Only the
checkpoints' names and times, and how many hints of each exercise were shown,
are kept: never a cookie, an id, a name or a password. --reset also forgets the
coach's fingerprints of the cookies it saw (.workshop/coach-memory.json).
"""

import json
import os
import sys
import threading
import time
from pathlib import Path

from workshop.catalogue import CHECKPOINTS, checkpoint_line, language, say
from workshop.checkpoints import exercise_checkpoints, known
from workshop.command_line import OneLineParser
from workshop.processes import ROOT

#: Where the checkpoints are kept; WORKSHOP_PROGRESS names another file (the tests' own).
FILE = Path(os.environ.get("WORKSHOP_PROGRESS") or ROOT / ".workshop" / "progress.json")
_lock = threading.Lock()


def coach_memory_file():
    """Where the coach keeps the fingerprints of the cookies it saw: beside the progress file."""
    return FILE.with_name("coach-memory.json")


def _read():
    """The progress file as a dict ({} without one, or with one that is not ours)."""
    try:
        data = json.loads(FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(data):
    FILE.parent.mkdir(exist_ok=True)
    FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")


def reached():
    """{checkpoint: when it was first reached} from the progress file ({} without one)."""
    found = _read().get("checkpoints")
    return {name: when for name, when in (found if isinstance(found, dict) else {}).items()
            if known(name)}


def note(checkpoint):
    """Note a checkpoint; True if it is new (so that it is said, and reported, once)."""
    with _lock:
        data = _read()
        done = reached()
        if checkpoint in done:
            return False
        done[checkpoint] = time.strftime("%Y-%m-%dT%H:%M:%S")
        _write({**data, "checkpoints": done})
        return True


def hints_taken():
    """{exercise number ("01" …): how many of its hints were shown}."""
    found = _read().get("hints")
    return {number: count for number, count in (found if isinstance(found, dict) else {}).items()
            if isinstance(count, int)}


def take_hint(number, which=None):
    """Note that hint which (else the next one) of exercise number was shown; return how many
    hints of it were shown now: a hint asked for by its number counts those before it too."""
    with _lock:
        data = _read()
        taken = hints_taken()
        taken[number] = max(taken.get(number, 0) + (which is None), which or 0)
        _write({**data, "hints": taken})
        return taken[number]


def main(argv=None):
    parser = OneLineParser(prog="python -m workshop.progress",
                           description="Your checkpoints, done or not.")
    parser.add_argument("--reset", action="store_true", help="forget every checkpoint")
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    lang = language(args.lang)
    if args.reset:
        FILE.unlink(missing_ok=True)
        coach_memory_file().unlink(missing_ok=True)
        print(say("progress.reset", lang))
        return 0
    done = reached()
    groups = [("step1", [c for c in CHECKPOINTS if c.startswith("step1-")]),
              ("step2", [c for c in CHECKPOINTS if c.startswith("step2-")]),
              ("exercises", exercise_checkpoints())]
    print(say("progress.legend", lang))  # each line says what the checkpoint is; the mark, if reached
    for group, checkpoints in groups:
        print(say(f"progress.{group}", lang))
        for checkpoint in checkpoints:
            mark = "✓" if checkpoint in done else "·"
            print(f"  {mark} {checkpoint:<21} {checkpoint_line(checkpoint, lang)}")
    taken = hints_taken()
    if taken:
        print(say("progress.hints", lang, taken=", ".join(
            f"{number}: {count}" for number, count in sorted(taken.items()))))
    print(say("progress.next", lang, done=len(done)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
