"""Step 2 behind Redis Sentinel follows a failover under load, with no restart
(docs/beyond-one-redis.md): a private master, replica and three Sentinels on free ports."""

import tempfile
import time

import pytest
import redis

from harness.crowd import LoggingIn
from harness.private_redis import LocalSentinels
from workshop.processes import wait_until
from support import require_redis_server, run_module, session_key

pytestmark = pytest.mark.slow  # starts five redis-servers and a step 2 server


@pytest.fixture
def sentinels():
    """A master, a replica and three Sentinels of the test's own."""
    require_redis_server()
    group = LocalSentinels(tempfile.mkdtemp())
    yield group
    group.stop()


def lost_and_undone(crowd, sentinels):
    """(acknowledged logins missing from the master now, acknowledged logouts undone there)."""
    master = redis.Redis(port=int(sentinels.master_address()[1]))
    kept, ended = crowd.acknowledged()
    assert kept and ended, "the crowd made no acknowledged login or logout"
    return ([sid for sid in kept if not master.exists(session_key(sid))],
            [sid for sid in ended if master.exists(session_key(sid))])


def refusals_say_why(crowd):
    return all(status in (200, 503) for _, status, _ in crowd.answers + crowd.logouts)


def crowd_through(fault, sentinels, server):
    """Eight clients log in, and out every other time, through fault(); then the crowd.

    It waits for a login answered after the fault, so that recovery is part of the claim."""
    with LoggingIn(server.url, log_out=True) as crowd:
        time.sleep(1)
        fault()
        over = time.monotonic()
        wait_until(lambda: [a for a in crowd.answers if a[0] > over and a[1] == 200],
                   "a login after the failover", timeout=20)
        time.sleep(1)
    assert refusals_say_why(crowd)
    return crowd


def test_a_sentinel_failover_loses_no_acknowledged_login_or_logout(sentinels, start_server):
    server = start_server("step2_redis_session", "--redis-url", sentinels.url, "--quiet")
    assert "the Redis master that Sentinels watch" in server.banner
    crowd = crowd_through(sentinels.fail_over, sentinels, server)
    # Each login and logout waited for a replica: what step 2 acknowledged, the
    # new master has (measurements/operator_faults.py has the figures).
    assert lost_and_undone(crowd, sentinels) == ([], [])
    assert crowd.longest_gap() < 10


def test_a_frozen_master_loses_no_acknowledged_login_or_logout(sentinels, start_server):
    server = start_server("step2_redis_session", "--redis-url", sentinels.url, "--quiet")
    crowd = crowd_through(lambda: sentinels.freeze_master(5), sentinels, server)
    assert lost_and_undone(crowd, sentinels) == ([], [])


def test_a_partition_that_leaves_step2_on_the_old_master_loses_nothing(start_server):
    """The Sentinels and the replica lose the master; step 2 does not, and it still takes writes."""
    require_redis_server()
    sentinels = LocalSentinels(tempfile.mkdtemp(), partitionable=True)
    try:
        server = start_server("step2_redis_session", "--redis-url", sentinels.url, "--quiet")
        crowd = crowd_through(lambda: sentinels.partition(6), sentinels, server)
        assert lost_and_undone(crowd, sentinels) == ([], [])
    finally:
        sentinels.stop()


def test_the_sessions_command_reads_the_master_through_the_sentinels(sentinels):
    master = redis.Redis(port=int(sentinels.master_address()[1]))
    master.set(session_key("SentinelSessionSentinel"), '{"usr": "张三"}', ex=600)
    listing = run_module("step2_redis_session", "sessions", "--redis-url", sentinels.url)
    assert listing.returncode == 0 and '"usr": "张三"' in listing.stdout
