"""python -m workshop.verify and python -m workshop.reset, as a learner runs them: what they say,
in which language, their exit status, a tree they leave as it was, and no process left behind.

Each test works in a clone of the last commit, never in the learner's own tree.
"""

import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from support import clone_of, processes_in
from workshop.processes import ROOT

pytestmark = pytest.mark.slow  # starts the steps in subprocesses

ENGLISH, CHINESE = {"LANG": "C.UTF-8"}, {"LANG": "zh_CN.UTF-8"}


@pytest.fixture
def clone(tmp_path):
    """A git clone of the last commit, as a learner's fresh clone is."""
    return clone_of(tmp_path)


def workshop(clone, *args, env=None):
    """Run python -m workshop.… in the clone, to its end."""
    return subprocess.run([sys.executable, "-m", *args], cwd=clone, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **ENGLISH, **(env or {})})


def fingerprint(tree):
    """A digest of every file in tree but git's own, Python's caches, and the progress notes
    (.workshop/, which git ignores: a pass is noted there, for python -m workshop.progress)."""
    digest = hashlib.sha256()
    for path in sorted(tree.rglob("*")):
        if path.is_file() and not {".git", "__pycache__", ".workshop"} & set(path.parts):
            digest.update(str(path.relative_to(tree)).encode() + path.read_bytes())
    return digest.hexdigest()


def test_verify_says_what_is_missing_and_exits_1_on_a_fresh_clone(clone):
    before = fingerprint(clone)
    result = workshop(clone, "workshop.verify", "01")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(("✓ ", "✗ ")) and any(line.startswith("✗ ") for line in lines)
    assert "    read: hint " in result.stdout
    assert "run python -m workshop.verify 01 again" in lines[-1]
    assert fingerprint(clone) == before and processes_in(clone) == []


def test_verify_exits_0_on_the_reference_and_names_the_next_exercise(clone):
    subprocess.run(["git", "apply", "exercises/01-idle-timeout/solution.patch"], cwd=clone,
                   check=True)
    before = fingerprint(clone)
    result = workshop(clone, "workshop.verify", "01-idle-timeout")
    assert result.returncode == 0, result.stdout
    assert all(line.startswith("✓ ") for line in result.stdout.splitlines()[:-2])
    assert result.stdout.splitlines()[-2] == (
        "The reference answer is exercises/01-idle-timeout/solution.patch, a diff against the "
        "steps as committed; git diff shows yours in the same form, to read beside it.")
    assert "Next: exercise 02" in result.stdout.splitlines()[-1]
    assert fingerprint(clone) == before and processes_in(clone) == []
    assert "ex01" in (clone / ".workshop" / "progress.json").read_text()


def test_verify_speaks_the_learners_language(clone):
    chinese = workshop(clone, "workshop.verify", "03", env=CHINESE)
    chosen = workshop(clone, "workshop.verify", "03", "--lang", "zh")
    assert chinese.stdout.splitlines()[-1].startswith("5 条里有")
    assert chosen.stdout.splitlines()[-1].startswith("5 条里有")
    assert "看到的：" in chinese.stdout and "请读：" in chinese.stdout
    english = workshop(clone, "workshop.verify", "03", "--lang", "en", env=CHINESE)
    assert "    seen: " in english.stdout


@pytest.mark.parametrize("lang, labels", [
    ("en", ("    sent: ", "    got:  ", "    expected: ", "    seen: ")),
    ("zh", ("    发出的：", "    收到的：", "    预期的：", "    看到的："))])
def test_a_miss_shows_the_request_the_answer_and_the_expected_line(clone, lang, labels):
    lines = workshop(clone, "workshop.verify", "06", "--lang", lang).stdout.splitlines()
    first = lines.index(next(line for line in lines if line.startswith("✗ 06.1 ")))
    missed = lines[first:first + 12]
    sent, got, expected, seen = (next(i for i, line in enumerate(missed) if line.startswith(label))
                                 for label in labels)
    assert sent < got < expected < seen
    assert missed[sent] == labels[0] + "POST /login"
    assert "        Sec-Fetch-Site: cross-site" in missed[sent:got]
    assert missed[got] == labels[1] + "200"  # the steps as committed let it in
    assert any(line.startswith("        Set-Cookie: bottle.sess=") for line in missed[got:expected])
    assert missed[expected] == labels[2] + missed[0].split(" ", 2)[2]


