"""The code that both steps hold on purpose, so that each reads alone, stays the same in both.

Each step folder is meant to be read top to bottom without the other, so a few
pieces are written twice: the server module whole
(step1_cookie_session/plumbing/server.py and step 2's), and a few functions of
app.py and session.py. This test is what keeps the copies from drifting: a
change to one must be made to the other.
"""

import inspect
from pathlib import Path

import pytest

import step1_cookie_session.app as app1
import step1_cookie_session.plumbing.server as server1
import step1_cookie_session.session as session1
import step2_redis_session.app as app2
import step2_redis_session.plumbing.server as server2
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


def test_server_module_is_the_same_file_in_both_steps():
    assert inspect.getsource(server1) == inspect.getsource(server2)


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
