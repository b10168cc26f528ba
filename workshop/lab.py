"""What an exercise's check.py works with: the learner's own step, run as they run it.

A ``Lab`` starts a step from a working tree (the learner's, or a copy in the
tests) with ``python -m``, on a free port, and for step 2 on a private embedded
Redis whose commands it logs, so that a check can count what a request sends.
It changes no file, and ``close()`` (or the end of a with-block, Ctrl+C
included) stops everything it started.

A check is a function that takes the lab and returns when its Expected holds,
or raises ``Missed`` with what it saw instead:

    @expect(hint=1, line=both("A read costs one command", "一次读取只用一条命令"))
    def one_command_a_read(lab):
        ...
        if len(sent) != 1:
            raise Missed(", ".join(sent))
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack

import redis
import requests

# FIRST_LOGIN is here for the checks too: the article's answers, from their one home.
from step1_cookie_session.app import FIRST_LOGIN, WELCOME
from step2_redis_session.store import KEY_PREFIX
from workshop.command_log import CommandLog
from workshop.private_redis import PrivateRedis
from workshop.processes import ROOT
from workshop.steps import StepServer

#: What a client sends when it opens a connection, not for any request.
HANDSHAKE = {"HELLO", "CLIENT", "SELECT", "AUTH", "PING", "READONLY"}


class Missed(Exception):
    """An Expected that does not hold: the argument is what was seen (a str, or both(…))."""


class NotStarted(Missed):
    """The step exited before it served: what it printed last (and the file and line of its
    error, when it gave them) is what was seen; module is the step; crashed, whether it printed
    a traceback (an error in its code, not an option it refused)."""

    def __init__(self, printed, module, crashed=False):
        super().__init__(printed)
        self.module, self.crashed = module, crashed


def expect(hint, line):
    """Mark a function of check.py as one Expected of its page, with the hint to read."""
    def mark(check):
        check.hint, check.line = hint, line
        return check
    return mark


class Lab:
    """The learner's step, run from tree, for one exercise's checks."""

    def __init__(self, tree=ROOT):
        self.tree = tree
        self._stack = ExitStack()
        self._servers = {}
        self._redis = self._log = None

    def redis(self):
        """A client of the private Redis that step 2 runs on here (started on first use)."""
        self._start_redis()
        return redis.Redis(port=self._redis.port, decode_responses=True)

    def _start_redis(self):
        if self._redis is None:
            self._redis = self._stack.enter_context(PrivateRedis("fakeredis"))
            self._log = self._stack.enter_context(CommandLog(self._redis.port))

    def step(self, module, *args, env=None):
        """The step's server, started once for these arguments: StepServer, or NotStarted."""
        if module == "step2_redis_session":
            self._start_redis()
            args = (*args, "--redis-url", self._log.url)
        key = (module, args, tuple(sorted((env or {}).items())))
        if key not in self._servers:
            try:
                self._servers[key] = self._stack.enter_context(
                    StepServer(module, "--quiet", *args, env=env, cwd=self.tree))
            except AssertionError as error:  # it exited, or never answered
                printed = str(error).partition("It printed:\n")[2].strip().splitlines()
                # A traceback names the file and line last, then the error: both, on one line.
                where = [line.strip() for line in printed if line.strip().startswith('File "')]
                last = printed[-1] if printed else str(error)
                self._servers[key] = NotStarted(f"{where[-1]}: {last}" if where else last, module,
                                                crashed=bool(where))
        if isinstance(self._servers[key], NotStarted):
            raise self._servers[key]
        return self._servers[key]

    def run(self, module, *args, env=None, timeout=15):
        """Start python -m module from the tree, and see whether it exits or serves.

        Returns (its exit status, what it printed); the status is None when it
        started serving instead ("Open http…"), and it is stopped then.
        """
        if module == "step2_redis_session":
            self._start_redis()
            args = (*args, "--redis-url", self._log.url)
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen([sys.executable, "-m", module, *args], cwd=self.tree,
                                       env={**os.environ, **(env or {})}, stdout=log,
                                       stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            try:
                while process.poll() is None and time.monotonic() < deadline:
                    log.seek(0)
                    if b"Open http" in log.read():
                        break
                    time.sleep(0.05)
            finally:
                status = process.poll()
                if status is None:
                    process.terminate()
                    process.wait()
            log.seek(0)
            return status, log.read().decode("utf-8", "replace").strip()

    def commands(self, action):
        """The Redis commands that action() made step 2 send, the connections' handshakes left out."""
        return [name for name in self._log.during(action) if name not in HANDSHAKE]

    def everything(self):
        """{key: [every value it holds, as bytes]} of the whole Redis, whatever each key's type."""
        client = redis.Redis(port=self._redis.port)
        found = {}
        for key in client.scan_iter(count=1000):
            kind = client.type(key)
            if kind == b"string":
                values = [client.get(key)]
            elif kind == b"hash":
                values = [part for pair in client.hgetall(key).items() for part in pair]
            elif kind == b"list":
                values = client.lrange(key, 0, -1)
            elif kind == b"set":
                values = list(client.smembers(key))
            elif kind == b"zset":
                values = client.zrange(key, 0, -1)
            else:
                values = []
            found[key] = [value for value in values if value is not None]
        return found

    def stored(self, sid):
        """The raw value of a session in Redis, or None."""
        return self.redis().get(KEY_PREFIX + sid)

    def ttl(self, sid):
        """A session's time to live in seconds, with its fraction (from PTTL); negative: none."""
        milliseconds = self.redis().pttl(KEY_PREFIX + sid)
        return milliseconds / 1000 if milliseconds >= 0 else milliseconds

    def close(self):
        self._stack.close()
        self._servers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: The last exchange a Browser made (a requests response, which holds its request): verify
#: forgets it before each check and, on a miss, shows what was sent and what came back.
#: A check runs alone in its process, so one place is enough.
last_exchange = None


def forget_exchange():
    global last_exchange
    last_exchange = None


class Browser:
    """A browser of the step, as plain as a curl cookie jar: it keeps what Set-Cookie says."""

    def __init__(self, server):
        self.server, self.cookies = server, {}
        self.last = None

    def post(self, path, form=None, **kwargs):
        self.last = requests.post(self.server.url + path, data=form, timeout=10,
                                  cookies=dict(self.cookies), **kwargs)
        global last_exchange
        last_exchange = self.last
        for header in set_cookie_headers(self.last):
            name, value, attributes = parse_set_cookie(header)
            if attributes.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return self.last

    def login(self, usr="张三", psd="123"):
        return self.post("/login", {"usr": usr, "psd": psd})


def set_cookie_headers(response):
    """Every Set-Cookie header of a requests response, whole."""
    return response.raw.headers.getlist("Set-Cookie")


def parse_set_cookie(header):
    """(name, value, {attribute in lower case: its value, or True}) of one Set-Cookie header."""
    first, *rest = header.split(";")
    name, _, value = first.strip().partition("=")
    attributes = {}
    for part in rest:
        key, sep, val = part.strip().partition("=")
        attributes[key.lower()] = val if sep else True
    return name, value, attributes


def session_cookie(response, prefix=""):
    """(name, value, attributes) of the Set-Cookie whose name ends in bottle.sess, or None."""
    for header in set_cookie_headers(response):
        name, value, attributes = parse_set_cookie(header)
        if name.endswith("bottle.sess") and name.startswith(prefix):
            return name, value, attributes
    return None


def welcomed(response, usr="张三"):
    return response.status_code == 200 and response.text == WELCOME.format(usr)


def printable(text):
    """text with its control characters shown as escapes (\x1b): what a step sends may hold
    any byte, and a terminal obeys the ones it is sent."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda match: repr(match.group(0))[1:-1], text)


def answer(response):
    """A response as a learner would read it: its status and its text, on one line (an error
    page that starts with its status says it once)."""
    text = printable(re.sub(r"\s+", " ", response.text).strip()[:80])
    status = str(response.status_code)
    return text if text.startswith(status) else f"{status} {text}"
