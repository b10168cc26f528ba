"""Start step 1: ``python -m step1_cookie_session`` (``--help`` lists every option).

Top to bottom: step 1's own options, then what it builds: the session, kept in
the cookie itself, and the app around it. The server (--host, --port, --quiet)
is the same for both steps and is not the lesson: plumbing/server.py.
"""

import os
import sys

from plumbing.server import start

from .app import MAX_FORM_BYTES, create_app
from .session import CookieSession


def add_options(parser):
    """Step 1's own options."""
    parser.add_argument("--signed", action="store_true",
                        help="add a bottle.sess.sig cookie, an HMAC keyed by $SESSION_SECRET")


def build(args):
    """The session and the app, and the line that says which session it is."""
    # The session: the cookie itself, signed or not.
    secret = os.environ.get("SESSION_SECRET", "")
    if args.signed and len(secret.strip()) < 32:
        # No silent random secret: it would change on every restart and differ
        # between processes, and sessions would vanish without a word.
        sys.exit("--signed needs SESSION_SECRET of 32 characters or more, not counting spaces "
                 "at the ends, for example:\n"
                 "  export SESSION_SECRET=$(python -c 'import secrets; print(secrets.token_hex(32))')")
    sessions = CookieSession(signed=args.signed, secret=secret or None)
    mode = "signed" if args.signed else "unsigned, as in the article"
    return create_app(sessions), f"Step 1: the session lives in the cookie ({mode})."


def main(argv=None, wrap=None):
    start("python -m step1_cookie_session",
          "Step 1 of the sessions workshop: the session lives in the cookie.",
          add_options, build, MAX_FORM_BYTES, argv, wrap)


if __name__ == "__main__":
    main()
