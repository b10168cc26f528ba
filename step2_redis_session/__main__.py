"""Start step 2, or look into its store.

    python -m step2_redis_session [--host H] [--port P] [--redis-url URL] [--redis-cluster]
                                  [--embedded-redis] [--quiet]
    python -m step2_redis_session sessions [ID] [--redis-url URL] [--redis-cluster]

Redis is found at --redis-url, else $REDIS_URL, else redis://127.0.0.1:6379/0.
When no URL was given and nothing answers at the default, or with
--embedded-redis, the server starts fakeredis inside this process, at that
address, so that a learner without Redis can still follow step 2. A URL that
was given and cannot be reached is an error: that is a Redis you meant to use.
A password in the URL is never printed. With --redis-cluster (or
REDIS_CLUSTER=1), the URL names one node of a Redis Cluster.

The server is waitress, as in step 1, so that the two steps compare fairly.
"""

import argparse
import errno
import logging
import os
import sys
import threading
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import redis
import waitress
from fakeredis import TcpFakeServer
from redis.connection import parse_url

from .app import MAX_FORM_BYTES, create_app
from .faults import GuardedStore
from .session import RedisSession
from .store import KEY_PREFIX, RedisStore, connect

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# What a Redis client may raise: redis-py's cluster client has an error of its own.
CLIENT_ERRORS = (redis.RedisError, redis.exceptions.RedisClusterException)
USAGE = """python -m step2_redis_session [--host H] [--port P] [--redis-url URL] [--redis-cluster]
                                         [--embedded-redis] [--quiet]
       python -m step2_redis_session sessions [ID] [--redis-url URL] [--redis-cluster]"""


def main(argv=None):
    args = parse_args(argv)
    url, given = redis_url(args.redis_url)
    shown = redacted(url)
    cluster = args.redis_cluster or os.environ.get("REDIS_CLUSTER") == "1"
    if args.command == "sessions":
        show_sessions(url, args.id, cluster)
        return
    if args.embedded_redis:
        check_embeddable(url, cluster)
    try:
        client = connect(url, cluster)  # a cluster client asks the node for the others now
    except CLIENT_ERRORS as exc:
        sys.exit(f"Cannot reach the Redis Cluster at {shown}: {exc}")
    app = create_app(RedisSession(GuardedStore(RedisStore(client))))
    # Listen first: a port that is taken is the likelier mistake, and it should
    # be the only thing said, before any Redis is started.
    server = listen(app if args.quiet else request_log(app), args.host, args.port)
    if args.embedded_redis or not redis_answers(client, shown, given or cluster):
        start_embedded_redis(url)
    where = "the Redis Cluster" if cluster else "Redis"
    print(f"Step 2: the cookie holds an id; the session lives in {where} at {shown}.", flush=True)
    print(f"Open http://{display_host(args.host)}:{args.port}/ and press Ctrl+C to stop.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m step2_redis_session", usage=USAGE,
        description="Step 2 of the sessions workshop: the session lives in Redis.")
    url_help = f"default: $REDIS_URL, else {DEFAULT_REDIS_URL}"
    parser.add_argument("--redis-url", help=url_help)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=os.environ.get("PORT", "4000"),
                        help="default: $PORT, else 4000")
    parser.add_argument("--redis-cluster", action="store_true",
                        help="the URL names a node of a Redis Cluster (or: REDIS_CLUSTER=1)")
    parser.add_argument("--embedded-redis", action="store_true",
                        help="run an in-process Redis (fakeredis) at the Redis URL's address")
    parser.add_argument("--quiet", action="store_true",
                        help="print no line per request")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="")
    sessions = commands.add_parser(
        "sessions", help="list the sessions in Redis, or show one (no redis-cli needed)")
    sessions.add_argument("id", nargs="?", help="a session id, as in the bottle.sess cookie")
    # SUPPRESS: without it, this default would overwrite a --redis-url given before "sessions".
    sessions.add_argument("--redis-url", default=argparse.SUPPRESS, help=url_help)
    sessions.add_argument("--redis-cluster", action="store_true", default=argparse.SUPPRESS,
                          help="the URL names a node of a Redis Cluster")
    args = parser.parse_args(argv)
    args.id = getattr(args, "id", None)
    return args


