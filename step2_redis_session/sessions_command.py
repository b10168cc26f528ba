"""``python -m step2_redis_session sessions [ID | --clear]``: the store, without redis-cli.

Plumbing, not the lesson: what ``redis-cli keys``, ``get`` and ``ttl`` would show,
and a reset for a workshop room (``--clear``).
"""

import os
import sys

import redis

from .connection import CLIENT_ERRORS, connect
from .redis_url import redacted
from .store import KEY_PREFIX


def show_sessions(url, sid, cluster):
    """Print one session, or all of them, with their time to live, as redis-cli would.

    On a cluster, SCAN goes to every master, so the listing covers them all.
    Keys and values are printed one line each, odd bytes and control characters
    escaped: anyone who can write to Redis must not be able to write to your
    terminal too.
    """
    shown = redacted(url)
    prefix = KEY_PREFIX.encode()
    try:
        client = connect(url, cluster)
        keys = [prefix + sid.encode("utf-8", "surrogateescape")] if sid else sorted(
            client.scan_iter(prefix + b"*"))
        rows = []
        for key in keys:
            try:
                rows.append((key, client.ttl(key), client.get(key)))
            except redis.ResponseError:  # WRONGTYPE: a list or a hash, not a session
                kind = client.type(key).decode()
                rows.append((key, client.ttl(key), f"(not a session: a {kind})".encode()))
    except CLIENT_ERRORS as exc:
        sys.exit(f"Cannot reach Redis at {shown}: {exc}")
    rows = [row for row in rows if row[2] is not None]  # a key may expire mid-listing
    if not rows:
        sys.exit(f"No session {printable(keys[0])} in {shown}." if sid
                 else f"No sessions in {shown} yet. Log in on the page first.")
    try:
        for key, ttl, value in rows:
            print(f"{printable(key)}  (expires in {ttl} s)\n  {printable(value)}")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left early (sessions | head -1): that is not an error. Point
        # stdout at nothing, so that Python's own flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def clear_sessions(url, cluster):
    """Delete every SESSION:* key of the Redis at url, and nothing else; say how many.

    On a cluster, SCAN visits every master, and the client sends each DEL to the
    master that owns the key's slot: keys in different slots cannot share one DEL.
    """
    shown = redacted(url)
    deleted, batch = 0, []
    try:
        client = connect(url, cluster)
        for key in client.scan_iter(match=KEY_PREFIX.encode() + b"*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted, batch = deleted + client.delete(*batch), []
        if batch:
            deleted += client.delete(*batch)
    except CLIENT_ERRORS as exc:
        sys.exit(f"Cannot reach Redis at {shown}: {exc}")
    print(f"Deleted {deleted} session{'' if deleted == 1 else 's'} ({KEY_PREFIX}* keys) "
          f"from {shown}.")


def printable(data):
    """Bytes from Redis as text on one line: bytes that are not UTF-8, and control
    characters (a newline, an escape sequence), written as escapes."""
    text = data.decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode()
                   for char in text)
