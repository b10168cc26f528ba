"""What step 2 does when Redis fails: a 503 that tells the truth, at once, and recovery by itself.

Step 1 needs nothing but the request. Step 2 needs Redis for every request that
touches a session, so Redis's faults become the app's faults. This module is
that part of the bill:

- **A 503 that says what went wrong**, never a 500. Redis that does not answer,
  is out of memory, is a read-only replica, or wants a password are different
  problems for whoever runs the server, so each gets its own short answer.
- **One line on stderr per kind of fault**, not one per request: a log that
  floods while Redis is down hides the line that matters.
- **A circuit breaker.** A Redis that hangs holds each request for the client's
  timeout. waitress has a fixed number of worker threads (eight here); with many
  clients, all of them wait on Redis, and every other request, the login page
  included, queues behind them for many seconds. After a request finds Redis unreachable, the breaker opens:
  for ``COOL_DOWN`` seconds every session request gets its 503 at once, without
  asking Redis. Then it lets a single request try (half-open); if that one gets
  through, it closes and traffic flows again, with no restart.

The breaker is written here, not taken from a library: it is the twenty lines of
``CircuitBreaker``, and a learner can read every state.
"""

import sys
import threading
import time

import redis
from bottle import HTTPError

#: Seconds that an open breaker answers 503 before it lets one request try Redis.
COOL_DOWN = 1.0

# The first class that matches the error says what the 503 says. Like the page's
# other answers, Chinese first; English for whoever reads the server's logs.
ANSWERS = [
    (redis.AuthenticationError,
     "Redis 拒绝了连接：密码缺失或不对 (Redis refused us: its password is missing or wrong)."),
    (redis.exceptions.OutOfMemoryError,
     "Redis 内存已满，存不下会话 (Redis is out of memory: it cannot store the session)."),
    (redis.exceptions.ReadOnlyError,
     "Redis 是只读副本，存不了会话 (Redis is a read-only replica: it cannot store the session)."),
    ((redis.ConnectionError, redis.TimeoutError),
     "会话存储 Redis 没有响应，请稍后再试 (The session store, Redis, is not answering. "
     "Try again in a moment)."),
    (redis.RedisError, "Redis 拒绝了这个命令 (Redis refused the command)."),
]


def answer_for(error):
    return next(text for kind, text in ANSWERS if isinstance(error, kind))


def unreachable(error):
    """True when Redis did not answer at all: the faults that cost a request its timeout."""
    return (isinstance(error, (redis.ConnectionError, redis.TimeoutError))
            and not isinstance(error, redis.AuthenticationError))


class CircuitBreaker:
    """Closed: calls go through. Open: none does, for cool_down s. Then one trial call.

    ``state = enter()`` before a call: "closed", "trial", or None for "do not call".
    ``leave(state, reached)`` after it. Any call that finds Redis unreachable opens
    the breaker; only the trial's success closes it again.
    """

    def __init__(self, cool_down=COOL_DOWN, clock=time.monotonic):
        self.cool_down, self._clock = cool_down, clock
        self._lock = threading.Lock()
        self._open_until = None  # None while closed
        self._trial_running = False

    def enter(self):
        with self._lock:
            if self._open_until is None:
                return "closed"
            if self._trial_running or self._clock() < self._open_until:
                return None
            self._trial_running = True  # half-open: this caller is the one trial
            return "trial"

    def leave(self, state, reached):
        if reached and state == "closed":
            return  # the hot path: nothing changes, and no lock is taken
        with self._lock:
            if not reached:
                self._open_until = self._clock() + self.cool_down
            elif state == "trial":
                self._open_until = None
            if state == "trial":
                self._trial_running = False


class RedisFaults:
    """Bottle plugin: Redis's faults become 503s, behind a circuit breaker, logged once per kind.

    Routes that never touch the session skip it: ``skip=[RedisFaults.name]``.
    """

    name = "redis_faults"
    api = 2

    def __init__(self, breaker=None, log=None):
        self.breaker = breaker or CircuitBreaker()
        self._log = log or sys.stderr
        self._reported = set()  # the kinds of fault logged since Redis last answered
        self._open_answer = answer_for(redis.ConnectionError())

    def apply(self, callback, route):
        def wrapper(*args, **kwargs):
            state = self.breaker.enter()
            if state is None:
                raise HTTPError(503, self._open_answer)
            reached = True  # also for a 4xx raised before Redis was asked: no verdict
            try:
                result = callback(*args, **kwargs)
            except redis.RedisError as error:
                reached = not unreachable(error)
                self._report(error)
                raise HTTPError(503, answer_for(error)) from None
            finally:
                self.breaker.leave(state, reached)
            if self._reported:
                self._reported.clear()
                print("Redis answers again.", file=self._log, flush=True)
            return result
        return wrapper

    def _report(self, error):
        kind = type(error).__name__
        if kind not in self._reported:
            self._reported.add(kind)
            print(f"Redis fault ({kind}): {error}", file=self._log, flush=True)
