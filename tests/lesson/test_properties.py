"""Properties of the cookie codec, the ids and the store, on many generated inputs.

Loading is not enough: a value that loads can still break the answer (a lone
UTF-16 surrogate in a name cannot be sent as UTF-8). So the properties about
hostile data are checked on the response, as a browser would get it.
"""

import base64
import json
import re
import time

import bottle
import fakeredis
from hypothesis import given, settings, strategies as st
from webtest import TestApp

import step1_cookie_session.app
import step2_redis_session.app
from step1_cookie_session.session import CookieSession, decode, encode
from step2_redis_session.session import ID_SHAPE, RedisSession
from step2_redis_session.store import KEY_PREFIX, RedisStore

# Time is not a property here: a busy CI machine must not fail an example for being slow.
# Fifty examples a property, not a hundred: these run in the learner's fast check, and each
# run (every CI pass, every laptop) draws fresh ones.
settings.register_profile("workshop", deadline=None, max_examples=50)
settings.load_profile("workshop")

# Built once: hypothesis calls each test many times, and a fixture would be shared anyway.
STORE = RedisStore(fakeredis.FakeRedis())
BOTH_STEPS = [TestApp(step1_cookie_session.app.create_app(CookieSession())),
        TestApp(step2_redis_session.app.create_app(RedisSession(STORE)))]

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                           lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                           max_leaves=10)
# A handful of keys: what a session holds; a hundred would only slow the examples down.
sessions = st.dictionaries(st.text(max_size=20), json_values, max_size=6)
# Not text at all, but what JSON can still spell: lone UTF-16 surrogates, often.
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=())
any_text = st.lists(st.characters() | surrogates).map("".join)  # st.text() would rarely pick them
cookie_values = st.text() | st.binary().map(lambda raw: base64.b64encode(raw).decode())


def non_blank(limit):
    """A field that a login accepts: text with no control characters, not all blank."""
    return st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1,
                   max_size=limit).filter(str.strip)


@given(usr=non_blank(64), psd=non_blank(128))
def test_any_name_and_password_round_trip_in_both_steps(usr, psd):
    for app in BOTH_STEPS:
        app.reset()
        app.post("/login", {"usr": usr, "psd": psd})
        assert app.post("/login", {"usr": "x", "psd": "y"}).text == f"欢迎，{usr}"


@given(sessions)
def test_cookie_codec_round_trips_as_bare_base64(session):
    value = encode(session)
    assert re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", value)
    assert decode(value) == session


@given(cookie_values)
def test_any_cookie_value_is_a_session_or_none(value):
    request = bottle.BaseRequest({"HTTP_COOKIE": f"bottle.sess={value}"})
    assert decode(value) is None or isinstance(decode(value), dict)
    assert isinstance(CookieSession().load(request), dict)
    assert RedisSession(STORE).load(request) == {}


@given(st.text())
def test_any_cookie_header_loads_without_raising(header):
    request = bottle.BaseRequest({"HTTP_COOKIE": header})
    assert isinstance(CookieSession().load(request), dict)
    assert isinstance(RedisSession(STORE).load(request), dict)


@given(sessions)
def test_store_round_trips_any_session_under_a_fresh_id(session):
    sid = RedisSession(STORE).genid()
    assert ID_SHAPE.fullmatch(sid)
    STORE.set(sid, session, 60_000)
    assert STORE.get(sid) == session
    STORE.destroy(sid)
    assert STORE.get(sid) is None


def login_with_cookie(app, value):
    """A login that sends only this cookie (the client forgets what it was sent before)."""
    app.reset()
    return app.post("/login", {"usr": "x", "psd": "y"},
                    headers={"Cookie": f"bottle.sess={value}"}, expect_errors=True)


def greets_or_starts_anew(res):
    return res.status_int == 200 and (res.text == "您第一次登录系统" or res.text.startswith("欢迎，"))


@given(any_text, sessions, st.booleans())
def test_any_json_session_in_a_step1_cookie_gets_an_answer(usr, rest, ascii_only):
    session = {**rest, "usr": usr, "_expire": time.time() * 1000 + 60_000}
    value = base64.b64encode(json.dumps(session, ensure_ascii=ascii_only)
                             .encode("utf-8", "surrogatepass")).decode()
    res = login_with_cookie(BOTH_STEPS[0], value)
    assert greets_or_starts_anew(res), res


@given(st.binary() | st.builds(lambda usr, rest: json.dumps({**rest, "usr": usr}).encode(),
                               any_text, sessions))
def test_any_value_stored_under_a_step2_id_gets_an_answer(stored):
    sid = RedisSession(STORE).genid()
    STORE.redis.set(KEY_PREFIX + sid, stored)
    res = login_with_cookie(BOTH_STEPS[1], sid)
    assert greets_or_starts_anew(res), res
