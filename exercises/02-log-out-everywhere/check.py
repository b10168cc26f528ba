"""Exercise 2's check: python -m workshop.verify 02. One function per Expected of the page."""

from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, welcomed

STEP = "step2_redis_session"


def three_browsers(lab):
    """张三 on a laptop and a phone, 李四 on a third browser, then the laptop ends them all.

    Each check runs it afresh, on a fresh pair of names, so that checks never meet.
    """
    server = lab.step(STEP)
    lab.round = getattr(lab, "round", 0) + 1
    me, other = f"张三{lab.round}", f"李四{lab.round}"
    laptop, phone, third = Browser(server), Browser(server), Browser(server)
    laptop.login(me), phone.login(me), third.login(other)
    ids = [browser.cookies.get("bottle.sess", "") for browser in (laptop, phone, third)]
    ended = laptop.post("/logout/all")
    return me, other, (laptop, phone, third), ids, ended


@expect(hint=2, line=both("POST /logout/all answers how many sessions it ended: 2",
                          "POST /logout/all 返回结束了几个会话：2 个"))
def logout_all_says_how_many(lab):
    *_, ended = three_browsers(lab)
    if ended.status_code != 200 or "2" not in ended.text:
        raise Missed(answer(ended))


@expect(hint=2, line=both("The user's other browser is logged out too: its next login is a first",
                          "这个用户的另一个浏览器也退出登录了：它的下一次登录是第一次登录"))
def the_other_browser_is_logged_out(lab):
    me, _, (_, phone, _), _, _ = three_browsers(lab)
    if phone.login(me).text != FIRST_LOGIN:
        raise Missed(answer(phone.last))


@expect(hint=1, line=both("Another user stays logged in", "别的用户仍然是登录状态"))
def another_user_stays(lab):
    _, other, (_, _, third), _, _ = three_browsers(lab)
    if not welcomed(third.login(other), other):
        raise Missed(answer(third.last))


@expect(hint=2, line=both("Both of the user's sessions are gone from Redis",
                          "这个用户的两个会话都已从 Redis 里删除"))
def the_sessions_are_gone(lab):
    _, _, _, (laptop_id, phone_id, third_id), _ = three_browsers(lab)
    left = [sid[:4] + "…" for sid in (laptop_id, phone_id) if lab.stored(sid) is not None]
    if left or lab.stored(third_id) is None:
        raise Missed(both(f"still in Redis: SESSION:{', SESSION:'.join(left) or '-'}; "
                          f"the other user's session: {'kept' if lab.stored(third_id) else 'gone'}",
                          f"仍在 Redis 里：SESSION:{', SESSION:'.join(left) or '-'}；"
                          f"另一个用户的会话：{'还在' if lab.stored(third_id) else '没了'}"))
