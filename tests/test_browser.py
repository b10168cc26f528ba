"""The learner's path in a real Chromium: type, click 登录, and read the cookie as devtools does."""

import base64
import json
import re

import pytest

from scripts.chromium import click_login, log_in_twice
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
def test_step2_cookie_in_the_browser_is_an_id_in_redis(start_server, page, redis_server,
                                                       redis_client, host):
    server = start_server("step2_redis_session", "--redis-url", redis_server.url)
    value = session_cookie_after_two_logins(page, f"http://{host}:{server.port}/")
    assert re.fullmatch(r"[0-9A-Za-z]{22}", value)
    assert json.loads(redis_client.get(session_key(value)))["usr"] == NAME


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
