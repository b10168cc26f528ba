"""Step 2 of the sessions workshop: the session moves into Redis.

Run it with ``python -m step2_redis_session``, then look at the cookie in
devtools and at ``SESSION:<id>`` in Redis.
"""
