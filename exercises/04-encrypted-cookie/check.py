"""Exercise 4's check: python -m workshop.verify 04. One function per Expected of the page."""

import base64
import binascii

from workshop.processes import free_port
from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, welcomed

STEP = "step1_cookie_session"
NEEDS = ("cryptography",)  # verify names it, and stops, when it is missing
PASSWORD = "s3cret-pw-4"


def key_env():
    """A fresh key that Fernet made, as the page has the learner make one."""
    from cryptography.fernet import Fernet
    return {"SESSION_KEY": Fernet.generate_key().decode()}


def started(lab):
    if not hasattr(lab, "key_env"):
        lab.key_env = key_env()
    return lab.step(STEP, env=lab.key_env)


def logged_in(lab):
    browser = Browser(started(lab))
    browser.login("张三", PASSWORD)
    return browser, browser.cookies.get("bottle.sess", "")


def decodings(value):
    """What base64, standard or URL-safe, makes of a cookie value, and the value itself."""
    found = [value.encode()]
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            found.append(decode(value + "=" * (-len(value) % 4)))
        except (binascii.Error, ValueError):
            pass
    return found


@expect(hint=1, line=both("Step 1 starts with SESSION_KEY, a key that Fernet made",
                          "第 1 步用 SESSION_KEY（Fernet 生成的密钥）启动"))
def starts_with_a_generated_key(lab):
    started(lab)


@expect(hint=1, line=both("The cookie shows nothing of the session, in base64 or not",
                          "Cookie 里看不出会话的任何内容，base64 解码了也看不出"))
def the_cookie_hides_the_session(lab):
    _, value = logged_in(lab)
    if not value:
        raise Missed(both("no bottle.sess cookie", "没有 bottle.sess 这个 Cookie"))
    secrets = ["张三".encode(), b"\\u5f20\\u4e09", PASSWORD.encode(), b'"usr"', b"_expire"]
    shown = [secret.decode() for secret in secrets
             if any(secret in decoded for decoded in decodings(value))]
    if shown:
        raise Missed(both(f"base64 of the cookie shows {', '.join(shown)}",
                          f"对 Cookie 做 base64 解码，能看到 {', '.join(shown)}"))


@expect(hint=1, line=both("An edited cookie is no session: a first login",
                          "改过的 Cookie 不算会话：算第一次登录"))
def an_edited_cookie_is_no_session(lab):
    browser, value = logged_in(lab)
    if not value:
        raise Missed(both("no bottle.sess cookie was set", "没有设置 bottle.sess 这个 Cookie"))
    middle = len(value) // 2
    browser.cookies["bottle.sess"] = (value[:middle] + ("A" if value[middle] != "A" else "B")
                                      + value[middle + 1:])
    if browser.login("张三", PASSWORD).text != FIRST_LOGIN:
        raise Missed(answer(browser.last))


@expect(hint=1, line=both("The cookie, sent back as it was, is welcomed",
                          "原样发回的 Cookie 会得到欢迎"))
def the_cookie_opens_the_session(lab):
    browser, _ = logged_in(lab)
    if not welcomed(browser.login("张三", PASSWORD)):
        raise Missed(answer(browser.last))


@expect(hint=2, line=both("A key that Fernet did not make is refused at start-up",
                          "不是 Fernet 生成的密钥，在启动时就被拒绝"))
def a_made_up_key_is_refused(lab):
    status, printed = lab.run(STEP, "--port", str(free_port()),
                              env={"SESSION_KEY": "password" * 4, "SESSION_SECRET": "password" * 4})
    if status in (None, 0) or "Traceback" in printed:
        raise Missed(both("with SESSION_KEY=passwordpassword…, step 1 "
                          + ("started" if status is None else f"exited with status {status}"),
                          "用 SESSION_KEY=passwordpassword… 时，第 1 步"
                          + ("照样启动了" if status is None else f"以状态 {status} 退出")))


@expect(hint=2, line=both("A copy replayed after logout is still welcomed: nothing to revoke",
                          "退出登录后重放副本，仍然会得到欢迎：没有什么可以撤销"))
def a_copy_outlives_the_logout(lab):
    browser, value = logged_in(lab)
    browser.post("/logout")
    browser.cookies["bottle.sess"] = value
    if not welcomed(browser.login("张三", PASSWORD)):
        raise Missed(answer(browser.last))
