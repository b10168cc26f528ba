"""Bad input to every step: a short 4xx text that says what is wrong, never a 500, nothing set;
and a malformed session, in the cookie or in Redis, is no session."""

import base64
import json
import socket

import pytest
import requests

from workshop.steps import ZHANG_SAN
from support import cookie_of, logged_in, session_key


URLENCODED = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("body, content_type, status, says", [
    (b"psd=1", URLENCODED, 400, "usr"),
    (b"usr=a", URLENCODED, 400, "psd"),
    (b"usr=&psd=1", URLENCODED, 400, "usr"),
    (b"usr=%20%20&psd=1", URLENCODED, 400, "usr"),
    (b"usr=a&usr=b&psd=1", URLENCODED, 400, "usr"),
    (b"usr=" + b"a" * 65 + b"&psd=1", URLENCODED, 400, "64 characters"),
    (b"usr=a&psd=" + b"p" * 129, URLENCODED, 400, "128 characters"),
    (b"usr=%FF%FE&psd=1", URLENCODED, 400, "UTF-8"),
    (b"usr=Mallory%0D%0AHTTP%2F1.1+200+OK&psd=1", URLENCODED, 400, "usr holds a control"),
    (b"usr=a&psd=%1B%5B2J", URLENCODED, 400, "psd holds a control"),
    (b"usr=\xff\xfe&psd=1", URLENCODED, 400, "UTF-8"),
    (b"&".join(b"f%d=1" % i for i in range(50)), URLENCODED, 400, "usr"),
    (b'{"usr": "a", "psd": "b"}', "application/json", 415, "form"),
    (b"usr=a&psd=b", "text/plain", 415, "form"),
    (bytes(range(256)), "application/octet-stream", 415, "form"),
    (b"usr=a&psd=b", "", 415, "form"),
    (b"usr=" + b"a" * 5_000_000, URLENCODED, 413, "8192 bytes"),
    (b"usr=a&psd=" + b"b" * 8182, URLENCODED, 413, "smaller than 8192 bytes"),  # exactly 8192
])
def test_bad_login_gets_a_clear_4xx_and_no_cookie(each_app, body, content_type, status, says):
    res = each_app.post("/login", body, content_type=content_type, status=status)
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert res.text.startswith(str(status)) and says in res.text
    assert len(res.text) < 120
    assert res.headers.getall("Set-Cookie") == []


def test_bad_login_leaves_an_existing_session_alone(each_app):
    each_app.post("/login", ZHANG_SAN)
    each_app.post("/login", {"usr": "", "psd": "x"}, status=400)
    assert each_app.post("/login", ZHANG_SAN).text == "欢迎，张三"


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/login", 405), ("PUT", "/login", 405), ("DELETE", "/", 405),
    ("GET", "/logout", 405), ("GET", "/nope", 404), ("POST", "/", 405),
])
def test_wrong_method_or_path_gets_a_4xx_text(each_app, method, path, status):
    res = each_app.request(path, method=method, status=status)
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert res.text.startswith(str(status))


def test_a_long_odd_path_gets_a_short_one_line_404(each_app):
    res = each_app.get("/" + "a" * 200_000 + "%0Aforged line", status=404)
    assert len(res.text) <= 200 and "\n" not in res.text


def b64(raw):
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("cookie", [
    "", "!!!", "not base64 at all", b64(b"not json"), b64(b"[1, 2]"), b64(b'"text"'),
    b64(b"\xff\xfe{}"), b64(b"[" * 3000), "eyJ1c3IiOiJhIn0", "\u5f20\u4e09",
    b64(b'{"usr":"\\ud800x","_expire":99999999999999}'),  # a lone surrogate: no text at all
    b64(b'{"usr":"admin","_expire":Infinity}'), b64(b'{"usr":"admin","_expire":1e400}'),
    b64(b'{"usr":"admin","_expire":NaN}'),  # not JSON, or no time: koa-session refuses them too
    b64(b'{"usr":"admin","_expire":1' + b"0" * 400 + b"}"),  # a whole number past a float's range
    "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAA0", "../../etc/passwd", "*",
])
def test_malformed_cookie_counts_as_no_session(each_app, cookie):
    res = each_app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={cookie}"})
    assert res.text == "您第一次登录系统"


