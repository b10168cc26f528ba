"""Step 2's web app: step 1's app, with the session moved into Redis.

The same three routes, answers and cookie name as step 1. What changed is the
session handling (``session.RedisSession`` with a ``store.RedisStore``), what
a login stores (no password), and that a Redis outage answers 503.
"""

import re
import time
from pathlib import Path
from urllib.parse import parse_qs

from bottle import Bottle, HTTPError, request, response

from .faults import RedisFaults

LOGIN_PAGE = Path(__file__).resolve().parent.parent / "shared" / "login.html"
# What the page says at its top, so that the two steps' tabs can be told apart.
STEP_LINE = "第 2 步：session 在 Redis 里 (step 2: the session lives in Redis)"

# Limits on what a login may send: step 1's, where they keep the cookie under
# the 4096 bytes that browsers accept. Here the cookie is a 22-character id
# whatever the name, and the limits keep each entry in Redis small.
MAX_FORM_BYTES = 8 * 1024
FIELD_LIMITS = {"usr": 64, "psd": 128}
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")
# The article's three answers, word for word.
FIRST_LOGIN, WELCOME, LOGGED_OUT = "您第一次登录系统", "欢迎，{}", "已退出登录 (logged out)"


def create_app(sessions):
    """The workshop's app, keeping its sessions with ``sessions`` (a RedisSession)."""
    app = Bottle()
    app.default_error_handler = plain_text_error
    app.add_hook("after_request", mark_the_answer)
    app.install(RedisFaults())

    @app.get("/", skip=[RedisFaults.name])  # the page needs no session, so no Redis
    def login_page():
        # Read on every request, like the article's readFileSync, so that an
        # edit to the page shows on reload. Serving the page starts no session.
        response.content_type = "text/html; charset=utf-8"
        return LOGIN_PAGE.read_text("utf-8").replace("<!-- step -->", STEP_LINE)

    @app.post("/login")
    def login():
        usr, psd = read_login_form()
        session = sessions.load(request)
        response.content_type = "text/plain; charset=utf-8"
        if session.get("usr"):
            return WELCOME.format(session["usr"])
        # Unlike step 1, no password: a session store is no place for a secret,
        # and nothing here needs it again. The login time is there to look at.
        login_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        sessions.save(request, response, {"usr": usr, "login_at": login_at})
        return FIRST_LOGIN

    @app.post("/logout")
    def logout():
        sessions.clear(request, response)
        response.content_type = "text/plain; charset=utf-8"
        return LOGGED_OUT

    return app


def read_login_form():
    """The form's usr and psd, or an HTTPError (4xx) that says what is wrong."""
    if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HTTPError(415, "Send the login as a form: application/x-www-form-urlencoded.")
    # "Smaller than", as waitress counts: the server and the app refuse the same sizes.
    too_large = HTTPError(413, f"The form must be smaller than {MAX_FORM_BYTES} bytes.")
    if request.content_length >= MAX_FORM_BYTES:  # refused before a byte of it is read
        raise too_large
    body = request.body.read(MAX_FORM_BYTES)
    if len(body) >= MAX_FORM_BYTES:  # a chunked body has no Content-Length to check first
        raise too_large
    try:
        # Browsers percent-encode; curl -d sends UTF-8 as it is. Both are fine.
        form = parse_qs(body.decode("utf-8"), encoding="utf-8", errors="strict")
    except UnicodeDecodeError:  # bad UTF-8, raw or behind %XX
        raise HTTPError(400, "The form is not valid URL-encoded UTF-8.") from None
    values = []
    for name, limit in FIELD_LIMITS.items():
        given = form.get(name, [])  # parse_qs drops blank fields
        if len(given) != 1 or not given[0].strip():
            raise HTTPError(400, f"Give exactly one non-blank {name}.")
        if len(given[0]) > limit:
            raise HTTPError(400, f"{name} is longer than {limit} characters.")
        if CONTROL_CHARACTER.search(given[0]):  # a newline or an escape, echoed in the greeting
            raise HTTPError(400, f"{name} holds a control character.")
        values.append(given[0])
    return values


def mark_the_answer():
    """Headers for every answer: none may be sniffed as HTML, none but the page may be cached.

    The greeting echoes a name the client chose (in step 1, straight from the
    cookie): nosniff keeps a browser from ever taking that text for HTML. Every
    answer of /login and /logout, and every error, depends on the session or
    the request: a cache in between (a proxy that caches POSTs, say) must never
    hand 张三's greeting, or his cookie, to the next browser that asks.
    """
    response.set_header("X-Content-Type-Options", "nosniff")
    if request.path != "/" or response.status_code >= 400:
        response.set_header("Cache-Control", "no-store")


def plain_text_error(error):
    """Every error as one short line of text, not Bottle's HTML page.

    Bottle's 404 quotes the path, which the client chose: it is cut short, and
    kept to one line.
    """
    response.content_type = "text/plain; charset=utf-8"
    text = " ".join(f"{error.status_line}: {error.body}".split())
    return text if len(text) <= 200 else text[:199] + "…"
