"""Free ports, and programs run on them: one runner for the tests and the measurements alike."""

import os
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, what, timeout=10, gave_up=None):
    """Call predicate until it returns something true, and return that.

    An exception counts as "not yet" (a server that is still starting refuses
    connections). After timeout seconds, or as soon as gave_up() is true (say,
    the program exited), raise an AssertionError that names what did not happen.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except Exception:
            result = None
        if result:
            return result
        if time.monotonic() > deadline or (gave_up and gave_up()):
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


class Process:
    """A program run from the repository's root, until stop().

    It is ready when it accepts connections on port and, if ready_text is given,
    has printed that text. Its output (stdout and stderr) goes to a file, never
    to a pipe: a pipe that nobody reads fills up (64 KiB on Linux), and then the
    program blocks on its next print. Under load, waitress prints a warning for
    every deep task queue, so a piped server would hang in the middle of a test.
    """

    def __init__(self, argv, port, env=None, ready_text=None, timeout=10, cpus=None, cwd=ROOT):
        self.argv, self.port = argv, port
        self._log = tempfile.TemporaryFile()
        # cpus pins the program before it starts, so that every thread it will
        # start is pinned too: pinning a running process moves only its main thread.
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        self.proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})},
                                     stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=pin)

        def ready():
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return ready_text is None or ready_text in self.output()

        try:
            wait_until(ready, f"{' '.join(map(str, argv))} listening on port {port}",
                       timeout, gave_up=lambda: self.proc.poll() is not None)
        except AssertionError as exc:
            self.stop()
            raise AssertionError(f"{exc}. It printed:\n{self.output()}") from None
        except BaseException:  # Ctrl+C while it starts: no one else holds it yet to stop it
            self.stop()
            raise

    def output(self):
        """Everything the program has printed so far."""
        self._log.flush()
        with open(self._log.fileno(), "rb", closefd=False) as log:
            log.seek(0)
            return log.read().decode("utf-8", "replace")

    def stop(self):
        """Stop the program (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
