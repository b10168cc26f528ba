"""Step 2 behind Redis Sentinel follows a failover under load, with no restart
(docs/beyond-one-redis.md): a private master, replica and three Sentinels on free ports."""

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

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
    old_master = sentinels.master_address()
    answers, done = [], threading.Event()  # (when, status, session id or None)

    def user(number):
        while not done.is_set():
            browser = requests.Session()
            res = browser.post(server.url + "/login", {"usr": f"用户{number}", "psd": "pw"},
                               timeout=10)
            answers.append((time.monotonic(), res.status_code, browser.cookies.get("bottle.sess")))

    with ThreadPoolExecutor(8) as pool:
        for number in range(8):
            pool.submit(user, number)
        time.sleep(1)
        failed_over_at = time.monotonic()
        sentinels.fail_over()
        wait_until(lambda: sentinels.master_address() != old_master or 1 / 0, "the failover",
                   timeout=30)
        promoted = time.monotonic()
        wait_until(lambda: [a for a in answers if a[0] > promoted + 1 and a[1] == 200] or 1 / 0,
                   "a login on the new master", timeout=15)
        time.sleep(1)
        done.set()

    assert {status for _, status, _ in answers} <= {200, 503}
    after = [sid for when, status, sid in answers if status == 200 and when > promoted + 1]
    new_master = redis.Redis(port=int(sentinels.master_address()[1]))
    assert after and all(new_master.exists(session_key(sid)) for sid in after[-20:])
    gap = max((b - a for (a, *_), (b, *_) in zip(answers, answers[1:])
               if a > failed_over_at - 1), default=0)
    # Replication is asynchronous: what the old master acknowledged after the
    # replica's promotion, and before its own demotion, is gone.
    lost = sum(1 for when, status, sid in answers
               if status == 200 and when < promoted + 1 and not new_master.exists(session_key(sid)))
    print(f"\nfailover: {sum(s == 503 for _, s, _ in answers)} 503s, longest wait between "
          f"answers {gap:.2f} s, {lost} acknowledged logins lost")


def test_the_sessions_command_reads_the_master_through_the_sentinels(sentinels):
    master = redis.Redis(port=int(sentinels.master_address()[1]))
    master.set(session_key("SentinelSessionSentinel"), '{"usr": "张三"}', ex=600)
    listing = run_module("step2_redis_session", "sessions", "--redis-url", sentinels.url)
    assert listing.returncode == 0 and '"usr": "张三"' in listing.stdout
