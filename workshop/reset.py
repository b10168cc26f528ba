"""Start a step over: python -m workshop.reset [step1|step2|all] [--lang zh|en]

Puts the step folders back as the last commit has them, so that an exercise
can start again from the lesson's code. Nothing is lost: your edits, new files
included, go into git's stash under a message that names them (and says when
they are an exercise's reference answer rather than yours), with a stamp of
their own; ``python -m workshop.reset --restore STAMP`` brings back that very
stash, however many came after it. In a folder that is not a git clone it
changes nothing, and says what to do instead.
"""

import secrets
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


def reference_answer(folders):
    """The exercise whose solution.patch the edits in folders are, or None: what a learner who
    applied one to compare would otherwise take back for their own."""
    edits = changed_lines(git("diff", "--no-color", "HEAD", "--", *folders).stdout)
    for patch in sorted((ROOT / "exercises").glob("*/solution.patch")):
        if edits and edits == changed_lines(patch.read_text()):
            return patch.parent.name[:2]
    return None


def changed_lines(diff):
    return sorted(line for line in diff.splitlines()
                  if line[:1] in "+-" and not line.startswith(("+++", "---")))


def restore(stamp, lang):
    """Pop the stash that workshop.reset made with this stamp; (exit status, the line to print)."""
    listed = git("stash", "list", "--format=%gd%x00%s").stdout.splitlines()
    for entry in listed:
        ref, _, message = entry.partition("\0")
        if f"[{stamp}]" in message:
            popped = git("stash", "pop", ref)
            if popped.returncode != 0:
                error = (popped.stderr.strip().splitlines() or ["?"])[-1]
                return 1, say("reset.failed_restore", lang, error=error)
            return 0, say("reset.restored", lang, message=message)
    return 1, say("reset.no_such_stash", lang, stamp=stamp)


def reset(which, lang):
    """Stash the edits in the folders of which; return (exit status, the line to print)."""
    folders = FOLDERS[which]
    named = " ".join(folders)
    inside = git("rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return 1, say("reset.no_git", lang, folders=named)
    if not git("status", "--porcelain", "--", *folders).stdout.strip():
        return 0, say("reset.nothing", lang, folders=named)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"  # two resets a second apart
    exercise = reference_answer(folders)
    what = (say("reset.reference", lang, number=exercise, folders=named) if exercise
            else say("reset.yours", lang, folders=named))
    message = f"workshop.reset {which} [{stamp}]: {what}"
    stashed = git("stash", "push", "--include-untracked", "--message", message, "--", *folders)
    if stashed.returncode != 0:
        error = (stashed.stderr.strip().splitlines() or ["?"])[-1]
        return 1, say("reset.failed", lang, error=error)
    return 0, say("reset.done", lang, folders=named, message=message, stamp=stamp)


def main(argv=None):
    parser = OneLineParser(prog="python -m workshop.reset",
                           description="Put the step folders back as committed, keeping your "
                                       "edits in git's stash.")
    parser.add_argument("which", nargs="?", default="all", choices=sorted(FOLDERS))
    parser.add_argument("--restore", metavar="STAMP",
                        help="bring back the edits that the reset with this stamp kept")
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    if args.restore:
        status, line = restore(args.restore, language(args.lang))
    else:
        status, line = reset(args.which, language(args.lang))
    print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
