"""What both steps stand on, and is not the lesson: the server, Redis, and how a step starts.

The step folders hold the lesson (app.py, session.py, store.py, faults.py) and a
__main__.py that builds it; everything else is here, once: the waitress server
(server.py), how step 2 starts (redis_step.py), its Redis URL, connection,
fault kinds, circuit breaker, embedded Redis and ``sessions`` command.
"""
