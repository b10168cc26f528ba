"""What step 2 does when Redis fails: a 503 that tells the truth, at once, and recovery by itself.

Step 1 needs nothing but the request. Step 2 needs Redis for every request that
touches a session, so Redis's faults become the app's faults. This module is
that part of the bill, in two pieces:

- ``GuardedStore``, a store in front of the store. koa-session's store contract
  (``get``, ``set``, ``destroy``) lets one store wrap another, and this one adds
  a **circuit breaker** and a **fault log**. A Redis that hangs holds each call
  for the client's timeout, and waitress has a fixed number of worker threads
  (eight here): with many clients, all of them would wait on Redis, and every
  other request, the login page included, would queue behind them for seconds.
  After a call finds Redis unreachable, the breaker opens: for ``COOL_DOWN``
  seconds every call fails at once, without asking Redis. Then it lets one call
  try (half-open); if that one gets through, it closes, with no restart. A
  request that never calls Redis (the page, a form with an error, a logout with
  no cookie) never meets the breaker. The log says each kind of fault once a
  minute, not once per request, and says (once a minute, too) when Redis answers
  again.
- ``RedisFaults``, a Bottle plugin: a store fault becomes a 503 that says what
  went wrong, never a 500. A Redis that does not answer, is out of memory, is a
  read-only replica, or wants a password are different problems for whoever runs
  the server, so each gets its own short answer.

The breaker is written here, not taken from a library: ``CircuitBreaker`` is a
few dozen lines, and a learner can read every state.
"""

import re
import sys
import threading
import time

import redis
from bottle import HTTPError

from .store import KEY_PREFIX

#: Seconds that an open breaker fails calls at once before it lets one call try Redis.
COOL_DOWN = 1.0
#: Seconds between two log lines about the same kind of fault.
LOG_EVERY = 60.0


class StoreFault(redis.ConnectionError):
    """Anything else that went wrong in a call to the store: a reply that is not
    Redis's, a cluster that cannot be reached. Treated as "Redis is not answering"."""


class BreakerOpen(redis.ConnectionError):
    """The breaker is open: Redis was found unreachable a moment ago, and not asked."""


class ClientLimit(redis.ConnectionError):
    """Redis answered, but turned a new connection away: it has maxclients connections already."""


class PoolExhausted(redis.ConnectionError):
    """Every connection of our pool was in use, and none came free in time."""


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


def kind_of(fault):
    """The kind of a fault's log line: its class and its message, numbers and quotes left out.

    Two refusals of one class can be different news (NOPERM and WRONGTYPE are both
    ResponseErrors); one fault repeated with another port or key is not.
    """
    return type(fault).__name__, re.sub(r"'[^']*'|\d+", "…", str(fault))


class CircuitBreaker:
    """Closed: calls go through. Open: none does, for cool_down s. Then one trial call.

    ``trial = admit()`` before a call: it raises BreakerOpen while the breaker is
    open, and returns True when this call is the half-open trial.
    ``settle(trial, reached)`` after the call; it returns True when it closed the
    breaker. Any call that finds Redis unreachable opens it; only the trial's
    success closes it.
    """

    def __init__(self, cool_down=COOL_DOWN, clock=time.monotonic):
        self.cool_down, self._clock = cool_down, clock
        self._lock = threading.Lock()
        self._open_until = None  # None while closed
        self._trial_running = False

    def admit(self):
        with self._lock:
            if self._open_until is None:
                return False
            if self._trial_running or self._clock() < self._open_until:
                raise BreakerOpen("the circuit breaker is open: Redis was unreachable just now")
            self._trial_running = True  # half-open: this caller is the one trial
            return True

    def settle(self, trial, reached):
        if reached and not trial:
            return False  # the hot path: nothing changes, and no lock is taken
        with self._lock:
            if trial:
                self._trial_running = False
            if not reached:
                self._open_until = self._clock() + self.cool_down
                return False
            if trial:
                self._open_until = None
                return True
            return False


class GuardedStore:
    """A store in front of a store: the same get, set and destroy, behind a circuit breaker.

    Every fault is raised as the redis.RedisError that says what happened (see
    as_fault), and logged on stderr once a minute per kind of line, "Redis answers
    again" included, so that a Redis that flaps cannot flood the log. Session ids
    are cut to four characters: Redis's error messages may quote the key, and a
    whole id is a password.
    """

    def __init__(self, store, breaker=None, log=None):
        self.store = store
        self.breaker = breaker or CircuitBreaker()
        self._log = log or sys.stderr
        self._log_lock = threading.Lock()
        self._last_logged = {}  # kind of fault -> when it was last logged

    def get(self, sid):
        return self._call(self.store.get, sid)

    def set(self, sid, sess, max_age):
        return self._call(self.store.set, sid, sess, max_age)

    def destroy(self, sid):
        return self._call(self.store.destroy, sid)

    def _call(self, method, *args):
        trial = self.breaker.admit()
        try:
            result = method(*args)
        except Exception as error:
            fault = as_fault(error)
            self.breaker.settle(trial, reached=not unreachable(fault))
            self._say(kind_of(fault), f"Redis fault ({type(fault).__name__}): {fault}")
            if fault is error:
                raise
            raise fault from error
        if self.breaker.settle(trial, reached=True):
            self._say("answers again", "Redis answers again.")
        return result

    def _say(self, kind, line):
        with self._log_lock:  # one line at a time, whole, from any thread
            now = time.monotonic()
            if now - self._last_logged.get(kind, -LOG_EVERY) < LOG_EVERY:
                return
            self._last_logged[kind] = now
            line = re.sub(re.escape(KEY_PREFIX) + r"(\w{4})\w*", KEY_PREFIX + r"\1…", line)
            print(line, file=self._log, flush=True)


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