def test_a_step_that_does_not_start_is_shown_with_its_file_and_line(clone):
    app = clone / "step2_redis_session" / "app.py"
    app.write_text(app.read_text().replace("def create_app(sessions):", "def create_app(sessions)"))
    lines = workshop(clone, "workshop.verify", "06").stdout.splitlines()
    seen = next(line for line in lines if line.startswith("    seen: "))
    assert 'app.py", line ' in seen and seen.endswith("SyntaxError: expected ':'")
    assert any(line.startswith("    next: run python -m step2_redis_session yourself")
               for line in lines)


@pytest.mark.parametrize("args", [["99"], ["01", "--lang", "fr"], ["01", "02"]])
def test_verify_answers_a_usage_error_in_one_line_with_status_2(clone, args):
    result = workshop(clone, "workshop.verify", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1


def test_verify_with_no_exercise_lists_them_all(clone):
    result = workshop(clone, "workshop.verify")
    assert result.returncode == 0
    listed = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert [line.split(":")[0].strip() for line in listed] == sorted(
        path.parent.name for path in (clone / "exercises").glob("*/check.py"))
    assert all("not met yet" in line for line in listed)


def test_verify_stopped_with_ctrl_c_leaves_nothing_running(clone):
    subprocess.run(["git", "apply", "exercises/01-idle-timeout/solution.patch"], cwd=clone,
                   check=True)  # its checks wait seconds for a session to end
    process = subprocess.Popen([sys.executable, "-m", "workshop.verify", "01", "--lang", "zh"],
                               cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **ENGLISH})
    time.sleep(2)  # the step is started by now, and a check is waiting
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "没有留下任何进程" in err  # in the language asked for
    time.sleep(0.5)
    assert processes_in(clone) == []


def test_reset_keeps_the_edits_in_the_stash_and_says_how_to_get_them_back(clone):
    store = clone / "step2_redis_session" / "store.py"
    committed = store.read_text()
    store.write_text(committed + "# my answer\n")
    (clone / "step2_redis_session" / "mine.py").write_text("# a file of mine\n")
    result = workshop(clone, "workshop.reset", "step2")
    assert result.returncode == 0 and result.stdout.count("\n") == 1
    restore = re.search(r"python -m workshop\.reset --restore (\S+)", result.stdout).group(1)
    assert store.read_text() == committed
    assert not (clone / "step2_redis_session" / "mine.py").exists()
    stashes = subprocess.run(["git", "stash", "list"], cwd=clone, capture_output=True, text=True)
    assert f"workshop.reset step2 [{restore}]: your edits to step2_redis_session" in stashes.stdout
    assert workshop(clone, "workshop.reset", "--restore", restore).returncode == 0
    assert store.read_text().endswith("# my answer\n")
    assert (clone / "step2_redis_session" / "mine.py").exists()


def test_reset_with_nothing_to_reset_says_so(clone):
    result = workshop(clone, "workshop.reset", "all", "--lang", "zh")
    assert result.returncode == 0 and "不需要还原" in result.stdout


def test_reset_outside_git_changes_nothing_and_says_what_to_do(clone, tmp_path):
    plain = tmp_path / "download"
    subprocess.run(["git", "archive", "-o", str(tmp_path / "w.tar"), "HEAD"], cwd=clone, check=True)
    plain.mkdir()
    subprocess.run(["tar", "-xf", str(tmp_path / "w.tar")], cwd=plain, check=True)
    (plain / "step1_cookie_session" / "app.py").write_text("# edited\n")
    result = workshop(plain, "workshop.reset", "step1")
    assert result.returncode == 1 and "not a git clone" in result.stdout
    assert (plain / "step1_cookie_session" / "app.py").read_text() == "# edited\n"


def test_passing_the_last_exercise_with_others_open_points_to_one_of_them(clone):
    subprocess.run(["git", "apply", "exercises/07-rate-limit-the-login/solution.patch"], cwd=clone,
                   check=True)
    result = workshop(clone, "workshop.verify", "07")
    assert result.returncode == 0, result.stdout
    last = result.stdout.splitlines()[-1]
    assert "Next: exercise 01" in last and "last one" not in last


def test_verify_with_no_exercise_notes_each_one_that_passes(clone):
    for folder in ("01-idle-timeout", "03-production-cookie"):
        subprocess.run(["git", "apply", f"exercises/{folder}/solution.patch"], cwd=clone,
                       check=True)
    result = workshop(clone, "workshop.verify")
    assert result.returncode == 0
    noted = json.loads((clone / ".workshop" / "progress.json").read_text())["checkpoints"]
    assert sorted(noted) == ["ex01", "ex03"]
    assert result.stdout.splitlines()[-1].endswith("python -m workshop.verify 02")  # not 01



