"""Step 1's session store: the cookie itself.

This is koa-session with ``signed: false``, the article's first design. The whole
session goes to the browser in one cookie, and comes back with every request:

    bottle.sess = base64( {"usr": "张三", "psd": "123", "_expire": 1764000000000, "_maxAge": 86400000} )

Base64 is an encoding, not a lock. Anyone holding the cookie can read the password
in it, and anyone can write a new one: the server believes whatever comes back.
That is the article's "不安全不灵活", and step 2 is the answer to it.

``signed=True`` is koa-session's other mode: a second cookie, ``bottle.sess.sig``,
carries an HMAC of the first, so an edited value no longer counts. Signing stops
tampering; it does not stop reading.

Two choices differ from koa-session, both so that a learner can decode the cookie
in the browser with ``JSON.parse(atob(value))``:

- The JSON is pure ASCII (张三 is written ``\\u5f20\\u4e09``), because ``atob()``
  returns Latin-1 and would garble raw UTF-8. Reading accepts either form.
- The Set-Cookie header is written here, not by Bottle's ``set_cookie``, which
  would wrap standard base64 (it contains ``=`` and ``/``) in double quotes.
  Every base64 character is allowed in a cookie value by RFC 6265.
"""

import base64
import hashlib
import hmac
import json
import math
import re
import time

from .app import CONTROL_CHARACTER


class CookieSession:
    """Load, save and clear a session that lives entirely in a cookie.

    Nothing is written unless the app calls ``save`` or ``clear``, so a request
    that only reads the session sends no Set-Cookie, as in koa-session.
    """

    def __init__(self, key="bottle.sess", max_age=86_400_000, signed=False,
                 secret=None, httponly=True, samesite="Lax"):
        if signed and not secret:
            raise ValueError("signed=True needs a secret to sign with")
        self.key = key
        self.max_age = max_age  # milliseconds, as in koa-session
        self.signed = signed
        self._secret = secret.encode() if signed else None
        flags = f"; Path=/{'; HttpOnly' if httponly else ''}; SameSite={samesite}"
        self._set_attrs = f"; Max-Age={max_age // 1000}{flags}"
        self._clear_attrs = f"; Max-Age=0{flags}"

    def load(self, request):
        """The session that the request's cookie holds, or {} when it holds none."""
        session = self._read(request)
        note_event(request, "read" if session else "none")
        return session

    def _read(self, request):
        value = read_cookie(request, self.key)
        if not value:
            return {}
        if self.signed and not self._signature_matches(
                value, read_cookie(request, self.key + ".sig") or ""):
            return {}
        session = decode(value)
        if session is None or not holds_only_text(session):
            return {}
        expire = session.pop("_expire", None)
        session.pop("_maxAge", None)
        if not (is_a_time(expire) and expire > time.time() * 1000):
            return {}
        return session

    def save(self, request, response, session):
        """Send the session to the browser: the whole of it, in the cookie."""
        stamped = {**session, "_expire": int(time.time() * 1000) + self.max_age,
                   "_maxAge": self.max_age}
        value = encode(stamped)
        self._set_cookie(response, self.key, value + self._set_attrs)
        if self.signed:
            self._set_cookie(response, self.key + ".sig", self._sign(value) + self._set_attrs)
        note_event(request, "new")

    def clear(self, request, response):
        """Tell the browser to drop the session cookie (Max-Age=0)."""
        self._set_cookie(response, self.key, self._clear_attrs)
        if self.signed:
            self._set_cookie(response, self.key + ".sig", self._clear_attrs)
        note_event(request, "cleared")

    @staticmethod
    def _set_cookie(response, name, value_and_attrs):
        response.add_header("Set-Cookie", f"{name}={value_and_attrs}")

    def _sign(self, value):
        # Like koa-session (via keygrip), sign "name=value", so that a signature
        # cannot be moved onto another cookie.
        mac = hmac.new(self._secret, f"{self.key}={value}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def _signature_matches(self, value, signature):
        # compare_digest takes the same time wherever the first difference is,
        # so the response time leaks nothing about the right signature.
        return hmac.compare_digest(self._sign(value).encode(), signature.encode())


def encode(session):
    """Base64 of the session's JSON, as koa-session writes it (ASCII-only JSON)."""
    text = json.dumps(session, ensure_ascii=True, separators=(",", ":"))
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def decode(value):
    """The JSON object inside a cookie value, or None for anything malformed."""
    try:
        # NaN and Infinity are not JSON, though Python's parser takes them; koa-session's does not.
        session = json.loads(base64.b64decode(value.encode("ascii"), validate=True),
                             parse_constant=not_json)
    except (ValueError, RecursionError):
        # ValueError covers bad base64, non-ASCII text, bad UTF-8 and bad JSON;
        # RecursionError a value such as "[[[[…" nested a thousand deep.
        return None
    return session if isinstance(session, dict) else None


def is_a_time(stamp):
    """Whether _expire is a time: strings, a missing stamp and 1e400 (which JSON reads as
    infinity) are not; nor is a whole number of 400 digits, past what a float holds."""
    try:
        return isinstance(stamp, (int, float)) and math.isfinite(stamp)
    except OverflowError:  # math.isfinite(10 ** 400): too large to be a float
        return False


def not_json(constant):
    raise ValueError(f"{constant} is not JSON")


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