def redis_url(option):
    """(the Redis URL to use, whether the user gave it); exit with one line if it is unusable."""
    if option is not None:
        given, source = option, "--redis-url"
    elif "REDIS_URL" in os.environ:
        given, source = os.environ["REDIS_URL"], "REDIS_URL"
    else:
        return DEFAULT_REDIS_URL, False
    if not given.strip():
        sys.exit(f"{source} is empty. Give a URL such as {DEFAULT_REDIS_URL}, "
                 f"or leave {source} out to use that one.")
    try:
        parse_url(given)
        urlsplit(given).port  # reading the port raises on one outside 0-65535
    except ValueError as exc:
        if "@" in given or "password" in given:
            # A password with an unescaped / # ? or @ is what broke it, and the
            # error would quote part of it: say nothing of this URL's text.
            sys.exit("Not a Redis URL, and it holds a password, so it is not shown. Use "
                     "redis://:password@host:port/db, with / # ? @ in the password "
                     "written %2F %23 %3F %40.")
        sys.exit(f"Not a Redis URL: {given} ({exc}). Use redis://host:port/db.")
    return given, True


def redacted(url):
    """The URL with its password, if any, replaced by ***: fit to print.

    redis-py takes a password in two places: redis://user:password@host/ and
    redis://host/?password=…; both are hidden.
    """
    parts = urlsplit(url)
    if parts.password is not None:
        user = quote(parts.username or "", safe="")
        parts = parts._replace(netloc=f"{user}:***@{parts.netloc.rpartition('@')[2]}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "password" for name, _ in query):
        hidden = [(name, "***" if name == "password" else value) for name, value in query]
        parts = parts._replace(query=urlencode(hidden, safe="*"))
    return parts.geturl()


def check_embeddable(url, cluster):
    """Exit with one line if the embedded Redis could not serve url."""
    if cluster:
        sys.exit("--embedded-redis is one Redis, not a cluster: leave out --redis-cluster.")
    parts = urlsplit(url)
    if parts.scheme != "redis" or parts.username or parts.password:
        sys.exit(f"--embedded-redis serves plain redis://host:port/db with no password, "
                 f"not {redacted(url)}.")


def redis_answers(client, shown, given):
    """True if Redis answers; if not, exit when the user named it, else say so."""
    try:
        client.ping()
        return True
    except redis.RedisError as exc:
        if given:
            sys.exit(f"Cannot reach Redis at {shown}: {exc}")
    print(f"No Redis answers at {shown}.", flush=True)
    return False


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
        banner.append(f"             --redis-url {redacted(url)}")
    width = max(map(len, banner))
    print("\n".join(["*" * (width + 4), *(f"* {line:<{width}} *" for line in banner),
                     "*" * (width + 4)]), flush=True)


def show_sessions(url, sid, cluster):
    """Print one session, or all of them, with their time to live, as redis-cli would.

    On a cluster, SCAN goes to every master, so the listing covers them all.
    Keys and values are printed one line each, odd bytes and control characters
    escaped: anyone who can write to Redis must not be able to write to your
    terminal too.
    """
    shown = redacted(url)
    prefix = KEY_PREFIX.encode()
    try:
        client = connect(url, cluster)
        keys = [prefix + sid.encode("utf-8", "surrogateescape")] if sid else sorted(
            client.scan_iter(prefix + b"*"))
        rows = []
        for key in keys:
            try:
                rows.append((key, client.ttl(key), client.get(key)))
            except redis.ResponseError:  # WRONGTYPE: a list or a hash, not a session
                kind = client.type(key).decode()
                rows.append((key, client.ttl(key), f"(not a session: a {kind})".encode()))
    except CLIENT_ERRORS as exc:
        sys.exit(f"Cannot reach Redis at {shown}: {exc}")
    rows = [row for row in rows if row[2] is not None]  # a key may expire mid-listing
    if not rows:
        sys.exit(f"No session {printable(keys[0])} in {shown}." if sid
                 else f"No sessions in {shown} yet. Log in on the page first.")
    try:
        for key, ttl, value in rows:
            print(f"{printable(key)}  (expires in {ttl} s)\n  {printable(value)}")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left early (sessions | head -1): that is not an error. Point
        # stdout at nothing, so that Python's own flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def printable(data):
    """Bytes from Redis as text on one line: bytes that are not UTF-8, and control
    characters (a newline, an escape sequence), written as escapes."""
    text = data.decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode()
                   for char in text)


