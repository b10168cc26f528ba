"""Step 2's reads share round trips (plumbing/pipelined.py): still one GET
each, the right answer, and no longer a wait for a Redis that hangs. On a private redis-server,
which counts commands (INFO commandstats) and can be frozen (SIGSTOP)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import pytest
import redis
import requests

from harness.private_redis import commands_served
from plumbing.connection import WORST_WAIT, connect
from step2_redis_session.store import KEY_PREFIX
from support import SLACK

CLIENTS = 64


def opened(admin, action):
    """What action() returns, and how many connections to Redis it left open."""
    before = len(admin.client_list())
    result = action()
    return result, len(admin.client_list()) - before


def read_while_frozen(server, read, keys, spacing=0.01):
    """Freeze Redis, call read(key) from a thread each, spacing seconds apart, then thaw it.

    The first read's GET is in flight; the others queue behind it. {key: what read returned}.
    """
    outcomes = {}
    server.pause()
    try:
        threads = [threading.Thread(target=lambda key=key: outcomes.update({key: read(key)}))
                   for key in keys]
        for thread in threads:
            thread.start()
            time.sleep(spacing)
        time.sleep(0.1)
    finally:
        server.resume()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("pipeline", [True, False], ids=["pipelined", "one-round-trip-each"])
def test_reads_that_wait_together_share_one_connection(own_redis_server, pipeline):
    admin = redis.Redis(port=own_redis_server.port)
    admin.mset({f"k{n}": f"v{n}" for n in range(12)})
    client = connect(own_redis_server.url, pipeline=pipeline)
    replies, connections = opened(admin, lambda: read_while_frozen(
        own_redis_server, client.get, [f"k{n}" for n in range(12)]))
    assert replies == {f"k{n}": f"v{n}".encode() for n in range(12)}
    # Twelve reads at once: pipelined, one connection carries them all; otherwise
    # each thread takes a connection of its own, as many as the pool has (8).
    assert connections == (1 if pipeline else 8)


def test_an_error_reply_is_its_own_reads_alone(own_redis_server):
    admin = redis.Redis(port=own_redis_server.port)
    admin.mset({"a": "1", "c": "3"})
    admin.rpush("b", "a list, not a string")
    client = connect(own_redis_server.url, pipeline=True)

    def read(key):
        try:
            return client.get(key)
        except redis.ResponseError as error:
            return str(error).split()[0]

    outcomes, connections = opened(admin, lambda: read_while_frozen(
        own_redis_server, read, ["a", "b", "c"]))
    assert outcomes == {"a": b"1", "b": "WRONGTYPE", "c": b"3"}
    assert connections == 1  # b's error reply did not put the replies after it out of step


def test_a_frozen_redis_costs_a_queued_read_one_timeout_not_two(own_redis_server):
    redis.Redis(port=own_redis_server.port).set("k", "v")
    client = connect(own_redis_server.url, pipeline=True)
    assert client.get("k") == b"v"  # the pool's connection is open before Redis freezes

    def read(number):
        started = time.monotonic()
        try:
            client.get("k")
            return "answered", time.monotonic() - started
        except redis.RedisError as error:
            return type(error), time.monotonic() - started

    # Sixteen reads arrive while the first batch waits out its timeouts.
    outcomes = read_while_frozen(own_redis_server, read, range(16), spacing=WORST_WAIT / 16)
    assert {outcome for outcome, _ in outcomes.values()} <= {redis.TimeoutError,
                                                              redis.ConnectionError}
    # Queued behind a batch that Redis never answered, a read fails with it, rather
    # than wait out a second timeout of its own (up to twice WORST_WAIT).
    assert max(seconds for _, seconds in outcomes.values()) < WORST_WAIT + SLACK
    assert client.get("k") == b"v"  # Redis thawed, the next read goes through


def test_a_connection_that_redis_closed_is_reopened_unseen(own_redis_server):
    admin = redis.Redis(port=own_redis_server.port)
    admin.set("k", "v")
    client = connect(own_redis_server.url, pipeline=True)
    assert client.get("k") == b"v"
    admin.client_kill_filter(_type="normal", skipme=True)  # as a Redis restart would
    assert client.get("k") == b"v"  # the one retry, on a new connection


@pytest.mark.slow
@pytest.mark.parametrize("pipeline", [True, False], ids=["pipelined", "one-round-trip-each"])
def test_64_clients_read_their_own_session_with_one_get_each(real_redis_server, start_server,
                                                             pipeline):
    admin = redis.Redis(port=real_redis_server.port)
    server, connections = opened(admin, lambda: start_server(
        "step2_redis_session", "--redis-url", real_redis_server.url, "--quiet",
        *(["--pipeline"] if pipeline else [])))
    browsers = [requests.Session() for _ in range(CLIENTS)]
    for number, browser in enumerate(browsers):
        browser.post(server.url + "/login", {"usr": f"用户{number}", "psd": "pw"})
    wrong = []

    def read_again_and_again(number):
        for _ in range(20):
            res = browsers[number].post(server.url + "/login", {"usr": "x", "psd": "pw"})
            if res.status_code != 200 or res.text != f"欢迎，用户{number}":
                wrong.append((number, res.status_code, res.text))

    def crowd():
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(read_again_and_again, range(CLIENTS)))

    served = commands_served(admin, crowd)
    assert wrong == []
    assert served.pop("get") == CLIENTS * 20  # exactly one GET a read, and not one write
    assert admin.dbsize() == CLIENTS
    # Pipelined, the crowd's reads took turns on the one connection that the server
    # opened at its start; each on its own round trip, they needed more at once,
    # and each new connection says HELLO.
    assert connections == 1
    assert served == {} if pipeline else served["hello"] > 0 and set(served) == {"hello"}


def redirect_pushes_to_every_client(port, last_id):
    """What another app on the same Redis can do to step 2's connections with no dangerous
    command: a user limited to its own keys (~cache:*, -@dangerous: not even CLIENT LIST) asks
    that the invalidations of its keys be pushed to each client id it guesses."""
    admin = redis.Redis(port=port)
    admin.acl_setuser("cache", enabled=True, passwords=["+cache-pw"], keys=["cache:*"],
                      commands=["+@all", "-@dangerous"])
    pushers = []
    for target in range(1, last_id + 1):
        pusher = redis.Redis(port=port, username="cache", password="cache-pw")
        try:
            pusher.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", target, "BCAST",
                                   "PREFIX", "cache:")
        except redis.ResponseError:  # no client has that id
            pusher.close()
            continue
        pushers.append(pusher)
    return pushers


@pytest.mark.slow  # a crowd for seconds
@pytest.mark.parametrize("pipeline", [True, False], ids=["pipelined", "one-round-trip-each"])
def test_pushes_from_another_redis_user_never_hand_a_read_another_reply(real_redis_server,
                                                                        pipeline):
    """Each invalidation that Redis pushes into a connection is read as what it is, and skipped;
    before, the shared round trips read it as a reply, and 1,570 of 12,144 reads got another's."""
    admin = redis.Redis(port=real_redis_server.port)
    # One reader a server thread, as step 2 has (THREADS), each reading its own session.
    sessions = {f"{KEY_PREFIX}reader{number}": f"用户{number}".encode() for number in range(8)}
    admin.mset(sessions)
    client = connect(real_redis_server.url, pipeline=pipeline)
    with ThreadPoolExecutor(8) as pool:  # opens step 2's connections, as a crowd would
        list(pool.map(client.get, list(sessions) * 4))
    pushers = redirect_pushes_to_every_client(real_redis_server.port, admin.client_id() + 20)
    assert pushers, "no connection took a redirect"
    stop_at, wrong, reads = time.monotonic() + 2.0, [], [0]

    def write_own_keys():
        number = 0
        while time.monotonic() < stop_at:
            pushers[0].set(f"cache:{number % 50}", number)
            number += 1

    def read_own_session(key):
        while time.monotonic() < stop_at:
            got = client.get(key)
            reads[0] += 1
            if got != sessions[key]:
                wrong.append((key, got))

    with ThreadPoolExecutor(9) as pool:
        jobs = [pool.submit(write_own_keys)] + [pool.submit(read_own_session, key) for key in sessions]
        for job in jobs:
            job.result()
    assert reads[0] > 1000 and wrong == []


