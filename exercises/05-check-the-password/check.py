"""Exercise 5's check: python -m workshop.verify 05. One function per Expected of the page."""

import base64
import hashlib

from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, session_cookie, welcomed

STEP = "step2_redis_session"
PASSWORD, WRONG = "s3cret-pw-5", "s3cret-pw-6"


def registered(lab, usr):
    """Log in as usr for the first time (which registers the name); return the browser."""
    browser = Browser(lab.step(STEP))
    browser.login(usr, PASSWORD)
    return browser


def fast_digests(password):
    """{(its name in English, in Chinese): bytes}: the password and every fast, unsalted digest
    of it, as they could be stored."""
    found = {("the password", "密码本身"): password.encode()}
    for name in ("md5", "sha1", "sha256", "sha512"):
        digest = hashlib.new(name, password.encode()).digest()
        for form, value in (("", digest), ("hex", digest.hex().encode()),
                            ("HEX", digest.hex().upper().encode()),
                            ("base64", base64.b64encode(digest)),
                            ("base64", base64.urlsafe_b64encode(digest))):
            label = f"{name.upper()} {form}".strip()
            found[(label, label)] = value
    return found


@expect(hint=2, line=both("A first login registers the name: 您第一次登录系统",
                          "第一次登录会注册这个名字：您第一次登录系统"))
def a_first_login_registers(lab):
    browser = registered(lab, "张三")
    if browser.last.text != FIRST_LOGIN:
        raise Missed(answer(browser.last))


@expect(hint=2, line=both("Another password for that name gets 401, and no cookie",
                          "用别的密码登录这个名字，得到 401，并且没有 Cookie"))
def a_wrong_password_gets_401(lab):
    registered(lab, "李四")
    stranger = Browser(lab.step(STEP))
    res = stranger.login("李四", WRONG)
    if res.status_code != 401 or session_cookie(res) is not None:
        cookie = " + Set-Cookie" if session_cookie(res) else ""
        raise Missed(answer(res) + cookie)


@expect(hint=2, line=both("The right password, in another browser, logs in: a cookie",
                          "在另一个浏览器里用正确的密码登录：拿到 Cookie"))
def the_right_password_logs_in(lab):
    registered(lab, "王五")
    other = Browser(lab.step(STEP))
    res = other.login("王五", PASSWORD)
    if res.status_code != 200 or session_cookie(res) is None:
        raise Missed(answer(res))
    if not welcomed(other.login("王五", PASSWORD), "王五"):
        raise Missed(answer(other.last))


@expect(hint=1, line=both("Redis holds neither the password nor a fast digest of it",
                          "Redis 里既没有密码，也没有它的快速摘要"))
def no_password_in_redis(lab):
    registered(lab, "赵六")
    stored = lab.everything()
    blob = b"\n".join(key + b"\n" + b"\n".join(values) for key, values in stored.items())
    found = [names for names, value in fast_digests(PASSWORD).items() if value in blob]
    if found:
        raise Missed(both(f"Redis holds {', '.join(en for en, _ in found)}",
                          f"Redis 里有 {'、'.join(zh for _, zh in found)}"))


@expect(hint=1, line=both("Two users with the same password are stored differently: a salt each",
                          "两个用户密码相同，存下来的也不一样：各有各的盐"))
def equal_passwords_differ(lab):
    before = lab.everything()
    registered(lab, "孙七")
    middle = lab.everything()
    registered(lab, "周八")
    after = lab.everything()

    def added(old, new):  # the long values that a registration wrote, sessions left out
        return {value for key, values in new.items() if not key.startswith(b"SESSION:")
                for value in values if len(value) >= 16 and value not in old.get(key, [])}
    first, second = added(before, middle), added(middle, after)
    if not first:
        raise Missed(both("nothing was stored for the first user", "没有为第一个用户存下任何东西"))
    shared = {value for value in first if any(value.replace("孙七".encode(), "周八".encode()) == other
                                              for other in second)}
    if shared:
        raise Missed(both(f"both users' records hold {sorted(shared)[0][:40]!r}",
                          f"两个用户的记录里都有 {sorted(shared)[0][:40]!r}"))
