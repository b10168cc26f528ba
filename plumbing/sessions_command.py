"""``python -m step2_redis_session sessions [ID | --clear]``: the store, without redis-cli.

Plumbing, not the lesson: what ``redis-cli keys``, ``get`` and ``ttl`` would show,
and a reset for a workshop room (``--clear``).
"""

import os
import sys

import redis

from step2_redis_session.store import KEY_PREFIX

from .connection import CLIENT_ERRORS, cannot_reach, connect
from .redis_url import redacted


#: Keys per round trip: SCAN asks for this many, and one pipeline reads them.
BATCH = 1000


def show_sessions(url, sid, cluster):
    """Print one session, or all of them, with their time to live, as redis-cli would.

    The listing streams: each batch of keys that SCAN finds is read in one round
    trip (a pipeline of GET and TTL) and printed at once, so the first lines come
    at once on a store of millions; it is in SCAN's order, not sorted. On a
    cluster, SCAN goes to every master. Keys and values are printed one line
    each, odd bytes and control characters escaped: anyone who can write to Redis
    must not be able to write to your terminal too. Ctrl+C stops it quietly.
    """
    shown = redacted(url)
    prefix = KEY_PREFIX.encode()
    printed = 0
    try:
        client = connect(url, cluster)
        keys = ([prefix + sid.encode("utf-8", "surrogateescape")] if sid
                else client.scan_iter(match=prefix + b"*", count=BATCH))
        for batch in batches(keys):
            for key, ttl, value in rows(client, batch):
                print(f"{printable(key)}  (expires in {ttl} s)\n  {printable(value)}")
                printed += 1
            sys.stdout.flush()
    except CLIENT_ERRORS as exc:
        sys.exit(cannot_reach(url, exc))
    except KeyboardInterrupt:
        sys.exit(130)  # what a shell expects after Ctrl+C, and no traceback
    except BrokenPipeError:
        # The reader left early (sessions | head -1): that is not an error. Point
        # stdout at nothing, so that Python's own flush at exit stays quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    if not printed:
        sys.exit(f"No session {printable(KEY_PREFIX.encode() + sid.encode())} in {shown}." if sid
                 else f"No sessions in {shown} yet. Log in on the page first.")


def batches(keys):
    batch = []
    for key in keys:
        batch.append(key)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def rows(client, keys):
    """(key, ttl, value) for each key that is still there, in one round trip (two if a key
    holds a list or a hash, whose type is asked for)."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.get(key)
        pipe.ttl(key)
    answers = pipe.execute(raise_on_error=False)
    values, ttls = answers[0::2], answers[1::2]
    odd = [key for key, value in zip(keys, values) if isinstance(value, redis.ResponseError)]
    kinds = dict(zip(odd, types_of(client, odd))) if odd else {}
    for key, value, ttl in zip(keys, values, ttls):
        if key in kinds:  # WRONGTYPE: a list or a hash, not a session
            value = f"(not a session: a {kinds[key].decode()})".encode()
        if value is not None:  # a key may expire mid-listing
            yield key, ttl, value


def types_of(client, keys):
    """The type of each key, in one round trip."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
    return pipe.execute()


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
        sys.exit(cannot_reach(url, exc))
    print(f"Deleted {deleted} session{'' if deleted == 1 else 's'} ({KEY_PREFIX}* keys) "
          f"from {shown}.")


def printable(data):
    """Bytes from Redis as text on one line: bytes that are not UTF-8, and control
    characters (a newline, an escape sequence), written as escapes."""
    text = data.decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode()
                   for char in text)
