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
connection, as a lone command is. A Redis that stops answering costs the reads
queued behind the batch no second timeout: they fail with it. Writes, and every
other command, take the usual path.

What makes it safe: a connection that several requests share is only as safe as
its replies are in step, since a reply read as another's greets a user with
someone else's session. So the batch goes through redis-py's public API on a
connection checked out of the pool like any other (``send_packed_command``,
then ``read_response`` once per GET): redis-py's parser reads each reply whole,
skips what Redis pushes unasked (another client's ``CLIENT TRACKING …
REDIRECT`` can push into any connection), and a connection that the pool hands
out again asks the Sentinels where the master is, as every pooled connection
does. An error reply (WRONGTYPE) is read whole and is its own read's; anything
else that goes wrong mid-batch drops the connection, so that no later batch can
read this one's replies.
"""

import copy
import threading

import redis

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
        """The replies to GET of each key, in one write on a pooled connection, retried as usual."""
        pool = self.connection_pool
        connection = pool.get_connection()
        try:
            return connection.retry.call_with_retry(
                lambda: self._send_and_read(connection, keys), lambda _: connection.disconnect())
        finally:
            pool.release(connection)

    @staticmethod
    def _send_and_read(connection, keys):
        """Each GET's reply (or its error reply, as a ResponseError), in order, on connection."""
        connection.send_packed_command(connection.pack_commands([("GET", key) for key in keys]))
        replies = []
        try:
            for _ in keys:
                try:
                    replies.append(connection.read_response())
                except redis.ResponseError as error:  # read whole: this read's alone
                    replies.append(error)
        except BaseException:
            # A timeout, a hang-up, a reply that no GET gives, a Ctrl+C: the replies still
            # to come would be read by the next batch, each by the wrong thread. Drop the
            # connection: a new one starts in step.
            connection.disconnect()
            raise
        return replies
