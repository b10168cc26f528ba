"""Fixtures for the whole suite: the apps, private Redis servers, real servers, a browser.

Helpers and classes live in support.py; this file holds fixtures only.
"""

import pytest
import requests

import support
from workshop.private_redis import redis_url
from workshop.processes import free_port
from workshop.steps import ZHANG_SAN, StepServer
from harness.chromium import find_chromium, launch


@pytest.fixture(scope="session")
def private_redis_by_kind():
    """private_redis_by_kind(kind): the session's private Redis of that kind, started on first use."""
    started = {}

    def get(kind):
        if kind not in started:
            started[kind] = support.private_redis(kind)
        return started[kind]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(params=support.REDIS_KINDS)
def each_redis(request, private_redis_by_kind):
    """Each kind of private Redis in turn, emptied after the test (it is ours alone)."""
    server = private_redis_by_kind(request.param)
    yield server
    server.client().flushdb()


@pytest.fixture
def real_redis_server(private_redis_by_kind):
    """The private redis-server alone, for what fakeredis lacks: INFO, and freezing it."""
    server = private_redis_by_kind("redis-server")
    yield server
    server.client().flushdb()


@pytest.fixture
def own_redis_server():
    """A private redis-server for one test alone, which the test may stop, freeze or reconfigure."""
    server = support.private_redis("redis-server", args=["--enable-debug-command", "local"])
    yield server
    server.stop()


@pytest.fixture
def each_redis_client(each_redis):
    """A client of the private Redis that the test runs against."""
    return each_redis.client()


@pytest.fixture(params=support.APP_KINDS)
def each_app(request, private_redis_by_kind):
    """Each app in turn, in process: step 1, and step 2 on each kind of Redis.

    app.kind names which; app.redis is a client of step 2's Redis (None in step 1).
    """
    if request.param == "step1":
        app, server = support.step1_client(), None
    else:
        server = private_redis_by_kind(request.param.removeprefix("step2-"))
        app = support.step2_client(server.url)
    app.kind, app.redis = request.param, server and server.client()
    yield app
    if server:
        server.client().flushdb()


@pytest.fixture
def step1_app():
    """Step 1's app, in process."""
    return support.step1_client()


@pytest.fixture
def step2_app(each_redis):
    """Step 2's app on each kind of private Redis, in process."""
    return support.step2_client(each_redis.url)


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


@pytest.fixture(params=support.APP_KINDS)
def each_server(request, private_redis_by_kind, start_server):
    """Each app in turn as a real server: step 1, and step 2 on each kind of Redis."""
    if request.param == "step1":
        yield start_server("step1_cookie_session")
        return
    private_redis = private_redis_by_kind(request.param.removeprefix("step2-"))
    yield start_server("step2_redis_session", "--redis-url", private_redis.url)
    private_redis.client().flushdb()


@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright, once for the session, to drive the system's Chromium."""
    support.require(find_chromium(), "REQUIRE_BROWSER", "no Chromium found",
                    "apt-get install chromium (the tests drive the system's Chromium)")
    with support.playwright()() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    """Debian's Chromium, headless, driven by Playwright."""
    chromium = launch(playwright_driver)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab with an empty cookie jar."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def embedded_redis_login(start_server):
    """Step 2 on its embedded Redis, after one login: (the server, the Redis URL, the session id)."""
    url = redis_url(free_port())
    server = start_server("step2_redis_session", "--embedded-redis", "--redis-url", url)
    browser = requests.Session()
    browser.post(server.url + "/login", ZHANG_SAN)
    return server, url, browser.cookies["bottle.sess"]
