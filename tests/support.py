"""What the tests share besides fixtures: the apps in process, skips that say how to enable a
real part, and cookie helpers. What the measurements share too (private Redis servers, real
servers, crowds, the login form) lives in harness/.

Every Redis here is private: started by the tests on a free port, and stopped
after them. A Redis that the user already runs is never touched.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from webtest import TestApp

import step1_cookie_session.app
import step2_redis_session.app
from harness.private_redis import LocalCluster
from workshop.private_redis import PrivateRedis
from workshop.processes import ROOT
from workshop.steps import ZHANG_SAN
from step1_cookie_session.session import CookieSession
from plumbing.connection import connect
from plumbing.breaker import GuardedStore
from step2_redis_session.session import RedisSession
from step2_redis_session.store import KEY_PREFIX, RedisStore

#: The secret that signed mode runs with in the tests, on both stacks.
SECRET = "a-workshop-secret-of-thirty-two-characters"
#: A login whose password cannot turn up by chance (the article's "123" can, in a port or a
#: SHA-256 digest): for the tests that a password is never said, kept or sent.
MARKED_LOGIN = {"usr": "张三", "psd": "zhang-san-password"}

#: The apps that must behave alike: step 1, and step 2 on each kind of Redis.
APP_KINDS = ["step1", "step2-fakeredis", "step2-redis-server"]
REDIS_KINDS = ["fakeredis", "redis-server"]
#: What an in-process request may take on top of Redis's worst wait, on a busy machine.
SLACK = 0.5


def require(found, variable, missing, how):
    """Skip when a real part is missing, unless the variable makes it a failure."""
    if found:
        return
    if os.environ.get(variable) == "1":
        pytest.fail(f"{missing}, and {variable}=1 requires it")
    pytest.skip(f"{missing}: {how}, or run bash .ci/run")


def require_redis_server():
    require(shutil.which("redis-server"), "REQUIRE_REAL_REDIS", "redis-server is not installed",
            "apt-get install redis-server")


def require_redis_cli():
    require(shutil.which("redis-cli"), "REQUIRE_REAL_REDIS", "redis-cli is not installed",
            "apt-get install redis-tools")


def session_key(sid):
    """The Redis key of a session id, as step 2's store names it."""
    return KEY_PREFIX + sid


def private_redis(kind, **options):
    """A harness PrivateRedis of kind, or a skip when redis-server is missing."""
    if kind == "redis-server":
        require_redis_server()
    return PrivateRedis(kind, **options)


class PrivateCluster(LocalCluster):
    """A Redis Cluster of the tests' own: three masters on free ports, no replicas."""

    def __init__(self):
        require_redis_server()
        require_redis_cli()
        super().__init__(tempfile.mkdtemp())


def step1_client(**options):
    """Step 1's app, in process, behind a browser-like client that keeps cookies."""
    return TestApp(step1_cookie_session.app.create_app(CookieSession(**options)))


def step2_client(url=None, cluster=False, store=None):
    """Step 2's app, in process, behind a browser-like client: on the Redis at url, as
    __main__.py wires it (behind the circuit breaker), or on a store of the test's own."""
    store = store or GuardedStore(RedisStore(connect(url, cluster)))
    return TestApp(step2_redis_session.app.create_app(RedisSession(store)))


def cookies_set_by(res):
    """{name: value} of the cookies that a WebTest response sets, raw as the browser gets them."""
    return cookies_in(res.headers.getall("Set-Cookie"))


def cookies_in(set_cookie_headers):
    """{name: value} of Set-Cookie header values: what comes before the first ";"."""
    return dict(header.split(";")[0].split("=", 1) for header in set_cookie_headers)


def cookie_of(session):
    """A step 1 cookie value, as a learner writes one in the console: btoa(JSON.stringify(…))."""
    return base64.b64encode(json.dumps(session).encode()).decode()


def edited_cookie(value, **changes):
    """A step 1 (or koa-session) cookie value with some fields changed, as anyone can do it."""
    return cookie_of({**json.loads(base64.b64decode(value)), **changes})


def signature(value, digest=hashlib.sha256):
    """HMAC of "bottle.sess=<value>" with SECRET, urlsafe base64 without padding.

    Step 1 signs with SHA-256; koa-session (through keygrip) with SHA-1.
    """
    mac = hmac.new(SECRET.encode(), f"bottle.sess={value}".encode(), digest).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def run_module(*args, env=None, timeout=60):
    """Run python -m … to its end from the repository's root, as a learner would."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)


def playwright():
    """Playwright's sync_playwright, or a skip that says how to install it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "REQUIRE_BROWSER", "Playwright is not installed",
                "python -m pip install -r requirements-dev.txt")
    return sync_playwright


def logged_in(private_redis):
    """Step 2 on private_redis, after a login: (the app, its session id)."""
    app = step2_client(private_redis.url)
    app.post("/login", ZHANG_SAN)
    return app, app.cookies["bottle.sess"]


def clone_of(tmp_path):
    """A git clone of the last commit in tmp_path, as a learner's fresh clone is."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "config", "user.email", "learner@example.com"], cwd=clone)
    subprocess.run(["git", "config", "user.name", "A learner"], cwd=clone)
    return clone


def processes_in(tree):
    """The processes whose working folder is in tree (Linux's /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(tree) in os.readlink(proc / "cwd"):
                found.append(int(proc.name))
        except OSError:
            pass
    return found
