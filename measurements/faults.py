"""Step 2 under each Redis fault, measured: python -m measurements.faults

Starts a private redis-server and step 2's real server on free ports, puts
Redis into one fault after another, and prints the README's table: what a login
answers, how long the first request and the ones after it take, and what the
server logged. The frozen case runs 32 clients at once and times the page too.
The tests (tests/operations/test_redis_refusals.py, tests/operations/test_redis_outage.py)
assert the same behaviour; this script reports the figures. It needs redis-server.
"""

import time
from contextlib import ExitStack

import redis
import requests

from harness.crowd import freeze_under_crowd, timed
from harness.private_redis import exit_unless_installed, stall
from workshop.private_redis import PrivateRedis
from workshop.processes import free_port, wait_until
from workshop.steps import ZHANG_SAN, StepServer


def timed_post(browser, url):
    """(the answer to a login, the milliseconds it took)."""
    res, seconds = timed(lambda: browser.post(url + "/login", ZHANG_SAN, timeout=10))
    return res, seconds * 1000


def row(name, server, url, before=None, after=None):
    """Log in under the fault twice (first, then again); print a table row."""
    browser = requests.Session()
    browser.post(url + "/login", ZHANG_SAN)  # a live session, read under the fault
    newcomer = requests.Session()
    log_start = len(server.output())
    (before or (lambda: None))()
    try:
        (first, first_ms), (_, again_ms) = timed_post(newcomer, url), timed_post(newcomer, url)
        read, _ = timed_post(browser, url)
    finally:
        (after or (lambda: None))()
    logged = [line for line in server.output()[log_start:].splitlines()
              if line.startswith("Redis")][:1]
    print(f"| {name} | {first.status_code}: {first.text.split(': ', 1)[-1]} | {first_ms:.0f} ms, "
          f"then {again_ms:.0f} ms | {read.status_code} | {logged[0] if logged else '(nothing)'} |")


def frozen_under_load(redis_server, url, clients=32, frozen=1.5):
    """Freeze Redis under clients logging in: the slowest answer, and the page's."""
    freeze = freeze_under_crowd(redis_server, url, clients, frozen=frozen, warm_up=0.5, after=3)
    statuses = sorted({status for _, status, _ in freeze.answers})
    pages = sorted(seconds * 1000 for _, seconds in freeze.pages)
    print(f"\nRedis frozen (SIGSTOP) for {frozen} s under {clients} clients: "
          f"{len(freeze.answers)} answers, all {' or '.join(map(str, statuses))}; the slowest took "
          f"{max(seconds for _, _, seconds in freeze.answers) * 1000:.0f} ms; the page took at "
          f"most {pages[-1]:.0f} ms (median {pages[len(pages) // 2]:.0f} ms); the last answer "
          f"was {freeze.answers[-1][1]}.")


def main():
    exit_unless_installed("redis-server")
    with ExitStack() as stack:
        redis_server = stack.enter_context(
            PrivateRedis(args=["--enable-debug-command", "local"]))
        server = stack.enter_context(
            StepServer("step2_redis_session", "--redis-url", redis_server.url))
        url, admin = server.url, redis.Redis(port=redis_server.port)

        def recover():
            time.sleep(1.1)  # the breaker's cool-down
            wait_until(lambda: requests.post(url + "/login", ZHANG_SAN).status_code == 200,
                       "recovery")

        print("| fault | a new login answers | first request, then the next | a live session's "
              "read | the server's log |\n|---|---|---|---|---|")
        row("none", server, url)
        row("slow: Redis stalls 0.3 s (DEBUG SLEEP)", server, url,
            before=lambda: stall(admin, 0.3))
        time.sleep(0.5)
        row("out of memory (maxmemory 1, noeviction)", server, url,
            before=lambda: (admin.config_set("maxmemory-policy", "noeviction"),
                            admin.config_set("maxmemory", "1")),
            after=lambda: admin.config_set("maxmemory", "0"))
        row("read-only replica (REPLICAOF a master that is not there)", server, url,
            before=lambda: admin.replicaof("127.0.0.1", free_port()),
            after=lambda: admin.replicaof("NO", "ONE"))
        row("wants a password (requirepass, connections dropped)", server, url,
            before=lambda: (admin.config_set("requirepass", "pw"),
                            admin.client_kill_filter(_type="normal", skipme=True)),
            after=lambda: (admin.config_set("requirepass", ""), recover()))
        row("frozen (SIGSTOP)", server, url,
            before=redis_server.pause, after=lambda: (redis_server.resume(), recover()))
        frozen_under_load(redis_server, url)


if __name__ == "__main__":
    main()
