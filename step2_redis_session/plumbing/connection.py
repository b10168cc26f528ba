"""How step 2 reaches Redis: one client for the whole process, with timeouts.

Plumbing, not the lesson: the store (store.py) takes whatever client this
module makes, one Redis or a Redis Cluster alike.
"""

import sys

import redis
import redis.sentinel
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

from .redis_url import redacted, sentinel_parts
from .server import THREADS

#: Seconds that one command waits for a Redis that has stopped answering.
COMMAND_TIMEOUT = 0.5
#: One retry lets a pooled connection that Redis closed (say, on a restart)
#: reconnect unseen.
RETRIES = 1
#: The longest that one command can keep a request waiting: every try times out.
WORST_WAIT = COMMAND_TIMEOUT * (1 + RETRIES)
#: What a Redis client may raise: redis-py's cluster client has an error of its own.
CLIENT_ERRORS = (redis.RedisError, redis.exceptions.RedisClusterException)


def connect(url, cluster=False):
    """The process's one Redis client. Its connection pool serves every request.

    The timeouts bound how long a request waits for a Redis that has stopped
    answering (``WORST_WAIT``), so that it gets a 503 instead of hanging.

    With cluster=True, url names any one node of a Redis Cluster, and the client
    finds the others. It sends each key to the master that owns the key's hash
    slot, so sessions spread over the masters. A redis+sentinel:// URL names the
    Sentinels that watch a master. ``RedisStore`` is the same for all three.
    """
    timeouts = {"socket_timeout": COMMAND_TIMEOUT, "socket_connect_timeout": COMMAND_TIMEOUT,
                "retry": Retry(NoBackoff(), RETRIES)}
    if cluster:
        return redis.RedisCluster.from_url(url, **timeouts)
    if url.startswith("redis+sentinel://"):
        # Every new connection asks the Sentinels where the master is now, and a
        # connection to a master that was demoted drops itself: after a failover,
        # the one retry reaches the new master, with no restart.
        sentinels, name, db, password = sentinel_parts(url)
        watchers = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=timeouts)
        return watchers.master_for(name, db=db, password=password, **timeouts)
    # Never fewer connections than the server's threads, which may each need one at
    # once; and a request that finds them all busy waits a moment for one, rather
    # than failing at once as redis-py's default pool does.
    options = parse_url(url)
    options["max_connections"] = pool_size(url)
    return redis.Redis(connection_pool=redis.BlockingConnectionPool(
        **options, **timeouts, timeout=COMMAND_TIMEOUT))


def pool_size(url):
    """How many connections the pool may open: the URL's max_connections, but at least THREADS."""
    return max(parse_url(url).get("max_connections") or THREADS, THREADS)


def connect_or_exit(url, cluster):
    """connect(), or exit with one line: a cluster client asks the node for the others now."""
    try:
        return connect(url, cluster)
    except CLIENT_ERRORS as exc:
        sys.exit(f"Cannot reach the Redis Cluster at {redacted(url)}: {exc}{tls_hint(url)}")


def ping_redis(client, url, named):
    """True if Redis answers. If not: exit with one line when the user named the URL, else False."""
    try:
        client.ping()
        return True
    except redis.RedisError as exc:
        if named:
            sys.exit(f"Cannot reach Redis at {redacted(url)}: {exc}{tls_hint(url)}")
    print(f"No Redis answers at {redacted(url)}.", flush=True)
    return False


def tls_hint(url):
    """What to add to a failure on a rediss:// URL: a plain Redis never answers a TLS hello.

    It waits for a command that never comes, so the client only sees a timeout.
    """
    if url.startswith("rediss://"):
        return (". A rediss:// URL expects Redis to speak TLS; if this one is a plain Redis, "
                "use redis://")
    return ""


def persistence(client):
    """One line on what this Redis keeps when it crashes, or None when it will not say.

    A bare redis-server saves snapshots only: a crash rolls it back to the last
    one, and the logouts since then come undone, their sessions alive again.
    """
    try:
        config = {**client.config_get("save"), **client.config_get("appendonly"),
                  **client.config_get("appendfsync")}
    except redis.RedisError:  # CONFIG refused or renamed, as on the embedded Redis
        return None
    if config.get("appendonly") == "yes":
        kept = {"always": "a crash loses no write that Redis acknowledged",
                "everysec": "a crash loses about the last second of writes",
                "no": "a crash loses what the OS had not yet written"}
        return f"Redis persistence: AOF, fsync {config['appendfsync']}: {kept.get(config['appendfsync'], '?')}."
    if config.get("save"):
        return (f"Redis persistence: snapshots only (save {config['save']}): a crash rolls back "
                "to the last snapshot, and the logouts since come undone.")
    return "Redis persistence: none: a restart loses every session."
