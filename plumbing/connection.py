"""How step 2 reaches Redis: one client for the whole process, with timeouts.

Plumbing, not the lesson: the store (step2_redis_session/store.py) takes
whatever client this module makes, one Redis or a Redis Cluster alike.
"""

import os
import sys
from urllib.parse import parse_qsl, urlsplit

import redis
import redis.sentinel
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

from . import server
from .redis_faults import NoReplicas, unreachable
from .pipelined import PipelinedReads
from .redis_url import redacted, sentinel_parts

#: Seconds that one command waits for a Redis that has stopped answering.
COMMAND_TIMEOUT = 0.5
#: One retry lets a pooled connection that Redis closed (say, on a restart)
#: reconnect unseen.
RETRIES = 1
#: The longest that one command can keep a request waiting: every try times out.
WORST_WAIT = COMMAND_TIMEOUT * (1 + RETRIES)
#: What a Redis client may raise: redis-py's cluster client has an error of its own.
CLIENT_ERRORS = (redis.RedisError, redis.exceptions.RedisClusterException)
#: Behind Sentinel: how many replicas must hold a login or a logout before step 2
#: acknowledges it, and how long it waits for them, in milliseconds.
REPLICAS_TO_ACK, ACK_WAIT_MS = 1, 200


def connect(url, cluster=False, pipeline=None):
    """The process's one Redis client. Its connection pool serves every request.

    The timeouts bound how long a request waits for a Redis that has stopped
    answering (``WORST_WAIT``), so that it gets a 503 instead of hanging.

    With pipeline on (None: off, unless the environment has REDIS_PIPELINE=1),
    the reads of concurrent requests share round trips (pipelined.py). It is off
    by default: a connection whose replies can fall out of step would hand one
    user another's session, and that must be ruled out before it saves time. A
    cluster's reads never do: a batch would need one pipeline per master.

    With cluster=True, url names any one node of a Redis Cluster, and the client
    finds the others. It sends each key to the master that owns the key's hash
    slot, so sessions spread over the masters. A redis+sentinel:// URL names the
    Sentinels that watch a master. ``RedisStore`` is the same for all three.
    """
    if pipeline is None:
        pipeline = os.environ.get("REDIS_PIPELINE") == "1"
    timeouts = {"socket_timeout": COMMAND_TIMEOUT, "socket_connect_timeout": COMMAND_TIMEOUT,
                "retry": Retry(NoBackoff(), RETRIES)}
    if cluster:
        return redis.RedisCluster.from_url(url, **timeouts)
    if url.startswith("redis+sentinel://"):
        # Every new connection asks the Sentinels where the master is now; each
        # write waits for a replica (AcknowledgedWrites).
        sentinels, name, db, password = sentinel_parts(url)
        watchers = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=timeouts)
        return watchers.master_for(
            name, redis_class=PipelinedAcknowledgedWrites if pipeline else AcknowledgedWrites,
            db=db, password=password, **timeouts)
    # Never fewer connections than the server's threads, which may each need one at
    # once; and a request that finds them all busy waits a moment for one, rather
    # than failing at once as redis-py's default pool does.
    options = parse_url(url)
    # (A batch of shared reads is made by one of those threads, on one connection.)
    options["max_connections"] = pool_size(url)
    pool = redis.BlockingConnectionPool(**options, **timeouts, timeout=COMMAND_TIMEOUT)
    return (PipelinedReads if pipeline else redis.Redis)(connection_pool=pool)


