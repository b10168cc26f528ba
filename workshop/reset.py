"""Start a step over: python -m workshop.reset [step1|step2|all] [--lang zh|en]

Puts the step folders back as the last commit has them, so that an exercise
can start again from the lesson's code. Nothing is lost: your edits, new files
included, go into git's stash under a message that names them, and
``git stash pop`` brings them back. In a folder that is not a git clone it
changes nothing, and says what to do instead.
"""

import subprocess
import sys
import time

from workshop.processes import ROOT
from workshop.catalogue import language, say
from workshop.command_line import OneLineParser

FOLDERS = {"step1": ["step1_cookie_session"], "step2": ["step2_redis_session"],
           "all": ["step1_cookie_session", "step2_redis_session"]}


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def reset(which, lang):
    """Stash the edits in the folders of which; return (exit status, the line to print)."""
    folders = FOLDERS[which]
    named = " ".join(folders)
    inside = git("rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return 1, say("reset.no_git", lang, folders=named)
    if not git("status", "--porcelain", "--", *folders).stdout.strip():
        return 0, say("reset.nothing", lang, folders=named)
    message = f"workshop.reset {which}: your edits to {named}, {time.strftime('%Y-%m-%d %H:%M')}"
    stashed = git("stash", "push", "--include-untracked", "--message", message, "--", *folders)
    if stashed.returncode != 0:
        error = (stashed.stderr.strip().splitlines() or ["?"])[-1]
        return 1, say("reset.failed", lang, error=error)
    return 0, say("reset.done", lang, folders=named, message=message)


def main(argv=None):
    parser = OneLineParser(prog="python -m workshop.reset",
                           description="Put the step folders back as committed, keeping your "
                                       "edits in git's stash.")
    parser.add_argument("which", nargs="?", default="all", choices=sorted(FOLDERS))
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    status, line = reset(args.which, language(args.lang))
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
