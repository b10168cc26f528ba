"""Run a step with a coach: python -m workshop.coach STEP [the step's own options] [--room URL --name N]

STEP is step1_cookie_session or step2_redis_session. The step runs exactly as
python -m STEP runs it (the same options, banner, request log and answers);
the coach is WSGI middleware around its app, outside the step's code. It
watches each request and its answer, and says each checkpoint you reach once,
in one line with its why (workshop/catalogue.py lists them), notes it for
python -m workshop.progress, and reports it to the room's board if you joined
one (workshop/room.py).

To tell a cookie that the step issued from one you forged, the coach keeps
fingerprints (SHA-256) of the cookies the step set, of the names step 1 gave
them to, and of the ones a logout cleared: the coach remembers, the step does
not. It keeps them in .workshop/coach-memory.json beside your progress (Memory,
below), so that a restarted coach still knows a cookie from an earlier run, and
python -m workshop.progress --reset forgets them. A fingerprint is not the
value, but a short name can be guessed back from its own, so they stay on this
laptop: the coach never prints or sends a cookie's value, an id, a name or a
password, nor their fingerprints.

What it cannot know, it does not claim: a step 1 cookie made before this run
of the coach started (by a run without it, say) is never called a forgery, and
an id is called invented only when step 2 could never have made it (its shape
is not that of step 2's ids); an id of the right shape that the coach never saw
issued may come from a run of step 2 without the coach.
"""

import base64
import hashlib
import importlib
import atexit
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from plumbing import reloader
from workshop import progress
from workshop.catalogue import checkpoint_line, language, say
from workshop.room import reporter_from

STEPS = ("step1_cookie_session", "step2_redis_session")


def fingerprint(value):
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def request_cookies(environ):
    """{name: value} of the request's Cookie header, split as the steps split it."""
    found = {}
    for part in environ.get("HTTP_COOKIE", "").replace(",", ";").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name not in found:
            found[name] = value
    return found


def set_cookies(headers):
    """{name: (value, cleared)} of the Set-Cookie headers of an answer."""
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            first, _, attributes = value.partition(";")
            cookie, _, cookie_value = first.partition("=")
            found[cookie.strip()] = (cookie_value, "max-age=0" in attributes.lower())
    return found


def step1_session(value):
    """The JSON object in a step 1 cookie (base64 of it), whoever made it; else None. The
    coach's own reading, so that an exercise's edit of step 1 does not change what it sees."""
    try:
        session = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, RecursionError):  # bad base64 or JSON; "[[[[…" nested a thousand deep
        return None
    return session if isinstance(session, dict) else None


def usr_in(value):
    """The usr of a step 1 cookie, or None."""
    return (step1_session(value) or {}).get("usr")


def issued_before(value, moment_ms):
    """Whether a step 1 cookie says it was issued before moment_ms (its _expire less its
    _maxAge, as step 1 stamps it); False when it says nothing that can be read."""
    try:
        session = step1_session(value)
        return session["_expire"] - session["_maxAge"] < moment_ms
    except (KeyError, TypeError, OverflowError):
        return False


