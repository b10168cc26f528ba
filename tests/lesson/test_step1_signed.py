"""Step 1 with --signed: koa-session's signed mode. Tampering stops counting; reading does not."""

import base64
import json
import os

import pytest
import requests
from webtest import TestApp

from workshop.steps import ZHANG_SAN
from support import SECRET, cookies_set_by, edited_cookie, run_module, signature
from step1_cookie_session.app import create_app
from step1_cookie_session.session import CookieSession


@pytest.fixture
def signed():
    """A client of step 1 in signed mode, in process."""
    return TestApp(create_app(CookieSession(signed=True, secret=SECRET)))


def test_signature_is_hmac_sha256_of_name_and_value(signed):
    cookies = cookies_set_by(signed.post("/login", ZHANG_SAN))
    assert cookies["bottle.sess.sig"] == signature(cookies["bottle.sess"])


def test_signed_cookie_is_still_readable(signed):
    value = cookies_set_by(signed.post("/login", ZHANG_SAN))["bottle.sess"]
    assert json.loads(base64.b64decode(value))["psd"] == "123"


def forged_value(value):
    return edited_cookie(value, usr="admin")


@pytest.mark.parametrize("tamper", [
    lambda value, sig: (forged_value(value), sig),
    lambda value, sig: (value, sig[:-1] + ("A" if sig[-1] != "A" else "B")),
    lambda value, sig: (value, ""),
    lambda value, sig: (value, None),
    lambda value, sig: (forged_value(value), signature(forged_value(value)).lower()),
], ids=["edited value", "edited signature", "empty signature", "no signature", "guessed"])
def test_tampered_cookie_counts_as_no_session(signed, tamper):
    cookies = cookies_set_by(signed.post("/login", ZHANG_SAN))
    value, sig = tamper(cookies["bottle.sess"], cookies["bottle.sess.sig"])
    header = f"bottle.sess={value}" + (f"; bottle.sess.sig={sig}" if sig is not None else "")
    signed.reset()
    assert signed.post("/login", ZHANG_SAN, headers={"Cookie": header}).text == "您第一次登录系统"


def test_untampered_cookie_is_welcomed(signed):
    signed.post("/login", ZHANG_SAN)
    assert signed.post("/login", ZHANG_SAN).text == "欢迎，张三"


def test_logout_clears_both_cookies(signed):
    signed.post("/login", ZHANG_SAN)
    assert cookies_set_by(signed.post("/logout")) == {"bottle.sess": "", "bottle.sess.sig": ""}


@pytest.mark.parametrize("secret", [None, "", "too-short", " " * 32, " \t" * 20])
def test_signed_mode_refuses_to_start_without_a_real_secret(secret):
    env = {key: value for key, value in os.environ.items() if key != "SESSION_SECRET"}
    if secret is not None:
        env["SESSION_SECRET"] = secret
    result = run_module("step1_cookie_session", "--signed", env=env)
    assert result.returncode != 0
    assert result.stderr.startswith("--signed needs SESSION_SECRET")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_signed_server_sets_both_cookies(start_server):
    server = start_server("step1_cookie_session", "--signed", env={"SESSION_SECRET": SECRET})
    assert "(signed)" in server.banner
    browser = requests.Session()
    browser.post(server.url + "/login", ZHANG_SAN)
    assert browser.cookies["bottle.sess.sig"] == signature(browser.cookies["bottle.sess"])
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "欢迎，张三"


def test_signed_cookie_past_its_expiry_counts_as_no_session(signed):
    stale = json.dumps({"usr": "张三", "psd": "1", "_expire": 1, "_maxAge": 86_400_000})
    value = base64.b64encode(stale.encode()).decode()
    header = f"bottle.sess={value}; bottle.sess.sig={signature(value)}"
    assert signed.post("/login", ZHANG_SAN, headers={"Cookie": header}).text == "您第一次登录系统"
