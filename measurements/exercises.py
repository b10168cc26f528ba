"""What each exercise's answer costs: python -m measurements.exercises

Applies each solution.patch to a copy of the repository (never to this tree),
starts the patched step as a learner would, on a private redis-server, and counts
the Redis commands of a read, a login and a logout from INFO commandstats; for
exercise 5, times its scrypt hash; and times python -m workshop.verify on each
answer (the goal: under 10 s each). The exercises' pages quote these figures.
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import redis
import requests

from harness.private_redis import commands_served, exit_unless_installed
from workshop.private_redis import PrivateRedis
from workshop.processes import ROOT
from workshop.steps import ZHANG_SAN, StepServer


def patched_copy(exercise, into):
    """A copy of the repository's tracked files with the exercise's answer applied."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    for path in listed:
        (into / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, into / path)
    subprocess.run(["git", "apply", str(ROOT / "exercises" / exercise / "solution.patch")],
                   cwd=into, check=True)
    return into


def counted(admin, action):
    served = commands_served(admin, action)
    return ", ".join(f"{calls} × {name.upper()}" for name, calls in sorted(served.items()))


def step2_costs(exercise, copy, url, admin):
    with StepServer("step2_redis_session", "--quiet", "--redis-url", url, cwd=copy) as server:
        url, browser = server.url, requests.Session()
        login = counted(admin, lambda: browser.post(url + "/login", ZHANG_SAN))
        read = counted(admin, lambda: browser.post(url + "/login", ZHANG_SAN))
        logout = counted(admin, lambda: browser.post(url + "/logout"))
        failed = ""
        if exercise in ("05-check-the-password", "07-rate-limit-the-login"):
            wrong = {"usr": ZHANG_SAN["usr"], "psd": "not " + ZHANG_SAN["psd"]}
            failed = "; a failed login " + counted(admin, lambda: requests.post(url + "/login", wrong))
    print(f"{exercise}: a login {login}; a read {read}; a logout {logout}{failed}")


def scrypt_time(copy):
    source = (copy / "step2_redis_session" / "store.py").read_text()
    namespace = {}
    exec(compile(source, "store.py", "exec"), namespace)  # the patch's own SCRYPT and _hash
    times = []
    for _ in range(20):
        start = time.perf_counter()
        namespace["UserStore"]._hash("123", b"0123456789abcdef", namespace["SCRYPT"])
        times.append(time.perf_counter() - start)
    print(f"05-check-the-password: scrypt {namespace['SCRYPT']}: "
          f"{statistics.median(times) * 1000:.0f} ms a hash (median of 20)")


def verify_time(exercise, copy):
    """How long python -m workshop.verify takes on the answer, as a learner runs it."""
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "workshop.verify", exercise[:2], "--lang", "en"],
                            cwd=copy, capture_output=True, text=True)
    print(f"{exercise}: python -m workshop.verify {exercise[:2]} took "
          f"{time.monotonic() - start:.1f} s, exit status {result.returncode}")


def main():
    exit_unless_installed("redis-server", what="The exercises' costs")
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        redis_server = stack.enter_context(PrivateRedis())
        admin = redis.Redis(port=redis_server.port)
        step2_costs("step 2 as it is", ROOT, redis_server.url, admin)
        for exercise in sorted(path.name for path in (ROOT / "exercises").glob("*/check.py")
                               for path in [path.parent]):
            copy = patched_copy(exercise, workdir / exercise)
            if exercise in ("01-idle-timeout", "02-log-out-everywhere", "05-check-the-password",
                            "07-rate-limit-the-login"):
                step2_costs(exercise, copy, redis_server.url, admin)
            verify_time(exercise, copy)
        scrypt_time(workdir / "05-check-the-password")


if __name__ == "__main__":
    main()
