"""What a Redis crash does to the sessions, by persistence mode (docs/bad-input-and-faults.md,
"When Redis crashes"): snapshots roll back, so logouts come undone; AOF with fsync always keeps
every acknowledged write. And step 2's banner says which mode its Redis is in."""

import signal
import tempfile

import pytest
import redis
from webtest import TestApp

from workshop.private_redis import redis_url
from workshop.processes import Process, free_port
from workshop.steps import ZHANG_SAN
from support import require_redis_server, step2_client

pytestmark = pytest.mark.slow  # starts, kills and restarts redis-servers

SNAPSHOTS = ["--save", "3600 1", "--appendonly", "no"]
AOF_ALWAYS = ["--save", "", "--appendonly", "yes", "--appendfsync", "always"]
USERS = 20


class CrashableRedis:
    """A private redis-server that keeps its data in a folder of its own, and can crash."""

    def __init__(self, persistence):
        require_redis_server()
        self.port, self.dir = free_port(), tempfile.mkdtemp()
        self.argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                     "--dir", self.dir, *persistence]
        self.url = redis_url(self.port)
        self.process = Process(self.argv, self.port)

    def crash_and_restart(self):
        self.process.proc.send_signal(signal.SIGKILL)
        self.process.proc.wait()
        self.process = Process(self.argv, self.port)


@pytest.fixture
def crashable():
    """crashable(persistence): a CrashableRedis, stopped after the test."""
    started = []
    yield lambda persistence: started.append(CrashableRedis(persistence)) or started[-1]
    for server in started:
        server.process.stop()


def log_in_and_out(url, snapshot):
    """USERS logins, snapshot(), then every one logs out; return their copied cookies."""
    browsers = [step2_client(url) for _ in range(USERS)]
    for browser in browsers:
        assert browser.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    copies = [browser.cookies["bottle.sess"] for browser in browsers]
    snapshot()
    for browser in browsers:
        assert browser.post("/logout").status_int == 200
    return copies


def welcomed(url, sid):
    res = TestApp(step2_client(url).app).post("/login", ZHANG_SAN,
                                              headers={"Cookie": f"bottle.sess={sid}"})
    return res.text == "欢迎，张三"


def test_on_snapshots_a_crash_brings_logged_out_sessions_back(crashable):
    each_redis = crashable(SNAPSHOTS)
    snapshot = redis.Redis.from_url(each_redis.url).save  # SAVE: a snapshot, now
    copies = log_in_and_out(each_redis.url, snapshot)
    assert not any(welcomed(each_redis.url, sid) for sid in copies)
    each_redis.crash_and_restart()
    assert all(welcomed(each_redis.url, sid) for sid in copies)  # logged out, and alive again


def test_on_aof_always_a_crash_keeps_every_logout(crashable):
    each_redis = crashable(AOF_ALWAYS)
    copies = log_in_and_out(each_redis.url, lambda: None)
    keeper = step2_client(each_redis.url)
    keeper.post("/login", ZHANG_SAN)  # an acknowledged login, after the logouts
    each_redis.crash_and_restart()
    assert not any(welcomed(each_redis.url, sid) for sid in copies)
    assert welcomed(each_redis.url, keeper.cookies["bottle.sess"])


@pytest.mark.parametrize("persistence, says", [
    (SNAPSHOTS, "Redis persistence: snapshots only (save 3600 1): a crash rolls back"),
    (AOF_ALWAYS, "Redis persistence: AOF, fsync always: a crash loses no write"),
    (["--save", "", "--appendonly", "no"], "Redis persistence: none"),
])
def test_the_banner_says_what_the_redis_keeps(crashable, start_server, persistence, says):
    server = start_server("step2_redis_session", "--redis-url", crashable(persistence).url)
    assert says in server.banner
