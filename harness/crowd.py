"""Many browsers at once, for the tests and the measurements: in process, or over HTTP."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from webtest import TestApp

from step2_redis_session.plumbing.server import THREADS


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

    answers holds (when, status, session id or None) for every answer, in order.
    """

    def __init__(self, url, clients=8):
        self.url, self.clients, self.answers = url, clients, []
        self._done = threading.Event()
        self._pool = ThreadPoolExecutor(clients)

    def _user(self, number):
        while not self._done.is_set():
            browser = requests.Session()
            res = browser.post(self.url + "/login", {"usr": f"用户{number}", "psd": "pw"},
                               timeout=10)
            self.answers.append((time.monotonic(), res.status_code,
                                 browser.cookies.get("bottle.sess")))

    def __enter__(self):
        for number in range(self.clients):
            self._pool.submit(self._user, number)
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._pool.shutdown()

    def longest_gap(self):
        """The longest wait between two answers, in seconds."""
        return max((b[0] - a[0] for a, b in zip(self.answers, self.answers[1:])), default=0)


def cpu_seconds(pid):
    """User and system CPU time that a process has used, from /proc (Linux)."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
