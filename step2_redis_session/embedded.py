"""The embedded Redis: fakeredis inside step 2's process, for a learner without Redis.

It serves the Redis protocol at the URL's address, so that redis-cli and the
``sessions`` command can look into it as into a real Redis. Its data lives only
as long as the process. Plumbing, not the lesson.
"""

import sys
import threading
from urllib.parse import urlsplit

from fakeredis import TcpFakeServer

from .redis_url import DEFAULT_URL, redacted
from .store import KEY_PREFIX


def check_embeddable(url, cluster):
    """Exit with one line if the embedded Redis could not serve url."""
    if cluster:
        sys.exit("--embedded-redis is one Redis, not a cluster: leave out --redis-cluster.")
    parts = urlsplit(url)
    if parts.scheme != "redis" or parts.username or parts.password:
        sys.exit(f"--embedded-redis serves plain redis://host:port/db with no password, "
                 f"not {redacted(url)}.")


def start_embedded_redis(url):
    """Serve fakeredis at the URL's address, in a thread of this process; return its banner."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 6379
    try:
        server = TcpFakeServer((host, port), server_type="redis")
        server.daemon_threads = True  # Ctrl+C must not wait for open connections
    except OSError as exc:
        sys.exit(f"Cannot start the embedded Redis on {host}:{port}: {exc.strerror}. "
                 "Pick another address with --redis-url.")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = [
        f"EMBEDDED REDIS (fakeredis) on {host}:{port}.",
        "Its data lives only as long as this process: stop the server and",
        "every session is gone. Install redis-server for the real thing.",
        f"Look inside: redis-cli -p {port} keys '{KEY_PREFIX}*'",
        "         or: python -m step2_redis_session sessions",
    ]
    if url != DEFAULT_URL:
        lines.append(f"             --redis-url {redacted(url)}")
    width = max(map(len, lines))
    return ["*" * (width + 4), *(f"* {line:<{width}} *" for line in lines), "*" * (width + 4)]
