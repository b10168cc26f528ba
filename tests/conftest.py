"""Fixtures for the whole suite: the apps, private Redis servers, real servers, a browser.

Helpers and classes live in support.py; this file holds fixtures only.
"""

import pytest
import requests

import support
from harness.processes import free_port
from harness.chromium import find_chromium, launch


@pytest.fixture(scope="session")
def redis_servers():
    """Start a private Redis of a kind on first use, and keep it for the session."""
    started = {}

    def get(kind):
        if kind not in started:
            started[kind] = support.PrivateRedis(kind)
        return started[kind]

    yield get
    for server in started.values():
        server.stop()


@pytest.fixture(params=support.REDIS_KINDS)
def redis_server(request, redis_servers):
    """Each kind of private Redis in turn, emptied after the test (it is ours alone)."""
    server = redis_servers(request.param)
    yield server
    server.client().flushdb()


@pytest.fixture
def real_redis(redis_servers):
    """The private redis-server alone, for what fakeredis lacks: INFO, and freezing it."""
    server = redis_servers("redis-server")
    yield server
    server.client().flushdb()


@pytest.fixture
def breakable_redis():
    """A private redis-server for one test alone, which the test may stop, freeze or reconfigure."""
    server = support.PrivateRedis("redis-server", args=["--enable-debug-command", "local"])
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    """A client of the private Redis that the test runs against."""
    return redis_server.client()


@pytest.fixture(params=support.APP_KINDS)
def any_app(request, redis_servers):
    """Each app in turn, in process: step 1, and step 2 on each kind of Redis.

    app.kind names which; app.redis is a client of step 2's Redis (None in step 1).
    """
    if request.param == "step1":
        app, server = support.step1_client(), None
    else:
        server = redis_servers(request.param.removeprefix("step2-"))
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
def step2_app(redis_server):
    """Step 2's app on each kind of private Redis, in process."""
    return support.step2_client(redis_server.url)


@pytest.fixture
def start_server():
    """Start a step's real server: start_server("step2_redis_session", "--redis-url", url)."""
    running = []

    def start(module, *args, **kwargs):
        running.append(support.StepServer(module, *args, **kwargs))
        return running[-1]

    yield start
    for server in running:
        server.stop()


@pytest.fixture(params=support.APP_KINDS)
def any_server(request, redis_servers, start_server):
    """Each app in turn as a real server: step 1, and step 2 on each kind of Redis."""
    if request.param == "step1":
        yield start_server("step1_cookie_session")
        return
    redis_server = redis_servers(request.param.removeprefix("step2-"))
    yield start_server("step2_redis_session", "--redis-url", redis_server.url)
    redis_server.client().flushdb()


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
def embedded_login(start_server):
    """Step 2 on its embedded Redis, after one login: (the Redis URL, the session id)."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    server = start_server("step2_redis_session", "--embedded-redis", "--redis-url", url)
    assert "EMBEDDED REDIS" in server.banner
    assert "only as long as this process" in server.banner
    browser = requests.Session()
    assert browser.post(server.url + "/login", support.ZHANG_SAN).text == "您第一次登录系统"
    return url, browser.cookies["bottle.sess"]