def listen(app, host, port):
    """A waitress server bound to host:port, or exit with one line that says why not."""
    warn_once_a_minute(logging.getLogger("waitress"))
    # Threads and the GIL. A worker thread that waits on a socket (step 2's
    # Redis reply, or any other store) lets go of the GIL; when the reply comes
    # it must win the GIL back from a thread that is busy computing, and that
    # thread keeps it for up to the switch interval: 5 ms by default, a hundred
    # times a Redis round trip. With many clients someone is always computing,
    # so every round trip cost about 5 ms and step 2 collapsed. A 0.2 ms switch
    # interval keeps that wait short, and 8 threads let more requests wait on a
    # store at once (see "Step 2 under load" in the README).
    sys.setswitchinterval(0.0002)
    try:
        return waitress.create_server(
            app, host=host, port=port, threads=8,
            # The server itself refuses a body too large for any login form, before
            # buffering it; the app checks again for servers that do not.
            max_request_body_size=MAX_FORM_BYTES,
            # A connection that sends nothing for 20 s is closed (waitress's
            # default is 120 s), checked every 5 s. A client that trickles a byte
            # at a time is not stopped by this: see "Slowloris" in the README.
            channel_timeout=20, cleanup_interval=5)
    except OSError as exc:
        hint = {errno.EADDRINUSE: "Is another step still running? Stop it, or pick another --port.",
                errno.EADDRNOTAVAIL: "That address is not one of this machine's. Check --host.",
                errno.EACCES: "Ports below 1024 need root. Pick another --port."}
        sys.exit(f"Cannot listen on {host}:{port}: {exc.strerror}. "
                 f"{hint.get(exc.errno, 'Check --host and --port.')}")
    except ValueError:  # what waitress raises for a --host that does not resolve
        sys.exit(f"Cannot listen on {host}:{port}: no such address. Check --host.")


def warn_once_a_minute(logger):
    """Print each kind of the logger's warnings at most once a minute, on stderr.

    Under load waitress warns "Task queue depth is N" for every request that
    waits, and at its connection limit for every connection it turns away: a
    flood that hides the lines that matter, and costs a write per request.
    """
    last_printed = {}

    def first_in_a_minute(record):
        now = time.monotonic()
        if now - last_printed.get(record.msg, -60.0) < 60:
            return False
        last_printed[record.msg] = now
        return True

    handler = logging.StreamHandler()
    handler.addFilter(first_in_a_minute)
    logger.addHandler(handler)
    logger.propagate = False


def request_log(app, out=None):
    """WSGI middleware: one line per request, in the spirit of koa-logger, and the session's part.

        POST /login 200 1.2 ms  session: new Ab3x… (SET)

    The session part comes from the session object (see session.note). The path
    is printed percent-encoded, so that no request can write odd bytes or fake
    lines into the log. Nothing from the form is printed: it holds a password.
    """
    def logged(environ, start_response):
        start, status = time.perf_counter(), []
        # Read before the app runs: Bottle rewrites PATH_INFO as it routes.
        path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/")

        def keep_status(line, headers, exc_info=None):
            status.append(line.split()[0])
            return start_response(line, headers, exc_info)

        body = app(environ, keep_status)
        line = (f"{environ['REQUEST_METHOD']} {path} {status[0]} "
                f"{(time.perf_counter() - start) * 1000:.1f} ms  "
                f"session: {environ.get('session.event', 'none')}")
        if "session.redis" in environ:
            line += f" ({', '.join(environ['session.redis'])})"
        print(line, file=out or sys.stdout, flush=True)
        return body
    return logged


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
