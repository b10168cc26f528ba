"""``python -m step2_redis_session sessions``: the store, looked into without redis-cli."""

import signal
import subprocess
import sys
import time

import pytest

from workshop.private_redis import redis_url
from workshop.processes import ROOT, free_port
from support import run_module, session_key

pytestmark = pytest.mark.slow  # runs python -m … in subprocesses


def test_sessions_listing_cut_short_by_head_is_no_error(real_redis_server):
    client = real_redis_server.client()
    for number in range(3000):  # more than a pipe holds, so that head leaves mid-listing
        client.set(session_key(f"{number:022d}"), '{"usr": "someone"}', ex=600)
    listing = subprocess.run(
        f"{sys.executable} -m step2_redis_session sessions --redis-url {real_redis_server.url} | head -1",
        shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listing.stdout.startswith(session_key("0000")) and listing.stdout.count("\n") == 1
    assert listing.stderr == ""


def test_sessions_listing_shows_good_sessions_beside_a_bad_key(real_redis_server):
    client = real_redis_server.client()
    client.set(session_key("GoodSessionGoodSession"), '{"usr": "张三"}', ex=600)
    client.rpush(session_key("BadKeyBadKeyBadKeyBadKe"), "a list")
    listing = run_module("step2_redis_session", "sessions", "--redis-url", real_redis_server.url)
    assert listing.returncode == 0, listing.stderr
    assert '"usr": "张三"' in listing.stdout
    assert session_key("BadKeyBadKeyBadKeyBadKe") in listing.stdout
    assert "(not a session: a list)" in listing.stdout


def test_sessions_listing_escapes_what_could_write_to_the_terminal(real_redis_server):
    client = real_redis_server.client()
    client.set(session_key("\x1b]0;PWNED\x07\nSESSION:forged"), "\x00\x1b[5m", ex=600)
    client.set(b"SESSION:\xff\xfe", "x", ex=600)
    listing = run_module("step2_redis_session", "sessions", "--redis-url", real_redis_server.url)
    assert listing.returncode == 0 and listing.stderr == ""
    assert "\x1b" not in listing.stdout and "\x00" not in listing.stdout
    assert listing.stdout.count("\n") == 4  # two sessions, two lines each
    assert "SESSION:\\xff\\xfe" in listing.stdout


def test_sessions_command_lists_and_shows_sessions(embedded_redis_login):
    _, url, sid = embedded_redis_login
    for args in (["--redis-url", url], [sid, "--redis-url", url], ["--redis-url", url, sid]):
        shown = run_module("step2_redis_session", "sessions", *args)
        assert shown.returncode == 0
        assert f"{session_key(sid)}  (expires in 86" in shown.stdout
        assert '"usr": "张三"' in shown.stdout


def test_sessions_command_says_when_there_is_nothing(embedded_redis_login):
    _, url, _ = embedded_redis_login
    missing = run_module("step2_redis_session", "sessions", "NoSuchSessionNoSuchSe2", "--redis-url", url)
    assert missing.returncode != 0 and "No session " + session_key("NoSuchSessionNoSuchSe2") in missing.stderr
    down = run_module("step2_redis_session", "sessions", "--redis-url", redis_url(free_port()))
    assert down.returncode != 0 and down.stderr.startswith("Cannot reach Redis at")


def test_clear_deletes_every_session_and_nothing_else(real_redis_server):
    """The room's reset: SESSION:* goes, whatever else the Redis holds stays."""
    client = real_redis_server.client()
    for number in range(2500):  # more than one batch of deletes
        client.set(session_key(f"{number:022d}"), '{"usr": "someone"}', ex=600)
    client.set("SESSIONS_TOTAL", "7")  # no colon: not a session key
    client.set("user:42", "keep me")
    client.rpush(session_key("AListNotASessionAList1"), "x")  # under the prefix: it goes too
    cleared = run_module("step2_redis_session", "sessions", "--clear", "--redis-url", real_redis_server.url)
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout == f"Deleted 2501 sessions (SESSION:* keys) from {real_redis_server.url}.\n"
    assert sorted(client.keys("*")) == [b"SESSIONS_TOTAL", b"user:42"]
    again = run_module("step2_redis_session", "sessions", "--clear", "--redis-url", real_redis_server.url)
    assert again.stdout.startswith("Deleted 0 sessions")


def fill(client, count):
    """count sessions of step 2's shape, in a few round trips."""
    pipe = client.pipeline(transaction=False)
    for number in range(count):
        pipe.set(session_key(f"{number:022d}"), '{"usr": "someone"}', ex=600)
    pipe.execute()


def test_a_large_listing_starts_at_once_and_ctrl_c_stops_it_quietly(real_redis_server):
    fill(real_redis_server.client(), 100_000)
    start = time.monotonic()
    listing = subprocess.Popen([sys.executable, "-m", "step2_redis_session", "sessions",
                                "--redis-url", real_redis_server.url], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert listing.stdout.readline().startswith(b"SESSION:")
    assert time.monotonic() - start < 3  # streamed: not every key fetched and sorted first
    listing.send_signal(signal.SIGINT)  # while it waits on the full pipe, or reads Redis
    _, err = listing.communicate(timeout=60)
    assert listing.returncode == 130 and err == b""
