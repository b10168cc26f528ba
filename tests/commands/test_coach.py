"""The coach (python -m workshop.coach): each checkpoint of the walkthroughs noticed once, from
the requests and answers alone; nothing noticed that did not happen; the step's answers
unchanged; and no cookie, id, name or password in anything it says, keeps or sends."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import requests
from webtest import TestApp

import step1_cookie_session.app
from workshop.processes import ROOT, wait_until
from workshop.steps import ZHANG_SAN, StepServer
from step1_cookie_session.session import CookieSession
from plumbing.breaker import COOL_DOWN
from support import MARKED_LOGIN, SECRET, clone_of, cookie_of, edited_cookie, step2_client
from workshop import progress
from plumbing import reloader
from workshop.catalogue import language
from workshop.coach import Coach, Memory, fingerprint


class Heard:
    """What the coach said in the terminal, and what it gave its reporter."""

    def __init__(self):
        self.lines, self.reported = [], []

    def report(self, checkpoint):
        self.reported.append(checkpoint)


@pytest.fixture(autouse=True)
def own_progress(tmp_path, monkeypatch):
    """The checkpoints go to a file of the test's own, never to the learner's."""
    monkeypatch.setattr(progress, "FILE", tmp_path / "progress.json")
    return tmp_path / "progress.json"


def coached(app, step, signed=False):
    heard = Heard()
    coach = Coach(app, step, "en", signed=signed, reporter=heard, out=heard.lines.append)
    return TestApp(coach), heard


def sent_with(browser, cookie_header):
    """A login from another browser of the same app, with this Cookie header: a pasted cookie."""
    return TestApp(browser.app).post("/login", ZHANG_SAN, headers={"Cookie": cookie_header})


def step1(signed=False):
    sessions = CookieSession(signed=signed, secret=SECRET if signed else None)
    return coached(step1_cookie_session.app.create_app(sessions), "step1_cookie_session", signed)


def step2(store_url):
    return coached(step2_client(store_url).app, "step2_redis_session")


def test_step1s_try_its_are_each_noticed_once(own_progress):
    browser, heard = step1()
    browser.post("/login", ZHANG_SAN)
    browser.post("/login", ZHANG_SAN)
    browser.post("/login", ZHANG_SAN)  # a second welcome: said once
    forged = cookie_of({"usr": "admin", "psd": "x", "_expire": 4_102_444_800_000,
                        "_maxAge": 86_400_000})
    assert sent_with(browser, f"bottle.sess={forged}").text == "欢迎，admin"
    browser.post("/logout")
    browser.post("/login", ZHANG_SAN)
    copied = browser.cookies["bottle.sess"]
    browser.post("/logout")
    assert sent_with(browser, f"bottle.sess={copied}").text == "欢迎，张三"
    expected = ["step1-login", "step1-welcome", "step1-forged", "step1-replayed"]
    assert heard.reported == expected
    assert len(heard.lines) == 4 and all(line.startswith("★ step 1: ") for line in heard.lines)
    assert list(json.loads(own_progress.read_text())["checkpoints"]) == expected


def test_a_cookie_for_a_name_logged_in_here_is_no_forgery(own_progress):
    """Like a cookie pasted from the Koa app: another server's, for a name step 1 knows."""
    browser, heard = step1()
    browser.post("/login", ZHANG_SAN)
    koa_like = cookie_of({**ZHANG_SAN, "_expire": 4_102_444_800_000, "_maxAge": 86_400_000})
    welcome = sent_with(browser, f"bottle.sess={koa_like}")
    assert welcome.text == "欢迎，张三" and heard.reported == ["step1-login"]


def test_signed_mode_refusing_an_edit_is_noticed(own_progress):
    browser, heard = step1(signed=True)
    browser.post("/login", ZHANG_SAN)
    edited = edited_cookie(browser.cookies["bottle.sess"], usr="admin")
    signature = browser.cookies["bottle.sess.sig"]
    refused = sent_with(browser, f"bottle.sess={edited}; bottle.sess.sig={signature}")
    assert refused.text == "您第一次登录系统"
    assert heard.reported == ["step1-login", "step1-signed-refused"]


