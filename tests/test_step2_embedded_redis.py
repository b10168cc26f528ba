"""Step 2 without a Redis of your own: the embedded fakeredis, and looking into the store."""

import json
import subprocess

import pytest
import redis

from harness.processes import free_port
from support import require_redis_cli, session_key
from step2_redis_session.connection import connect, ping_redis
from step2_redis_session.embedded import start_embedded_redis

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def test_redis_py_reads_the_embedded_store(embedded_login):
    url, sid = embedded_login
    client = redis.Redis.from_url(url)
    assert json.loads(client.get(session_key(sid)))["usr"] == "张三"
    assert 86_390 < client.ttl(session_key(sid)) <= 86_400


def test_redis_cli_reads_the_embedded_store(embedded_login):
    require_redis_cli()
    url, sid = embedded_login
    port = url.split(":")[2].split("/")[0]

    def redis_cli(*args):
        return subprocess.run(["redis-cli", "-p", port, "--raw", *args], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()

    assert redis_cli("keys", session_key("*")) == session_key(sid)
    assert json.loads(redis_cli("get", session_key(sid)))["usr"] == "张三"
    assert 86_390 < int(redis_cli("ttl", session_key(sid))) <= 86_400


def test_nothing_at_the_default_url_starts_the_embedded_redis(capsys):
    url = f"redis://127.0.0.1:{free_port()}/0"  # stands in for the default, 6379
    client = connect(url)
    assert not ping_redis(client, url, named=False)
    banner = start_embedded_redis(url)
    assert client.set("probe", "1") and client.get("probe") == b"1"
    assert f"No Redis answers at {url}" in capsys.readouterr().out
    assert any("EMBEDDED REDIS" in line for line in banner)
