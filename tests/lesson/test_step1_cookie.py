"""Step 1: the cookie is the session. A learner can read it, and forge it."""

import base64
import json
import time

import pytest

from workshop.steps import ZHANG_SAN
from support import cookie_of, cookies_set_by, edited_cookie


def test_cookie_is_bare_base64_of_the_posted_form(step1_app):
    value = cookies_set_by(step1_app.post("/login", ZHANG_SAN))["bottle.sess"]
    assert '"' not in value  # not quoted, so devtools shows exactly what atob() takes
    text = base64.b64decode(value, validate=True).decode("ascii")  # what atob() returns
    session = json.loads(text)
    assert session.pop("usr") == "张三" and session.pop("psd") == "123"
    assert session.pop("_maxAge") == 86_400_000
    assert abs(session.pop("_expire") - (time.time() * 1000 + 86_400_000)) < 5_000
    assert session == {}


def test_edited_cookie_makes_the_server_greet_the_forged_name(step1_app):
    step1_app.post("/login", ZHANG_SAN)
    forged = edited_cookie(step1_app.cookies["bottle.sess"], usr="admin")
    step1_app.reset()  # the edited cookie replaces the one the server sent
    res = step1_app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={forged}"})
    assert res.text == "欢迎，admin"


def test_koa_sessions_utf8_json_is_read_too(step1_app):
    raw = json.dumps({"usr": "李四", "_expire": 9e12}, ensure_ascii=False).encode()
    cookie = f"bottle.sess={base64.b64encode(raw).decode()}"
    assert step1_app.post("/login", ZHANG_SAN, headers={"Cookie": cookie}).text == "欢迎，李四"


@pytest.mark.parametrize("expire", [time.time() * 1000 - 1, None, "9e12", float("nan")])
def test_expired_or_unstamped_cookie_counts_as_no_session(step1_app, expire):
    session = {"usr": "admin", "psd": "x", "_maxAge": 86_400_000}
    if expire is not None:
        session["_expire"] = expire
    res = step1_app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={cookie_of(session)}"})
    assert res.text == "您第一次登录系统"


def test_largest_allowed_form_still_fits_a_cookie(step1_app):
    # Characters outside the BMP need a 12-byte JSON escape each: the worst case.
    res = step1_app.post("/login", {"usr": "😀" * 64, "psd": "😀" * 128})
    (header,) = res.headers.getall("Set-Cookie")
    assert len(header.split(";")[0]) <= 4096
    assert step1_app.post("/login", ZHANG_SAN).text == "欢迎，" + "😀" * 64


def test_logout_cannot_revoke_a_copied_cookie(step1_app):
    copied = cookies_set_by(step1_app.post("/login", ZHANG_SAN))["bottle.sess"]
    step1_app.post("/logout")
    replay = step1_app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={copied}"})
    assert replay.text == "欢迎，张三"
