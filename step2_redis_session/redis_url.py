"""Where step 2's Redis is: the URL, checked at start, and never printed with its password.

The URL comes from --redis-url, else $REDIS_URL, else DEFAULT_URL. A URL that the
user named is a Redis they meant to use: if it does not answer, step 2 stops. The
default is only a guess: if nothing answers there, step 2 embeds a Redis of its
own (embedded.py).

Plumbing, not the lesson.
"""

import os
import sys
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from redis.connection import parse_url

DEFAULT_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class RedisUrl:
    """A Redis URL, and whether the user named it (with --redis-url or $REDIS_URL)."""
    text: str
    named: bool


def chosen_redis_url(option):
    """The RedisUrl to use; exit with one line if the one given is unusable."""
    if option is not None:
        text, source = option, "--redis-url"
    elif "REDIS_URL" in os.environ:
        text, source = os.environ["REDIS_URL"], "REDIS_URL"
    else:
        return RedisUrl(DEFAULT_URL, named=False)
    if not text.strip():
        sys.exit(f"{source} is empty. Give a URL such as {DEFAULT_URL}, "
                 f"or leave {source} out to use that one.")
    try:
        parse_url(text)
        urlsplit(text).port  # reading the port raises on one outside 0-65535
    except ValueError as exc:
        if "@" in text or "password" in text:
            # A password with an unescaped / # ? or @ is what broke it, and the
            # error would quote part of it: say nothing of this URL's text.
            sys.exit("Not a Redis URL, and it holds a password, so it is not shown. Use "
                     "redis://:password@host:port/db, with / # ? @ in the password "
                     "written %2F %23 %3F %40.")
        sys.exit(f"Not a Redis URL: {text} ({exc}). Use redis://host:port/db.")
    return RedisUrl(text, named=True)


def redacted(url):
    """The URL with its password, if any, replaced by ***: fit to print.

    redis-py takes a password in two places: redis://user:password@host/ and
    redis://host/?password=…; both are hidden.
    """
    parts = urlsplit(url)
    if parts.password is not None:
        user = quote(parts.username or "", safe="")
        parts = parts._replace(netloc=f"{user}:***@{parts.netloc.rpartition('@')[2]}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "password" for name, _ in query):
        hidden = [(name, "***" if name == "password" else value) for name, value in query]
        parts = parts._replace(query=urlencode(hidden, safe="*"))
    return parts.geturl()
