"""--reload: a step that starts again after each save. Plumbing, not the lesson.

With --reload, the command you typed (python -m step1_cookie_session --reload,
or the coach around a step) becomes a watcher: it runs that same command again
in a child process, without --reload, and looks at the files under WATCHED every
POLL seconds. After a save it stops the child (as Ctrl+C would) and starts a new
one, so the next request meets your edit. Polling works alike on Linux, macOS,
Windows and WSL, with nothing to install.

A save that breaks the step (a syntax error, say) stops the child; the watcher
says so and starts it again at the next save. Ctrl+C stops the watcher and its
child: nothing is left running. python -m workshop.verify --watch looks at the
same files, for the same reason: that is where an answer is written.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

#: The workshop's folder, where the step folders are.
ROOT = Path(__file__).resolve().parent.parent

#: The folders a save in which restarts the step: the two steps, and the page they serve.
WATCHED = ("step1_cookie_session", "step2_redis_session", "shared")
#: The files there that count: code and the page. An editor's swap, backup and probe files
#: (.app.py.swp, app.py~, #app.py#, vim's 4913) come and go while you type, and do not.
SOURCES = (".py", ".html", ".css", ".js")
#: Seconds between two looks at the files: a save is seen within this much.
POLL = 0.5
#: Set in the child's environment: it serves, and watches nothing.
CHILD = "WORKSHOP_RELOAD_CHILD"
#: Set there too: when the watcher started (time.time()), the start of the run.
STARTED = "WORKSHOP_RELOAD_STARTED"


def in_child():
    """True in the process that --reload started to serve."""
    return os.environ.get(CHILD) == "1"


def run_started():
    """When this run began (time.time()): in a child of --reload, when its watcher started,
    for the run is one however often a save restarts the step; else now."""
    try:
        return float(os.environ[STARTED]) if in_child() else time.time()
    except (KeyError, ValueError):
        return time.time()


def take_ctrl_c():
    """Make SIGINT a KeyboardInterrupt here, even where it came in ignored (a command put in
    the background by a script ignores it): the watcher stops its child with it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def as_child():
    """In the child: Ctrl+C (the watcher's SIGINT) stops it, and so does the watcher's end."""
    take_ctrl_c()
    follow_the_watcher()


def follow_the_watcher():
    """In the child: stop, as on Ctrl+C, when the watcher is gone (killed with SIGKILL, say),
    rather than serve the old code on the port with nobody to stop it.

    The child's stdin is a pipe that only the watcher holds open, and writes nothing to: it
    reads as ended when the watcher ends, however it ends, on every system. (A parent's pid
    would not do: Windows keeps reporting a dead parent's.)
    """
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError, AttributeError):  # no stdin at all: nothing to follow
            return
        if os.name == "posix":
            os.kill(os.getpid(), signal.SIGINT)
        else:  # Windows has no SIGINT to send oneself
            os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def snapshot(tree=ROOT):
    """{path: (modification time, size)} of every file under the watched folders of tree."""
    found = {}
    for folder in WATCHED:
        for path in (tree / folder).rglob("*"):
            if (path.suffix not in SOURCES or path.name.startswith((".", "#"))
                    or "__pycache__" in path.parts):
                continue
            try:
                stat = path.stat()
            except OSError:  # gone since rglob saw it: an editor replacing the file
                continue
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def this_command(leave_out=()):
    """python -m <this module> and its arguments, without --reload and the options in leave_out."""
    module = sys.modules["__main__"].__spec__.name
    if module.endswith(".__main__"):
        module = module[:-len(".__main__")]
    left_out = {"--reload", *leave_out}
    return [sys.executable, "-m", module, *(arg for arg in sys.argv[1:] if arg not in left_out)]


def supervise(leave_out=(), tree=ROOT):
    """Run this command in a child, again after each save under WATCHED, until Ctrl+C."""
    command = this_command(leave_out)
    env = {**os.environ, CHILD: "1", STARTED: repr(time.time())}
    # Stopped by SIGTERM or SIGHUP (a test ending, a terminal closing): stop the child too,
    # as on Ctrl+C.
    signal.signal(signal.SIGTERM, interrupted)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, interrupted)
    take_ctrl_c()
    print(f"--reload: the step starts again after each save under {', '.join(WATCHED)}.",
          flush=True)
    seen = snapshot(tree)
    # stdin=PIPE: the child follows the watcher by it (follow_the_watcher); the keyboard stays
    # here, so breakpoint() in the step needs a run without --reload.
    start = lambda: subprocess.Popen(command, env=env, stdin=subprocess.PIPE)
    child = start()
    said_stopped = False
    try:
        while True:
            time.sleep(POLL)
            now = snapshot(tree)
            if now != seen:
                seen = now
                stop(child)
                print("--reload: a file was saved; starting the step again.", flush=True)
                child, said_stopped = start(), False
            elif child.poll() is not None and not said_stopped:
                said_stopped = True
                print(f"--reload: the step stopped (exit status {child.returncode}); it starts "
                      f"again at your next save, or press Ctrl+C.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop(child)


def interrupted(signum, frame):
    raise KeyboardInterrupt


def stop(child):
    """Stop the child as Ctrl+C would (so that it ends cleanly), then for good if it must."""
    if child.poll() is None:
        try:
            # SIGINT: the step's own Ctrl+C path runs. Windows has no such signal for a
            # child in the same console: terminate() there.
            child.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
    child.wait()
    if child.stdin:
        child.stdin.close()
