"""The Koa reference app (koa_reference/) and the Python steps agree on what a session is.

Cookies minted by koa-session are live sessions in step 1 and the other way round;
in Redis mode the Koa app reads step 2's sessions, and step 2 refuses the Koa app's
shortid ids. Signed mode does not cross: koa-session signs with HMAC-SHA1 (keygrip),
step 1 with HMAC-SHA256. And the article's ioredis config is ignored by ioredis.

Every Redis here is the tests' private redis-server: never the user's, never 6379.
"""

import hashlib
import json
import shutil
import subprocess
import time

import pytest
import requests

from workshop.processes import ROOT, Process, free_port
from step2_redis_session.store import RedisStore
from workshop.steps import ZHANG_SAN
from support import (SECRET, cookies_in, cookies_set_by, edited_cookie, require, session_key,
                    signature, step1_client)

pytestmark = pytest.mark.slow  # starts node, and Python servers, in subprocesses

KOA_DIR = ROOT / "koa_reference"
FIRST_LOGIN = "您第一次登录系统"
#: (the app that mints a cookie, the app that reads it)
CROSSINGS = pytest.mark.parametrize("minter, reader", [("koa", "step1"), ("step1", "koa")],
                                    ids=["koa-to-step1", "step1-to-koa"])


def require_node():
    how = "apt-get install nodejs npm, then cd koa_reference && npm ci"
    require(shutil.which("node"), "REQUIRE_NODE", "node is not installed", how)
    require((KOA_DIR / "node_modules").is_dir(), "REQUIRE_NODE",
            "koa_reference/node_modules is missing", how)


class KoaServer(Process):
    """koa_reference/app.js, started with node on a free port; ready once it prints its URL."""

    def __init__(self, signed=False, redis_url=None):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        # Every variable is set, so that the caller's environment cannot change the mode.
        env = {"PORT": str(port), "SESSION_STORE": "redis" if redis_url else "cookie",
               "SESSION_SIGNED": "1" if signed else "0", "SESSION_KEYS": SECRET,
               "REDIS_URL": redis_url or ""}
        super().__init__(["node", "koa_reference/app.js"], port, env=env,
                         ready_text=f"): open http://localhost:{port}/")


@pytest.fixture(scope="module")
def koa():
    """Start the Koa app on first use of a mode, and keep it for the module.

    koa(), koa(signed=True), koa(redis_url=url). In Redis mode it holds nothing
    itself: its sessions live in the Redis, which each test empties.
    """
    require_node()
    started = {}

    def get(signed=False, redis_url=None):
        if (signed, redis_url) not in started:
            started[signed, redis_url] = KoaServer(signed, redis_url)
        return started[signed, redis_url]

    yield get
    for server in started.values():
        server.stop()


def cookie_header(cookies):
    """The request's Cookie header for {name: value}, or no header at all."""
    if not cookies:
        return {}
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def over_http(server):
    """post(path, cookies, form) -> (text, {cookie: value} set), against a real server."""
    def post(path, cookies=None, form=ZHANG_SAN):
        res = requests.post(server.url + path, form, headers=cookie_header(cookies), timeout=10)
        assert res.status_code == 200, res.text
        # Raw, as the browser gets them (no cookie jar in between).
        return res.text, cookies_in(res.raw.headers.getlist("Set-Cookie"))
    return post


def in_process(app):
    """The same post(), against a WebTest client of a step's app, with an empty jar each time."""
    def post(path, cookies=None, form=ZHANG_SAN):
        app.reset()
        res = app.post(path, form, headers=cookie_header(cookies))
        return res.text, cookies_set_by(res)
    return post


@pytest.fixture
def cookie_apps(koa, step1_app):
    """The article's first design on both stacks: koa-session and step 1, unsigned."""
    return {"koa": over_http(koa()), "step1": in_process(step1_app)}


@pytest.fixture
def signed_apps(koa):
    """Both stacks in signed mode, with the same secret."""
    return {"koa": over_http(koa(signed=True)),
            "step1": in_process(step1_client(signed=True, secret=SECRET))}


def now_ms():
    return int(time.time() * 1000)


# --- the article's first design: the session in the cookie ---------------------

@pytest.mark.parametrize("name", ["张三", "李四 & =+%"], ids=["zhang-san", "li-si-and-symbols"])
@CROSSINGS
def test_a_session_cookie_from_one_stack_is_a_live_session_in_the_other(
        cookie_apps, minter, reader, name):
    form = {"usr": name, "psd": "123"}
    text, cookies = cookie_apps[minter]("/login", form=form)
    assert text == FIRST_LOGIN and list(cookies) == ["bottle.sess"]
    assert cookie_apps[reader]("/login", cookies, form=form)[0] == f"欢迎，{name}"


