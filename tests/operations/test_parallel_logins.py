"""Many logins at once: 200 spread over two step 2 processes that share one Redis, and a hundred
that carry one cookie (docs/bad-input-and-faults.md, "Races on one cookie")."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from webtest import TestApp

pytestmark = pytest.mark.slow  # starts servers in subprocesses

USERS = 200


def test_parallel_logins_over_two_processes_each_get_their_own_session(
        start_server, each_redis, each_redis_client):
    servers = [start_server("step2_redis_session", "--redis-url", each_redis.url)
               for _ in range(2)]

    def user(number):
        """Log in on one process, come back on the other; return (id, greeting, name)."""
        browser, name = requests.Session(), f"用户{number}"
        first = browser.post(servers[number % 2].url + "/login",
                             {"usr": name, "psd": "pw"}, timeout=30)
        assert first.text == "您第一次登录系统"
        again = browser.post(servers[(number + 1) % 2].url + "/login",
                             {"usr": "someone else", "psd": "pw"}, timeout=30)
        return browser.cookies["bottle.sess"], again.text, name

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(user, range(USERS)))

    assert len({sid for sid, _, _ in results}) == USERS
    assert [greeting for _, greeting, _ in results] == [f"欢迎，{name}" for _, _, name in results]
    assert each_redis_client.dbsize() == USERS


def test_simultaneous_logins_with_one_cookie_each_store_a_session(step2_app, each_redis_client):
    """Nothing orders requests that carry one cookie: each login stores its own session, and
    all but the one whose Set-Cookie the browser keeps are orphans, left to their TTL."""
    dead = "DeadIdOfTheRightShape1"
    cookie = {"Cookie": f"bottle.sess={dead}"}

    def login(_):
        res = TestApp(step2_app.app).post("/login", {"usr": "张三", "psd": "pw"}, headers=cookie)
        return res.headers["Set-Cookie"].split(";")[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        set_cookies = list(pool.map(login, range(100)))
    assert len(set(set_cookies)) == 100  # a hundred ids, for one browser that keeps one
    assert each_redis_client.dbsize() == 100
