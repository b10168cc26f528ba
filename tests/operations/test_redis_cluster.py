"""Step 2 on a Redis Cluster: the same RedisStore, another client, sessions over three masters.

On a private 3-master cluster that the tests start on free ports.
"""

import json
import os

import pytest
import redis
import requests
from webtest import TestApp

from plumbing.connection import connect
from workshop.steps import ZHANG_SAN
from support import PrivateCluster, run_module, session_key, step2_client

pytestmark = pytest.mark.slow  # starts a cluster of redis-servers

USERS = 30


@pytest.fixture(scope="module")
def cluster():
    """A private Redis Cluster of three masters, for this module."""
    cluster = PrivateCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster_app(cluster):
    """Step 2's app with a cluster client, in process, on an emptied cluster."""
    for port in cluster.ports:
        cluster.node(port).flushdb()
    return step2_client(cluster.url, cluster=True)


def log_in_users(app):
    """USERS logins, each in its own browser; return their session ids."""
    ids = []
    for number in range(USERS):
        browser = TestApp(app.app)
        assert browser.post("/login", {"usr": f"用户{number}", "psd": "pw"}).text == "您第一次登录系统"
        assert browser.post("/login", ZHANG_SAN).text == f"欢迎，用户{number}"
        ids.append(browser.cookies["bottle.sess"])
    return ids


def keys_listed(stdout):
    return {line.split()[0] for line in stdout.splitlines() if line.startswith(session_key(""))}


def test_login_read_and_logout_work_on_a_cluster(cluster_app, cluster):
    assert cluster_app.post("/login", ZHANG_SAN).text == "您第一次登录系统"
    assert cluster_app.post("/login", ZHANG_SAN).text == "欢迎，张三"
    sid = cluster_app.cookies["bottle.sess"]
    client = connect(cluster.url, cluster=True)
    assert json.loads(client.get(session_key(sid)))["usr"] == "张三"
    cluster_app.post("/logout")
    assert client.exists(session_key(sid)) == 0


def test_sessions_spread_over_the_masters(cluster_app, cluster):
    log_in_users(cluster_app)
    per_node = [cluster.node(port).dbsize() for port in cluster.ports]
    assert sum(per_node) == USERS
    assert sum(1 for count in per_node if count) >= 2


def test_a_plain_client_on_one_node_is_sent_elsewhere_for_most_keys(cluster_app, cluster):
    ids = log_in_users(cluster_app)
    plain = cluster.node(cluster.ports[0])
    moved = 0
    for sid in ids:
        try:
            plain.get(session_key(sid))
        except redis.exceptions.MovedError:  # "MOVED <slot> <the node that owns it>"
            moved += 1
    assert USERS // 3 < moved < USERS


def test_real_server_and_sessions_command_take_the_cluster_flag(cluster, start_server):
    server = start_server("step2_redis_session", "--redis-url", cluster.url, "--redis-cluster")
    assert f"the session lives in the Redis Cluster at {cluster.url}" in server.banner
    browsers = [requests.Session() for _ in range(10)]
    for number, browser in enumerate(browsers):
        browser.post(server.url + "/login", {"usr": f"用户{number}", "psd": "pw"})
    listing = run_module("step2_redis_session", "sessions", "--redis-url", cluster.url,
                         "--redis-cluster")
    assert listing.returncode == 0, listing.stderr
    for browser in browsers:  # every session, whichever master holds it
        assert session_key(browser.cookies["bottle.sess"]) in listing.stdout
    env_listing = run_module("step2_redis_session", "sessions", "--redis-url", cluster.url,
                             env={**os.environ, "REDIS_CLUSTER": "1"})
    assert keys_listed(env_listing.stdout) == keys_listed(listing.stdout)


def test_embedded_redis_cannot_be_a_cluster():
    result = run_module("step2_redis_session", "--embedded-redis", "--redis-cluster")
    assert result.returncode != 0
    assert result.stderr == ("--embedded-redis is one Redis, not a cluster: "
                             "leave out --redis-cluster.\n")


def test_a_cluster_that_is_gone_answers_503():
    gone = PrivateCluster()
    try:
        app = step2_client(gone.url, cluster=True)
        app.post("/login", ZHANG_SAN)
    finally:
        gone.stop()
    for _ in range(3):
        assert "not answering" in app.post("/login", ZHANG_SAN, status=503).text


def test_a_node_that_is_not_in_a_cluster_is_one_line_at_start(real_redis_server):
    for command in ([], ["sessions"]):
        result = run_module("step2_redis_session", *command, "--redis-url", real_redis_server.url,
                            "--redis-cluster")
        assert result.returncode != 0 and result.stderr.count("\n") == 1
        assert result.stderr.startswith("Cannot reach ")


def test_clear_deletes_the_sessions_on_every_master_and_nothing_else(cluster_app, cluster):
    log_in_users(cluster_app)
    client = connect(cluster.url, cluster=True)
    client.set("user:42", "keep me")
    cleared = run_module("step2_redis_session", "sessions", "--clear", "--redis-url", cluster.url,
                         "--redis-cluster")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.startswith(f"Deleted {USERS} sessions (SESSION:* keys)")
    assert [cluster.node(port).dbsize() for port in cluster.ports].count(0) == 2
    assert client.get("user:42") == b"keep me"