class AcknowledgedWrites(redis.Redis):
    """The client of a master that Sentinels watch, whose writes wait for a replica.

    Replication is asynchronous: a login that only the master holds is gone if
    the master fails over before it replicates, and a logout that only the
    master saw comes undone, the copied cookie alive again on the new master.
    So each SET and DEL goes with a WAIT, in the same round trip, and counts
    only once a replica holds it too. When none does within ACK_WAIT_MS, step 2
    asks the Sentinels once whether the master has moved (a demoted or cut-off
    master still takes writes that no replica will see), and tries the new one;
    then it refuses the write with a 503 that says why, rather than acknowledge
    what a failover would lose. A read is still one GET.
    """

    def set(self, name, value, *args, **kwargs):
        return self._acknowledged("set", name, value, *args, **kwargs)

    def delete(self, *names):
        return self._acknowledged("delete", *names)

    def _acknowledged(self, command, *args, **kwargs):
        for last_try in (False, True):
            try:
                pipe = self.pipeline(transaction=False)
                getattr(pipe, command)(*args, **kwargs)
                pipe.execute_command("WAIT", REPLICAS_TO_ACK, ACK_WAIT_MS)
                result, replicas = pipe.execute()
                if replicas >= REPLICAS_TO_ACK:
                    return result
            except (redis.ConnectionError, redis.exceptions.ReadOnlyError):
                if last_try:  # "the previous master is now a slave", and still no other
                    raise
            if last_try or not self._master_moved():
                raise NoReplicas(f"no replica held the {command.upper()} within {ACK_WAIT_MS} ms")

    def _master_moved(self):
        """Ask the Sentinels where the master is: True if it moved.

        When it did, redis-py's pool closes its idle connections to the old master,
        and closes each connection in use as it comes back: never one that another
        request is reading from (closing those cut their reads in half).
        """
        # redis-py's pool keeps the last address it was given in proxy.master_address.
        known = self.connection_pool.proxy.master_address
        return self.connection_pool.get_master_address() != known


class PipelinedAcknowledgedWrites(PipelinedReads, AcknowledgedWrites):
    """Behind Sentinel, with pipeline: reads share round trips; writes wait for a replica."""


def pool_size(url):
    """How many connections the pool may open: the URL's max_connections, but at least the
    server's THREADS (read when called, so that a measurement may change it in one place)."""
    threads = server.THREADS
    return max(parse_url(url).get("max_connections") or threads, threads)


def connect_or_exit(url, cluster, pipeline=None):
    """connect(), or exit with one line: a cluster client asks the node for the others now.

    A certificate or key that the URL names and that is not there is said first: the TLS
    library's own words ("No such file or directory") name no file.
    """
    missing = missing_tls_files(url)
    if missing:
        sys.exit(f"Cannot use Redis at {redacted(url)}: {' and '.join(missing)}: no such file. "
                 "Check the path in the URL.")
    try:
        return connect(url, cluster, pipeline)
    except CLIENT_ERRORS as exc:
        sys.exit(cannot_reach(url, exc, "the Redis Cluster"))


def ping_redis(client, url, named):
    """True if Redis answers. If not: exit with one line when the user named the URL, or
    when a Redis is there but refuses us (it wants a password, say); else False."""
    try:
        client.ping()
        return True
    except redis.exceptions.NoPermissionError:
        return True  # a user that may not PING, but may GET, SET and DEL: it answered
    except redis.RedisError as exc:
        if named or not unreachable(exc):
            sys.exit(cannot_reach(url, exc))
    print(f"No Redis answers at {redacted(url)}.", flush=True)
    return False


def cannot_reach(url, error, what="Redis"):
    """The one line that says why step 2 cannot use the Redis at url: the cause, then the fix."""
    if isinstance(error, redis.sentinel.MasterNotFoundError):  # its text lists every attempt
        sentinels, name, _, _ = sentinel_parts(url)
        hosts = ",".join(f"{host}:{port}" for host, port in sentinels)
        return (f"No Sentinel at {hosts} names a master called {name}: is Sentinel running "
                f"there, and is {name} the name it monitors?")
    line = f"Cannot reach {what} at {redacted(url)}: {error}"
    fix = advice(error, url)
    return f"{line.rstrip().rstrip('.')}. {fix}" if fix else line


