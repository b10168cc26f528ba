"""Step 2's session: the cookie carries only an id, and the session lives in Redis.

This is koa-session with the article's two extra options, ``store`` and ``genid``:

    bottle.sess = XkzH8c6Uu7TMRYzZjDTvYi          (the id, and nothing else)
    Redis: SESSION:XkzH8c6Uu7TMRYzZjDTvYi -> {"usr": "张三", ...}

Ids come from ``shortuuid.uuid()``: 22 characters, about 122 random bits. The
article's shortid makes ids of 7 to 14 characters, like ``jrswsw``, and warns
that they are not cryptographically secure. An id is as good as a password
while its session lasts: OWASP asks for at least 64 random bits.

The id is the only thing the server trusts from the browser, so it is strict:
an id it never issued (wrong shape, or not in Redis) is no session, and a
session is always saved under a fresh id. Logging in therefore moves the user
to a new id, and an id planted in a victim's browser before login (session
fixation) is never the one that gets logged in.
"""

import re

import shortuuid

from .app import CONTROL_CHARACTER

ID_SHAPE = re.compile(f"[{re.escape(shortuuid.get_alphabet())}]{{22}}")


class RedisSession:
    """Load, save and clear a session kept in a store, under an id in a cookie.

    ``store`` has koa-session's contract: ``get(id)``, ``set(id, sess, max_age)``
    and ``destroy(id)``. ``genid`` must make ids of ``ID_SHAPE``, as shortuuid does.
    Nothing is written unless the app calls ``save`` or ``clear``, so a request
    that only reads the session costs one GET and sends no Set-Cookie.
    """

    def __init__(self, store, genid=shortuuid.uuid, key="bottle.sess",
                 max_age=86_400_000, httponly=True, samesite="Lax"):
        self.store = store
        self.genid = genid
        self.key = key
        self.max_age = max_age  # milliseconds, as in koa-session
        flags = f"; Path=/{'; HttpOnly' if httponly else ''}; SameSite={samesite}"
        self._set_attrs = f"; Max-Age={max_age // 1000}{flags}"
        self._clear_attrs = f"; Max-Age=0{flags}"

    def load(self, request):
        """The session stored under the request's id, or {} when there is none."""
        sid = self._session_id(request)
        session = {}
        if sid is not None:
            note_command(request, "GET")
            session = self.store.get(sid) or {}
            if not holds_only_text(session):  # written into Redis by someone else
                session = {}
        note_event(request, f"read {sid[:4]}…" if session else "none")
        return session

    def save(self, request, response, session):
        """Store the session under a fresh id, destroy the old one, send the new id."""
        sid = self.genid()
        note_command(request, "SET")
        self.store.set(sid, session, self.max_age)
        old = self._session_id(request)
        if old is not None:
            note_command(request, "DEL")
            self.store.destroy(old)
        self._set_cookie(response, self.key, sid + self._set_attrs)
        note_event(request, f"new {sid[:4]}…")

    def clear(self, request, response):
        """Delete the session from the store, and tell the browser to drop its id."""
        sid = self._session_id(request)
        if sid is not None:
            note_command(request, "DEL")
            self.store.destroy(sid)
        self._set_cookie(response, self.key, self._clear_attrs)
        note_event(request, "cleared")

    def _session_id(self, request):
        # A value of any other shape was never issued here: it need not reach Redis.
        sid = read_cookie(request, self.key)
        return sid if sid and ID_SHAPE.fullmatch(sid) else None

    @staticmethod
    def _set_cookie(response, name, value_and_attrs):
        response.add_header("Set-Cookie", f"{name}={value_and_attrs}")


#: What no text from the form holds: control characters (the form refuses them),
#: and lone UTF-16 surrogates, which JSON can spell ("\ud800") but which are no text.
NOT_TEXT = re.compile(f"{CONTROL_CHARACTER.pattern}|[\ud800-\udfff]")


def holds_only_text(session):
    """True unless a string in the session holds what the form could never have sent.

    The greeting echoes the session's usr. A lone surrogate cannot be sent as
    UTF-8 at all, and an escape sequence (ESC, BEL, CR LF) would rewrite the
    terminal of a learner who replays the cookie with curl. An edited usr such
    as "admin" is still believed: that is the lesson.
    """
    values = [session]
    while values:  # a loop, not recursion: the JSON may be nested deeply
        value = values.pop()
        if isinstance(value, dict):
            values.extend(value)
            values.extend(value.values())
        elif isinstance(value, list):
            values.extend(value)
        elif isinstance(value, str) and NOT_TEXT.search(value):
            return False
    return True


def note_event(request, event):
    """Tell the request log (see plumbing/server.py) what this request did to the session."""
    request.environ["session.event"] = event


def note_command(request, command):
    """Tell the request log which Redis command this request sends, before it is sent.

    Commands add up in the order sent, and a command that fails is logged too:
    the log says what was asked of Redis, not what Redis did.
    """
    request.environ.setdefault("session.commands", []).append(command)


def read_cookie(request, name):
    """The value of one cookie in the request's Cookie header, or None.

    Parsed here, as browsers send it ("a=1; b=2"), from the raw header. Bottle's
    request.cookies would raise on a cookie name that the standard library
    dislikes (say "a@b"), and its get_header on bytes that are not UTF-8; another
    app on the same host may well set such a cookie.
    """
    # Pairs are split at ";" as browsers send them, and at "," too: waitress joins
    # two Cookie header lines with ", ", and no cookie value may hold a comma.
    for pair in re.split("[;,]", request.environ.get("HTTP_COOKIE", "")):
        key, _, value = pair.strip().partition("=")
        if key == name:  # the first one wins, as in koa-session
            return value
    return None
