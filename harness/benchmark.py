"""What the measurement scripts share: the cores they pin to, a keep-alive browser, a timer,
and the machine's name for the figures' captions."""

import http.client
import os
import platform
import time
from pathlib import Path
from urllib.parse import urlencode

from workshop.steps import ZHANG_SAN

#: The login form as a request body.
LOGIN_BODY = urlencode(ZHANG_SAN)
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

# Linux only: the web server, every thread of it, gets a core of its own; the
# clients and Redis share the other. Unpinned, the OS moves them about, and the
# figures measure that.
CLIENT_CORE, SERVER_CORE = 0, 1


def core(number):
    """{number}, for Process(cpus=…), where the OS can pin and there are two cores; else None."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        return {number}
    return None


def pin_this_process(number):
    """Pin this process (the clients, in one thread) and what it starts from now on."""
    if core(number):
        os.sched_setaffinity(0, core(number))


class Browser:
    """One keep-alive HTTP connection that keeps the session cookie, like a browser tab."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookie = ""

    def reopen(self):
        """A new connection, with the same cookie: the servers close one left idle for 20 s."""
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port)

    def post(self, path, body=""):
        self.conn.request("POST", path, body, {**FORM_HEADERS, "Cookie": self.cookie})
        res = self.conn.getresponse()
        text = res.read().decode()
        for header in res.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";")[0] if "Max-Age=0" not in header else ""
        return text


def per_call(call, times):
    """Seconds per call, over times calls in a row."""
    start = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - start) / times


def machine():
    """The CPU's model, its cores and the Python: what a figure was measured on."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"
