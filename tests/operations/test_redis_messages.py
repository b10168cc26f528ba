"""Every message that says why step 2 cannot use a Redis names the cause, then the fix that fits
(docs/bad-input-and-faults.md, "What step 2 says when Redis refuses it"): passwords, ACL users,
replicas, TLS with a private CA, a Sentinel URL with nothing behind it. All on private Redis
servers of the tests' own."""

import pytest
import requests
from webtest import TestApp

from workshop.private_redis import redis_url
from workshop.processes import free_port
from workshop.steps import ZHANG_SAN
from harness.tls import TlsRedis, make_ca, make_certificate
from plumbing.connection import connect, ping_redis
from support import require_redis_server, run_module, step2_client

pytestmark = pytest.mark.slow  # starts step 2 and redis-servers in subprocesses

PASSWORD_FIX = "This Redis wants a password: put it in the URL as redis://:PASSWORD@host:port."


def step2(*args):
    """python -m step2_redis_session with args, on a free port, to its end (or 20 s)."""
    return run_module("step2_redis_session", "--port", str(free_port()), *args, timeout=20)


def one_line(result):
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_a_redis_that_wants_a_password_says_where_to_put_it(own_redis_server):
    own_redis_server.client().config_set("requirepass", "s3cret")
    said = one_line(step2("--redis-url", own_redis_server.url))
    assert said.startswith("Cannot reach Redis at ") and said.rstrip().endswith(PASSWORD_FIX)


def test_a_redis_with_a_password_at_the_default_address_is_not_taken_for_no_redis(
        own_redis_server, capsys):
    """Not "No Redis answers", then an embedded Redis that cannot have its port: the truth."""
    own_redis_server.client().config_set("requirepass", "s3cret")
    with pytest.raises(SystemExit) as stop:
        ping_redis(connect(own_redis_server.url), own_redis_server.url, named=False)
    assert str(stop.value).endswith(PASSWORD_FIX)
    assert "No Redis answers" not in capsys.readouterr().out


MAXCLIENTS_FIX = "raise it (redis-cli config set maxclients 10000)."


def test_a_redis_at_maxclients_at_the_default_address_is_not_taken_for_no_redis(
        own_redis_server, capsys):
    """A Redis that turns a connection away answered: it is there, and step 2 never starts an
    embedded Redis on its port; the one line names maxclients and the fix."""
    admin = own_redis_server.client()
    admin.config_set("maxclients", "1")  # the admin's own connection is the one
    with pytest.raises(SystemExit) as stop:
        ping_redis(connect(own_redis_server.url), own_redis_server.url, named=False)
    said = str(stop.value)
    assert "max number of clients reached" in said and said.endswith(MAXCLIENTS_FIX), said
    assert "No Redis answers" not in capsys.readouterr().out


def test_the_password_is_named_in_the_fault_log_at_run_time(own_redis_server, capsys):
    app = step2_client(own_redis_server.url)
    app.post("/login", ZHANG_SAN)
    admin = own_redis_server.client()
    admin.config_set("requirepass", "s3cret")
    admin.client_kill_filter(_type="normal", skipme=True)
    TestApp(app.app).post("/login", ZHANG_SAN, status=503)
    assert PASSWORD_FIX in capsys.readouterr().err


def test_a_least_privilege_user_starts_step2_and_serves(own_redis_server, start_server):
    own_redis_server.client().acl_setuser("sessions", enabled=True, passwords=["+pw-of-sessions"],
                                          commands=["+get", "+set", "+del"], keys=["SESSION:*"])
    url = own_redis_server.url.replace("redis://", "redis://sessions:pw-of-sessions@")
    server = start_server("step2_redis_session", "--redis-url", url)
    browser = requests.Session()
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    assert browser.post(server.url + "/login", ZHANG_SAN).text == "欢迎，张三"
    assert browser.post(server.url + "/logout").text == "已退出登录 (logged out)"


