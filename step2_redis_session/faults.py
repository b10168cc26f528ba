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

# What kind of fault each error is (a refusal at maxclients is not silence) is the
# plumbing's: plumbing/redis_faults.py. What each kind answers is the lesson's.
from plumbing.redis_faults import ClientLimit, NoReplicas, PoolExhausted


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
