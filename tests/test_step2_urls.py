"""Step 2's Redis URL: refused with one line when unusable, and its password never printed."""

import os
import subprocess
import sys

import pytest
import requests

from scripts.processes import ROOT, free_port
from support import ZHANG_SAN, run_module, session_key

pytestmark = pytest.mark.slow  # runs python -m … in subprocesses

PASSWORD = "pw-that-must-not-show"


def step2(*args, env=None):
    """Run python -m step2_redis_session with args on a free port, to its end."""
    return run_module("step2_redis_session", "--port", str(free_port()), *args,
                      env={**os.environ, **(env or {})})


def one_line_error(result, starts):
    assert result.returncode != 0
    assert result.stderr.startswith(starts), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, env, names", [
    (["--redis-url", ""], {}, "--redis-url is empty"),
    (["--redis-url", "  "], {}, "--redis-url is empty"),
    ([], {"REDIS_URL": ""}, "REDIS_URL is empty"),
])
def test_empty_redis_url_is_an_error_that_says_so(args, env, names):
    result = step2(*args, env=env)
    one_line_error(result, names)
    assert "EMBEDDED" not in result.stdout


@pytest.mark.parametrize("url", ["rediss://127.0.0.1:{port}/0", "unix:///tmp/redis.sock",
                                 "redis://:secret@127.0.0.1:{port}/0"])
def test_embedded_redis_refuses_what_it_could_not_serve(url):
    result = step2("--embedded-redis", "--redis-url", url.format(port=free_port()))
    one_line_error(result, "--embedded-redis serves plain redis://host:port/db with no password")
    assert "secret" not in result.stderr


@pytest.mark.parametrize("url", [f"redis://:{PASSWORD}@127.0.0.1:{{port}}/0",
                                 f"redis://alice:{PASSWORD}@127.0.0.1:{{port}}/0",
                                 f"redis://127.0.0.1:{{port}}/0?password={PASSWORD}"])
def test_password_is_redacted_when_redis_cannot_be_reached(url):
    url = url.format(port=free_port())
    for result in (step2("--redis-url", url),
                   step2(env={"REDIS_URL": url}),
                   run_module("step2_redis_session", "sessions", "--redis-url", url)):
        one_line_error(result, f"Cannot reach Redis at {url.replace(PASSWORD, '***')}")
        assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("password", ["pw/with/slashes", "pw#hash", "pw?query"])
def test_url_broken_by_its_password_is_refused_without_showing_it(password):
    result = step2("--redis-url", f"redis://:{password}@127.0.0.1:{free_port()}/0")
    one_line_error(result, "Not a Redis URL, and it holds a password, so it is not shown.")
    assert "pw" not in result.stderr.replace("password", "")


def test_password_is_redacted_in_the_banner_and_the_sessions_listing(breakable_redis,
                                                                      start_server):
    breakable_redis.client().config_set("requirepass", PASSWORD)
    url = breakable_redis.url.replace("redis://", f"redis://:{PASSWORD}@")
    server = start_server("step2_redis_session", "--redis-url", url)
    assert requests.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    listing = run_module("step2_redis_session", "sessions", "--redis-url", url)
    assert listing.returncode == 0 and '"usr": "张三"' in listing.stdout
    assert f"redis://:***@127.0.0.1:{breakable_redis.port}/0" in server.banner
    assert PASSWORD not in server.output() + listing.stdout + listing.stderr


def test_sessions_listing_cut_short_by_head_is_no_error(real_redis):
    client = real_redis.client()
    for number in range(3000):  # more than a pipe holds, so that head leaves mid-listing
        client.set(session_key(f"{number:022d}"), '{"usr": "someone"}', ex=600)
    listing = subprocess.run(
        f"{sys.executable} -m step2_redis_session sessions --redis-url {real_redis.url} | head -1",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listing.stdout.startswith(session_key("0000")) and listing.stdout.count("\n") == 1
    assert listing.stderr == ""


def test_sessions_listing_shows_good_sessions_beside_a_bad_key(real_redis):
    client = real_redis.client()
    client.set(session_key("GoodSessionGoodSession"), '{"usr": "张三"}', ex=600)
    client.rpush(session_key("BadKeyBadKeyBadKeyBadKe"), "a list")
    listing = run_module("step2_redis_session", "sessions", "--redis-url", real_redis.url)
    assert listing.returncode == 0, listing.stderr
    assert '"usr": "张三"' in listing.stdout
    assert session_key("BadKeyBadKeyBadKeyBadKe") in listing.stdout
    assert "(not a session: a list)" in listing.stdout


def test_sessions_listing_escapes_what_could_write_to_the_terminal(real_redis):
    client = real_redis.client()
    client.set(session_key("\x1b]0;PWNED\x07\nSESSION:forged"), "\x00\x1b[5m", ex=600)
    client.set(b"SESSION:\xff\xfe", "x", ex=600)
    listing = run_module("step2_redis_session", "sessions", "--redis-url", real_redis.url)
    assert listing.returncode == 0 and listing.stderr == ""
    assert "\x1b" not in listing.stdout and "\x00" not in listing.stdout
    assert listing.stdout.count("\n") == 4  # two sessions, two lines each
    assert "SESSION:\\xff\\xfe" in listing.stdout
