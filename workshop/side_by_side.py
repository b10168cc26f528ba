"""Both steps at once, in one terminal: python -m workshop.side_by_side [--redis-url URL]

Step 1 listens on port 4000 and step 2 on port 4001. Open step 1 as
http://localhost:4000/ and step 2 as http://127.0.0.1:4001/: browsers keep
cookies per host name and ignore the port, so two ports on one name would share
the bottle.sess cookie and the steps would overwrite each other's. localhost and
127.0.0.1 are two names, and so two cookie jars.

Each step's lines come out prefixed with its name; Ctrl+C stops both. Step 2
takes --redis-url as usual (without one it finds Redis, or embeds one).
"""

import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

URLS = {"step 1": "http://localhost:{port}/", "step 2": "http://127.0.0.1:{port}/"}


def relay(name, stream):
    """Print a step's lines with its name in front, but not its own "Open …" line."""
    for line in stream:
        if not line.startswith("Open http"):
            print(f"[{name}] {line}", end="", flush=True)


def main():
    parser = argparse.ArgumentParser(prog="python -m workshop.side_by_side",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--port-1", type=int, default=4000, help="step 1's port (default 4000)")
    parser.add_argument("--port-2", type=int, default=4001, help="step 2's port (default 4001)")
    parser.add_argument("--redis-url", help="step 2's Redis, as in python -m step2_redis_session")
    args = parser.parse_args()
    # Stopped with SIGTERM (kill, or a test's runner) as with Ctrl+C: stop both steps too,
    # rather than leave them running with nobody to stop them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    redis = ["--redis-url", args.redis_url] if args.redis_url else []
    argv = {"step 1": ["step1_cookie_session", "--port", str(args.port_1)],
            "step 2": ["step2_redis_session", "--port", str(args.port_2), *redis]}
    steps = {name: subprocess.Popen([sys.executable, "-u", "-m", *command], cwd=ROOT, text=True,
                                    encoding="utf-8", stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
             for name, command in argv.items()}
    relays = [threading.Thread(target=relay, args=(name, step.stdout), daemon=True)
              for name, step in steps.items()]
    for thread in relays:
        thread.start()
    ports = {"step 1": args.port_1, "step 2": args.port_2}
    print("Open, in one browser, each at its own host name so that the cookies stay apart:\n"
          + "".join(f"  {name}: {URLS[name].format(port=ports[name])}\n" for name in steps)
          + "Press Ctrl+C to stop both.", flush=True)
    try:
        # Both run until Ctrl+C. If one stops (say, its port is taken), stop the other.
        while all(step.poll() is None for step in steps.values()):
            time.sleep(0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        for step in steps.values():
            step.terminate()
        for thread in relays:
            thread.join(5)
    sys.exit(max(step.wait() for step in steps.values()))


if __name__ == "__main__":
    main()
