"""What does moving the session into Redis cost? python -m measurements.bench

Starts, on free ports: a private redis-server, step 1's server and step 2's
server (the same waitress server, the same machine). Then, in alternating
rounds so that drift in the machine's speed hits every figure alike, it times:

- step 1: a read-only request (POST /login with a live session), over HTTP;
- step 2: the same request, which also reads the session from Redis;
- a control: step 1's server doing one bare GET per request, its reply unused
  (measurements/control_server.py): what one round trip costs inside any request;
- the floor: a bare redis-py GET of that session, one Redis round trip.

It prints the medians (and the spread of the rounds), step 2 / step 1, and
step 2's extra cost counted in raw GET round trips; then the Redis commands
that each kind of request costs, from INFO commandstats.

Every process is pinned to one CPU core (--no-pin to let the OS place them).
On a small machine the scheduler otherwise puts redis-server sometimes on the
client's core and sometimes not, and a GET costs about 30 or about 75 µs
depending on which: the figures would measure that luck, not the code.

It needs redis-server (Debian: apt-get install redis-server): fakeredis would
time Python, not a Redis round trip.
"""

import argparse
import os
import statistics
from contextlib import ExitStack

import redis

from harness.private_redis import commands_served, exit_unless_installed
from workshop.private_redis import PrivateRedis
from workshop.processes import free_port
from harness.benchmark import LOGIN_BODY, Browser, machine, per_call
from workshop.steps import StepServer
from step2_redis_session.store import KEY_PREFIX

def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=300, help="requests per round and kind")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU core")
    args = parser.parse_args()
    pinned = not args.no_pin and hasattr(os, "sched_setaffinity")
    if pinned:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # children inherit it
    exit_unless_installed("redis-server", what="The benchmark")

    with ExitStack() as stack:
        redis_server = stack.enter_context(PrivateRedis())
        port_control = free_port()
        servers = [stack.enter_context(server) for server in (
            StepServer("step1_cookie_session"),
            StepServer("step2_redis_session", "--redis-url", redis_server.url),
            StepServer("measurements.control_server", str(port_control), redis_server.url,
                       port=port_control))]

        step1, step2, control = (Browser(server.port) for server in servers)
        for browser in (step1, step2, control):
            assert browser.post("/login", LOGIN_BODY) == "您第一次登录系统"
        client = redis.Redis.from_url(redis_server.url)
        key = KEY_PREFIX + step2.cookie.split("=", 1)[1]

        kinds = {
            "step 1 (cookie)": lambda: step1.post("/login", LOGIN_BODY),
            "step 2 (Redis)": lambda: step2.post("/login", LOGIN_BODY),
            "control: step 1 + one bare GET": lambda: control.post("/login", LOGIN_BODY),
            "raw redis-py GET": lambda: client.get(key),
        }
        for call in kinds.values():  # warm up: connections, caches, the CPU's clock
            per_call(call, args.requests)
        samples = {name: [] for name in kinds}
        names = list(kinds)
        for round_number in range(args.rounds):
            shift = round_number % len(names)  # rotate which kind goes first
            for name in names[shift:] + names[:shift]:
                samples[name].append(per_call(kinds[name], args.requests))
        assert step2.post("/login", LOGIN_BODY) == "欢迎，张三"
        # A logout and a login, to open the pool's connection for writes: the
        # reads with --pipeline keep one of their own, so a write opens another once.
        step2.post("/logout")
        step2.post("/login", LOGIN_BODY)

        admin = redis.Redis.from_url(redis_server.url)
        admin.ping()
        counts = {
            "read (POST /login, live session)": commands_served(admin, lambda: step2.post("/login", LOGIN_BODY)),
            "logout (POST /logout)": commands_served(admin, lambda: step2.post("/logout")),
            "login (POST /login, no session)": commands_served(admin, lambda: step2.post("/login", LOGIN_BODY)),
        }

    median = {name: statistics.median(values) for name, values in samples.items()}
    s1, s2, get = median["step 1 (cookie)"], median["step 2 (Redis)"], median["raw redis-py GET"]
    print(f"Machine: {machine()}; {'pinned to one core' if pinned else 'not pinned'}")
    print(f"{args.rounds} alternating rounds of {args.requests} requests each\n")
    print("| what | median µs per request | middle half of the rounds |\n|---|---:|---:|")
    for name in names:
        low, _, high = statistics.quantiles(samples[name], n=4) if args.rounds > 1 else [0] * 3
        print(f"| {name} | {median[name] * 1e6:.1f} | {low * 1e6:.1f} – {high * 1e6:.1f} |")
    print(f"\nstep 2 / step 1: {s2 / s1:.3f}")
    print(f"step 2's extra cost: {(s2 - s1) * 1e6:.1f} µs = {(s2 - s1) / get:.2f} raw GET round trips")
    print(f"step 2 / control: {s2 / median['control: step 1 + one bare GET']:.3f}")
    print("\n| request | Redis commands |\n|---|---|")
    for request, served in counts.items():
        print(f"| {request} | {', '.join(f'{n} × {c.upper()}' for c, n in served.items())} |")


if __name__ == "__main__":
    main()
