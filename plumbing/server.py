"""The server around the lesson: waitress, a line per request, and how a step starts.

Both steps start through ``start``: the step's __main__.py gives its own options
and what it builds (the session and the app), and this module adds the server's
options, binds, says what was built, and serves. Nothing here is about where the
session lives: that is each step's session.py's job.

waitress is a threaded WSGI server. Bottle's built-in server handles one
connection at a time, and a browser opens several.
"""

import argparse
import errno
import logging
import os
import sys
import threading
import time
from urllib.parse import quote

import waitress

from . import reloader

#: Worker threads: how many requests may wait on the session's store at once
#: (waitress's default is 4).
THREADS = 8
#: Seconds a thread may keep the GIL while others wait (CPython's default is 0.005).
SWITCH_INTERVAL = 0.0002
#: A connection that sends nothing for this many seconds is closed (waitress: 120).
IDLE_CONNECTION = 20
#: Seconds between two log lines of the same kind: a log that cannot flood.
LOG_EVERY = 60.0


def add_server_arguments(parser):
    """The options that both steps take: --host, --port, --quiet and --reload."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=os.environ.get("PORT", "4000"),
                        help="default: $PORT, else 4000")
    parser.add_argument("--quiet", action="store_true", help="print no line per request")
    parser.add_argument("--reload", action="store_true",
                        help="start again after each save under the step folders (Ctrl+C to stop)")


def start(prog, description, add_options, build, max_body, argv=None, wrap=None):
    """Step 1's start: its options and the server's, then build(args) -> (app, banner line), served.

    wrap, when given, is a caller's WSGI middleware around the app (python -m workshop.coach).
    """
    # allow_abbrev=False: as step 2's (plumbing/redis_step.py), for --reload's sake.
    parser = argparse.ArgumentParser(prog=prog, description=description, allow_abbrev=False)
    add_server_arguments(parser)
    add_options(parser)
    args = parser.parse_args(argv)
    if reloader.in_child():  # the watcher stops this process with SIGINT
        reloader.as_child()
    elif args.reload:
        return reloader.supervise()
    app, line = build(args)
    server = bind(wrap(app) if wrap else app, args, max_body)
    serve(server, args, [line])


def bind(app, args, max_body):
    """A waitress server for app on --host and --port, or exit with one line that says why not.

    It logs a line per request unless --quiet, and refuses a body of max_body
    bytes or more. Nothing is served until serve().
    """
    try:
        return waitress.create_server(
            app if args.quiet else request_log(app), host=args.host, port=args.port,
            threads=THREADS,
            # The server itself refuses a body too large for any login form, before
            # buffering it; the app checks again, for servers that do not.
            max_request_body_size=max_body,
            # Closes a silent connection, checked every 5 s. A client that trickles a
            # byte at a time is not stopped by this: see "Slow clients" in
            # docs/bad-input-and-faults.md.
            channel_timeout=IDLE_CONNECTION, cleanup_interval=5)
    except OSError as exc:
        hint = {errno.EADDRINUSE: "Is another step still running? Stop it, or pick another --port.",
                errno.EADDRNOTAVAIL: "That address is not one of this machine's. Check --host.",
                errno.EACCES: "Ports below 1024 need root. Pick another --port."}
        sys.exit(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}. "
                 f"{hint.get(exc.errno, 'Check --host and --port.')}")
    except ValueError:  # what waitress raises for a --host that does not resolve
        sys.exit(f"Cannot listen on {args.host}:{args.port}: no such address. Check --host.")


def serve(server, args, banner):
    """Print the banner lines and the address to open, then serve until Ctrl+C."""
    # Threads and the GIL. A worker thread that waits on a socket (a store on
    # another server, say) lets go of the GIL. When the answer comes, it must win
    # the GIL back from a thread that is busy computing, and that thread keeps it
    # for up to the switch interval: 5 ms by default, many times a round trip on
    # one machine. With many clients some thread is always computing, so every
    # wait cost about 5 ms. A short interval keeps that wait short (measured in
    # docs/measurements.md).
    sys.setswitchinterval(SWITCH_INTERVAL)
    warn_once_a_minute(logging.getLogger("waitress"))
    opening = f"Open {address_to_open(args.host, args.port)} and press Ctrl+C to stop."
    for line in [*banner, opening]:
        print(line, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


class OnceAMinute:
    """The log's throttle: ``first(kind)`` is True for the first line of each kind in LOG_EVERY s.

    A fault that repeats on every request, or a warning that waitress gives for
    every queued request, would otherwise bury the lines that matter.
    """

    def __init__(self, clock=time.monotonic):
        self._clock, self._lock, self._last = clock, threading.Lock(), {}

    def first(self, kind):
        with self._lock:
            now = self._clock()
            if now - self._last.get(kind, -LOG_EVERY) < LOG_EVERY:
                return False
            self._last[kind] = now
            return True


def warn_once_a_minute(logger):
    """Print each kind of the logger's warnings at most once a minute, on stderr.

    Under load waitress warns "Task queue depth is N" for every request that
    waits, while it holds its task queue's lock: a flood that hides the lines
    that matter. Filtering the lines is not enough, because the record is built
    before any filter sees it. So after each queue warning its logger is turned
    off for a minute, and a call to it costs one check of a flag.
    """
    once = OnceAMinute()

    def first_in_a_minute(record):
        if not once.first(record.msg):
            return False
        if record.name == "waitress.queue":
            mute_for_a_while(logging.getLogger(record.name))
        return True

    handler = logging.StreamHandler()
    handler.addFilter(first_in_a_minute)
    logger.addHandler(handler)
    logger.propagate = False


def mute_for_a_while(logger):
    """Turn the logger off now, and on again after LOG_EVERY seconds."""
    logger.disabled = True
    timer = threading.Timer(LOG_EVERY, setattr, (logger, "disabled", False))
    timer.daemon = True  # Ctrl+C must not wait for it
    timer.start()


def request_log(app, out=None):
    """WSGI middleware: one line per request, in the spirit of koa-logger, and the session's part.

        POST /login 200 1.2 ms  session: new

    The session's part comes from the session object (see note_event in
    session.py), and, when the session has a store, the commands it sent there.
    The path is printed percent-encoded, so that no request can write odd bytes
    or fake lines into the log. Nothing from the form is printed: it holds a
    password.
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
        if "session.commands" in environ:
            line += f" ({', '.join(environ['session.commands'])})"
        print(line, file=out or sys.stdout, flush=True)
        return body
    return logged


def port_number(text):
    """argparse type: a TCP port from 1 to 65535."""
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (1-65535)")
    return port


def address_to_open(host, port):
    """The URL to open in a browser for the address the server listens on."""
    if host in ("127.0.0.1", "0.0.0.0"):
        host = "localhost"
    elif ":" in host:  # IPv6: "::" listens on IPv6 only, so open its loopback
        host = "[::1]" if host in ("::", "::1") else f"[{host}]"
    return f"http://{host}:{port}/"
