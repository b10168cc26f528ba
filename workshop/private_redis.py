"""A Redis of our own, on a free port of 127.0.0.1: never the user's Redis.

workshop.verify checks a learner's answer on one (fakeredis); the tests and the
measurements start real ones too, and build clusters and Sentinels from them
(harness/private_redis.py). It keeps nothing on disk.
"""

import signal
import tempfile
import threading

import redis
from fakeredis import TcpFakeServer

from plumbing.connection import connect
from workshop.processes import Process, free_port, wait_until


def redis_url(port, db=0):
    """The redis:// URL of a Redis on 127.0.0.1:port."""
    return f"redis://127.0.0.1:{port}/{db}"


def redis_server_argv(port, workdir, *extra):
    """The command line of a private redis-server on 127.0.0.1:port that saves nothing."""
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir), *extra]


class PrivateRedis:
    """A Redis of our own on 127.0.0.1, on a free port: redis-server, or fakeredis in a thread.

    args are redis-server's extra options; cpus pins it to those cores. A
    with-block stops it, as stop() does; start() starts it again, empty.
    """

    def __init__(self, kind="redis-server", port=None, args=(), cpus=None):
        self.kind, self.args, self.cpus = kind, list(args), cpus
        self.port = port or free_port()
        self.url = redis_url(self.port)
        self._fake = self._proc = None
        self.start()

    def start(self):
        if self.kind == "fakeredis":
            self._fake = TcpFakeServer(("127.0.0.1", self.port), server_type="redis")
            self._fake.daemon_threads = True
            threading.Thread(target=self._fake.serve_forever, daemon=True).start()
            wait_until(redis.Redis(port=self.port).ping, f"fakeredis on {self.port}")
        else:
            self._proc = Process(redis_server_argv(self.port, tempfile.gettempdir(), *self.args),
                                 self.port, cpus=self.cpus)

    def client(self):
        """A client as step 2 makes one, with its timeouts."""
        return connect(self.url)

    def stop(self):
        if self._fake:
            self._fake.shutdown()
            self._fake.server_close()
        if self._proc:
            self.resume()  # a frozen server cannot act on SIGTERM
            self._proc.stop()
        self._fake = self._proc = None

    def pause(self):
        """Freeze redis-server: connections stay open and nothing answers."""
        self._proc.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self._proc.proc.send_signal(signal.SIGCONT)

    def output(self):
        """What redis-server has printed so far."""
        return self._proc.output()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
