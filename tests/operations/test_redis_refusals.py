"""Step 2 when Redis answers, but with a refusal: each fault gets a true 503, logged once.

All on a private redis-server, put in each fault's state by the test.
"""

import json
import socket
import threading
import time

import pytest
import redis
from webtest import TestApp

from workshop.private_redis import redis_url
from harness.crowd import answers_in_process
from workshop.processes import free_port
from plumbing.connection import connect
from plumbing.breaker import COOL_DOWN, CircuitBreaker, GuardedStore
from plumbing.server import THREADS
from step2_redis_session.store import RedisStore
from workshop.steps import ZHANG_SAN
from support import logged_in, session_key, step2_client


def stderr_lines(capsys):
    return capsys.readouterr().err.splitlines()


def test_out_of_memory_refuses_logins_but_still_reads_sessions(own_redis_server, capsys):
    app, _ = logged_in(own_redis_server)
    own_redis_server.client().config_set("maxmemory-policy", "noeviction")
    own_redis_server.client().config_set("maxmemory", "1")
    newcomer = TestApp(app.app)  # the same server, another browser
    for _ in range(3):
        res = newcomer.post("/login", ZHANG_SAN, status=503)
        assert "内存已满" in res.text and "out of memory" in res.text
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"  # a GET needs no memory
    assert stderr_lines(capsys) == [  # once, though three logins met it
        "Redis fault (OutOfMemoryError): command not allowed when used memory > 'maxmemory'."]


class PipelinedStore(RedisStore):
    """A store that writes a session and more in one pipeline, as exercise 2's answer does."""

    def set(self, key, sess, max_age):
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(session_key(key), json.dumps(sess, ensure_ascii=False), ex=max_age // 1000)
        pipe.set("PIPELINED:" + key, "1", ex=max_age // 1000)
        pipe.execute()


def test_a_pipelined_write_is_logged_without_the_session_it_carried(own_redis_server, capsys):
    """redis-py quotes a pipeline's failed command whole: the log keeps only Redis's words."""
    client = own_redis_server.client()
    app = step2_client(store=GuardedStore(PipelinedStore(client)))
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", "1")
    for _ in range(3):
        app.post("/login", {"usr": "王五", "psd": "pw"}, status=503)
    assert stderr_lines(capsys) == [
        "Redis fault (OutOfMemoryError): command not allowed when used memory > 'maxmemory'."]


def test_read_only_replica_refuses_logins_with_a_true_answer(own_redis_server, capsys):
    app, _ = logged_in(own_redis_server)
    admin = own_redis_server.client()
    admin.replicaof("127.0.0.1", free_port())  # a master that is not there: it stays read-only
    try:
        res = step2_client(own_redis_server.url).post("/login", ZHANG_SAN, status=503)
        assert "只读副本" in res.text and "read-only replica" in res.text
        assert app.post("/logout", status=503).headers.getall("Set-Cookie") == []
    finally:
        admin.replicaof("NO", "ONE")
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"
    assert stderr_lines(capsys)[0].startswith("Redis fault (ReadOnlyError): You can't write")


def test_redis_that_wants_a_password_is_named_as_such(own_redis_server, capsys):
    app, _ = logged_in(own_redis_server)
    admin = own_redis_server.client()
    admin.config_set("requirepass", "a-password-we-were-not-given")
    admin.client_kill_filter(_type="normal", skipme=False)  # our pooled connections are gone
    for _ in range(2):
        res = app.post("/login", ZHANG_SAN, status=503)
        assert "密码" in res.text and "password is missing or wrong" in res.text
    (line,) = stderr_lines(capsys)
    assert line.startswith("Redis fault (AuthenticationError): ")
    time.sleep(COOL_DOWN)  # a refusal is an answer: it must not have opened the breaker
    assert "password" in app.post("/login", ZHANG_SAN, status=503).text


@pytest.mark.parametrize("reply", [b"+OK\r\n", b"$abc\r\n", b"*-5\r\n", b"#x\r\n", b":12x\r\n"])
def test_a_peer_that_is_not_redis_gets_a_503_not_a_500(reply):
    with socket.socket() as fake:
        fake.bind(("127.0.0.1", 0))
        fake.listen()
        threading.Thread(target=answer_everything_with, args=(fake, reply), daemon=True).start()
        app = step2_client(redis_url(fake.getsockname()[1]))
        sid = "AnIdOfTheRightShape222"
        for headers in ({}, {"Cookie": f"bottle.sess={sid}"}):
            res = app.post("/login", ZHANG_SAN, headers=headers, status=503)
            assert "not answering" in res.text


def answer_everything_with(listener, reply):
    """A server at Redis's address that answers every command with the same bytes."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            while connection.recv(65536):
                connection.sendall(reply)


def test_the_log_cuts_a_session_id_that_redis_quotes(capsys):
    sid = "W6Es4nSpr4bdKpPJHMkjXj"

    class RenamedGet:
        def get(self, key):
            raise redis.ResponseError(f"unknown command 'GET', with args beginning with: "
                                      f"'{session_key(key)}'")

    app = step2_client(store=GuardedStore(RenamedGet()))
    app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={sid}"}, status=503)
    (line,) = stderr_lines(capsys)
    assert session_key(sid[:4] + "…") in line and sid not in line


class CountingBreaker(CircuitBreaker):
    """A circuit breaker that counts the times it opened."""

    def __init__(self):
        super().__init__()
        self.opened = 0

    def settle(self, trial, reached):
        self.opened += not reached
        return super().settle(trial, reached)


@pytest.mark.parametrize("pipeline", [False, True], ids=["one-round-trip-each", "pipelined"])
def test_redis_at_maxclients_is_an_answer_and_the_breaker_stays_closed(own_redis_server, capsys,
                                                                        pipeline):
    """A refusal at maxclients is Redis answering: only the requests it meets get a 503, and
    it says so, while the breaker stays closed for the requests that have a connection.

    What is counted is the breaker itself, not a rate: an earlier version compared the 200s
    with and without the breaker, which a busy machine, or the pipelined reads' connection of
    their own, moved by more than the margin."""
    admin = own_redis_server.client()
    admin.ping()
    # The admin holds one connection: two for step 2, whose eight threads want more at once.
    admin.config_set("maxclients", "3")
    breaker = CountingBreaker()
    client = connect(own_redis_server.url, pipeline=pipeline)
    app = step2_client(store=GuardedStore(RedisStore(client), breaker=breaker)).app
    answers = answers_in_process(app, seconds=1.0)
    client.connection_pool.disconnect()
    refusals = {text for status, text in answers if status == 503}
    assert refusals and all("maxclients" in text for text in refusals), refusals
    assert breaker.opened == 0
    # Requests that found a connection were served: how many depends on the machine's load.
    assert sum(status == 200 for status, _ in answers) > 0
    assert stderr_lines(capsys) == [  # the cause, then the fix, once
        "Redis fault (ClientLimit): max number of clients reached. Redis has as many clients as "
        "its maxclients allows: stop some of them, or raise it (redis-cli config set maxclients "
        "10000)."]


def test_a_pool_never_smaller_than_the_threads(real_redis_server):
    """?max_connections=4 is raised to one connection per server thread, reads shared or not."""
    url = real_redis_server.url + "?max_connections=4"
    assert connect(url, pipeline=False).connection_pool.max_connections == THREADS == 8
    assert connect(url, pipeline=True).connection_pool.max_connections == THREADS
    answers = answers_in_process(step2_client(url).app, seconds=1.0)
    assert {status for status, _ in answers} == {200}
