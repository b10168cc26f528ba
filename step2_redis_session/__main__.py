"""Start step 2: ``python -m step2_redis_session`` (``--help`` lists every option).

Top to bottom: step 2's own options, then what it builds on a Redis client: the
store, behind a circuit breaker; the session around the store; the app around
the session. The rest is the same for every run of step 2 and is not the lesson:
where Redis is (its URL, or the embedded Redis), the ``sessions`` command, the
connection and the server come from the plumbing folder (plumbing/redis_step.py).
"""

from plumbing.breaker import GuardedStore
from plumbing.redis_step import start_with_redis

from .app import MAX_FORM_BYTES, create_app
from .session import RedisSession
from .store import RedisStore


def add_options(parser):
    """Step 2's own options: none yet (an exercise adds its own here)."""


def build(args, client):
    """The store, the session and the app, on the Redis client that the plumbing made."""
    # The store: Redis, behind a circuit breaker (plumbing/breaker.py).
    sessions = RedisSession(GuardedStore(RedisStore(client)))
    return create_app(sessions)


def main(argv=None, wrap=None):
    start_with_redis("python -m step2_redis_session",
                     "Step 2 of the sessions workshop: the session lives in Redis.",
                     add_options, build, MAX_FORM_BYTES, argv, wrap)


if __name__ == "__main__":
    main()
