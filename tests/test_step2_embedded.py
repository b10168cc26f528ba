"""Step 2 without a Redis of your own: the embedded fakeredis, and looking into the store."""

import json
import shutil
import subprocess

import pytest
import redis
import requests

from scripts.processes import free_port
from support import ZHANG_SAN, require, run_module, session_key
from step2_redis_session.__main__ import redis_answers, start_embedded_redis
from step2_redis_session.store import connect

pytestmark = pytest.mark.slow  # starts servers in subprocesses


@pytest.fixture
def embedded_login(start_server):
    """Step 2 on its embedded Redis, after one login: (the Redis URL, the session id)."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    server = start_server("step2_redis_session", "--embedded-redis", "--redis-url", url)
    assert "EMBEDDED REDIS" in server.banner
    assert "only as long as this process" in server.banner
    browser = requests.Session()
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    return url, browser.cookies["bottle.sess"]


def test_redis_py_reads_the_embedded_store(embedded_login):
    url, sid = embedded_login
    client = redis.Redis.from_url(url)
    assert json.loads(client.get(session_key(sid)))["usr"] == "张三"
    assert 86_390 < client.ttl(session_key(sid)) <= 86_400


def test_redis_cli_reads_the_embedded_store(embedded_login):
    require(shutil.which("redis-cli"), "REQUIRE_REAL_REDIS", "redis-cli is not installed",
            "apt-get install redis-tools")
    url, sid = embedded_login
    port = url.split(":")[2].split("/")[0]

    def redis_cli(*args):
        return subprocess.run(["redis-cli", "-p", port, "--raw", *args], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()

    assert redis_cli("keys", session_key("*")) == session_key(sid)
    assert json.loads(redis_cli("get", session_key(sid)))["usr"] == "张三"
    assert 86_390 < int(redis_cli("ttl", session_key(sid))) <= 86_400


def test_sessions_command_lists_and_shows_sessions(embedded_login):
    url, sid = embedded_login
    for args in (["--redis-url", url], [sid, "--redis-url", url], ["--redis-url", url, sid]):
        shown = run_module("step2_redis_session", "sessions", *args)
        assert shown.returncode == 0
        assert f"{session_key(sid)}  (expires in 86" in shown.stdout
        assert '"usr": "张三"' in shown.stdout


def test_sessions_command_says_when_there_is_nothing(embedded_login):
    url, _ = embedded_login
    missing = run_module("step2_redis_session", "sessions", "NoSuchSessionNoSuchSe2", "--redis-url", url)
    assert missing.returncode != 0 and "No session " + session_key("NoSuchSessionNoSuchSe2") in missing.stderr
    down = run_module("step2_redis_session", "sessions", "--redis-url", f"redis://127.0.0.1:{free_port()}/0")
    assert down.returncode != 0 and down.stderr.startswith("Cannot reach Redis at")


def test_nothing_at_the_default_url_starts_the_embedded_redis(capsys):
    url = f"redis://127.0.0.1:{free_port()}/0"  # stands in for the default, 6379
    client = connect(url)
    assert not redis_answers(client, url, given=False)
    start_embedded_redis(url)
    assert client.set("probe", "1") and client.get("probe") == b"1"
    out = capsys.readouterr().out
    assert f"No Redis answers at {url}" in out and "EMBEDDED REDIS" in out
