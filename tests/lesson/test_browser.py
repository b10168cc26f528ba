"""The learner's path in a real Chromium: type, click 登录, and read the cookie as devtools does."""

import base64
import json
import re
import socket
import sys

import pytest
import requests

from harness.chromium import click_login, log_in_twice
from workshop.processes import Process, free_port, wait_until
from support import session_key

pytestmark = pytest.mark.slow  # starts servers in subprocesses and a browser

NAME = "张三 & a=b+c"  # non-ASCII, and the characters that broke the article's form string
PASSWORD = "p@ss=1&2+3"


def session_cookie_after_two_logins(page, url):
    """Log in twice from the page; return bottle.sess from the browser's own store."""
    (cookie,) = log_in_twice(page, url, NAME, PASSWORD)
    assert cookie["name"] == "bottle.sess"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    return cookie["value"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_step1_cookie_in_the_browser_is_the_form(start_server, page, host):
    server = start_server("step1_cookie_session")
    value = session_cookie_after_two_logins(page, f"http://{host}:{server.port}/")
    session = json.loads(base64.b64decode(value))  # devtools console: JSON.parse(atob(value))
    assert (session["usr"], session["psd"]) == (NAME, PASSWORD)
    assert page.evaluate("v => JSON.parse(atob(v)).usr", value) == NAME
    assert page.evaluate("document.cookie") == ""  # HttpOnly: page scripts cannot read it


def test_step1_cookie_edited_in_the_browser_becomes_admin(start_server, page):
    server = start_server("step1_cookie_session")
    value = session_cookie_after_two_logins(page, server.url + "/")
    forged = page.evaluate("""v => btoa(JSON.stringify({...JSON.parse(atob(v)), usr: 'admin'}))""",
                           value)
    page.context.add_cookies([{"name": "bottle.sess", "value": forged, "url": server.url}])
    click_login(page, "欢迎，admin")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_step2_cookie_in_the_browser_is_an_id_in_redis(start_server, page, each_redis,
                                                       each_redis_client, host):
    server = start_server("step2_redis_session", "--redis-url", each_redis.url)
    value = session_cookie_after_two_logins(page, f"http://{host}:{server.port}/")
    assert re.fullmatch(r"[0-9A-Za-z]{22}", value)
    assert json.loads(each_redis_client.get(session_key(value)))["usr"] == NAME


@pytest.mark.parametrize("user, password", [("", ""), ("张三", ""), ("", "123")])
def test_page_sends_nothing_when_a_field_is_empty(start_server, page, user, password):
    server = start_server("step1_cookie_session")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.goto(server.url)
    page.fill("#user", user)
    page.fill("#psd", password)
    page.click("#login")
    page.wait_for_timeout(300)
    assert posts == [] and page.inner_text("#data") == ""
    assert page.context.cookies() == []


def test_page_says_which_step_serves_it(each_server, page):
    page.goto(each_server.url)
    step = "第 1 步" if "step1" in each_server.argv[2] else "第 2 步"
    assert page.inner_text("#step").startswith(step)
    assert page.is_visible("#step") and page.is_visible("#logout")


def test_logout_button_ends_the_session_and_says_so(each_server, page):
    log_in_twice(page, each_server.url + "/", NAME, PASSWORD)
    page.click("#logout")
    page.wait_for_function("document.getElementById('data').innerText === '已退出登录 (logged out)'")
    assert page.context.cookies() == []
    click_login(page, "您第一次登录系统")


def test_two_ports_on_one_host_name_share_one_cookie(start_server, page, real_redis_server):
    one = start_server("step1_cookie_session")
    two = start_server("step2_redis_session", "--redis-url", real_redis_server.url)
    log_in_twice(page, f"http://localhost:{one.port}/", NAME, PASSWORD)
    log_in_twice(page, f"http://localhost:{two.port}/", NAME, PASSWORD)  # replaces step 1's
    page.goto(f"http://localhost:{one.port}/")
    page.fill("#user", NAME)
    page.fill("#psd", PASSWORD)
    click_login(page, "您第一次登录系统")  # step 1 found step 2's id: no session of its own


def refused(port):
    """True when nothing accepts connections on port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_side_by_side_runs_both_steps_with_a_cookie_each(browser, real_redis_server):
    port_1, port_2 = free_port(), free_port()
    both = Process([sys.executable, "-m", "workshop.side_by_side", "--port-1", str(port_1),
                    "--port-2", str(port_2), "--redis-url", real_redis_server.url], port_2,
                   ready_text="[step 2] Step 2:")
    try:
        wait_until(lambda: requests.get(f"http://localhost:{port_1}/", timeout=1), "step 1")
        context = browser.new_context()  # one browser, one cookie store, two tabs
        step1, step2 = context.new_page(), context.new_page()
        log_in_twice(step1, f"http://localhost:{port_1}/", NAME, PASSWORD)
        log_in_twice(step2, f"http://127.0.0.1:{port_2}/", NAME, PASSWORD)
        click_login(step1, f"欢迎，{NAME}")  # step 2's login left step 1's cookie alone
        (cookie_1,) = context.cookies(f"http://localhost:{port_1}/")
        (cookie_2,) = context.cookies(f"http://127.0.0.1:{port_2}/")
        context.close()
    finally:
        both.stop()
    for port in (port_1, port_2):  # stopping the command (SIGTERM) stopped both steps
        wait_until(lambda: refused(port), f"the step on port {port} stopping")
    assert json.loads(base64.b64decode(cookie_1["value"]))["usr"] == NAME
    assert json.loads(real_redis_server.client().get(session_key(cookie_2["value"])))["usr"] == NAME
    assert "Open, in one browser" in both.output()


def test_the_page_asks_for_no_favicon(start_server, page):
    """The page's empty icon keeps a "GET /favicon.ico 404" out of the request log."""
    server = start_server("step1_cookie_session")
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    log_in_twice(page, server.url + "/", NAME, PASSWORD)
    page.reload()
    page.wait_for_timeout(300)
    assert asked and not [url for url in asked if "favicon" in url]
    assert "favicon" not in server.output()
