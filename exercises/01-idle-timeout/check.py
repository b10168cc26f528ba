"""Exercise 1's check: python -m workshop.verify 01. One function per Expected of the page."""

import time

from workshop.processes import free_port
from workshop.catalogue import both
from workshop.lab import FIRST_LOGIN, Browser, Missed, answer, expect, welcomed

STEP = "step2_redis_session"
IDLE = 3  # seconds: short, so that the check takes seconds


def started(lab):
    return lab.step(STEP, "--idle-timeout", str(IDLE))


@expect(hint=2, line=both("Step 2 takes --idle-timeout SECONDS",
                          "第 2 步接受 --idle-timeout SECONDS 选项"))
def takes_the_option(lab):
    started(lab)


@expect(hint=2, line=both("A new session lives for the idle time, not a day",
                          "新的会话只活空闲时长那么久，而不是一天"))
def a_new_session_gets_the_idle_time(lab):
    browser = Browser(started(lab))
    browser.login()
    ttl = lab.ttl(browser.cookies.get("bottle.sess", ""))
    if not 0 < ttl <= IDLE:
        raise Missed(both(f"with --idle-timeout {IDLE}, a new session's TTL is {ttl:.0f} s",
                          f"用 --idle-timeout {IDLE} 时，新会话的 TTL 是 {ttl:.0f} 秒"))


@expect(hint=1, line=both("A read is welcomed, renews the time to live, and sends one Redis command",
                          "读取时显示欢迎、刷新存活时间，并且只发一条 Redis 命令"))
def a_read_renews_in_one_command(lab):
    browser = Browser(started(lab))
    browser.login()
    sid = browser.cookies.get("bottle.sess", "")
    time.sleep(1.1)
    before = lab.ttl(sid)
    sent = lab.commands(browser.login)
    if not welcomed(browser.last):
        raise Missed(answer(browser.last))
    after = lab.ttl(sid)
    if len(sent) != 1:
        raise Missed(both(f"{len(sent)} commands for one read: {', '.join(sent)}",
                          f"一次读取发了 {len(sent)} 条命令：{', '.join(sent)}"))
    # Renewed: later than before. (The embedded Redis's GETEX cuts the expiry to a
    # whole second, so a renewed TTL is IDLE - 1 to IDLE: still more than before.)
    if not before + 0.05 < after <= IDLE:
        raise Missed(both(f"the TTL was {before:.1f} s before a read, {after:.1f} s after it",
                          f"读取之前 TTL 是 {before:.1f} 秒，读取之后是 {after:.1f} 秒"))


@expect(hint=2, line=both("A session left alone for the idle time ends: the next login is a first",
                          "闲置超过空闲时长的会话会结束：下一次登录是第一次登录"))
def a_session_left_alone_ends(lab):
    browser = Browser(started(lab))
    browser.login()
    time.sleep(IDLE + 0.3)
    if browser.login().text != FIRST_LOGIN:
        raise Missed(answer(browser.last))


@expect(hint=2, line=both("An idle time under one second is refused at start-up; the last line "
                          "says why", "不到一秒的空闲时长在启动时就被拒绝，最后一行说明原因"))
def a_short_idle_time_is_refused(lab):
    started(lab)  # the option itself is taken
    for idle in ("0", "-5"):
        status, printed = lab.run(STEP, "--idle-timeout", idle, "--port", str(free_port()))
        # The last line says why: argparse's parser.error prints its usage first, which
        # may wrap over several lines; sys.exit("…") prints the line alone. Both are right.
        lines = printed.splitlines()
        if (status in (None, 0) or "Traceback" in printed or not lines
                or "idle" not in lines[-1].lower()):
            shown = printed.splitlines()[-1] if printed else ""
            if status is None:
                raise Missed(both(f"with --idle-timeout {idle}, step 2 started",
                                  f"用 --idle-timeout {idle} 时，第 2 步照样启动了"))
            raise Missed(both(f"--idle-timeout {idle}: exit status {status}, {shown}",
                              f"--idle-timeout {idle}：退出状态 {status}，{shown}"))
