"""Reads of concurrent requests share round trips on one connection. Plumbing, not the lesson.

waitress serves each request in a thread of its own, and redis-py's ``GET`` is
blocking: send, then wait for the reply. So with many clients, each of eight
threads makes a round trip of its own on a pooled connection, and each round
trip is two system calls and a switch between threads. ioredis, the article's
client, does otherwise: every request's command goes down one connection as it
comes, and the replies come back in order. ``PipelinedReads`` does that for
reads, with threads (docs/session-costs.md draws it):

- A thread that reads when no round trip of reads is in flight sends its
  ``GET`` at once: with one client, nothing changes.
- A thread that reads while one is in flight queues its ``GET``. When the
  round trip in flight is done, the first queued thread sends every queued
  ``GET`` in one write, reads the replies in order, and hands each to the
  thread that asked. About four reads share a round trip at 64 clients.

What stays as it was: each read is still exactly one ``GET``, with the same
key and answer (``MONITOR`` shows them one by one); each reply waits at most
the connection's timeout, and a batch that fails is sent once more on a new
connection, as a lone command is; an error reaches every read of the batch,
so that the circuit breaker counts each. A Redis that stops answering costs
the reads queued behind the batch no second timeout: they fail with it.
Writes, and every other command, take the usual path.
"""

import copy
import socket
import threading

import redis
from redis._parsers import BaseParser

from .redis_faults import unreachable


class _Read:
    """One thread's GET: its key, then its reply or its error."""

    __slots__ = ("key", "woken", "done", "reply", "error")

    def __init__(self, key):
        self.key, self.woken, self.done, self.reply, self.error = key, threading.Event(), False, None, None


class PipelinedReads(redis.Redis):
    """A redis-py client whose ``get`` shares round trips with the reads of other threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()  # guards the two fields below
        self._queued = []  # reads waiting for the next round trip
        self._in_flight = False  # a round trip of reads is being made: queue behind it
        self._connection = None  # the reads' own connection, used by one round trip at a time

    def get(self, name):
        read = _Read(name)
        with self._lock:
            self._queued.append(read)
            leads = not self._in_flight
            self._in_flight = True
        if not leads:
            read.woken.wait()  # answered, or handed the next round trip
            leads = not read.done
        if leads:
            self._round_trip()
        if read.error is not None:
            raise copy.copy(read.error)  # one copy per thread: each raise has its own traceback
        return read.reply

    def _round_trip(self):
        """Send every queued GET in one write; answer each; hand the next round trip on."""
        with self._lock:
            batch, self._queued = self._queued, []
        late = []
        try:
            for read, reply in zip(batch, self._get_all([read.key for read in batch])):
                if isinstance(reply, redis.ResponseError):
                    read.error = reply  # WRONGTYPE, say: this read's alone
                else:
                    read.reply = reply
        except Exception as error:
            for read in batch:
                read.error = error
            if unreachable(error):
                with self._lock:  # they waited for this round trip: no second timeout
                    late, self._queued = self._queued, []
                for read in late:
                    read.error = error
        finally:
            with self._lock:
                next_leader = self._queued[0] if self._queued else None
                self._in_flight = next_leader is not None
            for read in batch + late:
                read.done = True
                read.woken.set()
            if next_leader:
                next_leader.woken.set()

    def _get_all(self, keys):
        """The replies to GET of each key, in one write on the reads' connection, retried as usual."""
        if self._connection is None:
            # Taken from the pool once and kept: one round trip of reads at a time
            # needs one connection, and a check-out per batch cost as much as the
            # round trip. In the pool's count (connect() makes room for it), a
            # failover's disconnect() reaches it too.
            self._connection = self.connection_pool.get_connection()
        connection = self._connection
        return connection.retry.call_with_retry(
            lambda: self._send_and_read(connection, keys), lambda _: connection.disconnect())

    def _send_and_read(self, connection, keys):
        encode = connection.encoder.encode
        connection.send_packed_command([b"".join(
            b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key) for key in map(encode, keys))])
        return [connection.encoder.decode(reply) if isinstance(reply, bytes) else reply
                for reply in read_get_replies(connection._sock, len(keys))]


def read_get_replies(sock, count):
    """count replies to GET, read from the socket: each bytes, None, or a ResponseError.

    Read here rather than by redis-py's parser, which costs about 20 µs of the
    server's CPU a reply: under load, more than the round trip it saves. A GET
    has three answers: a string ($5 hello; or +hello, as fakeredis sends some),
    none ($-1, or _ in RESP3), or an error (-WRONGTYPE …). Every reply is read, an error too, or the next
    would be out of step; the errors are in redis-py's words.
    """
    buffer, start, replies = b"", 0, []
    while len(replies) < count:
        line_end = buffer.find(b"\r\n", start)
        if line_end >= 0:
            kind, head = buffer[start:start + 1], buffer[start + 1:line_end]
            if kind == b"$" and head != b"-1":
                data_end = line_end + 2 + int(head)
                if len(buffer) >= data_end + 2:
                    replies.append(buffer[line_end + 2:data_end])
                    start = data_end + 2
                    continue
            elif kind == b"+":  # a simple string: fakeredis answers some GETs so
                replies.append(head)
                start = line_end + 2
                continue
            elif kind in (b"$", b"_"):
                replies.append(None)
                start = line_end + 2
                continue
            elif kind == b"-":
                replies.append(BaseParser.parse_error(head.decode("utf-8", "replace")))
                start = line_end + 2
                continue
            else:
                raise redis.exceptions.InvalidResponse(f"Protocol Error: {buffer[start:line_end]!r}")
        buffer = buffer[start:] + received(sock)
        start = 0
    return replies


def received(sock):
    """The next bytes from Redis; a timeout, an error or a hang-up raised as redis-py raises them."""
    try:
        chunk = sock.recv(65536)
    except socket.timeout:
        raise redis.TimeoutError("Timeout reading from socket") from None
    except OSError as error:
        raise redis.ConnectionError(f"Error while reading from socket: {error.args}") from None
    if not chunk:
        raise redis.ConnectionError("Connection closed by server.")
    return chunk
