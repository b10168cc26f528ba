"""Many browsers at once, for the tests and the measurements: in process, or over HTTP."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from webtest import TestApp

from workshop.processes import wait_until
from workshop.steps import ZHANG_SAN
from plumbing.breaker import COOL_DOWN
from plumbing.server import THREADS


def answers_in_process(app, seconds, clients=THREADS):
    """[(status, text)] of every answer while clients browsers log in, and read, over and over.

    As many at once as the server has threads: what waitress lets into the app.
    """
    answers, stop_at = [], time.monotonic() + seconds

    def browser(number):
        own = TestApp(app)
        while time.monotonic() < stop_at:
            res = own.post("/login", {"usr": f"用户{number}", "psd": "pw"}, expect_errors=True)
            answers.append((res.status_int, res.text))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(browser, range(clients)))
    return answers


class LoggingIn:
    """A with-block in which clients keep making first logins over HTTP, each in a new browser.

    answers holds (when, status, session id or None) for every login, in order.
    With log_out, every other session that a login made is logged out at once,
    and logouts holds (when, status, session id) for each.
    """

    def __init__(self, url, clients=8, log_out=False):
        self.url, self.clients, self.answers, self.logouts = url, clients, [], []
        self.log_out = log_out
        self._done = threading.Event()
        self._pool = ThreadPoolExecutor(clients)

    def _user(self, number):
        made = 0
        while not self._done.is_set():
            browser = requests.Session()
            res = browser.post(self.url + "/login", {"usr": f"用户{number}", "psd": "pw"},
                               timeout=10)
            sid = browser.cookies.get("bottle.sess")
            self.answers.append((time.monotonic(), res.status_code, sid))
            made += res.status_code == 200
            if self.log_out and res.status_code == 200 and made % 2 == 0:
                ended = browser.post(self.url + "/logout", timeout=10)
                self.logouts.append((time.monotonic(), ended.status_code, sid))

    def __enter__(self):
        for number in range(self.clients):
            self._pool.submit(self._user, number)
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._pool.shutdown()

    def acknowledged(self):
        """(the sessions whose login was answered and that nobody logged out, the sessions
        whose logout was answered): what a Redis that loses nothing still holds, and does not."""
        ended = {sid for _, status, sid in self.logouts if status == 200}
        tried = {sid for _, _, sid in self.logouts}
        kept = {sid for _, status, sid in self.answers if status == 200 and sid not in tried}
        return kept, ended

    def longest_gap(self):
        """The longest wait between two answers, in seconds."""
        return max((b[0] - a[0] for a, b in zip(self.answers, self.answers[1:])), default=0)


def timed(call):
    """(what call() returned, the seconds it took)."""
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@dataclass
class Freeze:
    """What a crowd met while Redis was frozen: see freeze_under_crowd."""
    answers: list = field(default_factory=list)  # (when it ended, status, seconds) of each login
    pages: list = field(default_factory=list)  # (status, seconds) of each page fetched while frozen
    frozen_at: float = 0.0
    thawed_at: float = 0.0


def freeze_under_crowd(redis_server, url, clients=32, frozen=1.3, warm_up=1.0, after=0.0):
    """Freeze Redis (SIGSTOP) for frozen seconds while clients keep using step 2 at url.

    Each client logs in once as a user of its own, then keeps posting the login
    form: a read of its live session. After warm_up seconds Redis freezes, and
    the page is fetched every 0.1 s until it thaws. The crowd goes on until a
    login gets a 200 after the thaw (recovery with no restart), and for after
    seconds more. Returns a Freeze.
    """
    browsers = [requests.Session() for _ in range(clients)]
    for number, browser in enumerate(browsers):
        browser.post(url + "/login", {"usr": f"用户{number}", "psd": "pw"})
    freeze, done = Freeze(), threading.Event()

    def keep_logging_in(browser):
        while not done.is_set():
            res, seconds = timed(lambda: browser.post(url + "/login", ZHANG_SAN, timeout=10))
            freeze.answers.append((time.monotonic(), res.status_code, seconds))

    with ThreadPoolExecutor(clients) as pool:
        for browser in browsers:
            pool.submit(keep_logging_in, browser)
        time.sleep(warm_up)
        redis_server.pause()
        freeze.frozen_at = time.monotonic()
        try:
            while time.monotonic() < freeze.frozen_at + frozen:
                page, seconds = timed(lambda: requests.get(url, timeout=10))
                freeze.pages.append((page.status_code, seconds))
                time.sleep(0.1)
        finally:
            redis_server.resume()
        freeze.thawed_at = time.monotonic()
        try:
            wait_until(lambda: any(when > freeze.thawed_at and status == 200
                                   for when, status, _ in freeze.answers),
                       "a 200 after Redis came back", timeout=COOL_DOWN + 5)
            time.sleep(after)
        finally:
            done.set()
    return freeze


def cpu_seconds(pid):
    """User and system CPU time that a process has used, from /proc (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
