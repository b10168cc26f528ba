"""Start step 2, or look into its store.

    python -m step2_redis_session [--host H] [--port P] [--redis-url URL] [--embedded-redis]
    python -m step2_redis_session sessions [ID] [--redis-url URL]

Redis is found at --redis-url, else $REDIS_URL, else redis://127.0.0.1:6379/0.
When no URL was given and nothing answers at the default, or with
--embedded-redis, the server starts fakeredis inside this process, at that
address, so that a learner without Redis can still follow step 2. A URL that
was given and cannot be reached is an error: that is a Redis you meant to use.

The server is waitress, as in step 1, so that the two steps compare fairly.
"""

import argparse
import os
import sys
import threading
from urllib.parse import urlsplit

import redis
import waitress
from fakeredis import TcpFakeServer
from redis.connection import parse_url

from .app import MAX_FORM_BYTES, create_app
from .session import RedisSession
from .store import KEY_PREFIX, RedisStore, connect

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def main(argv=None):
    args = parse_args(argv)
    given = args.redis_url or os.environ.get("REDIS_URL")
    url = check_url(given or DEFAULT_REDIS_URL)
    if args.command == "sessions":
        show_sessions(url, args.id)
        return
    client = open_redis(url, explicit=given is not None, embedded=args.embedded_redis)
    app = create_app(RedisSession(RedisStore(client)))

    try:
        # The server itself refuses a body larger than any login form, before
        # buffering it; the app checks again for servers that do not.
        server = waitress.create_server(app, host=args.host, port=args.port,
                                        max_request_body_size=MAX_FORM_BYTES)
    except OSError as exc:
        sys.exit(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}. "
                 "Is another step still running? Stop it, or pick another --port.")
    except ValueError:  # what waitress raises for a --host that does not resolve
        sys.exit(f"Cannot listen on {args.host}:{args.port}: no such address. Check --host.")
    print(f"Step 2: the cookie holds an id; the session lives in Redis at {url}.", flush=True)
    print(f"Open http://{display_host(args.host)}:{args.port}/ and press Ctrl+C to stop.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m step2_redis_session",
        description="Step 2 of the sessions workshop: the session lives in Redis.")
    url_help = f"default: $REDIS_URL, else {DEFAULT_REDIS_URL}"
    parser.add_argument("--redis-url", help=url_help)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=os.environ.get("PORT", "4000"),
                        help="default: $PORT, else 4000")
    parser.add_argument("--embedded-redis", action="store_true",
                        help="run an in-process Redis (fakeredis) at the Redis URL's address")
    commands = parser.add_subparsers(dest="command", metavar="sessions")
    sessions = commands.add_parser(
        "sessions", help="list the sessions in Redis, or show one (no redis-cli needed)")
    sessions.add_argument("id", nargs="?", help="a session id, as in the bottle.sess cookie")
    # SUPPRESS: without it, this default would overwrite a --redis-url given before "sessions".
    sessions.add_argument("--redis-url", default=argparse.SUPPRESS, help=url_help)
    return parser.parse_args(argv)


def check_url(url):
    """The URL, if redis-py can use it; otherwise exit with one line that says why."""
    try:
        parse_url(url)
        urlsplit(url).port  # reading the port raises on one outside 0-65535
    except ValueError as exc:
        sys.exit(f"Not a Redis URL: {url} ({exc}). Use redis://host:port/db.")
    return url


def open_redis(url, explicit, embedded):
    """A client for the Redis at url, starting the embedded one when that is the plan."""
    if not embedded:
        client = connect(url)
        try:
            client.ping()
            return client
        except redis.RedisError as exc:
            if explicit:
                sys.exit(f"Cannot reach Redis at {url}: {exc}")
        print(f"No Redis answers at {url}.")
    start_embedded_redis(url)
    return connect(url)


def start_embedded_redis(url):
    """Serve fakeredis at the URL's address, in a thread of this process."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 6379
    try:
        server = TcpFakeServer((host, port), server_type="redis")
        server.daemon_threads = True  # Ctrl+C must not wait for open connections
    except OSError as exc:
        sys.exit(f"Cannot start the embedded Redis on {host}:{port}: {exc.strerror}. "
                 "Pick another address with --redis-url.")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    banner = [
        f"EMBEDDED REDIS (fakeredis) on {host}:{port}.",
        "Its data lives only as long as this process: stop the server and",
        "every session is gone. Install redis-server for the real thing.",
        f"Look inside: redis-cli -p {port} keys '{KEY_PREFIX}*'",
        "         or: python -m step2_redis_session sessions",
    ]
    if url != DEFAULT_REDIS_URL:
        banner.append(f"             --redis-url {url}")
    width = max(map(len, banner))
    print("\n".join(["*" * (width + 4), *(f"* {line:<{width}} *" for line in banner),
                     "*" * (width + 4)]), flush=True)


def show_sessions(url, sid):
    """Print one session, or all of them, with their time to live, as redis-cli would."""
    client = connect(url)
    try:
        keys = [KEY_PREFIX + sid] if sid else sorted(k.decode() for k in client.scan_iter(KEY_PREFIX + "*"))
        rows = [(key, client.ttl(key), client.get(key)) for key in keys]
    except redis.RedisError as exc:
        sys.exit(f"Cannot reach Redis at {url}: {exc}")
    rows = [row for row in rows if row[2] is not None]  # a key may expire mid-listing
    if not rows:
        sys.exit(f"No session {KEY_PREFIX}{sid} in {url}." if sid
                 else f"No sessions in {url} yet. Log in on the page first.")
    for key, ttl, value in rows:
        print(f"{key}  (expires in {ttl} s)\n  {value.decode('utf-8', 'replace')}")


def port_number(text):
    """argparse type: a TCP port from 1 to 65535."""
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (1-65535)")
    return port


def display_host(host):
    """The name to open in a browser for the address the server listens on."""
    return "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "::1") else host


if __name__ == "__main__":
    main()
