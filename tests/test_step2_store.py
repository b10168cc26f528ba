"""Step 2: the cookie holds only an id; the session is JSON in Redis under SESSION:<id>."""

import json
import re

import pytest
import shortuuid
from webtest import TestApp

from step2_redis_session.store import connect

FORM = {"usr": "张三", "psd": "s3cret-pw"}  # a password that no stored field can hold by chance
ID = re.compile(f"[{re.escape(shortuuid.get_alphabet())}]{{22}}")


def login(app, cookie=None):
    """Log in, sending the cookie if given; return the session id that the cookie now holds."""
    app.post("/login", FORM, headers={"Cookie": f"bottle.sess={cookie}"} if cookie else {})
    return app.cookies["bottle.sess"]


def test_session_is_json_under_SESSION_id_for_a_day(step2, redis_client):
    sid = login(step2)
    stored = json.loads(redis_client.get(f"SESSION:{sid}"))
    assert stored["usr"] == "张三"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stored["login_at"])
    assert 86_390 < redis_client.ttl(f"SESSION:{sid}") <= 86_400
    assert redis_client.keys("*") == [f"SESSION:{sid}".encode()]


def test_password_is_never_stored(step2, redis_client):
    sid = login(step2)
    assert b"s3cret-pw" not in redis_client.get(f"SESSION:{sid}")
    assert "psd" not in json.loads(redis_client.get(f"SESSION:{sid}"))


def test_ids_are_unique_22_character_shortuuids(step2):
    ids = [login(TestApp(step2.app)) for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(ID.fullmatch(sid) for sid in ids)


def test_planted_id_is_never_adopted(step2, redis_client):
    planted = "AttackerChosenSidAttac"
    assert ID.fullmatch(planted)
    assert login(step2, cookie=planted) != planted
    assert redis_client.exists(f"SESSION:{planted}") == 0


def test_login_over_an_existing_id_moves_to_a_fresh_one(step2, redis_client):
    old = "PreviousSessionNoUser2"
    redis_client.set(f"SESSION:{old}", '{"theme": "dark"}', ex=600)
    new = login(step2, cookie=old)
    assert new != old
    assert redis_client.exists(f"SESSION:{old}") == 0
    assert redis_client.exists(f"SESSION:{new}") == 1


@pytest.mark.parametrize("value", [b"not json", b"[1, 2]", b'"usr"', b"\xff\xfe", b"[" * 5000])
def test_corrupt_value_in_redis_counts_as_no_session(step2, redis_client, value):
    sid = login(step2)
    redis_client.set(f"SESSION:{sid}", value)
    assert step2.post("/login", FORM).text == "您第一次登录系统"
    assert step2.cookies["bottle.sess"] != sid


def test_logout_kills_every_copy_of_the_cookie(step2, redis_client):
    sid = login(step2)
    copy = {"Cookie": f"bottle.sess={sid}"}
    thief = TestApp(step2.app)
    assert thief.post("/login", FORM, headers=copy).text == "欢迎，张三"
    step2.post("/logout")
    assert redis_client.exists(f"SESSION:{sid}") == 0
    assert thief.post("/login", FORM, headers=copy).text == "您第一次登录系统"


def commands_since_reset(admin):
    """Calls per command since CONFIG RESETSTAT, leaving out the admin's own."""
    counts = {name.removeprefix("cmdstat_"): stats["calls"]
              for name, stats in admin.info("commandstats").items()}
    return {name: calls for name, calls in counts.items()
            if name.split("|")[0] not in ("info", "config")}


def test_read_only_request_costs_exactly_one_get(step2_on_real_redis, real_redis):
    login(step2_on_real_redis)
    admin = connect(real_redis.url)
    admin.config_resetstat()
    assert step2_on_real_redis.post("/login", FORM).text == "欢迎，张三"
    assert commands_since_reset(admin) == {"get": 1}


def test_requests_share_the_pooled_connection(step2_on_real_redis, real_redis):
    login(step2_on_real_redis)
    admin = connect(real_redis.url)
    before = admin.info("stats")["total_connections_received"]
    for _ in range(20):
        step2_on_real_redis.post("/login", FORM)
    assert admin.info("stats")["total_connections_received"] == before


def test_reading_a_session_does_not_extend_its_ttl(step2, redis_client):
    sid = login(step2)
    redis_client.expire(f"SESSION:{sid}", 100)
    assert step2.post("/login", FORM).text == "欢迎，张三"
    assert redis_client.ttl(f"SESSION:{sid}") <= 100
