"""Fixtures for the whole suite: the apps, private Redis servers, real servers, a browser.

Every Redis here is private: started by the tests on a free port, and stopped
after them. A Redis that the user already runs is never touched.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import redis
import requests
from fakeredis import TcpFakeServer
from playwright.sync_api import sync_playwright
from webtest import TestApp

import step1_cookie_session.app
import step2_redis_session.app
from scripts.chromium import find_chromium, launch
from scripts.processes import ROOT, free_port
from step1_cookie_session.session import CookieSession
from step2_redis_session.session import RedisSession
from step2_redis_session.store import RedisStore, connect

#: The login that most tests post.
FORM = {"usr": "张三", "psd": "123"}

#: The apps that must behave alike: step 1, and step 2 on each kind of Redis.
APPS = ["step1", "step2-fakeredis", "step2-redis-server"]
REDIS_KINDS = ["fakeredis", "redis-server"]


def require(found, variable, missing, how):
    """Skip when a real part is missing, unless the variable makes it a failure."""
    if found:
        return
    if os.environ.get(variable) == "1":
        pytest.fail(f"{missing}, and {variable}=1 requires it")
    pytest.skip(f"{missing}: {how}, or run bash .ci/run")


class PrivateRedis:
    """A Redis of the tests' own on 127.0.0.1: fakeredis in a thread, or redis-server."""

    def __init__(self, kind, port=None):
        self.kind = kind
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._fake = self._proc = None
        self.start()

    def start(self):
        if self.kind == "fakeredis":
            self._fake = TcpFakeServer(("127.0.0.1", self.port), server_type="redis")
            self._fake.daemon_threads = True
            threading.Thread(target=self._fake.serve_forever, daemon=True).start()
        else:
            require(shutil.which("redis-server"), "REQUIRE_REAL_REDIS",
                    "redis-server is not installed", "apt-get install redis-server")
            self._proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", tempfile.gettempdir()],
                stdout=subprocess.DEVNULL)
        wait_until(lambda: redis.Redis(port=self.port).ping(), f"{self.kind} on {self.port}")

    def stop(self):
        if self._fake:
            self._fake.shutdown()
            self._fake.server_close()
        if self._proc:
            self._proc.kill()
            self._proc.wait(10)
        self._fake = self._proc = None

    def pause(self):
        """Freeze redis-server: connections stay open and nothing answers."""
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self._proc.send_signal(signal.SIGCONT)


def cookies_set_by(res):
    """{name: value} of the cookies that a response sets, raw as the browser gets them."""
    return dict(header.split(";")[0].split("=", 1) for header in res.headers.getall("Set-Cookie"))


def run_module(*args, env=None, timeout=60):
    """Run python -m … to its end from the repository's root, as a learner would."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def wait_until(probe, what, timeout=10):
    """Call probe until it returns without an error; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return probe()
        except Exception:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not come up in {timeout} s") from None
            time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_servers():
    """Start a private Redis of a kind on first use, and keep it for the session."""
    started = {}

    def get(kind):
        if kind not in started:
            started[kind] = PrivateRedis(kind)
        return started[kind]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(params=REDIS_KINDS)
def redis_server(request, redis_servers):
    """Each kind of private Redis in turn, emptied after the test (it is ours alone)."""
    server = redis_servers(request.param)
    yield server
    connect(server.url).flushdb()


@pytest.fixture
def real_redis(redis_servers):
    """The private redis-server alone, for what fakeredis lacks: INFO, and freezing it."""
    server = redis_servers("redis-server")
    yield server
    connect(server.url).flushdb()


@pytest.fixture(params=REDIS_KINDS)
def breakable_redis(request):
    """A private Redis for one test alone, which the test may stop and start again."""
    server = PrivateRedis(request.param)
    yield server
    server.stop()


@pytest.fixture
def step2_on_breakable_redis(breakable_redis):
    """A client of step 2 on the breakable Redis."""
    return TestApp(make_step2_app(breakable_redis.url))


@pytest.fixture
def step2_on_real_redis(real_redis):
    """A client of step 2 on the private redis-server, for counting its commands."""
    return TestApp(make_step2_app(real_redis.url))


@pytest.fixture
def redis_client(redis_server):
    """A client of the private Redis that the test runs against."""
    return connect(redis_server.url)


def make_step2_app(url):
    return step2_redis_session.app.create_app(RedisSession(RedisStore(connect(url))))


@pytest.fixture(params=APPS)
def client(request, redis_servers):
    """A browser-like client (it keeps cookies) of each app in turn, in process."""
    if request.param == "step1":
        yield TestApp(step1_cookie_session.app.create_app(CookieSession()))
        return
    server = redis_servers(request.param.removeprefix("step2-"))
    yield TestApp(make_step2_app(server.url))
    connect(server.url).flushdb()


@pytest.fixture
def step1():
    """A client of step 1, in process."""
    return TestApp(step1_cookie_session.app.create_app(CookieSession()))


@pytest.fixture
def step2(redis_server):
    """A client of step 2 on each kind of private Redis, in process."""
    return TestApp(make_step2_app(redis_server.url))


class StepServer:
    """A step's real server, started with python -m in a subprocess."""

    def __init__(self, module, *args, port=None, env=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=ROOT, text=True,
            env={**os.environ, "PORT": str(self.port), **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # What it prints up to "Open http://…", the line that says it is ready.
        self.banner = ""
        while line := self.proc.stdout.readline():
            self.banner += line
            if line.startswith("Open http"):
                break
        wait_until(lambda: requests.get(self.url, timeout=1), f"{module} on {self.port}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


@pytest.fixture(params=APPS)
def any_server(request, redis_servers, start_server):
    """Each app in turn as a real server: step 1, and step 2 on each kind of Redis."""
    if request.param == "step1":
        yield start_server("step1_cookie_session")
        return
    redis_server = redis_servers(request.param.removeprefix("step2-"))
    yield start_server("step2_redis_session", "--redis-url", redis_server.url)
    connect(redis_server.url).flushdb()


@pytest.fixture
def start_server():
    """Start a step's real server: start_server("step2_redis_session", "--redis-url", url)."""
    running = []

    def start(module, *args, **kwargs):
        running.append(StepServer(module, *args, **kwargs))
        return running[-1]

    yield start
    for server in running:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    require(find_chromium(), "REQUIRE_BROWSER", "no Chromium found",
            "apt-get install chromium (the tests drive the system's Chromium)")
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab with an empty cookie jar."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
