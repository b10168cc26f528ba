"""Start step 1: ``python -m step1_cookie_session [--host H] [--port P] [--signed] [--quiet]``.

Top to bottom: the arguments, the session, the app, the server.
"""

import argparse
import os
import sys

from .app import create_app
from .plumbing.server import add_server_arguments, bind, serve
from .session import CookieSession


def main(argv=None, wrap=None):
    parser = argparse.ArgumentParser(
        prog="python -m step1_cookie_session",
        description="Step 1 of the sessions workshop: the session lives in the cookie.")
    add_server_arguments(parser)
    parser.add_argument("--signed", action="store_true",
                        help="add a bottle.sess.sig cookie, an HMAC keyed by $SESSION_SECRET")
    args = parser.parse_args(argv)

    # The session: the cookie itself, signed or not.
    secret = os.environ.get("SESSION_SECRET", "")
    if args.signed and len(secret.strip()) < 32:
        # No silent random secret: it would change on every restart and differ
        # between processes, and sessions would vanish without a word.
        sys.exit("--signed needs SESSION_SECRET of 32 characters or more, not counting spaces "
                 "at the ends, for example:\n"
                 "  export SESSION_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')")
    sessions = CookieSession(signed=args.signed, secret=secret or None)

    app = create_app(sessions)
    if wrap:  # a caller's WSGI middleware around the app (python -m workshop.coach)
        app = wrap(app)

    server = bind(app, args)
    mode = "signed" if args.signed else "unsigned, as in the article"
    serve(server, args, [f"Step 1: the session lives in the cookie ({mode})."])


if __name__ == "__main__":
    main()
