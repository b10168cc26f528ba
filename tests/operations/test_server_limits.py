"""What the server refuses before the app sees a request: waitress's own answers.

These pin down the truth that the bad-input table tells (docs/bad-input-and-faults.md):
the server, not the app, refuses these requests, so its answers are waitress's
own (several lines, and without the app's nosniff header).
"""

import socket
import time

import pytest
import requests

pytestmark = pytest.mark.slow  # starts servers in subprocesses


def raw_request(port, head, body=b""):
    """Send bytes as they are; return (status, headers text, body) of the answer."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(head + body)
        try:
            while chunk := raw.recv(65536):
                reply += chunk
        except ConnectionResetError:  # it answered, and closed on what it had not read
            pass
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), body.decode("utf-8", "replace")


def post(length, extra=b""):
    return (b"POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + extra
            + (b"Content-Length: %d\r\n" % length if length is not None else b"") + b"\r\n")


@pytest.mark.parametrize("head, body, status, says", [
    (post(8192), b"", 413, "exceeds max_body of 8192"),  # refused on the Content-Length alone
    (post(None, b"X-Big: " + b"a" * 262_144 + b"\r\n"), b"", 431, "exceeds max_header"),
    (post(None, b"Transfer-Encoding: chunked\r\n"), b"zz\r\nusr=a\r\n0\r\n\r\n", 400, "chunk"),
    (post(None, b"Transfer-Encoding: gzip, chunked\r\n"), b"0\r\n\r\n", 501, "not supported"),
], ids=["413 body of 8192", "431 header", "400 bad chunk", "501 gzip"])
def test_server_answers_these_before_the_app(each_server, head, body, status, says):
    got, headers, text = raw_request(each_server.port, head, body)
    assert got == status and says in text
    assert "X-Content-Type-Options" not in headers  # waitress's answer, not the app's


def test_body_one_byte_under_the_limit_reaches_the_app(each_server):
    got, headers, text = raw_request(each_server.port, post(8191), b"usr=a&psd=" + b"b" * 8181)
    assert got == 400 and "psd is longer than 128" in text
    assert "X-Content-Type-Options: nosniff" in headers


def test_body_of_megabytes_is_refused_quickly_with_413(each_server):
    start = time.monotonic()
    res = requests.post(each_server.url + "/login", data=b"usr=" + b"a" * 5_000_000,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert time.monotonic() - start < 2
    assert res.status_code == 413 and "8192" in res.text


def test_chunked_body_of_megabytes_is_refused_with_413(each_server):
    chunks = (b"usr=" if i == 0 else b"a" * 65_536 for i in range(80))  # no Content-Length
    res = requests.post(each_server.url + "/login", data=chunks,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert res.status_code == 413
