"""How each step grows: python -m measurements.growth [--sizes 1,10000,100000,1000000]

Step 1's cost grows with what the session holds: every request carries all of
it. Step 2's does not: every request carries a 22-character id, and Redis finds
the session by its key whatever the number stored. This script measures both
sides, on a private redis-server (and a private 3-master Redis Cluster):

- a step 2 read over HTTP (POST /login with a live session) with 1, 10k, 100k
  and 1M sessions stored; the rest are filled in with the same shape of JSON;
- Redis memory per session: MEMORY USAGE of one key, and used_memory per
  session over the whole fill (which adds Redis's own bookkeeping);
- the bytes that the browser sends per request for the session cookie;
- a step 2 read on the cluster, against the same read on a single Redis.

Linux: it pins processes to cores as measurements/load.py does. It needs redis-server
and redis-cli.
"""

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack

import redis

from harness.private_redis import LocalCluster, exit_unless_installed
from harness.benchmark import (CLIENT_CORE, LOGIN_BODY, SERVER_CORE, Browser, core, per_call,
                               pin_this_process)
from workshop.private_redis import PrivateRedis
from workshop.steps import StepServer
from step1_cookie_session.session import encode
from step2_redis_session.store import KEY_PREFIX

FILL_BATCH = 10_000
SESSION_JSON = '{"usr": "用户%07d", "login_at": "2026-11-25T08:00:00Z"}'


def fill(client, start, stop):
    """Store sessions number start to stop-1, with a day's TTL, as step 2 would."""
    for batch in range(start, stop, FILL_BATCH):
        pipe = client.pipeline(transaction=False)
        for number in range(batch, min(batch + FILL_BATCH, stop)):
            pipe.set(f"{KEY_PREFIX}{number:022d}", SESSION_JSON % number, ex=86_400)
        pipe.execute()


def read_time(browser, rounds, requests):
    """Median µs of a read (POST /login with a live session), over rounds."""
    return statistics.median(per_call(lambda: browser.post("/login", LOGIN_BODY), requests)
                             for _ in range(rounds)) * 1e6


def start_step2(stack, url, *flags):
    server = stack.enter_context(StepServer("step2_redis_session", "--quiet", "--redis-url", url,
                                            *flags, cpus=core(SERVER_CORE)))
    browser = Browser(server.port)
    assert browser.post("/login", LOGIN_BODY) == "您第一次登录系统"
    return browser


def cookie_bytes():
    """{case: bytes of the Cookie header's session part} for each step."""
    day = {"_expire": 1_764_000_000_000, "_maxAge": 86_400_000}
    return {
        "step 1, 张三 / 123": len("bottle.sess=" + encode({"usr": "张三", "psd": "123", **day})),
        "step 1, the field limits (64 + 128 characters outside the BMP)": len(
            "bottle.sess=" + encode({"usr": "😀" * 64, "psd": "😀" * 128, **day})),
        "step 2, any session": len("bottle.sess=") + 22,
    }


def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.growth",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10000,100000,1000000")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    exit_unless_installed("redis-server", "redis-cli")
    pin_this_process(CLIENT_CORE)

    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        single = stack.enter_context(PrivateRedis(cpus=core(CLIENT_CORE)))
        client = redis.Redis.from_url(single.url)
        browser = start_step2(stack, single.url)
        live = KEY_PREFIX + browser.cookie.split("=", 1)[1]
        per_key = client.memory_usage(live)

        print("| sessions stored | step 2 read, median µs | / with 1 stored |\n|---:|---:|---:|")
        stored, base, before = 1, None, client.info("memory")["used_memory"]
        for size in sizes:
            fill(client, stored, size)
            stored = max(stored, size)
            browser.reopen()
            micros = read_time(browser, args.rounds, args.requests)
            base = base or micros
            print(f"| {size:,} | {micros:.0f} | {micros / base:.2f} |")
        used = (client.info("memory")["used_memory"] - before) / max(stored - 1, 1)
        print(f"\nRedis memory per session: {per_key} B by MEMORY USAGE, "
              f"{used:.0f} B of used_memory over {stored:,} sessions")

        print("\n| cookie | bytes sent with every request |\n|---|---:|")
        for case, size in cookie_bytes().items():
            print(f"| {case} | {size:,} |")

        cluster = LocalCluster(workdir)
        stack.callback(cluster.stop)
        on_cluster = start_step2(stack, cluster.url, "--redis-cluster")
        samples = {"single": [], "cluster": []}
        client.flushdb()
        browser = start_step2(stack, single.url)  # a fresh session on the emptied single node
        for _ in range(args.rounds):
            samples["single"].append(read_time(browser, 1, args.requests))
            samples["cluster"].append(read_time(on_cluster, 1, args.requests))
        single_us, cluster_us = (statistics.median(samples[kind]) for kind in samples)
        print(f"\nA step 2 read: {single_us:.0f} µs on one Redis, {cluster_us:.0f} µs on a "
              f"3-master cluster ({cluster_us / single_us:.2f}×)")


if __name__ == "__main__":
    start = time.monotonic()
    main()
    print(f"\n({time.monotonic() - start:.0f} s)")
