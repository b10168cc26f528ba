"""What the coach costs a request: python -m measurements.coach [--requests N] [--rounds N]

Step 1's and step 2's apps, in process (step 2 on fakeredis, so that only
Python is timed), each with and without the coach around it (workshop/coach.py),
in alternating rounds; each request is a read (POST /login with a live session),
the request the coach watches most. It prints microseconds per request, and the
coach's share.
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from webtest import TestApp

import step1_cookie_session.app
import step2_redis_session.app
from harness.benchmark import per_call
from workshop.private_redis import PrivateRedis
from workshop.steps import ZHANG_SAN
from step1_cookie_session.session import CookieSession
from plumbing.breaker import GuardedStore
from plumbing.connection import connect
from step2_redis_session.session import RedisSession
from step2_redis_session.store import RedisStore
from workshop import progress
from workshop.coach import Coach


def main():
    parser = argparse.ArgumentParser(prog="python -m measurements.coach",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    progress.FILE = Path(tempfile.mkdtemp()) / "progress.json"  # never the learner's
    with PrivateRedis("fakeredis") as redis_server:
        apps = {
            "step 1": lambda: step1_cookie_session.app.create_app(CookieSession()),
            "step 2": lambda: step2_redis_session.app.create_app(
                RedisSession(GuardedStore(RedisStore(connect(redis_server.url))))),
        }
        for name, make in apps.items():
            step = "step1_cookie_session" if name == "step 1" else "step2_redis_session"
            browsers = {"alone": TestApp(make()),
                        "coached": TestApp(Coach(make(), step, "en", out=lambda line: None))}
            for browser in browsers.values():
                browser.post("/login", ZHANG_SAN)
            samples = {kind: [] for kind in browsers}
            for _ in range(args.rounds):
                for kind, browser in browsers.items():
                    samples[kind].append(per_call(lambda: browser.post("/login", ZHANG_SAN),
                                                  args.requests))
            alone, coached = (statistics.median(samples[kind]) * 1e6 for kind in browsers)
            print(f"{name}: {alone:.0f} µs a read alone, {coached:.0f} µs with the coach: the "
                  f"coach costs {coached - alone:.0f} µs a request ({coached / alone - 1:.0%})")


if __name__ == "__main__":
    main()
