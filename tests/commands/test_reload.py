"""A step started with --reload, as a learner runs it while writing an answer: a save restarts it
within seconds, step 2's embedded Redis keeps the sessions across restarts, a save that breaks
the step is said and waited out, and Ctrl+C leaves nothing running. In a clone of the last
commit, never in the learner's own tree."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from support import clone_of, processes_in
from workshop.processes import free_port, wait_until
from workshop.steps import ZHANG_SAN

pytestmark = pytest.mark.slow  # starts the steps in subprocesses, and waits for saves


def login_text(client, url):
    """The text of a login posted with client (requests, or a Session); "" between two runs."""
    try:
        return client.post(url, ZHANG_SAN, timeout=5).text
    except requests.ConnectionError:
        return ""


def test_a_save_restarts_the_coached_step_and_its_sessions_outlive_it(tmp_path):
    clone, port, redis_port = clone_of(tmp_path), free_port(), free_port()
    app = clone / "step2_redis_session" / "app.py"
    out = open(tmp_path / "out.txt", "w+")
    step = subprocess.Popen(
        [sys.executable, "-m", "workshop.coach", "step2_redis_session", "--reload", "--quiet",
         "--port", str(port), "--embedded-redis", "--redis-url", f"redis://127.0.0.1:{redis_port}/0",
         "--lang", "en"], cwd=clone, stdout=out, stderr=subprocess.STDOUT,
        env={**os.environ, "WORKSHOP_PROGRESS": str(tmp_path / "progress.json")})
    url = f"http://127.0.0.1:{port}"
    browser = requests.Session()

    def login():
        return login_text(browser, url + "/login")

    def printed():
        out.seek(0)
        return out.read()

    try:
        wait_until(lambda: login() == "您第一次登录系统", "the step", timeout=20)
        app.write_text(app.read_text().replace('"欢迎，{}"', '"Welcome back, {}"'))
        saved = time.monotonic()
        wait_until(lambda: login() == "Welcome back, 张三", "the edited step, same session")
        assert time.monotonic() - saved < 5
        edited = app.read_text()
        app.write_text(edited + "\nthis line is not Python\n")
        wait_until(lambda: "the step stopped (exit status 1)" in printed(), "the word on a broken save")
        app.write_text(edited)
        wait_until(lambda: login() == "Welcome back, 张三", "the mended step")
    finally:
        step.send_signal(signal.SIGINT)
        step.wait(timeout=15)
    said = printed()
    assert said.count("THE COACH is watching") == 1  # said once, not at each restart
    assert said.count("a file was saved; starting the step again") == 3
    wait_until(lambda: processes_in(clone) == [], "every process of the clone to end")


def test_a_step_started_in_the_background_of_a_script_still_restarts_and_stops(tmp_path):
    """A script's background job comes in with SIGINT ignored: the watcher and its step take
    it back, so a save restarts the step at once (not after a 5 s wait to kill it), and
    SIGINT stops both."""
    clone, port = clone_of(tmp_path), free_port()
    app = clone / "step1_cookie_session" / "app.py"
    step = subprocess.Popen(
        [sys.executable, "-m", "step1_cookie_session", "--reload", "--quiet", "--port", str(port)],
        cwd=clone, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    url = f"http://127.0.0.1:{port}/login"

    def first_login():
        return login_text(requests, url)

    try:
        wait_until(lambda: first_login() == "您第一次登录系统", "the step", timeout=20)
        app.write_text(app.read_text().replace('"您第一次登录系统"', '"First login"'))
        saved = time.monotonic()
        wait_until(lambda: first_login() == "First login", "the edited step")
        assert time.monotonic() - saved < 4
    finally:
        step.send_signal(signal.SIGINT)
        step.wait(timeout=10)
    wait_until(lambda: processes_in(clone) == [], "every process of the clone to end")


def test_editor_files_restart_nothing_and_a_vanished_file_is_no_crash(tmp_path, monkeypatch):
    from plumbing.reloader import snapshot
    for folder in ("step1_cookie_session", "step2_redis_session", "shared"):
        (tmp_path / folder).mkdir()
    (tmp_path / "step1_cookie_session" / "app.py").write_text("x = 1\n")
    before = snapshot(tmp_path)
    for name in (".app.py.swp", "app.py~", "#app.py#", "4913"):
        (tmp_path / "step1_cookie_session" / name).write_text("typing")
    assert snapshot(tmp_path) == before
    # Another size: a kernel whose clock moves in ticks may give both writes one time.
    (tmp_path / "step1_cookie_session" / "app.py").write_text("x = 22\n")
    assert snapshot(tmp_path) != before
    # A file that an editor replaces vanishes between the listing and its stat.
    real_stat = Path.stat

    def stat(path, **options):
        if path.name == "app.py":
            raise FileNotFoundError(path)
        return real_stat(path, **options)

    monkeypatch.setattr(Path, "stat", stat)
    assert str(tmp_path / "step1_cookie_session" / "app.py") not in snapshot(tmp_path)


def test_a_step_whose_watcher_was_killed_stops_too(tmp_path):
    """SIGKILL reaches the watcher alone, and it cannot stop its child: the child sees that
    its watcher is gone, and stops, rather than serve old code on the port."""
    clone, port = clone_of(tmp_path), free_port()
    step = subprocess.Popen(
        [sys.executable, "-m", "step1_cookie_session", "--reload", "--quiet", "--port", str(port)],
        cwd=clone, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: requests.post(f"http://127.0.0.1:{port}/login", ZHANG_SAN, timeout=5),
                   "the step", timeout=20)
        step.kill()
        step.wait()
        wait_until(lambda: processes_in(clone) == [], "the child to stop after its watcher")
    finally:  # and if it did not, this test leaves nothing behind either
        for pid in processes_in(clone):
            os.kill(pid, signal.SIGKILL)
