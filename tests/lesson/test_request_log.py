"""The terminal's line per request: what it did to the session, and never a secret."""

import io
import re

import pytest
import requests
from webtest import TestApp

import plumbing.server as server1
import plumbing.server as server2
from support import step1_client, step2_client

SECRET_PASSWORD = "pw-never-in-the-log"
LOGIN = {"usr": "张三", "psd": SECRET_PASSWORD}
LINE = re.compile(r"(GET|POST) (\S+) (\d{3}) \d+\.\d ms  session: (.*)")


def logged(client, request_log):
    """The same app behind the request log: (a client of it, the log's text so far)."""
    out = io.StringIO()
    return TestApp(request_log(client.app, out=out)), out


def session_parts(out):
    lines = out.getvalue().splitlines()
    assert all(LINE.fullmatch(line) for line in lines), lines
    return [LINE.fullmatch(line).groups() for line in lines]


def test_step1_logs_what_each_request_did_to_the_session():
    app, out = logged(step1_client(), server1.request_log)
    app.get("/")
    app.post("/login", LOGIN)
    app.post("/login", LOGIN)
    app.post("/logout")
    app.post("/login", {"usr": ""}, status=400)
    assert session_parts(out) == [
        ("GET", "/", "200", "none"), ("POST", "/login", "200", "new"),
        ("POST", "/login", "200", "read"), ("POST", "/logout", "200", "cleared"),
        ("POST", "/login", "400", "none")]
    assert SECRET_PASSWORD not in out.getvalue()


def test_step2_logs_the_redis_commands_and_only_an_ids_first_characters(each_redis):
    app, out = logged(step2_client(each_redis.url), server2.request_log)
    app.post("/login", LOGIN)
    first = app.cookies["bottle.sess"]
    app.post("/login", LOGIN)
    app.post("/logout")
    assert session_parts(out) == [
        ("POST", "/login", "200", f"new {first[:4]}… (SET)"),
        ("POST", "/login", "200", f"read {first[:4]}… (GET)"),
        ("POST", "/logout", "200", "cleared (DEL)")]
    assert first not in out.getvalue() and SECRET_PASSWORD not in out.getvalue()


def test_step2_logs_the_command_that_met_a_redis_fault(own_redis_server):
    app, out = logged(step2_client(own_redis_server.url), server2.request_log)
    own_redis_server.stop()
    app.post("/login", LOGIN, status=503)
    assert session_parts(out) == [("POST", "/login", "503", "none (SET)")]


@pytest.mark.parametrize("path", ["/a\nGET / 200 0.1 ms  session: read", "/%E5%BC%A0 x", "/\x1b[31m"])
def test_odd_paths_are_logged_on_one_line_percent_encoded(path):
    app, out = logged(step1_client(), server1.request_log)
    app.get(path.encode("utf-8").decode("latin-1"), status=404)
    ((method, logged_path, status, _),) = session_parts(out)
    assert logged_path.isprintable() and "\n" not in logged_path and "%" in logged_path


@pytest.mark.slow
def test_quiet_turns_the_log_off(start_server, real_redis_server):
    for module, extra in (("step1_cookie_session", []),
                          ("step2_redis_session", ["--redis-url", real_redis_server.url])):
        talkative, quiet = start_server(module, *extra), start_server(module, "--quiet", *extra)
        for server in (talkative, quiet):
            requests.post(server.url + "/login", LOGIN)
        assert "POST /login 200" in talkative.output()
        assert "POST /login" not in quiet.output()
