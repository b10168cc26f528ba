"""A Redis that fills up, by its maxmemory-policy (docs/bad-input-and-faults.md, "When Redis is
full"): the banner says what the policy does to sessions, and each policy does what it says."""

import pytest

from workshop.steps import ZHANG_SAN
from support import step2_client

pytestmark = pytest.mark.slow  # starts step 2's real server

LIMIT = 4 * 2**20  # bytes: room for the sessions, not for another app's data as well


@pytest.mark.parametrize("policy, says", [
    ("allkeys-lru", "Warning: Redis maxmemory 4,194,304 bytes, maxmemory-policy allkeys-lru: "
                    "when it is full it evicts any key, sessions included"),
    ("volatile-lru", "Warning: Redis maxmemory 4,194,304 bytes, maxmemory-policy volatile-lru: "
                     "when it is full it evicts keys that have a TTL, and every session has one"),
    ("noeviction", "Redis maxmemory 4,194,304 bytes, maxmemory-policy noeviction: when it is full, "
                   "logins get a 503 and no session is lost."),
])
def test_the_banner_names_the_policy_and_what_it_does_to_sessions(
        own_redis_server, start_server, policy, says):
    admin = own_redis_server.client()
    admin.config_set("maxmemory", LIMIT)
    admin.config_set("maxmemory-policy", policy)
    server = start_server("step2_redis_session", "--redis-url", own_redis_server.url)
    assert says in server.banner


def test_without_a_maxmemory_the_banner_says_nothing_of_eviction(real_redis_server, start_server):
    server = start_server("step2_redis_session", "--redis-url", real_redis_server.url)
    assert "maxmemory" not in server.banner


def fill_up(own_redis_server, policy):
    """300 logins, then another app's data until Redis refuses it: (sessions left, statuses of
    200 logins after). Refused at the limit, Redis soon frees the refused command's buffers,
    and tens of KB come free again: room for a hundred logins or so, so 20 were too few to
    be sure that one meets a full Redis."""
    admin = own_redis_server.client()
    admin.config_set("maxmemory", LIMIT)
    admin.config_set("maxmemory-policy", policy)
    app = step2_client(own_redis_server.url)
    for number in range(300):
        app.reset()
        app.post("/login", {"usr": f"用户{number}", "psd": "pw"})
    for size in (10_000, 100):  # another app, in the same Redis, with no TTL: big, then small
        for number in range(600):
            try:
                admin.set(f"OTHER:{size}:{number}", "x" * size)
            except Exception:  # noeviction, or nothing left to evict: refused
                break
    left = len(admin.keys("SESSION:*"))
    after = []
    for number in range(200):
        app.reset()
        after.append(app.post("/login", ZHANG_SAN, expect_errors=True).status_int)
    return left, after


def test_allkeys_lru_drops_sessions_without_a_word(own_redis_server):
    left, after = fill_up(own_redis_server, "allkeys-lru")
    assert left < 300 and set(after) == {200}  # users logged out, and nothing said it


def test_volatile_lru_drops_sessions_first_then_refuses_logins(own_redis_server):
    left, after = fill_up(own_redis_server, "volatile-lru")
    assert left < 300 and 503 in after  # the sessions went first; then nothing is left to evict


def test_noeviction_keeps_every_session_and_refuses_what_does_not_fit(own_redis_server):
    left, after = fill_up(own_redis_server, "noeviction")
    assert left == 300 and 503 in after
