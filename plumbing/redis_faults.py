"""What kind of fault a Redis error is: silence, a refusal, or our own pool out of room.

redis-py raises one ConnectionError for faults that call for different things:
nothing answered (wait, and open the circuit breaker), Redis answered with a
refusal at maxclients (an answer: say so, keep the breaker closed), or our own
pool had no connection free. ``as_fault`` gives each its class, and
``unreachable`` is the one test of "nothing answered", used at start-up, by the
breaker and by the shared reads alike. What each fault answers a browser is the
lesson's part: step2_redis_session/faults.py.
"""

import redis


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


def unreachable(error):
    """True when Redis did not answer at all: the faults that cost a call its timeout.

    A Redis that refused us (a password, maxclients) answered: it is there.
    """
    fault = as_fault(error)
    return (isinstance(fault, (redis.ConnectionError, redis.TimeoutError))
            and not isinstance(fault, (redis.AuthenticationError, ClientLimit, PoolExhausted)))
