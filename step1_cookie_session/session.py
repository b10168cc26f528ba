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
import time


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
        note(request, "read" if session else "none")
        return session

    def _read(self, request):
        value = read_cookie(request, self.key)
        if not value:
            return {}
        if self.signed and not self._signature_matches(
                value, read_cookie(request, self.key + ".sig") or ""):
            return {}
        session = decode(value)
        if session is None:
            return {}
        expire = session.pop("_expire", None)
        session.pop("_maxAge", None)
        # "not >" also turns away NaN, strings and a missing stamp.
        if not (isinstance(expire, (int, float)) and expire > time.time() * 1000):
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
        note(request, "new")

    def clear(self, request, response):
        """Tell the browser to drop the session cookie (Max-Age=0)."""
        self._set_cookie(response, self.key, self._clear_attrs)
        if self.signed:
            self._set_cookie(response, self.key + ".sig", self._clear_attrs)
        note(request, "cleared")

    @staticmethod
    def _set_cookie(response, name, value_and_attrs):
        response.add_header("Set-Cookie", f"{name}={value_and_attrs}")
        # A shared cache must never hand one user's session cookie to another.
        response.set_header("Cache-Control", "no-store")

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
        session = json.loads(base64.b64decode(value.encode("ascii"), validate=True))
        # JSON may spell a lone UTF-16 surrogate ("\ud800"), which is no text at
        # all: a greeting holding one could not be sent. Such a session is malformed.
        json.dumps(session, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        # ValueError covers bad base64, non-ASCII text, bad UTF-8, bad JSON and
        # surrogates; RecursionError a value such as "[[[[…" nested a thousand deep.
        return None
    return session if isinstance(session, dict) else None


def note(request, event):
    """Tell the request log (see __main__.py) what this request did to the session."""
    request.environ["session.event"] = event


def read_cookie(request, name):
    """The value of one cookie in the request's Cookie header, or None.

    Parsed here, as browsers send it ("a=1; b=2"), from the raw header. Bottle's
    request.cookies would raise on a cookie name that the standard library
    dislikes (say "a@b"), and its get_header on bytes that are not UTF-8; another
    app on the same host may well set such a cookie.
    """
    for pair in request.environ.get("HTTP_COOKIE", "").split(";"):
        key, _, value = pair.strip().partition("=")
        if key == name:
            return value
    return None
