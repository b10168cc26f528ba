"""The code that both steps hold on purpose, so that each reads alone, stays the same in both.

Each step folder is meant to be read top to bottom without the other, so a few
functions of app.py and session.py are written twice (what is not the lesson,
the server among it, lives once, in plumbing/). This test is what keeps the
copies from drifting: a change to one must be made to the other.
"""

import inspect
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workshop.processes import ROOT
import step1_cookie_session.app as app1
import step1_cookie_session.session as session1
import step2_redis_session.app as app2
import step2_redis_session.session as session2

COPIES = {
    "read_cookie": (session1.read_cookie, session2.read_cookie),
    "note_event": (session1.note_event, session2.note_event),
    "holds_only_text": (session1.holds_only_text, session2.holds_only_text),
    "read_login_form": (app1.read_login_form, app2.read_login_form),
    "plain_text_error": (app1.plain_text_error, app2.plain_text_error),
    "mark_the_answer": (app1.mark_the_answer, app2.mark_the_answer),
    "_set_cookie": (session1.CookieSession._set_cookie, session2.RedisSession._set_cookie),
}


def test_step1_never_speaks_of_redis():
    for path in sorted(Path(inspect.getfile(app1)).parent.glob("*.py")):
        assert "redis" not in path.read_text("utf-8").lower(), path


@pytest.mark.parametrize("name", COPIES)
def test_copied_function_is_the_same_in_both_steps(name):
    one, two = COPIES[name]
    assert inspect.getsource(one) == inspect.getsource(two)


def cookie_attribute_lines(session_class):
    return [line.strip() for line in inspect.getsource(session_class.__init__).splitlines()
            if "flags" in line or "_attrs" in line]


def test_cookie_attributes_are_built_the_same_way_in_both_steps():
    lines = cookie_attribute_lines(session1.CookieSession)
    assert len(lines) == 3
    assert lines == cookie_attribute_lines(session2.RedisSession)


def test_form_and_text_limits_are_the_same_in_both_steps():
    assert (app1.MAX_FORM_BYTES, app1.FIELD_LIMITS, app1.CONTROL_CHARACTER) == (
        app2.MAX_FORM_BYTES, app2.FIELD_LIMITS, app2.CONTROL_CHARACTER)
    assert session1.NOT_TEXT == session2.NOT_TEXT
    assert (app1.FIRST_LOGIN, app1.WELCOME, app1.LOGGED_OUT) == (
        app2.FIRST_LOGIN, app2.WELCOME, app2.LOGGED_OUT)


#: What the plumbing does; none of it may stand in a step folder, where the lesson is.
PLUMBING_WORDS = ("waitress", "ArgumentParser", "--redis-url", "fakeredis", "TcpFakeServer",
                  "class CircuitBreaker", "ConnectionPool", "sentinel", "scan_iter", "socket")
#: The only files in which the steps differ: what step 2 adds is the store and its faults.
LESSON_FILES = ["__init__.py", "__main__.py", "app.py", "faults.py", "session.py", "store.py"]


def the_steps_diff():
    """What the README's diff of the two step folders prints (diff -ruN, the walkthroughs aside)."""
    return subprocess.run(
        ["diff", "-ruN", "-x", "README*", "-x", "__pycache__", "step1_cookie_session",
         "step2_redis_session"], cwd=ROOT, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("diff") is None, reason="diff is not installed (Windows)")
def test_the_diff_between_the_steps_is_the_lesson_and_nothing_else():
    diff = the_steps_diff()
    files = sorted(re.findall(r"^\+\+\+ step2_redis_session/(\S+)", diff, re.M))
    assert files == LESSON_FILES
    changed = [line for line in diff.splitlines() if line[:1] in "+-"]
    assert [word for word in PLUMBING_WORDS if any(word in line for line in changed)] == []
    assert len(diff.splitlines()) < 600  # it was 1,604 lines while the plumbing was in it


@pytest.mark.parametrize("patch", sorted((ROOT / "exercises").glob("*/solution.patch")),
                         ids=lambda path: path.parent.name)
def test_no_reference_answer_edits_the_plumbing(patch):
    edited = re.findall(r"^diff --git a/(\S+)", patch.read_text(), re.M)
    assert edited and all(path.split("/")[0] in ("step1_cookie_session", "step2_redis_session")
                          for path in edited), edited
