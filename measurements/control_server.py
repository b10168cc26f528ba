"""The benchmarks' control: step 1's server, plus one bare Redis GET per request.

It answers "what does one Redis round trip cost any server, inside a request?",
so that step 2 can be compared with that, and not only with a GET in a tight
loop. It runs on step 1's own server settings. It is not part of the workshop:

    python -m measurements.control_server PORT REDIS_URL
"""

import argparse
import sys

from plumbing.connection import connect
from plumbing.server import bind, serve
from step1_cookie_session.app import MAX_FORM_BYTES, create_app
from step1_cookie_session.session import CookieSession
from step2_redis_session.store import KEY_PREFIX


def with_one_get(app, client):
    """The WSGI app, after a GET of a key that is not there, its reply ignored."""
    def wrapped(environ, start_response):
        client.get(KEY_PREFIX + "control")
        return app(environ, start_response)
    return wrapped


if __name__ == "__main__":
    port, redis_url = int(sys.argv[1]), sys.argv[2]
    args = argparse.Namespace(host="127.0.0.1", port=port, quiet=True)
    app = with_one_get(create_app(CookieSession()), connect(redis_url))
    serve(bind(app, args, MAX_FORM_BYTES), args, ["Control: step 1 plus one bare GET per request."])
