"""Start step 2, or look into its store.

    python -m step2_redis_session [--host H] [--port P] [--quiet]
                                  [--redis-url URL] [--redis-cluster] [--embedded-redis]
                                  [--pipeline]
    python -m step2_redis_session sessions [ID | --clear] [--redis-url URL] [--redis-cluster]

Top to bottom: the arguments, the store, the app, the server. The plumbing is
in plumbing/: where Redis is comes from redis_url.py, the connection from
connection.py (the reads' shared round trips from pipelined.py), the circuit
breaker from breaker.py; the embedded Redis, for a learner without one, from
embedded.py; the ``sessions`` command from sessions_command.py.
"""

import argparse
import os

from .app import create_app
from .plumbing.breaker import GuardedStore
from .plumbing.connection import (connect_or_exit, eviction, persistence, ping_redis,
                                  tls_warning)
from .plumbing.embedded import check_embeddable, start_embedded_redis
from .plumbing.redis_url import DEFAULT_URL, chosen_redis_url, redacted
from .plumbing.server import add_server_arguments, bind, serve
from .plumbing.sessions_command import clear_sessions, show_sessions
from .session import RedisSession
from .store import RedisStore


def main(argv=None, wrap=None):
    args = parse_args(argv)
    url = chosen_redis_url(args.redis_url)
    cluster = args.redis_cluster or os.environ.get("REDIS_CLUSTER") == "1"
    if args.command == "sessions":
        if args.clear:
            clear_sessions(url.text, cluster)
        else:
            show_sessions(url.text, args.id, cluster)
        return

    # The store: Redis, behind a circuit breaker (plumbing/breaker.py).
    if args.embedded_redis:
        check_embeddable(url.text, cluster)
    client = connect_or_exit(url.text, cluster, pipeline=args.pipeline or None)
    sessions = RedisSession(GuardedStore(RedisStore(client)))

    app = create_app(sessions)
    if wrap:  # a caller's WSGI middleware around the app (python -m workshop.coach)
        app = wrap(app)

    # The server. It binds before any Redis is started: a port that is taken is
    # the likelier mistake, and it should be the only thing said.
    server = bind(app, args)
    banner, kept = [], []
    if args.embedded_redis or not ping_redis(client, url.text, url.named or cluster):
        banner += start_embedded_redis(url.text)
    elif not cluster:  # what this Redis keeps when it crashes, and when it is full
        kept = [persistence(client), eviction(client)]
    where = ("the Redis Cluster" if cluster else "the Redis master that Sentinels watch"
             if url.text.startswith("redis+sentinel://") else "Redis")
    banner.append(f"Step 2: the cookie holds an id; the session lives in {where} at "
                  f"{redacted(url.text)}.")
    banner += [line for line in (*kept, tls_warning(url.text)) if line]
    serve(server, args, banner)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m step2_redis_session",
        description="Step 2 of the sessions workshop: the session lives in Redis.")
    add_server_arguments(parser)
    url_help = f"default: $REDIS_URL, else {DEFAULT_URL}"
    parser.add_argument("--redis-url", help=url_help)
    parser.add_argument("--redis-cluster", action="store_true",
                        help="the URL names a node of a Redis Cluster (or: REDIS_CLUSTER=1)")
    parser.add_argument("--embedded-redis", action="store_true",
                        help="run an in-process Redis (fakeredis) at the Redis URL's address")
    parser.add_argument("--pipeline", action="store_true",
                        help="let concurrent requests' reads share round trips on one "
                             "connection (or: REDIS_PIPELINE=1)")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="")
    sessions = commands.add_parser(
        "sessions", help="list the sessions in Redis, or show one (no redis-cli needed)")
    which = sessions.add_mutually_exclusive_group()
    which.add_argument("id", nargs="?", help="a session id, as in the bottle.sess cookie")
    which.add_argument("--clear", action="store_true",
                       help="delete every SESSION:* key (a reset), and nothing else")
    # SUPPRESS: without it, this default would overwrite a --redis-url given before "sessions".
    sessions.add_argument("--redis-url", default=argparse.SUPPRESS, help=url_help)
    sessions.add_argument("--redis-cluster", action="store_true", default=argparse.SUPPRESS,
                          help="the URL names a node of a Redis Cluster")
    args = parser.parse_args(argv)
    args.id = getattr(args, "id", None)
    args.clear = getattr(args, "clear", False)
    return args


if __name__ == "__main__":
    main()
