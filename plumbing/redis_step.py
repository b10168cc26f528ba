"""How step 2 starts: where Redis is, the connection, the embedded Redis, and the server.

Step 2's __main__.py gives its own options and what it builds on a Redis client
(the store, the session, the app); this module does the rest, top to bottom: the
options (--redis-url and its friends, the server's), the ``sessions`` command,
the client, the server, and, when no Redis answers at the default address, the
embedded one. Plumbing, not the lesson.
"""

import argparse
import os
import re
import sys

from .connection import (connect_or_exit, eviction, persistence, ping_redis, tls_warning)
from .embedded import check_embeddable, start_embedded_redis
from .redis_url import DEFAULT_URL, chosen_redis_url, redacted
from . import reloader
from .server import add_server_arguments, bind, serve
from .sessions_command import clear_sessions, show_sessions


def start_with_redis(prog, description, add_options, build, max_body, argv=None, wrap=None):
    """Step 2's start: build(args, client) -> app, on the Redis that the options name, served.

    wrap, when given, is a caller's WSGI middleware around the app (python -m workshop.coach).
    """
    args = parse_args(prog, description, add_options, argv)
    url = chosen_redis_url(args.redis_url)
    cluster = args.redis_cluster or os.environ.get("REDIS_CLUSTER") == "1"
    if args.command == "sessions":
        if args.clear:
            clear_sessions(url.text, cluster)
        else:
            show_sessions(url.text, args.id, cluster)
        return

    if args.embedded_redis:
        check_embeddable(url.text, cluster)
    client = connect_or_exit(url.text, cluster, pipeline=args.pipeline or None)
    if args.reload and not reloader.in_child():
        # The embedded Redis lives here, in the process that watches, so that the
        # sessions outlive each restart of the step; the step finds it at the URL.
        if args.embedded_redis or not ping_redis(client, url.text, url.named or cluster):
            for line in start_embedded_redis(url.text):
                print(line, flush=True)
        return reloader.supervise(leave_out=("--embedded-redis",))
    if reloader.in_child():  # the watcher stops this process with SIGINT
        reloader.as_child()
    app = build(args, client)

    # The server. It binds before any Redis is started: a port that is taken is
    # the likelier mistake, and it should be the only thing said.
    server = bind(wrap(app) if wrap else app, args, max_body)
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


def parse_args(prog, description, add_options, argv):
    # allow_abbrev=False: --reload leaves options out of its child's command by their names,
    # and an abbreviation (--embedded) would slip through.
    parser = argparse.ArgumentParser(prog=prog, description=description, allow_abbrev=False)
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
    add_options(parser)
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
    refuse_unknown_options(parser, sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.id = getattr(args, "id", None)
    args.clear = getattr(args, "clear", False)
    return args


def refuse_unknown_options(parser, argv):
    """Name an option that step 2 does not take (yet: exercise 01 adds --idle-timeout).

    argparse would read its value as the name of a command, and say "argument: invalid
    choice: '20' (choose from 'sessions')", naming neither the option nor the fix.
    """
    for arg in argv:
        if arg == "sessions":  # its own options follow, and argparse names those well
            return
        name = arg.split("=", 1)[0]
        # (argparse keeps the options it takes in this attribute, private but long stable)
        if re.fullmatch(r"--?[A-Za-z][\w-]*", name) and name not in parser._option_string_actions:
            parser.error(f"unrecognized arguments: {arg} (python -m {parser.prog.split()[-1]} "
                         f"--help lists the options)")
