"""The real servers, started with python -m and spoken to over HTTP with a cookie jar."""

import base64
import json
import socket

import pytest
import requests

from workshop.processes import free_port
from plumbing.server import address_to_open
from workshop.steps import ZHANG_SAN
from support import run_module

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


@pytest.mark.parametrize("module", ["step1_cookie_session", "step2_redis_session"])
@pytest.mark.parametrize("args", [["--idle-timeout", "20"], ["--idle-timeout=20"]])
def test_an_option_the_step_does_not_take_is_named(module, args):
    """Before exercise 01, --idle-timeout is unknown: the error names it (argparse alone read
    step 2's 20 as a command: "invalid choice: '20' (choose from 'sessions')")."""
    result = run_module(module, *args)
    assert result.returncode == 2
    assert "unrecognized arguments: --idle-timeout" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("host, url", [("127.0.0.1", "http://localhost:4000/"),
                                       ("0.0.0.0", "http://localhost:4000/"),
                                       ("::", "http://[::1]:4000/"), ("::1", "http://[::1]:4000/"),
                                       ("fe80::1", "http://[fe80::1]:4000/"),
                                       ("192.0.2.7", "http://192.0.2.7:4000/")])
def test_the_banner_names_an_address_that_answers(host, url):
    """"::" listens on IPv6 alone, where localhost may mean 127.0.0.1: the banner says [::1]."""
    assert address_to_open(host, 4000) == url
