"""The room's board (python -m workshop.room) on a shared Wi-Fi: 30 learners reporting at once,
every kind of bad input refused with a 4xx and nothing stored, names shown as text, a flood
survived; and a learner's coach that reports to it, or to a board that never answers, at no
cost to the step. All on loopback."""

import json
import re
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from workshop.processes import Process, free_port, wait_until
from workshop.steps import ZHANG_SAN, StepServer
from workshop.room import REPORT_TIMEOUT

pytestmark = pytest.mark.slow  # starts the board, and the coach, in subprocesses


@pytest.fixture
def board():
    """A room's board of the test's own, on 127.0.0.1; .room is its URL."""
    port = free_port()
    with Process([sys.executable, "-m", "workshop.room", "--host", "127.0.0.1", "--port",
                  str(port), "--lang", "en"], port, ready_text="/r/") as process:
        process.room = re.search(r"http://\S+/r/[\w-]+", process.output()).group(0)
        yield process


def report(room, body, content_type="application/json", raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(room + "/report", data=data, headers={"Content-Type": content_type},
                         timeout=5)


def state(room):
    return requests.get(room + "/state.json", timeout=5).json()


def test_thirty_learners_reporting_at_once_are_all_on_the_board(board):
    checkpoints = ["step1-login", "step1-welcome", "step1-forged", "ex01"]

    def learner(number):
        return [report(board.room, {"name": f"learner {number}", "checkpoint": checkpoint})
                .status_code for checkpoint in checkpoints]

    with ThreadPoolExecutor(30) as pool:
        statuses = [status for answer in pool.map(learner, range(30)) for status in answer]
    assert set(statuses) == {204}
    learners = state(board.room)["learners"]
    assert len(learners) == 30 and all(done == checkpoints for done in learners.values())


@pytest.mark.parametrize("case, body, content_type, raw, status", [
    ("unknown checkpoint", {"name": "a", "checkpoint": "step9-nope"}, "application/json", None, 400),
    ("empty name", {"name": " ", "checkpoint": "step1-login"}, "application/json", None, 400),
    ("name of 33 characters", {"name": "x" * 33, "checkpoint": "step1-login"}, "application/json",
     None, 400),
    ("name with a control character", {"name": "a\nb", "checkpoint": "step1-login"},
     "application/json", None, 400),
    ("a key more", {"name": "a", "checkpoint": "step1-login", "cookie": "x"}, "application/json",
     None, 400),
    ("not JSON", None, "application/json", b"name=a&checkpoint=step1-login", 400),
    ("not an object", ["a", "step1-login"], "application/json", None, 400),
    ("a body over 2 KB", None, "application/json",
     json.dumps({"name": "a", "checkpoint": "step1-login", "x": "y" * 3000}).encode(), 413),
    ("a form", None, "application/x-www-form-urlencoded", b"name=a", 415),
])
def test_bad_input_is_refused_and_nothing_is_stored(board, case, body, content_type, raw, status):
    assert report(board.room, body, content_type, raw).status_code == status
    assert state(board.room) == {"learners": {}}


def test_a_wrong_code_is_no_room(board):
    wrong = board.room.rsplit("/", 1)[0] + "/guessed"
    assert report(wrong, {"name": "a", "checkpoint": "step1-login"}).status_code == 404
    assert requests.get(wrong, timeout=5).status_code == 404
    assert state(board.room) == {"learners": {}}


def test_names_are_shown_as_text_never_as_html(board):
    name = "<img src=x onerror=alert(1)>"
    assert report(board.room, {"name": name, "checkpoint": "step1-login"}).status_code == 204
    page = requests.get(board.room, timeout=5)
    assert name not in page.text and "textContent = name" in page.text  # JSON in, text out
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert state(board.room)["learners"] == {name: ["step1-login"]}


def test_the_board_keeps_serving_under_a_flood(board):
    stop = time.monotonic() + 3

    def flood():
        while time.monotonic() < stop:
            report(board.room, None, raw=b"{" * 100)

    with ThreadPoolExecutor(20) as pool:
        for _ in range(20):
            pool.submit(flood)
        time.sleep(1)
        start = time.monotonic()
        answer = report(board.room, {"name": "still here", "checkpoint": "step2-login"})
        took = time.monotonic() - start
    assert answer.status_code == 204 and took < 2
    assert state(board.room)["learners"] == {"still here": ["step2-login"]}


class Listener:
    """A TCP server that records every byte sent to it, and answers nothing, ever."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.received, self._open = self.sock.getsockname()[1], [], []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        while data := conn.recv(65536):
            self.received.append(data)

    def close(self):
        self.sock.close()
        for conn in self._open:
            conn.close()


def coach(*args, env=None, tmp_path):
    return StepServer("workshop.coach", "step1_cookie_session", "--quiet", *args,
                      env={"WORKSHOP_PROGRESS": str(tmp_path / "progress.json"), **(env or {})})


def walk_step1(url):
    """Step 1's Try its, as a learner does them: (the cookie's value, a forged value)."""
    browser = requests.Session()
    browser.post(url + "/login", ZHANG_SAN)
    browser.post(url + "/login", ZHANG_SAN)
    return browser.cookies["bottle.sess"]


def test_a_coach_reports_to_the_board_and_nothing_but_names(board, tmp_path):
    with coach("--room", board.room, "--name", "learner one", tmp_path=tmp_path) as server:
        value = walk_step1(server.url)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(state(board.room)["learners"].get(
                "learner one", [])) < 2:
            time.sleep(0.1)
        said = server.output()
    assert state(board.room)["learners"] == {"learner one": ["step1-login", "step1-welcome"]}
    assert said.count("★ ") == 2 and "the coach remembers; step 1 does not" in said
    assert value not in said and "张三" not in said.split("Open http")[1]


def test_a_board_that_never_answers_costs_the_step_nothing(tmp_path):
    silent = Listener()
    room = f"http://127.0.0.1:{silent.port}/r/code"
    try:
        timings = {}
        for name, args in (("alone", ()), ("coached, silent board", ("--room", room, "--name",
                                                                      "learner"))):
            module = ("step1_cookie_session",) if name == "alone" else ()
            server = (StepServer(*module, "--quiet") if module else coach(*args, tmp_path=tmp_path))
            with server:
                browser = requests.Session()
                times = []
                for number in range(60):
                    start = time.perf_counter()
                    browser.post(server.url + "/login", ZHANG_SAN if number % 2 else
                                 {"usr": f"用户{number}", "psd": "pw"})
                    times.append(time.perf_counter() - start)
                timings[name] = statistics.median(times)
                if module:
                    continue
                # The reporter's own thread waits out its timeout, then says so, once.
                output = wait_until(lambda: "does not answer" in server.output() and server.output(),
                                    "the line about the silent board", timeout=REPORT_TIMEOUT + 3)
        assert timings["coached, silent board"] < timings["alone"] + 0.002, timings
        assert output.count("does not answer") == 1
        sent = b"".join(silent.received)
        assert b'"name": "learner"' in sent and b"bottle.sess" not in sent and b"123" not in sent
        assert "张三".encode() not in sent and b"\\u5f20" not in sent  # no usr, in either spelling
    finally:
        silent.close()
