"""Step 2: the cookie holds only an id; the session is JSON in Redis under SESSION:<id>."""

import json
import re

import pytest
from webtest import TestApp

from step2_redis_session.session import ID_SHAPE

from harness.private_redis import commands_served
from support import session_key, step2_client

LOGIN_WITH_SECRET = {"usr": "张三", "psd": "s3cret-pw"}  # a password that no stored field can hold by chance


def login(app, cookie=None):
    """Log in, sending the cookie if given; return the session id that the cookie now holds."""
    app.post("/login", LOGIN_WITH_SECRET, headers={"Cookie": f"bottle.sess={cookie}"} if cookie else {})
    return app.cookies["bottle.sess"]


def test_session_is_json_under_SESSION_id_for_a_day(step2_app, each_redis_client):
    sid = login(step2_app)
    stored = json.loads(each_redis_client.get(session_key(sid)))
    assert stored["usr"] == "张三"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stored["login_at"])
    assert 86_390 < each_redis_client.ttl(session_key(sid)) <= 86_400
    assert each_redis_client.keys("*") == [session_key(sid).encode()]


def test_password_is_never_stored(step2_app, each_redis_client):
    sid = login(step2_app)
    assert b"s3cret-pw" not in each_redis_client.get(session_key(sid))
    assert "psd" not in json.loads(each_redis_client.get(session_key(sid)))


def test_ids_are_unique_22_character_shortuuids(step2_app):
    ids = [login(TestApp(step2_app.app)) for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(ID_SHAPE.fullmatch(sid) for sid in ids)


def test_planted_id_is_never_adopted(step2_app, each_redis_client):
    planted = "AttackerChosenSidAttac"
    assert ID_SHAPE.fullmatch(planted)
    assert login(step2_app, cookie=planted) != planted
    assert each_redis_client.exists(session_key(planted)) == 0


def test_login_over_an_existing_id_moves_to_a_fresh_one(step2_app, each_redis_client):
    old = "PreviousSessionNoUser2"
    each_redis_client.set(session_key(old), '{"theme": "dark"}', ex=600)
    new = login(step2_app, cookie=old)
    assert new != old
    assert each_redis_client.exists(session_key(old)) == 0
    assert each_redis_client.exists(session_key(new)) == 1


@pytest.mark.parametrize("value", [b"not json", b"[1, 2]", b'"usr"', b"\xff\xfe", b"[" * 5000])
def test_corrupt_value_in_redis_counts_as_no_session(step2_app, each_redis_client, value):
    sid = login(step2_app)
    each_redis_client.set(session_key(sid), value)
    assert step2_app.post("/login", LOGIN_WITH_SECRET).text == "您第一次登录系统"
    assert step2_app.cookies["bottle.sess"] != sid


def test_logout_kills_every_copy_of_the_cookie(step2_app, each_redis_client):
    sid = login(step2_app)
    copy = {"Cookie": f"bottle.sess={sid}"}
    thief = TestApp(step2_app.app)
    assert thief.post("/login", LOGIN_WITH_SECRET, headers=copy).text == "欢迎，张三"
    step2_app.post("/logout")
    assert each_redis_client.exists(session_key(sid)) == 0
    assert thief.post("/login", LOGIN_WITH_SECRET, headers=copy).text == "您第一次登录系统"


def test_read_only_request_costs_exactly_one_get(real_redis_server):
    app = step2_client(real_redis_server.url)
    login(app)
    read = lambda: app.post("/login", LOGIN_WITH_SECRET)
    assert commands_served(real_redis_server.client(), read) == {"get": 1}
    assert read().text == "欢迎，张三"


def test_requests_share_the_pooled_connection(real_redis_server):
    app = step2_client(real_redis_server.url)
    login(app)
    admin = real_redis_server.client()
    before = admin.info("stats")["total_connections_received"]
    for _ in range(20):
        app.post("/login", LOGIN_WITH_SECRET)
    assert admin.info("stats")["total_connections_received"] == before


def test_reading_a_session_does_not_extend_its_ttl(step2_app, each_redis_client):
    sid = login(step2_app)
    each_redis_client.expire(session_key(sid), 100)
    assert step2_app.post("/login", LOGIN_WITH_SECRET).text == "欢迎，张三"
    assert each_redis_client.ttl(session_key(sid)) <= 100