class Memory:
    """The coach's fingerprints, {kind: [fingerprint, …]}, kept in a file across its runs.

    A kind keeps its newest KEPT fingerprints. The file is written by a thread of its own
    (and once more at exit); a request waits at most for a merge, never for the file. Each
    write adds what the file holds now (another coach, on the other step, may have written
    since) and replaces it whole. A file that is not the coach's own, or too large to be, is
    read as empty. A coach that is running keeps what it saw: progress --reset, which deletes
    the file, forgets it once the coaches stop.

    Two coaches that write at once can cross: one replaces the file with what it read before
    the other's write, dropping the other's newest marks from it, until that one writes again
    (at its next mark, or at exit). A mark missing makes the coach say less, never more: a
    cookie it does not know from an earlier run is taken for one it did not see issued.
    """

    KEPT = 2000
    LARGEST_FILE = 4 * 2 ** 20  # bytes: KEPT fingerprints of each kind fill about a quarter
    KINDS = {f"{step}-{kind}" for step in ("step1", "step2")
             for kind in ("issued", "cleared", "names", "signatures")}

    def __init__(self, path):
        self.path = path
        self.kinds = self._read()
        self._changed = threading.Event()
        self._lock = threading.Lock()  # guards kinds
        self._writing = threading.Lock()  # one write at a time: the writer's, or the one at exit
        threading.Thread(target=self._write_when_changed, daemon=True).start()
        atexit.register(self.write)

    def _read(self):
        """{kind: {fingerprint: None}} from the file: only known kinds and real fingerprints."""
        try:
            if self.path.stat().st_size > self.LARGEST_FILE:
                return {}
            found = json.loads(self.path.read_text("utf-8"))
        except Exception:  # missing, unreadable, not JSON, nested past Python's limit …
            return {}
        if not isinstance(found, dict):
            return {}
        return {kind: dict.fromkeys(mark for mark in marks[-self.KEPT:] if is_fingerprint(mark))
                for kind, marks in found.items() if kind in self.KINDS and isinstance(marks, list)}

    def add(self, kind, mark):
        with self._lock:
            self._keep(self.kinds.setdefault(kind, {}), [mark])
        self._changed.set()

    def _keep(self, marks, new):
        for mark in new:
            marks.pop(mark, None)
            marks[mark] = None  # the newest last
        while len(marks) > self.KEPT:
            del marks[next(iter(marks))]

    def holds(self, kind, mark):
        return mark in self.kinds.get(kind, {})

    def write(self):
        with self._writing:  # the writer thread and the one at exit: one at a time
            self._write()

    def _write(self):
        on_file = self._read()
        with self._lock:
            for kind, marks in on_file.items():  # theirs first, ours after: ours are newer
                merged = dict(marks)
                self._keep(merged, list(self.kinds.get(kind, {})))
                self.kinds[kind] = merged
            kept = {kind: list(marks) for kind, marks in self.kinds.items()}
        text = json.dumps(kept)  # outside the lock: a request may add meanwhile
        fresh = None
        try:
            self.path.parent.mkdir(exist_ok=True)
            # A file of this write's own (two coaches, or two Memories in one process, each
            # write theirs), then replaced whole: never half-written for another to read.
            handle, fresh = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(fresh, self.path)
        except OSError:  # a folder that cannot be written: the coach remembers this run only
            if fresh:
                Path(fresh).unlink(missing_ok=True)

    def _write_when_changed(self):
        while True:
            self._changed.wait()
            self._changed.clear()
            self.write()


def is_fingerprint(mark):
    return isinstance(mark, str) and len(mark) == 64 and all(c in "0123456789abcdef" for c in mark)