def advice(error, url=""):
    """What to do about a Redis error, in one sentence, or "" when there is nothing to add.

    The cause comes first, in the error's own words; this names the fix, and
    only the fix that fits: a TLS failure is not told to drop TLS.
    """
    text = str(error)
    if "NOAUTH" in text or "HELLO must be called" in text or "Authentication required" in text:
        return "This Redis wants a password: put it in the URL as redis://:PASSWORD@host:port."
    if "WRONGPASS" in text or "invalid username-password" in text:
        return "The password (or the user) in the URL is not this Redis's: check it."
    if "NOREPLICAS" in text or "no replica held" in text:
        return ("No replica is in sync with the master: check the replicas' link "
                "(redis-cli info replication), and min-replicas-to-write.")
    if "max number of clients" in text:
        return ("Redis has as many clients as its maxclients allows: stop some of them, or "
                "raise it (redis-cli config set maxclients 10000).")
    if "Cluster mode is not enabled" in text:
        return "This Redis is not a node of a Redis Cluster: leave out --redis-cluster and REDIS_CLUSTER."
    if "unknown command 'SENTINEL'" in text:
        return ("The URL names a plain Redis, not a Sentinel: give the Sentinels' ports (26379 by "
                "default) in redis+sentinel://, or this Redis as redis://host:port.")
    if "NOPERM" in text or isinstance(error, redis.exceptions.NoPermissionError):
        return ("The URL's user may not run this: give it +get +set +del on ~SESSION:* "
                "(and +scan for the sessions command).")
    if "IP address mismatch" in text or "hostname mismatch" in text.lower():
        return ("Redis's certificate is not for the host in the URL: use a host name that the "
                "certificate names.")
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return ("Step 2 could not check Redis's certificate: give the CA that signed it, "
                "with ?ssl_ca_certs=/path/to/ca.crt in the URL.")
    if "CERTIFICATE_REQUIRED" in text or "certificate required" in text:
        return ("This Redis wants a client certificate: give it with "
                "?ssl_certfile=/path/to/client.crt&ssl_keyfile=/path/to/client.key.")
    if url.startswith("rediss://") and ("EOF occurred in violation of protocol" in text
                                        or "reset by peer" in text):
        # TLS 1.3 sends the refusal after the handshake: the client may see only the hang-up.
        return ("This Redis wants a client certificate, it seems (it hung up right after the TLS "
                "handshake): give it with "
                "?ssl_certfile=/path/to/client.crt&ssl_keyfile=/path/to/client.key.")
    if url.startswith("rediss://") and isinstance(error, redis.TimeoutError):
        # A plain Redis waits for a command, and never answers a TLS hello.
        return ("A rediss:// URL expects Redis to speak TLS, and this one never answered the "
                "TLS hello: if it is a plain Redis, use redis://.")
    if url.startswith("redis://") and ("reset by peer" in text or "closed by server" in text):
        return "If this Redis speaks TLS (it hung up on plain text), use rediss://."
    return ""


def missing_tls_files(url):
    """The URL's certificate and key options that name no file, each as "option=path"."""
    options = parse_qsl(urlsplit(url).query)
    return [f"{name}={path}" for name, path in options
            if name in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile") and not os.path.exists(path)]


def tls_warning(url):
    """A line for the banner when the URL turns off the check of Redis's certificate, or None."""
    if url.startswith("rediss://") and "ssl_cert_reqs=none" in url.lower():
        return ("Warning: ssl_cert_reqs=none: TLS without checking Redis's certificate, so anyone "
                "between step 2 and Redis can pose as Redis and read every session.")
    return None


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


def eviction(client):
    """One line on what this Redis does to sessions when it fills up, or None without a maxmemory.

    Every session has a TTL, so a volatile-* policy evicts them first, and an
    allkeys-* one evicts them among the rest: in both, users are logged out
    without a word. noeviction refuses writes instead: logins get a 503.
    """
    try:
        config = {**client.config_get("maxmemory"), **client.config_get("maxmemory-policy")}
    except redis.RedisError:  # CONFIG refused or renamed, as on the embedded Redis
        return None
    if config.get("maxmemory", "0") == "0":
        return None
    policy = config.get("maxmemory-policy", "?")
    limit = f"Redis maxmemory {int(config['maxmemory']):,} bytes, maxmemory-policy {policy}"
    if policy.startswith("allkeys-"):
        return (f"Warning: {limit}: when it is full it evicts any key, sessions included, and their "
                "users are logged out without a word. Use noeviction, or a Redis of its own.")
    if policy.startswith("volatile-"):
        return (f"Warning: {limit}: when it is full it evicts keys that have a TTL, and every "
                "session has one: sessions go first, then logins are refused.")
    return f"{limit}: when it is full, logins get a 503 and no session is lost."
