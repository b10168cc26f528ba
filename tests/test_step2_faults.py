"""Step 2 when Redis answers, but with a refusal: each fault gets a true 503, logged once.

All on a private redis-server, put in each fault's state by the test.
"""

import socket
import threading
import time

import pytest
import redis
from webtest import TestApp

import step2_redis_session.app

from scripts.processes import free_port, wait_until
from step2_redis_session.faults import COOL_DOWN, GuardedStore
from step2_redis_session.session import RedisSession
from support import ZHANG_SAN, session_key, step2_client


def logged_in(redis_server):
    """Step 2 on redis_server, after a login: (the app, its session id)."""
    app = step2_client(redis_server.url)
    app.post("/login", ZHANG_SAN)
    return app, app.cookies["bottle.sess"]


def stderr_lines(capsys):
    return capsys.readouterr().err.splitlines()


def test_out_of_memory_refuses_logins_but_still_reads_sessions(breakable_redis, capsys):
    app, _ = logged_in(breakable_redis)
    breakable_redis.client().config_set("maxmemory-policy", "noeviction")
    breakable_redis.client().config_set("maxmemory", "1")
    newcomer = TestApp(app.app)  # the same server, another browser
    for _ in range(3):
        res = newcomer.post("/login", ZHANG_SAN, status=503)
        assert "内存已满" in res.text and "out of memory" in res.text
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"  # a GET needs no memory
    assert stderr_lines(capsys) == [  # once, though three logins met it
        "Redis fault (OutOfMemoryError): command not allowed when used memory > 'maxmemory'."]


def test_read_only_replica_refuses_logins_with_a_true_answer(breakable_redis, capsys):
    app, _ = logged_in(breakable_redis)
    admin = breakable_redis.client()
    admin.replicaof("127.0.0.1", free_port())  # a master that is not there: it stays read-only
    try:
        res = step2_client(breakable_redis.url).post("/login", ZHANG_SAN, status=503)
        assert "只读副本" in res.text and "read-only replica" in res.text
        assert app.post("/logout", status=503).headers.getall("Set-Cookie") == []
    finally:
        admin.replicaof("NO", "ONE")
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"
    assert stderr_lines(capsys)[0].startswith("Redis fault (ReadOnlyError): You can't write")


def test_redis_that_wants_a_password_is_named_as_such(breakable_redis, capsys):
    app, _ = logged_in(breakable_redis)
    admin = breakable_redis.client()
    admin.config_set("requirepass", "a-password-we-were-not-given")
    admin.client_kill_filter(_type="normal", skipme=False)  # our pooled connections are gone
    for _ in range(2):
        res = app.post("/login", ZHANG_SAN, status=503)
        assert "密码" in res.text and "password is missing or wrong" in res.text
    (line,) = stderr_lines(capsys)
    assert line.startswith("Redis fault (AuthenticationError): ")
    time.sleep(COOL_DOWN)  # a refusal is an answer: it must not have opened the breaker
    assert "password" in app.post("/login", ZHANG_SAN, status=503).text


def test_key_of_the_wrong_type_is_no_session(redis_server, redis_client):
    app, sid = logged_in(redis_server)
    redis_client.delete(session_key(sid))
    redis_client.rpush(session_key(sid), "not", "a", "session")
    assert app.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    assert app.cookies["bottle.sess"] != sid
    assert redis_client.exists(session_key(sid)) == 0  # the login destroyed the old id


@pytest.mark.parametrize("value", ['{"usr": "\\ud800x"}', '{"usr": "ok", "x": ["\\udfff"]}'])
def test_session_with_a_lone_surrogate_is_no_session(redis_server, redis_client, value):
    app, sid = logged_in(redis_server)
    redis_client.set(session_key(sid), value)
    res = app.post("/login", ZHANG_SAN)
    assert res.status_int == 200 and res.text == "您第一次登录系统"


def test_login_that_got_a_503_may_still_have_stored_its_session(breakable_redis):
    someone, sid = logged_in(breakable_redis)  # the app now holds a connection to Redis
    admin = breakable_redis.client()
    admin.delete(session_key(sid))
    breakable_redis.pause()
    try:
        res = TestApp(someone.app).post("/login", ZHANG_SAN, status=503)
    finally:
        breakable_redis.resume()
    assert res.headers.getall("Set-Cookie") == []  # the browser got no id...
    # ...but the SET was sent, and Redis runs it once it wakes up.
    (orphan,) = wait_until(lambda: admin.keys(session_key("*")) or 1 / 0, "the orphan")
    assert 0 < admin.ttl(orphan) <= 86_400  # nobody holds its id; it lives out its day


def test_logout_that_got_a_503_may_still_have_deleted_the_session(breakable_redis):
    app, sid = logged_in(breakable_redis)
    breakable_redis.pause()
    try:
        res = app.post("/logout", status=503)
    finally:
        breakable_redis.resume()
    assert res.headers.getall("Set-Cookie") == []  # the browser keeps its cookie...
    wait_until(lambda: breakable_redis.client().exists(session_key(sid)) == 0 or 1 / 0,
               "the DEL sent before the 503")  # ...of a session that is deleted all the same
    time.sleep(COOL_DOWN)
    assert app.post("/login", ZHANG_SAN).text == "您第一次登录系统"


def test_planted_live_id_makes_the_victim_the_attacker(redis_server):
    """Session donation: the article's `if (ctx.session.usr)` keeps the session it finds."""
    attacker, sid = logged_in(redis_server)
    victim = step2_client(redis_server.url)
    res = victim.post("/login", {"usr": "victim", "psd": "pw"},
                      headers={"Cookie": f"bottle.sess={sid}"})
    assert res.text == "欢迎，张三"
    assert res.headers.getall("Set-Cookie") == []  # the victim's own login never happened


@pytest.mark.parametrize("reply", [b"+OK\r\n", b"$abc\r\n", b"*-5\r\n", b"#x\r\n", b":12x\r\n"])
def test_a_peer_that_is_not_redis_gets_a_503_not_a_500(reply):
    with socket.socket() as fake:
        fake.bind(("127.0.0.1", 0))
        fake.listen()
        threading.Thread(target=answer_everything_with, args=(fake, reply), daemon=True).start()
        app = step2_client(f"redis://127.0.0.1:{fake.getsockname()[1]}/0")
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

    app = TestApp(step2_redis_session.app.create_app(RedisSession(GuardedStore(RenamedGet()))))
    app.post("/login", ZHANG_SAN, headers={"Cookie": f"bottle.sess={sid}"}, status=503)
    (line,) = stderr_lines(capsys)
    assert session_key(sid[:4] + "…") in line and sid not in line
