"""Step 2 when Redis goes away: a quick 503, the page still served, recovery with no restart."""

import time

from conftest import FORM


def timed_login(app, status):
    start = time.monotonic()
    res = app.post("/login", FORM, status=status)
    return res, time.monotonic() - start


def test_redis_down_answers_503_then_recovers_by_itself(step2_on_breakable_redis, breakable_redis):
    app = step2_on_breakable_redis
    assert app.post("/login", FORM).text == "您第一次登录系统"
    breakable_redis.stop()

    res, seconds = timed_login(app, 503)
    assert seconds < 2
    assert res.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Redis" in res.text
    assert app.post("/logout", status=503).headers.getall("Set-Cookie") == []
    assert app.get("/").status_int == 200

    breakable_redis.start()  # empty again: neither server here keeps data on disk
    assert app.post("/login", FORM).text == "您第一次登录系统"
    assert app.post("/login", FORM).text == "欢迎，张三"


def test_redis_that_hangs_answers_503_within_two_seconds(step2_on_real_redis, real_redis):
    app = step2_on_real_redis
    app.post("/login", FORM)
    real_redis.pause()
    try:
        res, seconds = timed_login(app, 503)
    finally:
        real_redis.resume()
    assert seconds < 2 and "Redis" in res.text
    assert app.post("/login", FORM).text == "欢迎，张三"
