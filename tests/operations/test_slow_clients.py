"""Slow clients, in both steps: a silent connection is closed, but trickling clients at the
connection limit lock everyone out (docs/bad-input-and-faults.md, "Slow clients").

About 100 connections that trickle their headers take every connection that
waitress accepts (its connection_limit): a buffering reverse proxy is what
protects a deployment.
"""

import socket
import time

import pytest
import requests

from workshop.processes import wait_until

pytestmark = pytest.mark.slow  # starts servers in subprocesses

CONNECTION_LIMIT = 100  # waitress's default, which the steps keep


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
