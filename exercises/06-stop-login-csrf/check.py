"""Exercise 6's check: python -m workshop.verify 06. One function per Expected of the page.

It sends what Chromium sends on a form posted from another site (Sec-Fetch-Site and
Origin); tests/lesson/test_exercises.py plays the whole attack in Chromium itself.
"""

from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, session_cookie, welcomed

STEP = "step2_redis_session"
ATTACKERS_SITE = "http://127.0.0.1:4100"  # where python -m workshop.attacker serves its page


def cross_site(origin=ATTACKERS_SITE):
    """The headers of a form that a page on another site posted."""
    return {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Origin": origin}


@expect(hint=1, line=both("A login posted from another site gets 403, and no cookie",
                          "另一个网站提交的登录得到 403，并且没有 Cookie"))
def a_cross_site_login_is_refused(lab):
    victim = Browser(lab.step(STEP))
    res = victim.post("/login", {"usr": "attacker", "psd": "pw"}, headers=cross_site())
    if res.status_code != 403 or session_cookie(res) is not None:
        raise Missed(answer(res) + (" + Set-Cookie" if session_cookie(res) else ""))


@expect(hint=1, line=both("A logout posted from another site gets 403, and the session lives on",
                          "另一个网站提交的退出登录得到 403，会话照样有效"))
def a_cross_site_logout_is_refused(lab):
    victim = Browser(lab.step(STEP))
    victim.login()
    res = victim.post("/logout", headers=cross_site())
    if res.status_code != 403:
        raise Missed(answer(res))
    if not welcomed(victim.login()):  # refused, but only after the session was ended
        raise Missed(both(f"403, and yet the next login was not welcomed: {answer(victim.last)}",
                          f"得到了 403，可下一次登录没有被欢迎：{answer(victim.last)}"))


@expect(hint=1, line=both("A login from a sibling site (same-site) gets 403 too",
                          "来自同级网站（same-site）的登录同样得到 403"))
def a_sibling_site_is_refused(lab):
    sibling = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate",
               "Origin": "http://blog.localhost:4100"}
    res = Browser(lab.step(STEP)).post("/login", {"usr": "attacker", "psd": "pw"}, headers=sibling)
    if res.status_code != 403 or session_cookie(res) is not None:
        raise Missed(answer(res) + (" + Set-Cookie" if session_cookie(res) else ""))


@expect(hint=2, line=both("Without Sec-Fetch-Site, an Origin of another site is refused too",
                          "没有 Sec-Fetch-Site 时，来自别的网站的 Origin 同样被拒绝"))
def a_foreign_origin_is_refused(lab):
    res = Browser(lab.step(STEP)).post("/login", {"usr": "attacker", "psd": "pw"},
                                       headers={"Origin": ATTACKERS_SITE})
    if res.status_code != 403 or session_cookie(res) is not None:
        raise Missed(answer(res) + (" + Set-Cookie" if session_cookie(res) else ""))


@expect(hint=2, line=both("The page's own form still logs in, and welcomes",
                          "页面自己的表单照样能登录，并显示欢迎"))
def the_page_itself_still_works(lab):
    server = lab.step(STEP)
    own = {"Sec-Fetch-Site": "same-origin", "Origin": server.url}
    browser = Browser(server)
    first = browser.post("/login", {"usr": "张三", "psd": "123"}, headers=own)
    if first.text != FIRST_LOGIN:
        raise Missed(answer(first))
    if not welcomed(browser.post("/login", {"usr": "张三", "psd": "123"}, headers=own)):
        raise Missed(answer(browser.last))


@expect(hint=2, line=both("curl, which sends neither header, still logs in",
                          "两个头都不发的 curl 照样能登录"))
def curl_still_works(lab):
    res = Browser(lab.step(STEP)).login()
    if res.text != FIRST_LOGIN:
        raise Missed(answer(res))
