"""A Redis that keeps a log of the commands it is sent: for checks that count commands, on a
Redis that has no INFO commandstats (the embedded one), or where another client would muddle them.

    with CommandLog(redis_server.port) as log:
        ...                        # point the program at log.url instead of redis_server.url
        sent = log.during(action)  # ["GET"], say: what action() made the program send

It is a small TCP proxy in front of a private Redis: every byte goes through as
it came, and each command a client sends is noted by name on its way. It reads
the commands as step 2's embedded Redis does (RESP arrays).
"""

import socket
import threading

from workshop.private_redis import redis_url
from workshop.processes import free_port
from plumbing.embedded import one_command


class CommandLog:
    """A proxy on a free port of 127.0.0.1 in front of the Redis at upstream_port."""

    def __init__(self, upstream_port):
        self.upstream_port, self.port = upstream_port, free_port()
        self.url = redis_url(self.port)
        self.commands = []  # the name of every command sent through, upper case, in order
        self._lock = threading.Lock()
        self._cut = None  # while set: a predicate that says which connections are cut off
        self._kinds = {}  # client socket -> the first commands it sent, as "NAME arg"
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def during(self, action):
        """The names of the commands sent while action() ran."""
        start = len(self.commands)
        action()
        with self._lock:
            return self.commands[start:]

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the proxy stops
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:  # the Redis behind is gone: so is this client
                client.close()
                continue
            self._open += [client, upstream]
            threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._replies, args=(upstream, client), daemon=True).start()

    def cut(self, predicate):
        """Cut off, until heal(), every connection whose words so far make predicate true.

        predicate gets the commands a connection sent, each as "NAME first-argument"
        ("CLIENT SETNAME", "REPLCONF listening-port"): a partition that leaves some
        clients on this side of it. A cut connection is closed, and so is any new
        one as soon as its words match.
        """
        self._cut = predicate
        for client, words in list(self._kinds.items()):
            if predicate(words):
                self._close(client)

    def heal(self):
        self._cut = None

    def _requests(self, client, upstream):
        buffer, words = b"", self._kinds.setdefault(client, [])
        while data := self._receive(client):
            buffer += data
            while (command := one_command(buffer)) is not None:
                fields, raw, buffer = command
                name = fields[0].decode("utf-8", "replace").upper()
                with self._lock:
                    self.commands.append(name)
                    if len(words) < 8:
                        argument = fields[1].decode("utf-8", "replace") if len(fields) > 1 else ""
                        words.append(f"{name} {argument}".strip())
                if (self._cut and self._cut(words)) or not self._send(upstream, raw):
                    self._close(client, upstream)
                    return
        self._close(client, upstream)

    def _replies(self, upstream, client):
        while data := self._receive(upstream):
            if not self._send(client, data):
                break
        self._close(client, upstream)

    @staticmethod
    def _send(sock, data):
        """Send it all; False when the other end is gone."""
        try:
            sock.sendall(data)
            return True
        except OSError:
            return False

    @staticmethod
    def _receive(sock):
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    @staticmethod
    def _close(*sockets):
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self._listener.close()
        self._close(*self._open)
        for sock in self._open:
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
