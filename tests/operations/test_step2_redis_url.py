"""Step 2's Redis URL: refused with one line when unusable, and its password never printed."""

import os

import pytest
import requests

from workshop.private_redis import redis_url
from workshop.processes import free_port
from workshop.steps import ZHANG_SAN
from support import run_module

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


@pytest.mark.parametrize("url, shown", [
    (f"redis://:{PASSWORD}@127.0.0.1:{{port}}/0", "redis://:***@127.0.0.1:{port}/0"),
    (f"redis://alice:{PASSWORD}@127.0.0.1:{{port}}/0", "redis://***:***@127.0.0.1:{port}/0"),
    (f"redis://127.0.0.1:{{port}}/0?password={PASSWORD}", "redis://127.0.0.1:{port}/0?password=***"),
    # A password put where the user goes, a common mistake: the user slot is hidden too.
    (f"redis://{PASSWORD}@127.0.0.1:{{port}}/0", "redis://***@127.0.0.1:{port}/0"),
    (f"redis://{PASSWORD}:@127.0.0.1:{{port}}/0", "redis://***:***@127.0.0.1:{port}/0"),
], ids=["password", "user and password", "query", "password as user", "password as user, colon"])
def test_password_is_redacted_when_redis_cannot_be_reached(url, shown):
    port = free_port()
    url, shown = url.format(port=port), shown.format(port=port)
    for result in (step2("--redis-url", url),
                   step2(env={"REDIS_URL": url}),
                   run_module("step2_redis_session", "sessions", "--redis-url", url)):
        one_line_error(result, f"Cannot reach Redis at {shown}")
        assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("option", ["foo=bar", f"Password={PASSWORD}", f"PASSWORD={PASSWORD}"])
def test_an_option_that_redis_py_does_not_know_is_one_line_without_its_value(option):
    result = step2("--redis-url", f"redis://127.0.0.1:{free_port()}/0?{option}")
    one_line_error(result, "The Redis URL has an option that redis-py does not know: "
                           f"{option.split('=')[0]}.")
    assert PASSWORD not in result.stdout + result.stderr


def test_port_0_is_no_port():
    one_line_error(step2("--redis-url", "redis://127.0.0.1:0/0"),
                   "Not a Redis URL: redis://127.0.0.1:0/0 (port 0 is no port)")


def test_a_tls_url_to_a_plain_redis_says_that_tls_was_expected(real_redis_server):
    result = step2("--redis-url", real_redis_server.url.replace("redis://", "rediss://"))
    one_line_error(result, "Cannot reach Redis at rediss://")
    assert "expects Redis to speak TLS" in result.stderr


@pytest.mark.parametrize("password", ["pw/with/slashes", "pw#hash", "pw?query"])
def test_url_broken_by_its_password_is_refused_without_showing_it(password):
    result = step2("--redis-url", f"redis://:{password}@127.0.0.1:{free_port()}/0")
    one_line_error(result, "Not a Redis URL, and it holds a password, so it is not shown.")
    assert "pw" not in result.stderr.replace("password", "")


def test_password_is_redacted_in_the_banner_and_the_sessions_listing(own_redis_server,
                                                                      start_server):
    own_redis_server.client().config_set("requirepass", PASSWORD)
    url = own_redis_server.url.replace("redis://", f"redis://:{PASSWORD}@")
    server = start_server("step2_redis_session", "--redis-url", url)
    assert requests.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    listing = run_module("step2_redis_session", "sessions", "--redis-url", url)
    assert listing.returncode == 0 and '"usr": "张三"' in listing.stdout
    assert f"redis://:***@127.0.0.1:{own_redis_server.port}/0" in server.banner
    assert PASSWORD not in server.output() + listing.stdout + listing.stderr


@pytest.mark.parametrize("how", ["--redis-url", "REDIS_URL"])
def test_unreachable_redis_url_exits_with_one_clear_line(how):
    url = redis_url(free_port())
    args = ["--redis-url", url] if how == "--redis-url" else []
    result = run_module("step2_redis_session", "--port", str(free_port()), *args,
                        env={**os.environ, "REDIS_URL": url})
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Cannot reach Redis at {url}")


@pytest.mark.parametrize("url", ["localhost:6379", "redis://127.0.0.1:notaport/0",
                                 "redis://127.0.0.1:99999/0"])
def test_malformed_redis_url_exits_with_one_clear_line(url):
    result = run_module("step2_redis_session", "--redis-url", url, "--port", str(free_port()))
    assert result.returncode != 0
    assert result.stderr.startswith(f"Not a Redis URL: {url}")
    assert result.stderr.count("\n") == 1
