"""Step 2 under each Redis fault, measured: python -m measurements.faults

Starts a private redis-server and step 2's real server on free ports, puts
Redis into one fault after another, and prints the README's table: what a login
answers, how long the first request and the ones after it take, and what the
server logged. The frozen case runs 32 clients at once and times the page too.
The tests (tests/test_step2_faults.py, tests/test_step2_outage.py) assert the
same behaviour; this script reports the figures. It needs redis-server.
"""

import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import redis
import requests

from harness.private_redis import exit_unless_installed, redis_server_argv, stall
from harness.processes import free_port, running, wait_until

LOGIN = {"usr": "张三", "psd": "123"}


def timed_post(browser, url):
    start = time.monotonic()
    res = browser.post(url + "/login", LOGIN, timeout=10)
    return res, (time.monotonic() - start) * 1000


def row(name, server, url, before=None, after=None):
    """Log in under the fault twice (first, then again); print a table row."""
    browser = requests.Session()
    browser.post(url + "/login", LOGIN)  # a live session, read under the fault
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


def frozen_under_load(redis_proc, url, clients=32, seconds=6, frozen=1.5):
    """SIGSTOP Redis while clients keep logging in: the slowest answer, and the page's."""
    browsers = [requests.Session() for _ in range(clients)]
    for browser in browsers:
        browser.post(url + "/login", LOGIN)
    times, pages, stop_at = [], [], time.monotonic() + seconds

    def client(browser):
        while time.monotonic() < stop_at:
            res, ms = timed_post(browser, url)
            times.append((res.status_code, ms))

    with ThreadPoolExecutor(clients) as pool:
        for browser in browsers:
            pool.submit(client, browser)
        time.sleep(0.5)
        redis_proc.send_signal(signal.SIGSTOP)
        thaw_at = time.monotonic() + frozen
        while time.monotonic() < thaw_at:
            start = time.monotonic()
            requests.get(url, timeout=10)
            pages.append((time.monotonic() - start) * 1000)
            time.sleep(0.1)
        redis_proc.send_signal(signal.SIGCONT)
    statuses = sorted({status for status, _ in times})
    print(f"\nRedis frozen (SIGSTOP) for {frozen} s of a {seconds} s run under {clients} clients: "
          f"{len(times)} answers, "
          f"all {' or '.join(map(str, statuses))}; the slowest took "
          f"{max(ms for _, ms in times):.0f} ms; the page took at most {max(pages):.0f} ms "
          f"(median {sorted(pages)[len(pages) // 2]:.0f} ms); the last answer was "
          f"{times[-1][0]}.")


def main():
    exit_unless_installed("redis-server")
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        redis_port, port = free_port(), free_port()
        redis_server = stack.enter_context(running(
            redis_server_argv(redis_port, workdir, "--enable-debug-command", "local"), redis_port))
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        server = stack.enter_context(running(
            [sys.executable, "-m", "step2_redis_session", "--port", str(port),
             "--redis-url", redis_url], port, ready_text="Open http"))
        url, admin = f"http://127.0.0.1:{port}", redis.Redis(port=redis_port)

        def recover():
            time.sleep(1.1)  # the breaker's cool-down
            wait_until(lambda: requests.post(url + "/login", LOGIN).status_code == 200 or 1 / 0,
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
            before=lambda: redis_server.proc.send_signal(signal.SIGSTOP),
            after=lambda: (redis_server.proc.send_signal(signal.SIGCONT), recover()))
        frozen_under_load(redis_server.proc, url)


if __name__ == "__main__":
    main()
