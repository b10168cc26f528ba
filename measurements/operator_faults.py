"""What an operator meets, measured: python -m measurements.operator_faults

The figures of docs/bad-input-and-faults.md and docs/beyond-one-redis.md that
are not in measurements/faults.py's table, each on private redis-servers of its own:

- logins served at maxclients, by step 2 with its circuit breaker and without;
- the sessions command with 100,000 sessions stored: the first line, the whole
  listing, and --clear;
- the CPU that an idle step 2 on its embedded Redis uses;
- failovers under load (SENTINEL FAILOVER, a frozen master, a partition), and
  the same failover with writes that wait for no replica: acknowledged logins lost,
  acknowledged logouts undone, refusals, the longest wait; and what waiting for a
  replica costs a login;
- how long logins are refused in each kind of failover, a killed master's too, with
  one replica and with two (--only-replicas runs this table alone).

The tests assert the behaviour (tests/operations/test_redis_refusals.py, test_step2_sessions_command.py,
test_step2_embedded_redis.py, test_redis_sentinel.py); this script reports the figures.
It needs redis-server, and Linux for the CPU figure.
"""

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import redis
import redis.sentinel
import requests

from harness.crowd import LoggingIn, answers_in_process, cpu_seconds
from harness.private_redis import LocalSentinels, exit_unless_installed
from workshop.private_redis import PrivateRedis, redis_url
from workshop.processes import ROOT, free_port, wait_until
from workshop.steps import StepServer
from step2_redis_session.app import MAX_FORM_BYTES, create_app
from plumbing.connection import connect
from plumbing.redis_url import sentinel_parts
from plumbing.server import bind
from plumbing.breaker import GuardedStore
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


