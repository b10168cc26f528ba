"""Session donation: an attacker's own live session, planted in a victim's browser, makes the
victim work in the attacker's account. It holds in every step (docs/security.md)."""

from webtest import TestApp

from workshop.steps import ZHANG_SAN


def test_a_planted_live_session_makes_the_victim_the_attacker(each_app):
    """The article's `if (ctx.session.usr)` keeps the session it finds, whoever brought it."""
    each_app.post("/login", ZHANG_SAN)
    planted = each_app.cookies["bottle.sess"]
    victim = TestApp(each_app.app)
    res = victim.post("/login", {"usr": "victim", "psd": "pw"},
                      headers={"Cookie": f"bottle.sess={planted}"})
    assert res.text == "欢迎，张三"
    assert res.headers.getall("Set-Cookie") == []  # the victim's own login never happened
