"""Start step 1: ``python -m step1_cookie_session [--host H] [--port P] [--signed]``.

The server is waitress, a threaded WSGI server (Bottle's default server handles
one connection at a time, and browsers open several). Step 2 uses the same one,
so that the two steps compare fairly.
"""

import argparse
import os
import sys

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
    args = parser.parse_args(argv)

    secret = os.environ.get("SESSION_SECRET", "")
    if args.signed and len(secret) < 32:
        # No silent random secret: it would change on every restart and differ
        # between processes, and sessions would vanish without a word.
        sys.exit("--signed needs SESSION_SECRET of 32 characters or more, for example:\n"
                 "  export SESSION_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')")
    app = create_app(CookieSession(signed=args.signed, secret=secret or None))

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
    mode = "signed" if args.signed else "unsigned, as in the article"
    print(f"Step 1: the session lives in the cookie ({mode}).", flush=True)
    print(f"Open http://{display_host(args.host)}:{args.port}/ and press Ctrl+C to stop.", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


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
