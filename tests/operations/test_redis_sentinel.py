"""Step 2 behind Redis Sentinel follows a failover under load, with no restart
(docs/beyond-one-redis.md): a private master, replica and three Sentinels on free ports."""

import tempfile
import time

import pytest
import redis

from harness.crowd import LoggingIn
from harness.private_redis import LocalSentinels
from harness.processes import wait_until
from support import require_redis_server, run_module, session_key

pytestmark = pytest.mark.slow  # starts five redis-servers and a step 2 server


@pytest.fixture
def sentinels():
    """A master, a replica and three Sentinels of the test's own."""
    require_redis_server()
    group = LocalSentinels(tempfile.mkdtemp())
    yield group
    group.stop()


def test_step2_follows_a_failover_under_load_without_a_restart(sentinels, start_server):
    server = start_server("step2_redis_session", "--redis-url", sentinels.url, "--quiet")
    assert "the Redis master that Sentinels watch" in server.banner
    with LoggingIn(server.url) as crowd:
        time.sleep(1)
        _, demoted = sentinels.fail_over()
        wait_until(lambda: [a for a in crowd.answers if a[0] > demoted + 1 and a[1] == 200],
                   "a login on the new master", timeout=15)
        time.sleep(1)
    answers = crowd.answers
    assert {status for _, status, _ in answers} <= {200, 503}
    after = [sid for when, status, sid in answers if status == 200 and when > demoted + 1]
    new_master = redis.Redis(port=int(sentinels.master_address()[1]))
    assert after and all(new_master.exists(session_key(sid)) for sid in after[-20:])
    # Replication is asynchronous: what the old master acknowledged after the
    # replica's promotion, and before its own demotion, is gone. The figures are
    # measurements/operator_faults.py's; here, the recovery is what must hold.
    assert crowd.longest_gap() < 10


def test_the_sessions_command_reads_the_master_through_the_sentinels(sentinels):
    master = redis.Redis(port=int(sentinels.master_address()[1]))
    master.set(session_key("SentinelSessionSentinel"), '{"usr": "张三"}', ex=600)
    listing = run_module("step2_redis_session", "sessions", "--redis-url", sentinels.url)
    assert listing.returncode == 0 and '"usr": "张三"' in listing.stdout
