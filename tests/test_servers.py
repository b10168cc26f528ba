"""The real servers, started with python -m and spoken to over HTTP with a cookie jar."""

import base64
import json
import os
import socket
import time

import pytest
import requests

from scripts.processes import free_port
from support import ZHANG_SAN, run_module

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def test_step1_over_http_keeps_the_session_in_the_cookie_jar(start_server):
    server = start_server("step1_cookie_session")
    assert server.banner.splitlines()[-1] == (
        f"Open http://localhost:{server.port}/ and press Ctrl+C to stop.")
    browser = requests.Session()
    page = browser.get(server.url)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8" and not browser.cookies
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    session = json.loads(base64.b64decode(browser.cookies["bottle.sess"]))
    assert session["usr"] == "张三" and session["psd"] == "123"
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "欢迎，张三"
    browser.post(server.url + "/logout")
    assert not browser.cookies


def test_port_option_beats_the_PORT_variable(start_server):
    port = free_port()
    server = start_server("step1_cookie_session", "--port", str(port), port=port,
                          env={"PORT": str(free_port())})
    assert requests.get(server.url).status_code == 200


@pytest.mark.parametrize("module, extra", [
    ("step1_cookie_session", []),
    ("step2_redis_session", ["--embedded-redis", "--redis-url", "redis://127.0.0.1:{free}/0"]),
])
def test_port_in_use_is_one_clear_line(module, extra):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        extra = [arg.format(free=free_port()) for arg in extra]
        result = run_module(module, "--port", str(port), *extra)
    assert result.returncode != 0
    assert result.stderr.startswith(f"Cannot listen on 127.0.0.1:{port}")
    assert "Is another step still running?" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "EMBEDDED" not in result.stdout  # nothing was started before the port was known


@pytest.mark.parametrize("module", ["step1_cookie_session", "step2_redis_session"])
def test_address_not_on_this_machine_says_so(module):
    result = run_module(module, "--host", "10.255.255.1", "--port", str(free_port()),
                        "--embedded-redis" if module.startswith("step2") else "--quiet")
    assert result.returncode != 0
    assert result.stderr.startswith("Cannot listen on 10.255.255.1:")
    assert "not one of this machine's. Check --host." in result.stderr
    assert "another step" not in result.stderr


def test_step2_session_survives_a_server_restart(start_server, redis_server):
    browser = requests.Session()
    first = start_server("step2_redis_session", "--redis-url", redis_server.url)
    browser.post(first.url + "/login", ZHANG_SAN)
    first.stop()
    second = start_server("step2_redis_session", "--redis-url", redis_server.url, port=first.port)
    assert browser.post(second.url + "/login", ZHANG_SAN).text == "欢迎，张三"


def test_step2_processes_share_sessions_through_redis(start_server, redis_server):
    one = start_server("step2_redis_session", "--redis-url", redis_server.url)
    two = start_server("step2_redis_session", "--redis-url", redis_server.url)
    browser = requests.Session()  # a cookie belongs to the host, whatever the port
    assert browser.post(one.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    assert browser.post(two.url + "/login", ZHANG_SAN).text == "欢迎，张三"
    copied = browser.cookies["bottle.sess"]
    browser.post(two.url + "/logout")
    replay = requests.post(one.url + "/login", ZHANG_SAN, cookies={"bottle.sess": copied})
    assert replay.text == "您第一次登录系统"


@pytest.mark.parametrize("how", ["--redis-url", "REDIS_URL"])
def test_unreachable_redis_url_exits_with_one_clear_line(how):
    url = f"redis://127.0.0.1:{free_port()}/0"
    args = ["--redis-url", url] if how == "--redis-url" else []
    result = run_module("step2_redis_session", "--port", str(free_port()), *args,
                        env={**os.environ, "REDIS_URL": url})
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Cannot reach Redis at {url}")


def test_cookie_header_bytes_that_are_not_utf8_count_as_no_session(any_server):
    with socket.create_connection(("127.0.0.1", any_server.port)) as raw:
        raw.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    b"Cookie: bottle.sess=\xff\xfe; other=\xc3\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 11\r\n\r\nusr=a&psd=b")
        reply = b"".join(iter(lambda: raw.recv(4096), b""))
    assert reply.startswith(b"HTTP/1.1 200")
    assert "您第一次登录系统".encode() in reply


def test_body_of_megabytes_is_refused_quickly_with_413(any_server):
    start = time.monotonic()
    res = requests.post(any_server.url + "/login", data=b"usr=" + b"a" * 5_000_000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert time.monotonic() - start < 2
    assert res.status_code == 413 and "8192" in res.text


@pytest.mark.parametrize("url", ["localhost:6379", "redis://127.0.0.1:notaport/0",
                                 "redis://127.0.0.1:99999/0"])
def test_malformed_redis_url_exits_with_one_clear_line(url):
    result = run_module("step2_redis_session", "--redis-url", url, "--port", str(free_port()))
    assert result.returncode != 0
    assert result.stderr.startswith(f"Not a Redis URL: {url}")
    assert result.stderr.count("\n") == 1


def test_chunked_body_of_megabytes_is_refused_with_413(any_server):
    chunks = (b"usr=" if i == 0 else b"a" * 65_536 for i in range(80))  # no Content-Length
    res = requests.post(any_server.url + "/login", data=chunks,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert res.status_code == 413
