"""What step 2 answers when Redis fails: a 503 that tells the truth, never a 500.

Step 1 needs nothing but the request. Step 2 needs Redis for every request that
touches a session, so Redis's faults become the app's faults: this module is
that part of the bill. A Redis that does not answer, is out of memory, is a
read-only replica, or wants a password are different problems for whoever runs
the server, so each gets its own short answer (``ANSWERS``), and ``RedisFaults``,
a Bottle plugin, turns a store's fault into that answer.

A Redis that hangs would also hold every request for the client's timeout: the
circuit breaker in front of the store (plumbing/breaker.py) answers at once
instead, and raises the faults named here.
"""

import redis
from bottle import HTTPError


class StoreFault(redis.ConnectionError):
    """Anything else that went wrong in a call to the store: a reply that is not
    Redis's, a cluster that cannot be reached. Treated as "Redis is not answering"."""


class ClientLimit(redis.ConnectionError):
    """Redis answered, but turned a new connection away: it has maxclients connections already."""


class PoolExhausted(redis.ConnectionError):
    """Every connection of our pool was in use, and none came free in time."""


class NoReplicas(redis.ResponseError):
    """A write that no replica holds: refused, so that a failover cannot lose it.

    Redis says NOREPLICAS when its min-replicas-to-write is not met; step 2 behind
    Sentinel says it when no replica acknowledged a login or a logout in time.
    """


# The first class that matches the fault says what the 503 says. Like the page's
# other answers, Chinese first; English for whoever reads the server's logs.
ANSWERS = [
    (redis.AuthenticationError,
     "Redis 拒绝了连接：密码缺失或不对 (Redis refused us: its password is missing or wrong)."),
    (redis.exceptions.OutOfMemoryError,
     "Redis 内存已满，存不下会话 (Redis is out of memory: it cannot store the session)."),
    (redis.exceptions.ReadOnlyError,
     "Redis 是只读副本，存不了会话 (Redis is a read-only replica: it cannot store the session)."),
    (ClientLimit,
     "Redis 的连接数已满（maxclients），拒绝了新连接 (Redis has reached its maxclients, and "
     "turned a new connection away)."),
    (NoReplicas,
     "Redis 的副本没有确认这次写入，为了不在故障切换时丢失，已拒绝 (No replica of Redis confirmed "
     "the write: it is refused, so that a failover cannot lose it). Try again in a moment."),
    (PoolExhausted,
     "到 Redis 的连接都在使用中，请稍后再试 (Every connection to Redis is in use. "
     "Try again in a moment)."),
    ((redis.ConnectionError, redis.TimeoutError),
     "会话存储 Redis 没有响应，请稍后再试 (The session store, Redis, is not answering. "
     "Try again in a moment)."),
    (redis.RedisError, "Redis 拒绝了这个命令 (Redis refused the command)."),
]


def as_fault(error):
    """The error as the redis.RedisError that says what happened.

    redis-py raises a plain ConnectionError for two faults that are answers, not
    silence: Redis's refusal at maxclients, and our own pool with no connection
    free. They get classes of their own, so that neither opens the breaker.
    """
    if not isinstance(error, redis.RedisError):
        return StoreFault(f"{type(error).__name__}: {error}")
    if isinstance(error, redis.ResponseError) and str(error).startswith("NOREPLICAS"):
        return NoReplicas(str(error))
    if isinstance(error, redis.ConnectionError) and "max number of clients" in str(error):
        return ClientLimit(str(error))
    if isinstance(error, redis.exceptions.MaxConnectionsError) or (
            isinstance(error, redis.ConnectionError) and "No connection available" in str(error)):
        return PoolExhausted(str(error))
    return error


def unreachable(fault):
    """True when Redis did not answer at all: the faults that cost a call its timeout."""
    return (isinstance(fault, (redis.ConnectionError, redis.TimeoutError))
            and not isinstance(fault, (redis.AuthenticationError, ClientLimit, PoolExhausted)))


class RedisFaults:
    """Bottle plugin: a store fault is a 503 that says what went wrong, not a 500.

    Routes that never touch the session skip it: ``skip=[RedisFaults.name]``.
    """

    name = "redis_faults"
    api = 2

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except redis.RedisError as error:
                raise HTTPError(503, next(text for kind, text in ANSWERS
                                          if isinstance(error, kind))) from None
        return wrapper
