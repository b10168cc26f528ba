"""What waitress answers before the app sees a request, and where a slow client stops it.

These pin down the truth that the README's table tells: the server, not the
app, refuses these requests, so its answers are waitress's own (several lines,
and without the app's nosniff header). And about 100 connections that trickle
their headers take every connection that waitress accepts (its
connection_limit): a buffering reverse proxy is what protects a deployment.
"""

import socket
import time

import pytest
import requests

from scripts.processes import wait_until

pytestmark = pytest.mark.slow  # starts servers in subprocesses

CONNECTION_LIMIT = 100  # waitress's default, which the steps keep


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
def test_server_answers_these_before_the_app(any_server, head, body, status, says):
    got, headers, text = raw_request(any_server.port, head, body)
    assert got == status and says in text
    assert "X-Content-Type-Options" not in headers  # waitress's answer, not the app's


def test_body_one_byte_under_the_limit_reaches_the_app(any_server):
    got, headers, text = raw_request(any_server.port, post(8191), b"usr=a&psd=" + b"b" * 8181)
    assert got == 400 and "psd is longer than 128" in text
    assert "X-Content-Type-Options: nosniff" in headers


def test_trickling_clients_at_the_connection_limit_lock_everyone_out(start_server):
    server = start_server("step1_cookie_session", "--quiet")
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(CONNECTION_LIMIT)]
    try:
        for connection in slow:
            connection.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\n")  # and no more
        time.sleep(0.5)
        with pytest.raises(requests.Timeout):
            requests.get(server.url, timeout=2)
    finally:
        for connection in slow:
            connection.close()
    page = wait_until(lambda: requests.get(server.url, timeout=2), "the page, once they left")
    assert page.status_code == 200
    assert server.output().count("reached the connection limit") == 1