def test_step2s_try_its_are_each_noticed_once(each_redis, own_progress):
    browser, heard = step2(each_redis.url)
    browser.post("/login", ZHANG_SAN)
    browser.post("/login", ZHANG_SAN)
    assert sent_with(browser, "bottle.sess=InventedInventedInvent").text == "您第一次登录系统"
    copied = browser.cookies["bottle.sess"]
    browser.post("/logout")
    assert sent_with(browser, f"bottle.sess={copied}").text == "您第一次登录系统"
    assert heard.reported[:2] == ["step2-login", "step2-welcome"]
    assert set(heard.reported) == {"step2-login", "step2-welcome", "step2-forged-refused",
                                   "step2-replay-refused"}


def test_redis_down_and_back_are_noticed(own_redis_server, own_progress):
    browser, heard = step2(own_redis_server.url)
    browser.post("/login", ZHANG_SAN)
    own_redis_server.stop()
    browser.post("/login", ZHANG_SAN, status=503)
    own_redis_server.start()
    time.sleep(COOL_DOWN + 0.1)
    browser.post("/login", ZHANG_SAN)
    assert heard.reported[-2:] == ["step2-redis-down", "step2-recovered"]


def test_the_answers_are_the_same_with_and_without_the_coach(own_progress):
    """Status, body, every header (cookies and their attributes included), request by request."""
    def walk(app):
        browser, answers = TestApp(app), []
        for path, form in (("/", None), ("/login", ZHANG_SAN), ("/login", ZHANG_SAN),
                           ("/login", {"usr": ""}), ("/logout", {}), ("/nope", None)):
            res = (browser.post(path, form, expect_errors=True) if form is not None
                   else browser.get(path, expect_errors=True))
            headers = sorted((name, value if name != "Set-Cookie" else
                              value.split("=", 1)[0] + "=" + ";".join(value.split(";")[1:]))
                             for name, value in res.headerlist if name != "Content-Length")
            answers.append((res.status, res.body if path != "/login" or res.status_int != 200
                            else res.text[:2], headers))
        return answers
    plain = step1_cookie_session.app.create_app(CookieSession())
    assert walk(plain) == walk(Coach(step1_cookie_session.app.create_app(CookieSession()),
                                     "step1_cookie_session", "en", out=lambda line: None))


def test_nothing_said_kept_or_sent_holds_a_cookie_an_id_a_name_or_a_password(own_progress):
    browser, heard = step1()
    browser.post("/login", MARKED_LOGIN)
    value = browser.cookies["bottle.sess"]
    browser.post("/login", MARKED_LOGIN)
    browser.app.memory.write()
    kept = (own_progress.parent / "coach-memory.json").read_text()
    assert len(json.loads(kept)["step1-issued"]) == 1  # a fingerprint: SHA-256, not the value
    everything = "\n".join(heard.lines + heard.reported) + own_progress.read_text() + kept
    for secret in (value, value[:12], MARKED_LOGIN["usr"], MARKED_LOGIN["psd"]):
        assert secret not in everything


def test_progress_lists_what_was_reached_and_reset_forgets_it(own_progress, capsys):
    progress.note("step1-login")
    progress.note("ex03")
    assert progress.main(["--lang", "en"]) == 0
    shown = capsys.readouterr().out.splitlines()
    marks = {line.split()[1]: line.split()[0] for line in shown if line.startswith("  ")}
    assert marks["step1-login"] == "✓" and marks["ex03"] == "✓" and marks["step1-welcome"] == "·"
    assert shown[-1].startswith("2 done.") and shown[0] == "✓ reached, · not yet:"  # the marks' key
    assert progress.main(["--reset", "--lang", "zh"]) == 0
    assert "已清除" in capsys.readouterr().out and not own_progress.exists()
    assert progress.reached() == {}


def test_reloading_the_page_while_redis_is_down_is_no_recovery(own_redis_server, own_progress):
    """The page needs no Redis: it answers while Redis is still down, and proves nothing."""
    browser, heard = step2(own_redis_server.url)
    browser.post("/login", ZHANG_SAN)
    own_redis_server.stop()
    browser.post("/login", ZHANG_SAN, status=503)
    assert browser.get("/").status_int == 200
    assert "step2-recovered" not in heard.reported


