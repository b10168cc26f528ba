"""Exercise 3's check: python -m workshop.verify 03. One function per Expected of the page.

A browser is not needed to see what a browser will do with the cookie: the rules
for a __Host- cookie are in its Set-Cookie header, and this reads them there.
"""

from workshop.catalogue import both
from workshop.lab import Browser, Missed, answer, expect, session_cookie, welcomed

STEP = "step1_cookie_session"
NAME = "__Host-Http-bottle.sess"


def logged_in(lab):
    browser = Browser(lab.step(STEP))
    return browser, browser.login()


def attributes_seen(attributes):
    return "; ".join(key if value is True else f"{key}={value}" for key, value in attributes.items())


@expect(hint=1, line=both(f"The session cookie is named {NAME}", f"会话 Cookie 名为 {NAME}"))
def the_cookie_has_the_prefix(lab):
    _, login = logged_in(lab)
    found = session_cookie(login)
    if found is None or found[0] != NAME:
        raise Missed(f"Set-Cookie: {found[0] if found else '-'}")


@expect(hint=1, line=both("It is Secure, with Path=/ and no Domain, as a browser demands of __Host-",
                          "它带 Secure、Path=/，没有 Domain：浏览器对 __Host- 的要求"))
def the_cookie_meets_the_prefix_rules(lab):
    _, login = logged_in(lab)
    found = session_cookie(login, prefix="__Host-")
    if found is None:
        raise Missed(both(f"no {NAME} cookie", f"没有 {NAME} 这个 Cookie"))
    attributes = found[2]
    if "secure" not in attributes or attributes.get("path") != "/" or "domain" in attributes:
        raise Missed(attributes_seen(attributes))


@expect(hint=1, line=both("It keeps HttpOnly, as __Host-Http- demands, and SameSite=Lax",
                          "它仍然带着 HttpOnly（__Host-Http- 要求的）和 SameSite=Lax"))
def the_cookie_keeps_its_other_flags(lab):
    _, login = logged_in(lab)
    found = session_cookie(login)
    attributes = found[2] if found else {}
    if "httponly" not in attributes or str(attributes.get("samesite", "")).lower() != "lax":
        raise Missed(attributes_seen(attributes))


@expect(hint=1, line=both("The second login is welcomed: step 1 reads the cookie by its new name",
                          "第二次登录会被欢迎：第 1 步按新名字读取这个 Cookie"))
def the_renamed_cookie_is_read(lab):
    browser, _ = logged_in(lab)
    if NAME not in browser.cookies:
        raise Missed(f"Cookie: {'; '.join(browser.cookies)}")
    if not welcomed(browser.login()):
        raise Missed(answer(browser.last))


@expect(hint=1, line=both("Logging out clears it with the same Secure and Path=/",
                          "退出登录时，用同样的 Secure 和 Path=/ 清除它"))
def logout_clears_it_as_a_browser_accepts(lab):
    browser, _ = logged_in(lab)
    found = session_cookie(browser.post("/logout"))
    if found is None:
        raise Missed(both("no Set-Cookie", "没有 Set-Cookie"))
    name, _, attributes = found
    if (name != NAME or attributes.get("max-age") != "0" or "secure" not in attributes
            or attributes.get("path") != "/"):
        raise Missed(f"Set-Cookie: {name}=; {attributes_seen(attributes)}")
