"""Each exercise's solution.patch applies to the steps as they are, and the patched step does what
the exercise says, started as a learner starts it (exercises/README.md). Every patch is applied
to a copy of the repository in a temporary folder: the learner's own tree is never touched."""

import base64
import hashlib
import json
import shutil
import subprocess
import time

import pytest
import requests

from harness.chromium import click_login, launch, log_in_twice
from harness.private_redis import commands_served
from harness.processes import ROOT
from harness.steps import StepServer, ZHANG_SAN
from support import SECRET, PrivateCluster, session_key

pytestmark = pytest.mark.slow  # starts the patched steps in subprocesses

EXERCISES = sorted(path.name for path in (ROOT / "exercises").iterdir() if path.is_dir())


def tree_files():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return [path for path in listed.stdout.split() if (ROOT / path).is_file()]


def fingerprint():
    """A digest of the learner's tree, as it is."""
    digest = hashlib.sha256()
    for path in tree_files():
        digest.update(path.encode() + (ROOT / path).read_bytes())
    return digest.hexdigest()


@pytest.fixture
def patched(tmp_path):
    """patched(exercise): the folder of a copy of the repository with the exercise's answer in."""
    def apply(exercise):
        before = fingerprint()
        copy = tmp_path / exercise
        for path in tree_files():
            (copy / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, copy / path)
        subprocess.run(["git", "apply", str(ROOT / "exercises" / exercise / "solution.patch")],
                       cwd=copy, check=True, capture_output=True)
        assert fingerprint() == before  # the learner's tree is as it was
        return copy
    return apply


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_solution_applies_to_the_steps_as_they_are(exercise):
    result = subprocess.run(["git", "apply", "--check",
                             str(ROOT / "exercises" / exercise / "solution.patch")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (ROOT / "exercises" / exercise / "README.zh-CN.md").exists()


def test_01_a_session_in_use_lives_on_and_one_left_alone_ends(patched, real_redis_server):
    server = StepServer("step2_redis_session", "--redis-url", real_redis_server.url, "--quiet",
                        "--idle-timeout", "2", cwd=patched("01-idle-timeout"))
    try:
        browser = requests.Session()
        assert browser.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
        for _ in range(7):  # read every second: 7 s, three times the idle time and more
            time.sleep(1)
            assert browser.post(server.url + "/login", ZHANG_SAN).text == "欢迎，张三"
        read = lambda: browser.post(server.url + "/login", ZHANG_SAN)
        assert commands_served(real_redis_server.client(), read) == {"getex": 1}  # one command a read
        time.sleep(3)  # left alone past the idle time
        assert browser.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
    finally:
        server.stop()


def log_out_everywhere(copy, redis_url, *flags):
    server = StepServer("step2_redis_session", "--redis-url", redis_url, "--quiet", *flags,
                        cwd=copy)
    try:
        laptop, phone, other = requests.Session(), requests.Session(), requests.Session()
        for browser, who in ((laptop, ZHANG_SAN), (phone, ZHANG_SAN),
                             (other, {"usr": "李四", "psd": "pw"})):
            browser.post(server.url + "/login", who)
        ids = [browser.cookies["bottle.sess"] for browser in (laptop, phone, other)]
        ended = laptop.post(server.url + "/logout/all")
        assert ended.text == "已在 2 处退出登录 (ended 2 sessions)"
        assert phone.post(server.url + "/login", ZHANG_SAN).text == "您第一次登录系统"
        assert other.post(server.url + "/login", ZHANG_SAN).text == "欢迎，李四"
        return ids
    finally:
        server.stop()


def test_02_log_out_everywhere_ends_both_browsers_and_no_one_else(patched, real_redis_server):
    laptop, phone, other = log_out_everywhere(patched("02-log-out-everywhere"), real_redis_server.url)
    client = real_redis_server.client()
    assert not client.exists(session_key(laptop)) and not client.exists(session_key(phone))
    assert client.exists(session_key(other))


def test_02_log_out_everywhere_on_a_cluster(patched):
    cluster = PrivateCluster()
    try:
        log_out_everywhere(patched("02-log-out-everywhere"), cluster.url, "--redis-cluster")
    finally:
        cluster.stop()


def test_03_the_production_cookie_is_kept_on_loopback_and_refused_on_plain_http(
        patched, playwright_driver):
    server = StepServer("step1_cookie_session", "--quiet", cwd=patched("03-production-cookie"))
    try:
        # A Chromium of its own, that takes workshop.test for 127.0.0.1.
        browser = launch(playwright_driver,
                         "--host-resolver-rules=MAP workshop.test 127.0.0.1")
        local = browser.new_context().new_page()
        (cookie,) = log_in_twice(local, f"http://localhost:{server.port}/", "张三", "123")
        assert cookie["name"] == "__Host-bottle.sess" and cookie["secure"]
        assert cookie["path"] == "/" and cookie["domain"] == "localhost"
        remote = browser.new_context().new_page()  # a name that is not loopback, on HTTP
        remote.goto(f"http://workshop.test:{server.port}/")
        remote.fill("#user", "张三")
        remote.fill("#psd", "123")
        click_login(remote, "您第一次登录系统")
        remote.evaluate("document.getElementById('data').innerText = ''")  # a fresh answer
        click_login(remote, "您第一次登录系统")  # no cookie was kept: a first login again
        assert remote.context.cookies() == []
        browser.close()
    finally:
        server.stop()


def test_04_the_encrypted_cookie_hides_and_seals_but_cannot_be_revoked(patched):
    pytest.importorskip("cryptography", reason="python -m pip install -r requirements-dev.txt")
    server = StepServer("step1_cookie_session", "--quiet", env={"SESSION_SECRET": SECRET},
                        cwd=patched("04-encrypted-cookie"))
    try:
        browser = requests.Session()
        browser.post(server.url + "/login", ZHANG_SAN)
        copied = browser.cookies["bottle.sess"]
        assert "张三".encode() not in base64.urlsafe_b64decode(copied + "==")
        with pytest.raises(ValueError):  # not base64 of JSON, as step 1's was
            json.loads(base64.b64decode(copied))
        flipped = copied[:20] + ("A" if copied[20] != "A" else "B") + copied[21:]
        login = lambda value: requests.post(server.url + "/login", ZHANG_SAN,
                                            cookies={"bottle.sess": value}).text
        assert login(flipped) == "您第一次登录系统"  # an edit is no session
        assert login(copied) == "欢迎，张三"
        browser.post(server.url + "/logout")
        assert login(copied) == "欢迎，张三"  # and a copy outlives the logout: nothing to delete
    finally:
        server.stop()


def test_05_the_password_is_checked_and_never_stored(patched, real_redis_server):
    server = StepServer("step2_redis_session", "--redis-url", real_redis_server.url, "--quiet",
                        cwd=patched("05-check-the-password"))
    password = "s3cret-pw-Zh"
    try:
        first = requests.post(server.url + "/login", {"usr": "张三", "psd": password})
        assert first.text == "您第一次登录系统"  # the name is registered with this password
        wrong = requests.post(server.url + "/login", {"usr": "张三", "psd": "guess"})
        assert wrong.status_code == 401 and "wrong password" in wrong.text
        assert "Set-Cookie" not in wrong.headers
        again = requests.post(server.url + "/login", {"usr": "张三", "psd": password})
        assert again.status_code == 200 and "bottle.sess" in again.cookies
    finally:
        server.stop()
    client = real_redis_server.client()
    stored = b"".join(key + (client.get(key) or b"") for key in client.keys("*"))
    for secret in (password.encode(), *(getattr(hashlib, name)(password.encode()).hexdigest().encode()
                                        for name in ("md5", "sha1", "sha256"))):
        assert secret not in stored
    record = json.loads(client.get("USER:张三"))
    assert record["n"] >= 2 ** 14 and len(bytes.fromhex(record["salt"])) == 16
