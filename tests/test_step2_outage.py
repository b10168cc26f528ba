"""Step 2 when Redis goes away: a quick 503, the page still served, recovery with no restart."""

import time

from step2_redis_session.store import WORST_WAIT
from support import ZHANG_SAN, step2_client

#: What a request may take on top of Redis's worst wait: the app's own work, on a busy machine.
SLACK = 0.5


def timed_login(app, status):
    start = time.monotonic()
    res = app.post("/login", ZHANG_SAN, status=status)
    return res, time.monotonic() - start


def test_redis_down_answers_503_then_recovers_by_itself(breakable_redis):
    app = step2_client(breakable_redis.url)
    assert app.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    breakable_redis.stop()

    res, seconds = timed_login(app, 503)
    assert seconds < WORST_WAIT + SLACK
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Redis" in res.text
    assert app.post("/logout", status=503).headers.getall("Set-Cookie") == []
    assert app.get("/").status_int == 200

    breakable_redis.start()  # empty again: it keeps no data on disk
    assert app.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"


def test_redis_that_hangs_answers_503_within_the_worst_wait(real_redis):
    app = step2_client(real_redis.url)
    app.post("/login", ZHANG_SAN)
    real_redis.pause()
    try:
        res, seconds = timed_login(app, 503)
    finally:
        real_redis.resume()
    assert seconds < WORST_WAIT + SLACK and "Redis" in res.text
    assert app.post("/login", ZHANG_SAN).text == "欢迎，张三"