@CROSSINGS
def test_a_session_past_its_expire_is_no_session(cookie_apps, minter, reader):
    value = cookie_apps[minter]("/login")[1]["bottle.sess"]
    fresh, stale = (edited_cookie(value, _expire=now_ms() + offset) for offset in (60_000, -1_000))
    assert cookie_apps[reader]("/login", {"bottle.sess": fresh})[0] == "欢迎，张三"
    assert cookie_apps[reader]("/login", {"bottle.sess": stale})[0] == FIRST_LOGIN


@CROSSINGS
def test_an_edited_usr_is_believed(cookie_apps, minter, reader):
    value = cookie_apps[minter]("/login")[1]["bottle.sess"]
    forged = {"bottle.sess": edited_cookie(value, usr="admin")}
    assert cookie_apps[reader]("/login", forged)[0] == "欢迎，admin"


# --- the article's second design: the session in Redis ---------------------------

@pytest.fixture
def redis_apps(koa, real_redis_server, start_server):
    """The Koa app in Redis mode and step 2's real server, on one private redis-server."""
    step2 = start_server("step2_redis_session", "--redis-url", real_redis_server.url)
    return over_http(koa(redis_url=real_redis_server.url)), over_http(step2)


def test_koa_in_redis_mode_reads_the_sessions_that_step2_stores(redis_apps):
    koa_app, step2 = redis_apps
    cookies = step2("/login")[1]
    assert koa_app("/login", cookies)[0] == "欢迎，张三"


def test_a_step2_logout_ends_the_session_for_koa_too(redis_apps):
    koa_app, step2 = redis_apps
    cookies = step2("/login")[1]
    assert koa_app("/login", cookies)[0] == "欢迎，张三"
    step2("/logout", cookies)
    assert koa_app("/login", cookies)[0] == FIRST_LOGIN


def test_step2_refuses_the_koa_apps_shortid_ids(redis_apps, real_redis_server):
    koa_app, step2 = redis_apps
    redis = real_redis_server.client()
    koa_id = koa_app("/login")[1]["bottle.sess"]
    stored = redis.get(session_key(koa_id))
    assert 7 <= len(koa_id) <= 14  # shortid's ids, not 22-character shortuuids
    # koa-session asks for maxAge + 10 s, so that the store outlives the cookie.
    assert 86_400 < redis.ttl(session_key(koa_id)) <= 86_410
    # It is the id that step 2 refuses: its store would read the data.
    assert RedisStore(redis).get(koa_id)["usr"] == "张三"

    text, cookies = step2("/login", {"bottle.sess": koa_id})
    assert text == FIRST_LOGIN
    assert redis.get(session_key(koa_id)) == stored  # not adopted, not destroyed
    assert len(cookies["bottle.sess"]) == 22 and cookies["bottle.sess"] != koa_id


# --- signed mode does not cross ----------------------------------------------------

@pytest.mark.parametrize("app, digest", [("koa", hashlib.sha1), ("step1", hashlib.sha256)],
                         ids=["koa-hmac-sha1", "step1-hmac-sha256"])
def test_each_stack_signs_name_and_value_with_its_own_hmac(signed_apps, app, digest):
    cookies = signed_apps[app]("/login")[1]
    assert cookies["bottle.sess.sig"] == signature(cookies["bottle.sess"], digest)


@CROSSINGS
def test_a_signed_cookie_from_one_stack_is_no_session_in_the_other(signed_apps, minter, reader):
    cookies = signed_apps[minter]("/login")[1]
    assert set(cookies) == {"bottle.sess", "bottle.sess.sig"}
    assert signed_apps[minter]("/login", cookies)[0] == "欢迎，张三"
    assert signed_apps[reader]("/login", cookies)[0] == FIRST_LOGIN


# --- the article's ioredis config ----------------------------------------------------

# lazyConnect everywhere: each client is built and inspected, and connects to nothing.
@pytest.mark.parametrize("args, goes_to", [
    ("{redis: {port: PORT, host: '127.0.0.1'}, lazyConnect: true}", [6379, "localhost"]),
    ("{port: PORT, host: '127.0.0.1', lazyConnect: true}", ["PORT", "127.0.0.1"]),
    ("'redis://127.0.0.1:PORT/0', {lazyConnect: true}", ["PORT", "127.0.0.1"]),
], ids=["articles-nested-redis-key-is-ignored", "flat-options", "url-as-store-js-takes"])
def test_ioredis_connects_where_its_options_say(args, goes_to):
    require_node()
    port = str(free_port())
    script = (f"const r = new (require('ioredis'))({args.replace('PORT', port)});"
              "console.log(JSON.stringify([String(r.options.port), r.options.host]));")
    out = subprocess.run(["node", "-e", script], cwd=KOA_DIR, capture_output=True, text=True,
                         timeout=30, check=True).stdout
    assert json.loads(out) == [str(part).replace("PORT", port) for part in goes_to]