def test_noreplicas_is_a_503_that_names_the_replicas(own_redis_server, capsys):
    own_redis_server.client().config_set("min-replicas-to-write", "1")
    res = step2_client(own_redis_server.url).post("/login", ZHANG_SAN, status=503)
    assert "副本" in res.text and "No replica of Redis confirmed the write" in res.text
    assert "No replica is in sync with the master" in capsys.readouterr().err


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A private CA, another CA, and certificates: for 127.0.0.1, for redis.test, for a client."""
    require_redis_server()
    folder = tmp_path_factory.mktemp("tls")
    make_ca(folder)
    make_ca(folder, "other-ca")
    make_certificate(folder, "server")
    make_certificate(folder, "named", dns="redis.test")
    make_certificate(folder, "client")
    return folder


@pytest.mark.parametrize("case, query, server, says", [
    ("no CA", "", "server", "give the CA that signed it, with ?ssl_ca_certs="),
    ("the wrong CA", "?ssl_ca_certs={folder}/other-ca.crt", "server",
     "give the CA that signed it, with ?ssl_ca_certs="),
    ("a certificate for another name", "?ssl_ca_certs={folder}/workshop-test-ca.crt", "named",
     "use a host name that the certificate names"),
    ("no client certificate", "?ssl_ca_certs={folder}/workshop-test-ca.crt", "clients",
     "This Redis wants a client certificate"),
])
def test_a_tls_failure_says_its_cause_first_and_never_to_drop_tls(certificates, case, query,
                                                                   server, says):
    with TlsRedis(certificates, server="server" if server == "clients" else server,
                  clients_need_certificates=server == "clients") as tls:
        said = one_line(step2("--redis-url", tls.tls_url + query.format(folder=certificates)))
    assert said.startswith("Cannot reach Redis at rediss://") and says in said
    assert "use redis://" not in said


def test_a_plain_url_to_a_tls_port_suggests_rediss(certificates):
    with TlsRedis(certificates) as tls:
        said = one_line(step2("--redis-url", redis_url(tls.tls_port)))
    assert "use rediss://" in said


def test_tls_that_checks_no_certificate_starts_with_a_warning(certificates, start_server):
    with TlsRedis(certificates) as tls:
        server = start_server("step2_redis_session", "--redis-url",
                              tls.tls_url + "?ssl_cert_reqs=none")
        assert "Warning: ssl_cert_reqs=none: TLS without checking Redis's certificate" in server.banner
        good = start_server("step2_redis_session", "--redis-url",
                            f"{tls.tls_url}?ssl_ca_certs={certificates}/workshop-test-ca.crt")
        assert "Warning" not in good.banner


def test_a_sentinel_url_with_nothing_listening_is_one_short_line():
    port = free_port()
    said = one_line(step2("--redis-url", f"redis+sentinel://127.0.0.1:{port}/workshop/0"))
    assert said == (f"No Sentinel at 127.0.0.1:{port} names a master called workshop: is "
                    "Sentinel running there, and is workshop the name it monitors?\n")


def test_a_cluster_flag_on_a_plain_redis_says_to_leave_it_out(own_redis_server):
    said = one_line(step2("--redis-url", own_redis_server.url, "--redis-cluster"))
    assert said.rstrip().endswith("leave out --redis-cluster and REDIS_CLUSTER.")


def test_a_sentinel_url_at_a_plain_redis_says_what_it_is(own_redis_server):
    url = f"redis+sentinel://127.0.0.1:{own_redis_server.port}/mymaster/0"
    said = one_line(step2("--redis-url", url))
    assert "The URL names a plain Redis, not a Sentinel" in said


def test_a_certificate_file_that_is_not_there_is_named(tmp_path):
    missing = tmp_path / "no-such-ca.crt"
    said = one_line(step2("--redis-url", f"rediss://127.0.0.1:{free_port()}/0?ssl_ca_certs={missing}"))
    assert f"ssl_ca_certs={missing}: no such file" in said


def test_a_user_without_get_is_told_what_to_grant_at_run_time(own_redis_server, capsys):
    """NOPERM: redis-py drops the word from its message, so the fix is found by the error's class."""
    admin = own_redis_server.client()
    admin.acl_setuser("nogets", enabled=True, passwords=["+pw"], keys=["SESSION:*"],
                      commands=["+set", "+del", "+ping", "+hello", "+client"])
    url = f"redis://nogets:pw@127.0.0.1:{own_redis_server.port}/0"
    app = step2_client(url)
    app.post("/login", ZHANG_SAN)  # a SET: allowed
    app.post("/login", ZHANG_SAN, status=503)  # a GET: refused
    assert "give it +get +set +del on ~SESSION:*" in capsys.readouterr().err
