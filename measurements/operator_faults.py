"""What an operator meets, measured: python -m measurements.operator_faults

The figures of docs/bad-input-and-faults.md and docs/beyond-one-redis.md that
are not in measurements/faults.py's table, each on private redis-servers of its own:

- logins served at maxclients, by step 2 with its circuit breaker and without;
- the sessions command with 100,000 sessions stored: the first line, the whole
  listing, and --clear;
- the CPU that an idle step 2 on its embedded Redis uses;
- a Sentinel failover under load: 503s, the longest wait, acknowledged logins lost.

The tests assert the behaviour (tests/operations/test_redis_refusals.py, test_step2_sessions_command.py,
test_step2_embedded_redis.py, test_redis_sentinel.py); this script reports the figures.
It needs redis-server, and Linux for the CPU figure.
"""

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import redis
import requests

from harness.crowd import LoggingIn, answers_in_process, cpu_seconds
from harness.private_redis import LocalSentinels, PrivateRedis, exit_unless_installed, redis_url
from harness.processes import ROOT, free_port
from harness.steps import StepServer
from step2_redis_session.app import create_app
from step2_redis_session.plumbing.connection import connect
from step2_redis_session.plumbing.breaker import GuardedStore
from step2_redis_session.session import RedisSession
from step2_redis_session.store import KEY_PREFIX, RedisStore


def at_maxclients(url, rounds=3):
    redis.Redis.from_url(url).config_set("maxclients", "5")
    print("At maxclients 5, eight requests at once, 2 s a round:")
    for _ in range(rounds):
        counts = []
        for store in (RedisStore, lambda client: GuardedStore(RedisStore(client))):
            client = connect(url)
            answers = answers_in_process(create_app(RedisSession(store(client))), seconds=2.0)
            counts.append(sum(status == 200 for status, _ in answers))
            client.connection_pool.disconnect()
        print(f"  without the breaker {counts[0]:,} logins, with it {counts[1]:,} "
              f"({counts[1] / counts[0]:.2f})")
    redis.Redis.from_url(url).config_set("maxclients", "10000")


def sessions_command(url, count=100_000):
    client = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    for number in range(count):
        pipe.set(f"{KEY_PREFIX}{number:022d}", '{"usr": "用户", "login_at": "2026-12-01T00:00:00Z"}',
                 ex=600)
    pipe.execute()
    start = time.monotonic()
    listing = subprocess.Popen([sys.executable, "-m", "step2_redis_session", "sessions",
                                "--redis-url", url], cwd=ROOT, stdout=subprocess.PIPE)
    listing.stdout.readline()
    first = time.monotonic() - start
    listing.stdout.read()
    listing.wait()
    whole = time.monotonic() - start
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "step2_redis_session", "sessions", "--clear",
                    "--redis-url", url], cwd=ROOT, check=True, capture_output=True)
    print(f"sessions with {count:,} stored: the first line after {first:.2f} s, all of them "
          f"in {whole:.1f} s; --clear in {time.monotonic() - start:.1f} s")


def idle_embedded():
    if not os.path.exists("/proc/self/stat"):
        return
    with StepServer("step2_redis_session", "--quiet", "--embedded-redis",
                    "--redis-url", redis_url(free_port())) as server:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda n: requests.post(f"{server.url}/login",
                                                  {"usr": f"u{n}", "psd": "p"}), range(64)))
        time.sleep(1)
        before = cpu_seconds(server.proc.pid)
        time.sleep(10)
        print(f"An idle step 2 on its embedded Redis: "
              f"{(cpu_seconds(server.proc.pid) - before) / 10:.1%} of a core")


def failover(workdir):
    group = LocalSentinels(workdir)
    try:
        with StepServer("step2_redis_session", "--quiet", "--redis-url", group.url) as server:
            with LoggingIn(server.url) as crowd:
                time.sleep(1)
                promoted, demoted = group.fail_over()
                time.sleep(2)
        answers = crowd.answers
        new_master = redis.Redis(port=int(group.master_address()[1]))
        lost = sum(1 for _, status, sid in answers
                   if status == 200 and not new_master.exists(KEY_PREFIX + sid))
        print(f"A Sentinel failover under eight clients: {len(answers):,} answers, "
              f"{sum(status == 503 for _, status, _ in answers)} of them 503s; the longest gap "
              f"between two answers {crowd.longest_gap():.2f} s; {lost} acknowledged logins lost, "
              f"in the {demoted - promoted:.1f} s between the promotion and the old master's "
              "demotion")
    finally:
        group.stop()


def main():
    exit_unless_installed("redis-server")
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        url = stack.enter_context(PrivateRedis()).url
        at_maxclients(url)
        sessions_command(url)
        idle_embedded()
        failover(workdir)


if __name__ == "__main__":
    main()