class Coach:
    """The middleware: the step's app, watched. checkpoint() is where a checkpoint is said."""

    def __init__(self, app, step, lang, signed=False, reporter=None, out=print):
        self.app, self.step, self.lang, self.signed = app, step, lang, signed
        self.reporter, self.out = reporter, out
        self.memory = Memory(progress.coach_memory_file())
        # The step's own answers, from its own module only: an exercise half-written in the
        # other step's folder must not stop this coach from starting.
        answers = importlib.import_module(f"{step}.app")
        self.first_login = answers.FIRST_LOGIN
        self.welcome = answers.WELCOME.format("")  # what a welcome starts with, the name after it
        self.id_shape = (importlib.import_module(f"{step}.session").ID_SHAPE
                         if step == STEPS[1] else None)
        # With --reload, the run began when the watcher did, however often the step restarted.
        self.started_ms = reloader.run_started() * 1000
        self.said, self.said_503 = set(), False
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        seen = {}

        def keep(status, headers, exc_info=None):
            seen["status"], seen["headers"] = int(status.split()[0]), list(headers)
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, keep))  # a step's answers are a line: small
        try:
            self.watch(environ, seen["status"], seen["headers"], body.decode("utf-8", "replace"))
        except Exception:  # the coach must never cost the step an answer
            pass
        return [body]

    def watch(self, environ, status, headers, text):
        sent = request_cookies(environ).get("bottle.sess")
        answer_cookies = set_cookies(headers)
        step = "step1" if self.step == "step1_cookie_session" else "step2"
        with self._lock:
            if status == 503:
                self.said_503 = True
                if "没有响应" in text:
                    self.checkpoint("step2-redis-down")
                return
            if self.said_503 and environ.get("REQUEST_METHOD") == "POST":
                # A login or a logout, which needs Redis: the page (GET /) needs none, and
                # answers while Redis is still down.
                self.said_503 = False
                self.checkpoint("step2-recovered")
            path = environ.get("PATH_INFO", "")
            if path == "/logout" and sent and answer_cookies.get("bottle.sess", ("", False))[1]:
                self.memory.add(f"{step}-cleared", fingerprint(sent))
            if path != "/login" or status != 200:
                return
            if text == self.first_login:
                value, cleared = answer_cookies.get("bottle.sess", ("", True))
                if value and not cleared:
                    self.memory.add(f"{step}-issued", fingerprint(value))
                    if step == "step1":
                        self.memory.add(f"{step}-names", fingerprint(str(usr_in(value))))
                    signature = answer_cookies.get("bottle.sess.sig", ("", True))[0]
                    if signature:
                        self.memory.add(f"{step}-signatures", fingerprint(signature))
                    self.checkpoint(f"{step}-login")
                if sent:
                    self.refused(step, sent, request_cookies(environ).get("bottle.sess.sig"))
            elif text.startswith(self.welcome) and sent:
                self.welcomed(step, sent, text[len(self.welcome):])

    def welcomed(self, step, sent, name):
        mark = fingerprint(sent)
        if self.memory.holds(f"{step}-cleared", mark) and step == "step1":
            self.checkpoint("step1-replayed")
        elif self.memory.holds(f"{step}-issued", mark):
            self.checkpoint(f"{step}-welcome")
        elif (step == "step1" and not self.memory.holds(f"{step}-names", fingerprint(name))
              and not issued_before(sent, self.started_ms)):
            # Welcomed by a name that step 1 never gave a cookie to: an edit. (A cookie
            # pasted from the Koa app, for a name that was logged in here, is not; nor is
            # one from before this run, which a run without the coach may have issued.)
            self.checkpoint("step1-forged")

    def refused(self, step, sent, signature=None):
        """A first login although the request carried a cookie: what did the step refuse?"""
        mark = fingerprint(sent)
        if step == "step1" and self.signed:
            # An edit is a cookie the step never set, under a signature that it did set. An
            # unsigned cookie from before --signed is refused too, and proves nothing.
            if (signature and self.memory.holds(f"{step}-signatures", fingerprint(signature))
                    and not self.memory.holds(f"{step}-issued", mark)):
                self.checkpoint("step1-signed-refused")
        elif step == "step2" and self.memory.holds(f"{step}-cleared", mark):
            self.checkpoint("step2-replay-refused")
        elif (step == "step2" and not self.id_shape.fullmatch(sent)
              and step1_session(sent) is None):
            # Never one of step 2's ids, nor step 1's cookie still in the browser (both steps
            # serve on port 4000, and cookies ignore the port): an invented id.
            self.checkpoint("step2-forged-refused")

    def checkpoint(self, name):
        """Say it, note it and report it: once in a run of the coach."""
        if name in self.said:
            return
        self.said.add(name)
        if progress.note(name):  # reached before, in an earlier run: not news, so not said again
            self.out(say("coach.checkpoint", self.lang, line=checkpoint_line(name, self.lang)))
        if self.reporter:  # a board restarted since then has not heard it
            self.reporter.report(name)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = language(_option(argv, "--lang", keep=False))
    room, name = _option(argv, "--room", keep=False), _option(argv, "--name", keep=False)
    usage = ("python -m workshop.coach STEP [the step's options] [--room URL --name NAME] "
             "[--lang zh|en]: STEP is step1_cookie_session or step2_redis_session; "
             "python -m STEP --help lists the step's options.")
    if argv[:1] in (["--help"], ["-h"]):
        print(usage)
        return
    if not argv or argv[0] not in STEPS:
        sys.exit(usage)
    step, step_args = argv[0], argv[1:]
    short = {"zh": "第 1 步" if step == STEPS[0] else "第 2 步",
             "en": "step 1" if step == STEPS[0] else "step 2"}[lang]
    said = lambda line: print(line, flush=True)
    first_run = not reloader.in_child()  # with --reload, the banner is said once, not per restart
    if first_run:
        said(say("coach.banner", lang, step=step, step_short=short))
    reporter = reporter_from(room, name, lang, out=said, announce=first_run)
    entry = importlib.import_module(f"{step}.__main__")
    coach = lambda app: Coach(app, step, lang, signed="--signed" in step_args, reporter=reporter,
                              out=lambda line: print(line, flush=True))
    entry.main(step_args, wrap=coach)


def _option(argv, option, keep=True):
    """The value of --option VALUE (or --option=VALUE) in argv, taken out of it; or None."""
    for number, arg in enumerate(argv):
        if arg == option and number + 1 < len(argv):
            value = argv[number + 1]
            del argv[number:number + 2]
            return value
        if arg.startswith(option + "="):
            del argv[number]
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    main()