def test_coach_help_says_how_to_use_it_and_exits_0():
    result = subprocess.run([sys.executable, "-m", "workshop.coach", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "STEP is step1_cookie_session" in result.stdout


def test_a_checkpoint_reached_in_an_earlier_run_is_not_announced_again(own_progress):
    browser, heard = step1()
    browser.post("/login", ZHANG_SAN)
    again, heard_again = step1()  # the coach restarted; the progress file remembers
    again.post("/login", ZHANG_SAN)
    assert len(heard.lines) == 1 and heard_again.lines == []
    assert heard_again.reported == ["step1-login"]  # a board that restarted still hears it


def end_the_run(browser):
    """The coach's fingerprints written, as they are when a run of it ends."""
    browser.app.memory.write()


def test_a_cookie_from_an_earlier_run_is_no_forgery(own_progress):
    browser, _ = step1()
    browser.post("/login", ZHANG_SAN)
    end_the_run(browser)
    again, heard = step1()
    assert sent_with(again, f"bottle.sess={browser.cookies['bottle.sess']}").text == "欢迎，张三"
    assert heard.reported == ["step1-welcome"]


def test_a_cookie_from_a_run_without_the_coach_is_no_forgery(own_progress):
    uncoached = TestApp(step1_cookie_session.app.create_app(CookieSession()))
    uncoached.post("/login", {"usr": "李四", "psd": "pw"})
    time.sleep(0.01)  # the coach starts after that cookie was issued
    browser, heard = step1()
    value = uncoached.cookies["bottle.sess"]
    assert sent_with(browser, f"bottle.sess={value}").text == "欢迎，李四"
    assert "step1-forged" not in heard.reported


def test_an_unsigned_cookie_refused_by_signed_mode_is_no_edit(own_progress):
    """Switching to --signed with the unsigned cookie still in the browser: refused, but
    nothing was edited; the edit comes after, under a signature the step set."""
    unsigned, _ = step1()
    unsigned.post("/login", ZHANG_SAN)
    browser, heard = step1(signed=True)
    assert sent_with(browser, f"bottle.sess={unsigned.cookies['bottle.sess']}").text == "您第一次登录系统"
    assert "step1-signed-refused" not in heard.reported


def test_an_id_it_issued_refused_after_redis_lost_it_is_not_invented(own_redis_server, own_progress):
    """An embedded Redis restarts empty with step 2, and the coach with it: the id the browser
    still holds was issued, not invented."""
    browser, _ = step2(own_redis_server.url)
    browser.post("/login", ZHANG_SAN)
    end_the_run(browser)
    own_redis_server.client().flushall()
    again, heard = step2(own_redis_server.url)
    assert sent_with(again, f"bottle.sess={browser.cookies['bottle.sess']}").text == "您第一次登录系统"
    assert "step2-forged-refused" not in heard.reported


def test_step1s_cookie_still_in_the_browser_earns_nothing_on_step2(own_redis_server, own_progress):
    """Both steps serve on port 4000, and cookies ignore the port: step 1's cookie, and one it
    cleared, reach step 2, which refuses them; nobody invented or replayed an id of step 2."""
    one, _ = step1()
    one.post("/login", ZHANG_SAN)
    copied = one.cookies["bottle.sess"]
    one.post("/logout")
    end_the_run(one)
    two, heard = step2(own_redis_server.url)
    assert sent_with(two, f"bottle.sess={copied}").text == "您第一次登录系统"
    assert not {"step2-forged-refused", "step2-replay-refused"} & set(heard.reported)


def test_two_coaches_keep_each_others_fingerprints(own_redis_server, own_progress):
    one, _ = step1()
    two, _ = step2(own_redis_server.url)  # read the file before step 1's login was written
    one.post("/login", ZHANG_SAN)
    end_the_run(one)
    two.post("/login", ZHANG_SAN)
    end_the_run(two)
    kept = json.loads((own_progress.parent / "coach-memory.json").read_text())
    assert len(kept["step1-issued"]) == 1 and len(kept["step2-issued"]) == 1


@pytest.mark.parametrize("content", ['{"step1-issued": [[1, 2]]}', "[{}]", "[" * 100_000, "\x00\xff",
                                     '{"step1-issued": "x"}'])
def test_a_memory_file_that_is_not_the_coachs_own_is_read_as_empty(own_progress, content):
    (own_progress.parent / "coach-memory.json").write_text(content, "utf-8", "surrogateescape")
    browser, heard = step1()
    browser.post("/login", ZHANG_SAN)
    assert heard.reported == ["step1-login"]


def test_writes_at_once_never_leave_the_memory_file_empty(own_progress):
    """The writer thread and a write at exit can meet, and another coach may read meanwhile:
    the file it reads is always whole."""
    from workshop.coach import Memory
    path = own_progress.parent / "coach-memory.json"
    memory = Memory(path)
    marks = [f"{number:064x}" for number in range(Memory.KEPT)]  # a full file: slow to write
    for mark in marks:
        memory.add("step1-issued", mark)
    memory.write()
    done = threading.Event()

    def write_often():
        while not done.is_set():
            memory.write()

    writers = [threading.Thread(target=write_often) for _ in range(4)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(300):
            assert json.loads(path.read_text()) == {"step1-issued": marks}
    finally:
        done.set()
        for writer in writers:
            writer.join()


def test_two_memories_writing_at_once_never_leave_a_half_written_file(own_progress):
    """Each write has a file of its own to fill before it replaces the memory's: two coaches
    (or two Memories in one process) never fill the same one."""
    path = own_progress.parent / "coach-memory.json"
    memories = [Memory(path), Memory(path)]

    def write_often(memory, kind):
        for number in range(150):
            memory.add(kind, fingerprint(f"{kind} {number}"))
            memory.write()

    writers = [threading.Thread(target=write_often, args=(memory, kind))
               for memory, kind in zip(memories, ("step1-issued", "step2-issued"))]
    for writer in writers:
        writer.start()
    unreadable = 0
    while any(writer.is_alive() for writer in writers):
        try:
            json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            pass
        except ValueError:
            unreadable += 1
    assert unreadable == 0

    def both_kept():
        # Two writers can still cross: one replaces the file with what it read before the
        # other's write. Each keeps its own marks and writes them again, so the file holds
        # both once each has written after the other's last write.
        for memory in memories:
            memory.write()
        kept = json.loads(path.read_text("utf-8"))
        return len(kept["step1-issued"]) == len(kept["step2-issued"]) == 150

    wait_until(both_kept, "both memories' marks in the file")
    # (each Memory's own writer thread may still be at a last write: it leaves nothing behind)
    wait_until(lambda: not [name for name in os.listdir(path.parent)
                            if name.startswith(path.name + ".")], "no temporary file left")


def test_a_run_under_reload_began_when_its_watcher_did(monkeypatch):
    """A cookie from before the last save is from this run: one forged from it is an edit."""
    monkeypatch.setenv(reloader.CHILD, "1")
    monkeypatch.setenv(reloader.STARTED, "1700000000.5")
    browser, heard = step1()
    assert browser.app.started_ms == 1700000000500


def test_the_coach_of_step1_starts_while_step2_is_half_written(tmp_path):
    """Exercise 02 edits step 2's session.py: a syntax error there is no concern of step 1's."""
    clone = clone_of(tmp_path)
    (clone / "step2_redis_session" / "session.py").write_text("def half_written(:\n")
    with StepServer("workshop.coach", "step1_cookie_session", "--quiet", cwd=clone,
                    env={"WORKSHOP_PROGRESS": str(tmp_path / "progress.json")}) as server:
        assert requests.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"


@pytest.mark.parametrize("environment, lang", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "en"),
    ({"LANGUAGE": "zh_CN:en", "LANG": "C.UTF-8"}, "zh"),  # gettext's list of languages first
    ({"LANGUAGE": "en_US:en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_GB.UTF-8"}, "zh"),
])
def test_the_commands_speak_the_language_the_environment_names(monkeypatch, environment, lang):
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert language() == lang and language("en") == "en"
