"""Step 2's sessions live in Redis, not in the server: they outlive a restart, and every
process that shares the Redis shares them (the step 2 walkthrough's two "Try it"s)."""

import pytest
import requests

from workshop.steps import ZHANG_SAN

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def test_step2_session_survives_a_server_restart(start_server, each_redis):
    browser = requests.Session()
    first = start_server("step2_redis_session", "--redis-url", each_redis.url)
    browser.post(first.url + "/login", ZHANG_SAN)
    first.stop()
    second = start_server("step2_redis_session", "--redis-url", each_redis.url, port=first.port)
    assert browser.post(second.url + "/login", ZHANG_SAN).text == "欢迎，张三"


def test_step2_processes_share_sessions_through_redis(start_server, each_redis):
    one = start_server("step2_redis_session", "--redis-url", each_redis.url)
    two = start_server("step2_redis_session", "--redis-url", each_redis.url)
    browser = requests.Session()  # a cookie belongs to the host, whatever the port
    assert browser.post(one.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    assert browser.post(two.url + "/login", ZHANG_SAN).text == "欢迎，张三"
    copied = browser.cookies["bottle.sess"]
    browser.post(two.url + "/logout")
    replay = requests.post(one.url + "/login", ZHANG_SAN, cookies={"bottle.sess": copied})
    assert replay.text == "您第一次登录系统"
