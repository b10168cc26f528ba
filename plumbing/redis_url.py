"""Where step 2's Redis is: the URL, checked at start, and never printed with its password.

    redis://[user:password@]host:port/db[?option=value…]      one Redis
    rediss://…                                                the same, over TLS
    redis+sentinel://[:password@]host:port[,host:port…]/name[/db]
                                                              the master called name, as the
                                                              Sentinels at those addresses say

The URL comes from --redis-url, else $REDIS_URL, else DEFAULT_URL. A URL that the
user named is a Redis they meant to use: if it does not answer, step 2 stops. The
default is only a guess: if nothing answers there, step 2 embeds a Redis of its
own (embedded.py).

Plumbing, not the lesson.
"""

import os
import re
import sys
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import redis
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
    if text.startswith("redis+sentinel://"):
        try:
            sentinel_parts(text)
        except ValueError as exc:
            sys.exit(f"Not a Sentinel URL: {redacted(text)} ({exc}). "
                     "Use redis+sentinel://host:26379[,host:port…]/master-name[/db].")
        return RedisUrl(text, named=True)
    try:
        parse_url(text)
        if urlsplit(text).port == 0:  # reading the port raises on one outside 0-65535
            raise ValueError("port 0 is no port")
    except ValueError as exc:
        if "@" in text or "password" in text.lower():
            # A password with an unescaped / # ? or @ is what broke it, and the
            # error would quote part of it: say nothing of this URL's text.
            sys.exit("Not a Redis URL, and it holds a password, so it is not shown. Use "
                     "redis://:password@host:port/db, with / # ? @ in the password "
                     "written %2F %23 %3F %40.")
        sys.exit(f"Not a Redis URL: {text} ({exc}). Use redis://host:port/db.")
    unknown = unknown_option(text)
    if unknown:
        # Only the option's name: its value may be a secret (?Password=… is not redis-py's).
        sys.exit(f"The Redis URL has an option that redis-py does not know: {unknown}. "
                 "Known ones include db, password, socket_timeout and max_connections.")
    return RedisUrl(text, named=True)


def unknown_option(url):
    """The name of a query option that redis-py would refuse, or None.

    redis-py passes an option it does not parse through to the connection, which
    raises TypeError only when the first connection is made: build one now, so
    that a mistake is one line at start and not a traceback on the first request.
    """
    try:
        redis.Redis.from_url(url).connection_pool.make_connection()
    except TypeError as exc:
        named = re.search(r"keyword argument '(\w+)'", str(exc))
        return named.group(1) if named else str(exc)
    return None


def redacted(url):
    """The URL with whatever may hold a secret replaced by ***: fit to print.

    redis-py takes a password in two places: redis://user:password@host/ and
    redis://host/?password=…; both are hidden. So is the user slot, because
    redis://S3cretPass@host/ (a password where the user goes) is a common
    mistake, and so is any option spelled password, whatever its case.
    """
    parts = urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        parts = parts._replace(netloc=f"{'***' if user else ''}{colon and ':***'}@{host}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name.lower() == "password" for name, _ in query):
        hidden = [(name, "***" if name.lower() == "password" else value) for name, value in query]
        parts = parts._replace(query=urlencode(hidden, safe="*"))
    return parts.geturl()


def sentinel_parts(url):
    """(the Sentinels' [(host, port)], the master's name, the db, the password) of a
    redis+sentinel:// URL, the spelling that several Redis clients share; or ValueError."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    sentinels = []
    for address in hosts.split(","):
        host, _, port = address.rpartition(":") if ":" in address else (address, "", "26379")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{address!r} is not host:port")
        sentinels.append((host, int(port)))
    names = [name for name in parts.path.split("/") if name]
    if not names or len(names) > 2 or (len(names) == 2 and not names[1].isdigit()):
        raise ValueError("give the master's name, and a db number if not 0")
    if parts.query:
        raise ValueError("a Sentinel URL takes no options")
    password = unquote(userinfo.partition(":")[2]) or None
    return sentinels, names[0], int(names[1]) if len(names) == 2 else 0, password