def test_the_pages_way_to_compare_with_the_reference_brings_back_ones_own_answer(clone):
    """reset, apply the solution.patch, reset, restore: the learner's answer comes back, not the
    reference, whose stash says that it is the reference."""
    store = clone / "step2_redis_session" / "store.py"
    store.write_text(store.read_text() + "# my answer\n")
    mine = workshop(clone, "workshop.reset", "step2").stdout
    subprocess.run(["git", "apply", "exercises/01-idle-timeout/solution.patch"], cwd=clone,
                   check=True)
    theirs = workshop(clone, "workshop.reset", "step2").stdout
    assert "exercise 01's reference answer" in theirs
    stamp = re.search(r"--restore (\S+)", mine).group(1)
    assert workshop(clone, "workshop.reset", "--restore", stamp).returncode == 0
    assert store.read_text().endswith("# my answer\n") and "GETEX" not in store.read_text()


def test_verify_watch_checks_again_within_2_s_of_a_save_and_ctrl_c_leaves_nothing(clone):
    process = subprocess.Popen([sys.executable, "-m", "workshop.verify", "03", "--watch"],
                               cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **ENGLISH})
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        seen = []

        def read_until(text, timeout):
            """The time a line holding text came, or a failure after timeout: never a hang."""
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                try:
                    line = lines.get(timeout=left)
                except queue.Empty:
                    break
                seen.append(line)
                if text in line:
                    return time.monotonic()
            raise AssertionError(f"no {text!r} within {timeout} s: {seen}")

        read_until("Watching the step folders", 60)
        session = clone / "step1_cookie_session" / "session.py"
        session.write_text(session.read_text() + "\n# saved\n")
        saved = time.monotonic()
        started_again = read_until("\033[2J", 10)
        assert started_again - saved < 2
        read_until("Watching the step folders", 60)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "nothing was left running" in err
    assert processes_in(clone) == []


def test_hints_come_one_at_a_time_then_none_and_progress_reset_forgets_them(clone):
    first = workshop(clone, "workshop.hint", "02")
    second = workshop(clone, "workshop.hint", "2")
    third = workshop(clone, "workshop.hint", "02-log-out-everywhere")
    assert first.stdout.startswith("Exercise 02, hint 1 of 2:") and "ZADD" in first.stdout
    assert second.stdout.startswith("Exercise 02, hint 2 of 2:") and "ZRANGE" in second.stdout
    assert "no more hints" in third.stdout and "solution.patch" in third.stdout
    assert "02: 2" in workshop(clone, "workshop.progress").stdout
    chinese = workshop(clone, "workshop.hint", "01", "--lang", "zh")
    assert chinese.stdout.startswith("练习 01，提示 1")
    workshop(clone, "workshop.progress", "--reset")
    assert workshop(clone, "workshop.hint", "02").stdout.startswith("Exercise 02, hint 1 of 2:")


def test_the_hint_a_miss_names_comes_by_its_number(clone):
    missed = workshop(clone, "workshop.verify", "01").stdout
    command = re.search(r"\(python -m workshop\.hint 01 (\d)\)", missed)
    assert command, missed
    named = workshop(clone, "workshop.hint", "01", command.group(1))
    assert named.stdout.startswith(f"Exercise 01, hint {command.group(1)} of ")
    assert f"01: {command.group(1)}" in workshop(clone, "workshop.progress").stdout
    too_far = workshop(clone, "workshop.hint", "01", "9")
    assert too_far.returncode == 2 and too_far.stderr.startswith("Exercise 01 has hints 1 to ")


def test_control_characters_from_a_step_reach_the_terminal_as_escapes():
    from workshop.verify import shortened
    shown = shortened("a=1; \x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b")
    assert not any(ord(character) < 32 or 0x7f <= ord(character) <= 0x9f for character in shown)
    assert "\\x1b]52" in shown


def test_the_exchange_shows_a_long_or_hostile_form_field_short_and_escaped():
    from urllib3 import HTTPResponse
    from workshop.verify import exchange_text
    answer = requests.Response()
    answer.status_code, answer._content, answer.raw = 400, b"", HTTPResponse(headers={})
    answer.request = requests.Request("POST", "http://localhost:4000/login",
                                      data={"usr": "\x1b[2J" + "张" * 5000, "psd": "1"}).prepare()
    shown = exchange_text(answer, "Expected: …", "en")
    assert "\x1b" not in shown and "\\x1b[2J" in shown
    assert max(len(line) for line in shown.splitlines()) < 300
