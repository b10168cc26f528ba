"""Step 2's store: the article's store.js, with redis-py in place of ioredis.

The same three methods, ``get``, ``set`` and ``destroy``, over the same keys:

    SESSION:<id>  ->  {"usr": "张三", "login_at": "2026-11-25T08:00:00Z"}   (TTL 86400 s)

so that ``redis-cli get SESSION:<id>`` and ``redis-cli ttl SESSION:<id>`` show
what the article shows. The JSON keeps 张三 as UTF-8; ``redis-cli --raw`` prints
it as text. The Redis client itself is made in plumbing/connection.py.
"""

import json

import redis

#: The article's key scheme: SESSION:<id>.
KEY_PREFIX = "SESSION:"


class RedisStore:
    """Sessions as JSON under ``SESSION:<id>``, each with a time to live."""

    def __init__(self, client):
        self.redis = client

    def get(self, key):
        """The session stored under the id, or None (missing, or not a JSON object)."""
        try:
            data = self.redis.get(KEY_PREFIX + key)
        except redis.ResponseError as error:
            if str(error).startswith("WRONGTYPE"):  # a list or a hash, say: not ours
                return None
            raise
        if data is None:
            return None
        try:
            sess = json.loads(data)
        except (ValueError, RecursionError):
            return None  # store.js would throw here; a corrupt entry is just no session
        return sess if isinstance(sess, dict) else None

    def set(self, key, sess, max_age):
        """Store the session for max_age milliseconds (SET … EX seconds)."""
        # store.js passes maxAge / 1000, a float in Python; redis-py refuses a
        # float EX, so the seconds are made a whole number.
        self.redis.set(KEY_PREFIX + key, json.dumps(sess, ensure_ascii=False),
                       ex=int(max_age // 1000))

    def destroy(self, key):
        """Delete the session: every copy of its cookie is dead from now on."""
        self.redis.delete(KEY_PREFIX + key)
