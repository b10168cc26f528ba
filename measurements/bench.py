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
import http.client
import os
import platform
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

import redis

from harness.private_redis import commands_served, exit_unless_installed, redis_server_argv
from harness.processes import free_port, running
from step2_redis_session.store import KEY_PREFIX

LOGIN_BODY = urlencode({"usr": "张三", "psd": "123"})
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


class Browser:
    """One keep-alive HTTP connection that keeps the session cookie, like a browser tab."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookie = ""

    def reopen(self):
        """A new connection, with the same cookie: the servers close one left idle for 20 s."""
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.conn.host, self.conn.port)

    def post(self, path, body=""):
        self.conn.request("POST", path, body, {**FORM_HEADERS, "Cookie": self.cookie})
        res = self.conn.getresponse()
        text = res.read().decode()
        for header in res.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";")[0] if "Max-Age=0" not in header else ""
        return text


def per_call(call, times):
    """Seconds per call, over times calls in a row."""
    start = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - start) / times


def machine():
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


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
        redis_port, port1, port2, port_control = free_port(), free_port(), free_port(), free_port()
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        stack.enter_context(running(redis_server_argv(redis_port, workdir), redis_port))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        stack.enter_context(running([sys.executable, "-m", "step1_cookie_session",
                                     "--port", str(port1)], port1))
        stack.enter_context(running([sys.executable, "-m", "step2_redis_session",
                                     "--port", str(port2), "--redis-url", redis_url], port2))
        stack.enter_context(running([sys.executable, "-m", "measurements.control_server",
                                     str(port_control), redis_url], port_control))

        step1, step2, control = Browser(port1), Browser(port2), Browser(port_control)
        for browser in (step1, step2, control):
            assert browser.post("/login", LOGIN_BODY) == "您第一次登录系统"
        client = redis.Redis.from_url(redis_url)
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

        admin = redis.Redis.from_url(redis_url)
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
