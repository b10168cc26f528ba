"""The circuit breaker in front of step 2's store, and its fault log. Plumbing, not the lesson.

koa-session's store contract (``get``, ``set``, ``destroy``) lets one store wrap
another, and ``GuardedStore`` is such a store: the same three calls, and any other
method of the store it wraps (an exercise's), behind a **circuit breaker**, with a
**fault log**. A Redis that hangs holds each call for
the client's timeout, and waitress has a fixed number of worker threads (eight
here): with many clients, all of them would wait on Redis, and every other
request, the login page included, would queue behind them for seconds. After a
call finds Redis unreachable, the breaker opens: for ``COOL_DOWN`` seconds every
call fails at once, without asking Redis. Then it lets one call try (half-open);
if that one gets through, it closes, with no restart. A request that never calls
Redis (the page, a form with an error, a logout with no cookie) never meets the
breaker. The log says each kind of fault once a minute, not once per request,
and says (once a minute, too) when Redis answers again.

The breaker is written here, not taken from a library: ``CircuitBreaker`` is a
few dozen lines, and a learner can read every state.
"""

import functools
import re
import sys
import threading
import time

import redis

from step2_redis_session.store import KEY_PREFIX

from .redis_faults import as_fault, unreachable
from .connection import advice
from .server import OnceAMinute

#: Seconds that an open breaker fails calls at once before it lets one call try Redis.
COOL_DOWN = 1.0


class BreakerOpen(redis.ConnectionError):
    """The breaker is open: Redis was found unreachable a moment ago, and not asked."""


def kind_of(fault):
    """The kind of a fault's log line: its class and its message, numbers and quotes left out.

    Two refusals of one class can be different news (NOPERM and WRONGTYPE are both
    ResponseErrors); one fault repeated with another port or key is not.
    """
    return type(fault).__name__, re.sub(r"'[^']*'|\d+", "…", redis_words(fault))


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
        self._once = OnceAMinute()

    def get(self, sid):
        return self._call(self.store.get, sid)

    def set(self, sid, sess, max_age):
        return self._call(self.store.set, sid, sess, max_age)

    def destroy(self, sid):
        return self._call(self.store.destroy, sid)

    def __getattr__(self, name):
        """Any other method of the store, behind the same breaker: a store that grows a
        method (an exercise's, say) is guarded with no edit here."""
        if name.startswith("_"):  # never the store's internals, nor a copy's half-made state
            raise AttributeError(name)
        attribute = getattr(self.store, name)
        if not callable(attribute):
            return attribute
        return functools.partial(self._call, attribute)

    def _call(self, method, *args):
        trial = self.breaker.admit()
        try:
            result = method(*args)
        except Exception as error:
            fault = as_fault(error)
            self.breaker.settle(trial, reached=not unreachable(fault))
            words, fix = redis_words(fault), advice(fault)
            if fix:  # the cause in Redis's words, then the fix, as at start-up
                words = f"{words.rstrip('.')}. {fix}"
            self._say(kind_of(fault), f"Redis fault ({type(fault).__name__}): {words}")
            if fault is error:
                raise
            raise fault from error
        if self.breaker.settle(trial, reached=True):
            self._say("answers again", "Redis answers again.")
        return result

    def _say(self, kind, line):
        if self._once.first(kind):
            line = re.sub(re.escape(KEY_PREFIX) + r"(\w{4})\w*", KEY_PREFIX + r"\1…", line)
            print(line, file=self._log, flush=True)


def redis_words(fault):
    """What Redis said, without what redis-py adds about a pipeline's failed command.

    redis-py quotes that command whole, "Command # 1 (SET SESSION:… {"usr": …})
    of pipeline caused error: …": a session's contents have no place in a log.
    """
    return re.sub(r"^Command # \d+ \(.*\) of pipeline caused error: ", "", str(fault), flags=re.S)
