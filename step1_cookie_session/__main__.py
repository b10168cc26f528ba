"""Start step 1: ``python -m step1_cookie_session [--host H] [--port P] [--signed] [--quiet]``.

The server is waitress, a threaded WSGI server (Bottle's default server handles
one connection at a time, and browsers open several). Step 2 uses the same one,
so that the two steps compare fairly.
"""

import argparse
import errno
import logging
import os
import sys
import time
from urllib.parse import quote

import waitress

from .app import MAX_FORM_BYTES, create_app
from .session import CookieSession


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m step1_cookie_session",
        description="Step 1 of the sessions workshop: the session lives in the cookie.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=os.environ.get("PORT", "4000"),
                        help="default: $PORT, else 4000")
    parser.add_argument("--signed", action="store_true",
                        help="add a bottle.sess.sig cookie, an HMAC keyed by $SESSION_SECRET")
    parser.add_argument("--quiet", action="store_true",
                        help="print no line per request")
    args = parser.parse_args(argv)

    secret = os.environ.get("SESSION_SECRET", "")
    if args.signed and len(secret.strip()) < 32:
        # No silent random secret: it would change on every restart and differ
        # between processes, and sessions would vanish without a word.
        sys.exit("--signed needs SESSION_SECRET of 32 characters or more, not counting spaces "
                 "at the ends, for example:\n"
                 "  export SESSION_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')")
    app = create_app(CookieSession(signed=args.signed, secret=secret or None))

    server = listen(app if args.quiet else request_log(app), args.host, args.port)
    mode = "signed" if args.signed else "unsigned, as in the article"
    print(f"Step 1: the session lives in the cookie ({mode}).", flush=True)
    print(f"Open http://{display_host(args.host)}:{args.port}/ and press Ctrl+C to stop.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


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
