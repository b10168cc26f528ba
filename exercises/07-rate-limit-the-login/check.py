"""Exercise 7's check: python -m workshop.verify 07. One function per Expected of the page.

The steps answer from 127.0.0.1 here, one address: the per-name limit shows on one
name, and the per-address limit, higher, must leave another name alone.
"""

from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, welcomed

STEP = "step2_redis_session"
PASSWORD, WRONG = "s3cret-pw-7", "not-the-pw"
#: The page's limits: failed logins per name, and per address, in the window.
PER_NAME, PER_ADDRESS = 5, 50


def registered(lab, usr):
    """A browser that registered usr (exercise 5's first login), and nothing else."""
    browser = Browser(lab.step(STEP))
    if browser.login(usr, PASSWORD).text != FIRST_LOGIN:
        raise Missed(both(f"registering {usr}: {answer(browser.last)}",
                          f"注册 {usr} 时：{answer(browser.last)}"))
    return browser


def wrong_logins(lab, usr, times):
    """The answers to times logins of usr with a wrong password, each from a fresh browser."""
    return [Browser(lab.step(STEP)).login(usr, WRONG) for _ in range(times)]


def statuses(answers):
    return " ".join(str(res.status_code) for res in answers)


@expect(hint=1, line=both("Five wrong passwords for a name, then the sixth try gets 429 with "
                          "Retry-After", "一个名字连错五次密码，第六次得到 429，带 Retry-After"))
def the_sixth_try_is_held_back(lab):
    registered(lab, "张三")
    answers = wrong_logins(lab, "张三", PER_NAME + 1)
    last = answers[-1]
    if [res.status_code for res in answers] != [401] * PER_NAME + [429]:
        raise Missed(statuses(answers))
    if not last.headers.get("Retry-After", "").isdigit() or int(last.headers["Retry-After"]) < 1:
        raise Missed(f"429, Retry-After: {last.headers.get('Retry-After', '-')}")


@expect(hint=1, line=both("While a name is held back, even its right password gets 429",
                          "名字被拦住的时候，连正确的密码也得到 429"))
def no_way_around_it(lab):
    registered(lab, "李四")
    wrong_logins(lab, "李四", PER_NAME)
    res = Browser(lab.step(STEP)).login("李四", PASSWORD)
    if res.status_code != 429:
        raise Missed(answer(res))


@expect(hint=2, line=both("Another name from the same laptop still logs in: the limit is per name",
                          "同一台电脑上的另一个名字照样能登录：限制是按名字算的"))
def another_name_is_not_held_back(lab):
    registered(lab, "王五")
    wrong_logins(lab, "王五", PER_NAME + 1)
    other = registered(lab, "赵六")
    if not welcomed(other.login("赵六", PASSWORD), "赵六"):
        raise Missed(answer(other.last))


@expect(hint=2, line=both("The right password before the limit starts the name's count again",
                          "在达到限制之前输对密码，这个名字的计数就重新开始"))
def a_success_resets(lab):
    registered(lab, "孙七")
    wrong_logins(lab, "孙七", PER_NAME - 1)
    res = Browser(lab.step(STEP)).login("孙七", PASSWORD)
    if res.status_code != 200:
        raise Missed(answer(res))
    answers = wrong_logins(lab, "孙七", PER_NAME - 1)
    if any(res.status_code != 401 for res in answers):
        raise Missed(statuses(answers))


@expect(hint=2, line=both("The counts live in Redis, each with a time to live",
                          "计数存在 Redis 里，每个都有存活时间"))
def the_counts_expire(lab):
    registered(lab, "周八")
    client = lab.redis()
    before = set(client.keys())
    wrong_logins(lab, "周八", 1)
    added = [key for key in set(client.keys()) - before
             if not key.startswith(("SESSION:", "USER:"))]
    if not added:
        raise Missed(both("a failed login wrote nothing to Redis", "一次失败的登录没有往 Redis 里写任何东西"))
    forever = [key for key in added if client.ttl(key) < 0]
    if forever:
        raise Missed(both(f"{forever[0]} has no time to live", f"{forever[0]} 没有存活时间"))
