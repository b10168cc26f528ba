"""The article's login flow, which every step must keep: same page, routes, answers, cookie."""

import re

from workshop.steps import ZHANG_SAN


def session_cookie(res):
    """The one Set-Cookie header of a response that sets the session cookie."""
    (header,) = res.headers.getall("Set-Cookie")
    assert header.startswith("bottle.sess=")
    return header


def test_page_is_the_article_form_and_starts_no_session(each_app):
    res = each_app.get("/")
    assert res.headers["Content-Type"] == "text/html; charset=utf-8"
    for marker in ('id="user"', 'id="psd"', 'id="login"', 'id="data"', "用户名", "密码", "登录"):
        assert marker in res.text
    assert "fetch('/login'" in res.text and "URLSearchParams" in res.text
    assert res.headers.getall("Set-Cookie") == []


def test_first_login_is_told_so_and_gets_the_cookie(each_app):
    res = each_app.post("/login", ZHANG_SAN)
    assert res.status_int == 200
    assert res.text == "您第一次登录系统"
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"
    attributes = session_cookie(res).split("; ")[1:]
    assert sorted(attributes) == ["HttpOnly", "Max-Age=86400", "Path=/", "SameSite=Lax"]


def test_second_login_is_welcomed_by_name(each_app):
    each_app.post("/login", ZHANG_SAN)
    res = each_app.post("/login", {"usr": "李四", "psd": "other"})
    assert res.text == "欢迎，张三"
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_unchanged_session_sends_no_cookie(each_app):
    each_app.post("/login", ZHANG_SAN)
    res = each_app.post("/login", ZHANG_SAN)
    assert res.headers.getall("Set-Cookie") == []


def test_names_with_form_syntax_and_non_ascii_round_trip(each_app):
    name = "张三 & a=b+c%20 😀"
    each_app.post("/login", {"usr": name, "psd": "p&q=r"})
    assert each_app.post("/login", ZHANG_SAN).text == f"欢迎，{name}"


def test_logout_drops_the_cookie_and_the_session(each_app):
    each_app.post("/login", ZHANG_SAN)
    res = each_app.post("/logout")
    assert res.status_int == 200 and res.text
    assert re.fullmatch(r"bottle\.sess=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax",
                        session_cookie(res))
    assert "bottle.sess" not in each_app.cookies
    assert each_app.post("/login", ZHANG_SAN).text == "您第一次登录系统"


def test_no_answer_that_depends_on_the_session_can_be_cached(each_app):
    """Not only those that set a cookie: a cache that kept 张三's greeting would hand it on."""
    answers = [each_app.post("/login", ZHANG_SAN), each_app.post("/login", ZHANG_SAN),  # 欢迎，张三
               each_app.post("/logout"), each_app.post("/logout"),  # with, then without a cookie
               each_app.post("/login", {"usr": ""}, status=400),
               each_app.post("/login", "x", content_type="text/plain", status=415),
               each_app.get("/nope", status=404), each_app.get("/login", status=405)]
    assert answers[1].text == "欢迎，张三" and "Set-Cookie" not in answers[1].headers
    for res in answers:
        assert res.headers["Cache-Control"] == "no-store", (res.status, res.text)
    assert "Cache-Control" not in each_app.get("/").headers  # the page is the same for all


def test_no_answer_can_be_sniffed_as_html(each_app):
    for res in (each_app.get("/"), each_app.post("/login", ZHANG_SAN), each_app.get("/nope", status=404),
                each_app.post("/login", {"usr": ""}, status=400)):
        assert res.headers["X-Content-Type-Options"] == "nosniff"
