"""Step 2 without a Redis of your own: the embedded fakeredis, and looking into the store."""

import json
import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from harness.crowd import cpu_seconds
from workshop.private_redis import redis_url
from workshop.processes import free_port
from support import require_redis_cli, run_module, session_key
from plumbing.connection import connect, ping_redis
from plumbing.embedded import start_embedded_redis

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def test_the_banner_says_the_embedded_redis_lives_as_long_as_the_process(embedded_redis_login):
    server, _, sid = embedded_redis_login
    assert "EMBEDDED REDIS" in server.banner
    assert "only as long as this process" in server.banner
    assert len(sid) == 22  # the login made a session


def test_redis_py_reads_the_embedded_store(embedded_redis_login):
    _, url, sid = embedded_redis_login
    client = redis.Redis.from_url(url)
    assert json.loads(client.get(session_key(sid)))["usr"] == "张三"
    assert 86_390 < client.ttl(session_key(sid)) <= 86_400


def test_redis_cli_reads_the_embedded_store(embedded_redis_login):
    require_redis_cli()
    _, url, sid = embedded_redis_login
    port = url.split(":")[2].split("/")[0]

    def redis_cli(*args):
        return subprocess.run(["redis-cli", "-p", port, "--raw", *args], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()

    assert redis_cli("keys", session_key("*")) == session_key(sid)
    assert json.loads(redis_cli("get", session_key(sid)))["usr"] == "张三"
    assert 86_390 < int(redis_cli("ttl", session_key(sid))) <= 86_400


def test_nothing_at_the_default_url_starts_the_embedded_redis(capsys):
    url = redis_url(free_port())  # stands in for the default, 6379
    client = connect(url)
    assert not ping_redis(client, url, named=False)
    banner = start_embedded_redis(url)
    assert client.set("probe", "1") and client.get("probe") == b"1"
    assert f"No Redis answers at {url}" in capsys.readouterr().out
    assert any("EMBEDDED REDIS" in line for line in banner)


@pytest.mark.parametrize("command", [("KEYS", "*a*a*a*a*a*a*a*a*a*a*a*a*b"), ("ACL", "SETUSER", "default", "off"),
                                     ("CONFIG", "SET", "maxmemory", "1"), ("DEBUG", "SLEEP", "5"),
                                     ("CLIENT", "PAUSE", "5000"), ("SCAN", "0", "MATCH", "*a*a*b")],
                         ids=["pathological KEYS", "ACL", "CONFIG", "DEBUG", "CLIENT PAUSE", "SCAN MATCH"])
def test_the_embedded_redis_refuses_what_could_stall_or_lock_step2(embedded_redis_login, command):
    """In step 2's own process, a slow or locking command would stop the web server too."""
    _, url, sid = embedded_redis_login
    client = redis.Redis.from_url(url)
    for number in range(40):
        client.set("a" * 200 + str(number), "x")  # long keys: what makes the glob backtrack
    with pytest.raises(redis.ResponseError, match="the embedded Redis"):
        client.execute_command(*command)
    start = time.monotonic()
    assert json.loads(client.get(session_key(sid)))["usr"] == "张三"  # still serving, at once
    assert time.monotonic() - start < 0.5


@pytest.mark.parametrize("sent", [b"*1\r\n$-12\r\n", b"*-1\r\n", b"*1\r\n$+3\r\nGET\r\n",
                                  b"*1\r\n:3\r\n", b"*1\r\n$999999999\r\n", b"PING\r\n"],
                         ids=["a negative length", "a negative count", "a signed length",
                              "not a bulk string", "a field of 1 GB", "not an array"])
def test_the_embedded_redis_hangs_up_on_what_is_not_a_command_it_reads(embedded_redis_login, sent):
    """One -ERR that says why, then the connection closes: no loop, no wait for a gigabyte."""
    _, url, sid = embedded_redis_login
    port = int(url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(sent)
        answer = b""
        while data := connection.recv(65536):
            answer += data
            assert len(answer) < 1000, answer[:200]
    assert answer.startswith(b"-ERR ") and answer.count(b"\r\n") == 1, answer
    assert json.loads(redis.Redis.from_url(url).get(session_key(sid)))["usr"] == "张三"


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads CPU time from /proc")
def test_an_idle_step2_on_the_embedded_redis_uses_about_no_cpu(start_server):
    url = redis_url(free_port())
    server = start_server("step2_redis_session", "--embedded-redis", "--redis-url", url, "--quiet")
    with ThreadPoolExecutor(16) as pool:  # enough at once for the pool to open 8 connections
        list(pool.map(lambda n: requests.post(server.url + "/login", {"usr": f"u{n}", "psd": "p"}),
                      range(64)))
    time.sleep(1)
    before = cpu_seconds(server.proc.pid)
    time.sleep(4)
    idle = (cpu_seconds(server.proc.pid) - before) / 4
    assert idle < 0.02, f"{idle:.1%} of a core while idle"  # fakeredis's own handler: 8 to 9%


@pytest.mark.parametrize("url, says", [
    ("redis://127.0.0.1:{port}/16", "databases 0 to 15"),
    ("redis://0.0.0.0:{port}/0", "listens on this machine only"),
    ("redis://192.0.2.1:{port}/0", "listens on this machine only"),
])
def test_the_embedded_redis_refuses_at_start_what_it_could_not_serve_safely(url, says):
    result = run_module("step2_redis_session", "--embedded-redis", "--port", str(free_port()),
                        "--redis-url", url.format(port=free_port()))
    assert result.returncode != 0 and says in result.stderr
    assert result.stderr.count("\n") == 1 and "EMBEDDED" not in result.stdout