class PlainClientStep:
    """Step 2 in this process, on a plain redis-py Sentinel client whose writes wait for
    nothing: what step 2 was before it waited for a replica, for the "no remedy" row."""

    def __init__(self, url):
        sentinels, name, db, _ = sentinel_parts(url)
        client = redis.sentinel.Sentinel(sentinels).master_for(
            name, db=db, socket_timeout=0.5, socket_connect_timeout=0.5)
        app = create_app(RedisSession(GuardedStore(RedisStore(client))))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Not python -m: waitress's queue warnings, and its complaint at close, are noise here.
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        self._server = bind(app, argparse.Namespace(host="127.0.0.1", port=self.port, quiet=True),
                            MAX_FORM_BYTES)
        threading.Thread(target=self._server.run, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._server.close()


#: Seconds that a run waits, after a fault, for a login to be acknowledged again: with one
#: replica, a killed master's refusals outlast it.
WATCHED_AFTER_A_FAULT = 20


def through_a_fault(workdir, fault, plain=False, replicas=1):
    """Eight clients logging in and out through one fault of a fresh group: what they saw."""
    group = LocalSentinels(workdir, partitionable=(fault == "partition"), replicas=replicas)
    try:
        step = (PlainClientStep(group.url) if plain else
                StepServer("step2_redis_session", "--quiet", "--redis-url", group.url))
        with step, LoggingIn(step.url, log_out=True) as crowd:
            time.sleep(1)
            {"failover": group.fail_over, "freeze": lambda: group.freeze_master(5),
             "partition": lambda: group.partition(6), "kill": group.kill_master}[fault]()
            over = time.monotonic()
            try:  # the refusals end with the first login acknowledged after the fault
                wait_until(lambda: any(when > over and status == 200
                                       for when, status, _ in crowd.answers),
                           "a login acknowledged again", timeout=WATCHED_AFTER_A_FAULT)
            except AssertionError:
                pass  # still refusing: the row says so
            time.sleep(1)
            ended_at = time.monotonic()
        master = redis.Redis(port=int(group.master_address()[1]))
        kept, ended = crowd.acknowledged()
        answers = crowd.answers + crowd.logouts
        refused = sorted(when for when, status, _ in answers if status == 503)
        last = max(answers)  # the last answer of the run: a 503 means it was refusing still
        return {"answers": len(answers), "kept": len(kept), "ended": len(ended),
                "lost": sum(not master.exists(KEY_PREFIX + sid) for sid in kept),
                "undone": sum(bool(master.exists(KEY_PREFIX + sid)) for sid in ended),
                "refused": len(refused), "span": refused[-1] - refused[0] if refused else 0.0,
                "refusing_at_the_end": last[1] == 503 and ended_at - last[0] < 1,
                "gap": crowd.longest_gap()}
    finally:
        group.stop()


def failover_row(workdir, case, fault, plain=False):
    """One row: a failover of some kind under 8 clients logging in and out."""
    seen = through_a_fault(workdir, fault, plain)
    span = f"{seen['span']:.1f} s" if seen["refused"] else "-"
    print(f"| {case} | {seen['answers']:,} | {seen['lost']} of {seen['kept']:,} | {seen['undone']} of "
          f"{seen['ended']:,} | {seen['refused']:,} over {span} | {seen['gap']:.2f} s |")


def refusals_by_replicas(workdir):
    """Per kind of failover, how long logins are refused with one replica and with two."""
    print("\n| failover | logins refused, one replica | logins refused, two replicas | "
          "acknowledged lost or undone |\n|---|---:|---:|---:|")
    for case, fault in (("SENTINEL FAILOVER", "failover"), ("the master frozen for 5 s", "freeze"),
                        ("a partition of 6 s", "partition"),
                        ("the master killed (SIGKILL), never restarted", "kill")):
        cells, harm = [], 0
        for replicas in (1, 2):
            seen = through_a_fault(workdir, fault, replicas=replicas)
            harm += seen["lost"] + seen["undone"]
            if seen["refusing_at_the_end"]:
                cells.append(f"over {seen['span']:.0f} s: still refusing when the run ended")
            else:
                cells.append(f"{seen['span']:.1f} s ({seen['refused']:,} refused)"
                             if seen["refused"] else "none")
        print(f"| {case} | {cells[0]} | {cells[1]} | {harm} |", flush=True)


def login_cost(workdir, rounds=300):
    """Median ms of a first login: step 2 on a master directly, and behind Sentinel (WAIT)."""
    group = LocalSentinels(workdir)
    try:
        direct = redis_url(group.master_port)
        for name, url in (("on the master directly, no WAIT", direct),
                          ("behind Sentinel, SET + WAIT 1 200", group.url)):
            with StepServer("step2_redis_session", "--quiet", "--redis-url", url) as server:
                times = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    requests.post(server.url + "/login", {"usr": "用户", "psd": "pw"})
                    times.append(time.perf_counter() - start)
            print(f"A first login, {name}: {statistics.median(times) * 1000:.2f} ms (median of "
                  f"{rounds})")
    finally:
        group.stop()


def failovers(workdir):
    print("| case | logins and logouts answered | acknowledged logins lost | acknowledged "
          "logouts undone | refused (503) | longest gap |\n|---|---:|---:|---:|---:|---:|")
    failover_row(workdir, "SENTINEL FAILOVER, no remedy (writes wait for nothing)", "failover",
                 plain=True)
    failover_row(workdir, "SENTINEL FAILOVER", "failover")
    failover_row(workdir, "the master frozen for 5 s (SIGSTOP)", "freeze")
    failover_row(workdir, "a partition of 6 s: Sentinels and replica cut off, step 2 not",
                 "partition")
    login_cost(workdir)
    refusals_by_replicas(workdir)


def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.operator_faults")
    parser.add_argument("--only-replicas", action="store_true",
                        help="only the table of refusals with one replica and with two")
    args = parser.parse_args()
    exit_unless_installed("redis-server")
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        if args.only_replicas:
            refusals_by_replicas(workdir)
            return
        url = stack.enter_context(PrivateRedis()).url
        at_maxclients(url)
        sessions_command(url)
        idle_embedded()
        failovers(workdir)


if __name__ == "__main__":
    main()
