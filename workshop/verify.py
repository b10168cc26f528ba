"""Check your own answer to an exercise: python -m workshop.verify [EXERCISE] [--lang zh|en]

EXERCISE is its number (01) or its folder's name (01-idle-timeout). The check
runs your working tree as it is, the way you run it (python -m, on a free port;
step 2 on a private embedded Redis), and looks at what it does: its answers, its
cookies, what Redis holds, and the Redis commands a request sends. It prints one
line per Expected of the exercise's page, and for each one that does not hold
what it saw and which hint to read. It changes none of your files, and stops
everything it started, Ctrl+C included.

With no EXERCISE, it checks them all and lists which pass.

Exit status: 0 when every Expected holds, 1 when one does not, 2 for a usage error.
The checks themselves live beside their exercise: exercises/01-idle-timeout/check.py, and
so on.
"""

import importlib.util
import re
import sys
import time
from urllib.parse import parse_qsl

# What --watch looks at, and how often: the files that a step's --reload watches.
from plumbing.reloader import POLL, snapshot
from workshop import progress
from workshop.catalogue import language, say
from workshop.checkpoints import EXERCISES, exercise_folders, find_exercise
from workshop.command_line import OneLineParser
from workshop import lab as lab_module
from workshop.lab import Lab, Missed, NotStarted, printable
from workshop.processes import ROOT
from workshop.room import reporter_from