def test_a_reply_that_goes_wrong_mid_batch_drops_the_connection(own_redis_server):
    """Any failure in the middle of a batch, not only a hang-up, leaves no reply behind for the
    next batch to read as its own: the connection is dropped, and the next batch starts clean."""
    admin = redis.Redis(port=own_redis_server.port)
    admin.mset({"a": "1", "b": "2"})
    client = connect(own_redis_server.url, pipeline=True)
    assert client.get("a") == b"1"
    connection = client.connection_pool.get_connection()
    client.connection_pool.release(connection)
    real_read = connection.read_response
    calls = []

    def read_once_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise redis.exceptions.InvalidResponse("a reply no GET gives")
        return real_read(*args, **kwargs)

    connection.read_response = read_once_then_fail
    with pytest.raises(redis.exceptions.InvalidResponse):
        client.get("a")
    assert not connection.is_connected  # dropped: the reply to GET a was never read from it
    del connection.read_response
    assert (client.get("b"), client.get("a")) == (b"2", b"1")


def test_a_redis_still_loading_is_named(own_redis_server):
    """LOADING is Redis saying it is not ready: a read gets redis-py's BusyLoadingError, which
    step 2's faults answer as "not answering" (a 503), never a value."""
    client = connect(own_redis_server.url, pipeline=True)
    client.get("k")  # the connection opened, so that what is refused is the batch's read
    with patch.object(redis.Connection, "read_response",
                      side_effect=redis.exceptions.BusyLoadingError("LOADING Redis is loading")):
        with pytest.raises(redis.exceptions.BusyLoadingError):
            client.get("k")


@pytest.mark.slow  # 16 MiB values
def test_a_large_value_costs_a_shared_read_what_it_costs_alone(real_redis_server):
    """A 16 MiB value is read by redis-py's parser, as a lone GET reads it: no slower shared."""
    admin = redis.Redis(port=real_redis_server.port)
    admin.set("big", b"x" * (16 << 20))
    times = {}
    for pipeline in (False, True):
        client = connect(real_redis_server.url, pipeline=pipeline)
        client.get("big")  # the connection opened
        started = time.perf_counter()
        for _ in range(3):
            assert len(client.get("big")) == 16 << 20
        times[pipeline] = time.perf_counter() - started
    assert times[True] < 2 * times[False] + 0.1, times