@pytest.mark.parametrize("header", [
    "a@b=1", "a@b=1; bottle.sess=", "bottle.sess", "=; ;;", "bottle.sess=\"quoted\"",
])
def test_odd_cookie_header_counts_as_no_session(each_app, header):
    res = each_app.post("/login", ZHANG_SAN, headers={"Cookie": header})
    assert res.text == "您第一次登录系统"


def test_key_of_the_wrong_type_is_no_session(each_redis, each_redis_client):
    app, sid = logged_in(each_redis)
    each_redis_client.delete(session_key(sid))
    each_redis_client.rpush(session_key(sid), "not", "a", "session")
    assert app.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    assert app.cookies["bottle.sess"] != sid
    assert each_redis_client.exists(session_key(sid)) == 0  # the login destroyed the old id


@pytest.mark.parametrize("value", ['{"usr": "\\ud800x"}', '{"usr": "ok", "x": ["\\udfff"]}'])
def test_session_with_a_lone_surrogate_is_no_session(each_redis, each_redis_client, value):
    app, sid = logged_in(each_redis)
    each_redis_client.set(session_key(sid), value)
    res = app.post("/login", ZHANG_SAN)
    assert res.status_int == 200 and res.text == "您第一次登录系统"


@pytest.mark.slow
def test_cookie_header_bytes_that_are_not_utf8_count_as_no_session(each_server):
    with socket.create_connection(("127.0.0.1", each_server.port)) as raw:
        raw.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    b"Cookie: bottle.sess=\xff\xfe; other=\xc3\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 11\r\n\r\nusr=a&psd=b")
        reply = b"".join(iter(lambda: raw.recv(4096), b""))
    assert reply.startswith(b"HTTP/1.1 200")
    assert "您第一次登录系统".encode() in reply


@pytest.mark.parametrize("usr", ["\x1b[2J\x1b[Hadmin", "a\x07", "x\r\nSet-Cookie: y=1", "\x9b31m"],
                         ids=["ESC", "BEL", "CR LF", "C1 CSI"])
def test_a_session_holding_control_characters_is_no_session(each_app, usr):
    """The form refuses them; a session that holds them was written by someone else."""
    if "step1" in each_app.kind:
        cookie = cookie_of({"usr": usr, "_expire": 9e12})
    else:
        cookie = "ControlCharactersInside"[:22]
        each_app.redis.set(session_key(cookie), json.dumps({"usr": usr}), ex=600)
    res = each_app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={cookie}"})
    assert res.text == "您第一次登录系统"


def test_two_cookie_header_lines_as_waitress_joins_them_are_read(each_app):
    """waitress joins two Cookie: lines with ", "; the first bottle.sess wins, as in Koa."""
    each_app.post("/login", ZHANG_SAN)
    live = each_app.cookies["bottle.sess"]
    each_app.reset()
    joined = f"theme=dark, bottle.sess={live}, bottle.sess=AnotherIdAnotherIdAnot"
    assert each_app.post("/login", ZHANG_SAN, headers={"Cookie": joined}).text == "欢迎，张三"


@pytest.mark.slow
def test_two_cookie_header_lines_reach_the_app_joined(each_server):
    browser = requests.Session()
    browser.post(each_server.url + "/login", ZHANG_SAN)
    head = (b"POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Cookie: theme=dark\r\nCookie: bottle.sess=%s\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\n"
            % browser.cookies["bottle.sess"].encode())
    with socket.create_connection(("127.0.0.1", each_server.port)) as raw:
        raw.sendall(head + b"usr=a&psd=b")
        reply = b"".join(iter(lambda: raw.recv(4096), b""))
    assert "欢迎，张三".encode() in reply