def load_check(folder):
    """The exercise's check.py, as a module."""
    spec = importlib.util.spec_from_file_location(f"check_{folder[:2]}", EXERCISES / folder / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expectations(check):
    """The check's functions marked with @expect, in the order the file defines them."""
    marked = [value for value in vars(check).values() if callable(value) and hasattr(value, "hint")]
    return sorted(marked, key=lambda function: function.__code__.co_firstlineno)


def seen_text(missed, lang):
    seen = missed.args[0] if missed.args else ""
    return seen[lang] if isinstance(seen, dict) else str(seen)


#: The headers that tell a learner what happened, of the many a request and an answer carry.
SENT_HEADERS = ("Cookie", "Origin", "Sec-Fetch-Site", "X-Forwarded-For")
GOT_HEADERS = ("Set-Cookie", "Location", "Retry-After", "Clear-Site-Data")


def shortened(text, length=100):
    """One line of at most length characters, its control characters shown as escapes."""
    text = printable(re.sub(r"[ \t\r\n]+", " ", text).strip())
    return text if len(text) <= length else text[:length - 1] + "…"


def exchange_text(response, line, lang):
    """The last request a check sent and the answer it got, beside the Expected line: the
    lines that a miss shows before what it saw (nothing when the check sent no request)."""
    if response is None:
        return ""
    request, indent = response.request, "\n        "
    sent = [f"{request.method} {request.path_url}"]
    sent += [f"{name}: {shortened(request.headers[name])}" for name in SENT_HEADERS
             if name in request.headers]
    if request.body:
        body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
        form = "&".join(f"{name}={value}" for name, value in parse_qsl(body, keep_blank_values=True))
        sent.append(shortened(form, 200))  # a check may send long or hostile fields
    got = [str(response.status_code)]
    for name in GOT_HEADERS:
        got += [f"{name}: {shortened(value)}" for value in response.raw.headers.getlist(name)]
    # In quotes, not repr(): shortened() has escaped it once already.
    got.append(f"'{shortened(response.text, 80)}'" if response.text.strip()
               else say("verify.no_body", lang))
    return say("verify.exchange", lang, request=indent.join(sent), response=indent.join(got), line=line)


def run(folder, lang, tree=ROOT, out=print):
    """Check one exercise on tree, saying each line with out; return (the ids of the checks
    missed, how many there are)."""
    check = load_check(folder)
    page = f"exercises/{folder}/{'README.zh-CN.md' if lang == 'zh' else 'README.md'}"
    missing = [package for package in getattr(check, "NEEDS", ())
               if importlib.util.find_spec(package) is None]
    if missing:
        out(say("verify.needs", lang, number=folder[:2], package=", ".join(missing)))
        return [None], 1  # not checked: no pass, and no check to name
    marked = expectations(check)
    missed = []
    with Lab(tree) as lab:
        for number, expectation in enumerate(marked, start=1):
            line, check_id = expectation.line[lang], f"{folder[:2]}.{number}"
            lab_module.forget_exchange()
            try:
                expectation(lab)
            except Exception as error:  # a Missed; or what the check did not foresee: a miss too
                missed.append(check_id)
                if isinstance(error, NotStarted) and error.crashed:
                    # Their code broke: its traceback tells more than a hint. (A step that
                    # refused an option, say, is an ordinary miss: the page's hint helps.)
                    out(say("verify.not_started", lang, id=check_id, line=line,
                            step=error.module, output=error.args[0]))
                    continue
                seen = (seen_text(error, lang) if isinstance(error, Missed)
                        else f"{type(error).__name__}: {error}")
                hint = say("verify.hint", lang, number=expectation.hint, page=page,
                           exercise=folder[:2])
                exchange = exchange_text(lab_module.last_exchange, line, lang)
                out(say("verify.missed", lang, id=check_id, line=line, exchange=exchange,
                        seen=seen, hint=hint))
            else:
                out(say("verify.passed", lang, id=check_id, line=line))
    return missed, len(marked)


def next_line(folder, lang):
    """Where to go after folder passed: the next exercise not passed yet, or well done if none."""
    passed = set(progress.reached())
    still_open = [name for name in exercise_folders() if name != folder and f"ex{name[:2]}" not in passed]
    if not still_open:
        return say("verify.last_exercise", lang)
    following = [name for name in still_open if name > folder] or still_open
    readme = "README.zh-CN.md" if lang == "zh" else "README.md"
    return say("verify.next_exercise", lang, number=following[0][:2],
               page=f"exercises/{following[0]}/{readme}")


def main(argv=None, watching=False):
    parser = OneLineParser(prog="python -m workshop.verify",
                           description="Check your own answer to an exercise.")
    parser.add_argument("exercise", nargs="?", help="its number (01) or folder (01-idle-timeout)")
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    parser.add_argument("--room", help="the room's board, to report a pass to (or WORKSHOP_ROOM)")
    parser.add_argument("--name", help="your name on the board (or WORKSHOP_NAME)")
    parser.add_argument("--watch", action="store_true",
                        help="check again after each save under the step folders (Ctrl+C to stop)")
    args = parser.parse_args(argv)
    if args.watch:
        if args.exercise is None or find_exercise(args.exercise) is None:
            parser.exit(2, say("verify.watch_needs_one", language(args.lang)) + "\n")
        return watch(lambda: main([arg for arg in (argv if argv is not None else sys.argv[1:])
                                   if arg != "--watch"], watching=True), language(args.lang))
    lang = language(args.lang)
    start = time.monotonic()
    reporter = reporter_from(args.room, args.name, lang)
    if args.exercise is None:
        print(say("verify.list_heading", lang))
        still_open = []
        for folder in exercise_folders():
            missed, total = run(folder, lang, out=lambda line: None)
            key = "verify.list_missing" if missed else "verify.list_passes"
            print(say(key, lang, folder=folder, missed=len(missed), total=total), flush=True)
            if missed:
                still_open.append(folder)
            else:
                passed(folder, reporter)
        print(say("verify.list_next", lang, number=still_open[0][:2]) if still_open
              else say("verify.last_exercise", lang))
        if reporter:
            reporter.flush()
        return 0
    folder = find_exercise(args.exercise)
    if folder is None:
        parser.exit(2, say("verify.unknown", lang, name=args.exercise, example=exercise_folders()[0]) + "\n")
    missed, total = run(folder, lang, out=lambda line: print(line, flush=True))
    took = say("verify.took", lang, seconds=time.monotonic() - start)
    if missed == [None]:  # not checked: the line above says what to install
        return 1
    if missed:
        key = "verify.some_missed_watching" if watching else "verify.some_missed"
        print(say(key, lang, missed=len(missed), total=total, number=folder[:2]) + took)
        if reporter and missed[0]:  # where this learner is stuck, for the board
            reporter.report_miss(missed[0])
            reporter.flush()
        return 1
    passed(folder, reporter)
    print(say("verify.reference", lang, patch=f"exercises/{folder}/solution.patch"))
    print(say("verify.all_passed", lang, number=folder[:2], next=next_line(folder, lang)) + took)
    if reporter:
        reporter.flush()
    return 0


def watch(check, lang, out=print):
    """Run check(), then again after each change under the step folders, until Ctrl+C.

    Polling (a look every POLL s) works alike on Linux, macOS, Windows and WSL, with no
    package to install; each run starts on a cleared screen, and starts and stops its own
    servers, so that nothing is left running between runs, or after Ctrl+C.
    """
    while True:
        seen = snapshot()  # before the check: a save made while it runs is checked again too
        out("\033[2J\033[H", end="")  # clear the screen: ANSI, which Windows 10's terminals speak
        check()
        out(say("verify.watching", lang), flush=True)
        while snapshot() == seen:
            time.sleep(POLL)


def passed(folder, reporter):
    """Note a pass for python -m workshop.progress, and report it to the room's board if joined."""
    progress.note(f"ex{folder[:2]}")
    if reporter:
        reporter.report(f"ex{folder[:2]}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything the lab started is stopped by now
        chosen = next((arg.split("=", 1)[1] if "=" in arg else after for arg, after
                       in zip(sys.argv, sys.argv[1:] + [""]) if arg.split("=")[0] == "--lang"), None)
        print(say("verify.stopped", language(chosen)), file=sys.stderr)
        sys.exit(130)
