"""The embedded Redis: fakeredis inside step 2's process, for a learner without Redis.

It serves the Redis protocol at the URL's address, so that redis-cli and the
``sessions`` command can look into it as into a real Redis. Its data lives only
as long as the process. Plumbing, not the lesson.
"""

import ipaddress
import select
import sys
import threading
from urllib.parse import urlsplit

from fakeredis import TcpFakeServer
# fakeredis's private API (requirements.in pins fakeredis exactly for it): its
# connection handler, whose current_client and writer the handler below uses.
from fakeredis._clients._tcp_server import TCPFakeRequestHandler
from redis.connection import parse_url

from step2_redis_session.store import KEY_PREFIX

from .redis_url import DEFAULT_URL, redacted

#: The commands that the workshop, its exercises' answers (a sorted index of a user's sessions,
#: counters), redis-py and redis-cli send, and nothing else.
SERVED = {"GET", "SET", "GETEX", "MGET", "DEL", "UNLINK", "EXISTS", "TTL", "PTTL", "EXPIRE",
          "TYPE", "KEYS", "SCAN", "DBSIZE", "SADD", "SREM", "SMEMBERS", "SCARD", "SISMEMBER",
          "ZADD", "ZRANGE", "ZREM", "ZREMRANGEBYSCORE", "ZCARD", "ZSCORE", "INCR", "INCRBY",
          "PING", "ECHO", "HELLO", "SELECT", "COMMAND", "QUIT", "RESET"}
#: CLIENT's harmless subcommands: what redis-py says about itself on connecting.
CLIENT_SUBCOMMANDS = {"SETINFO", "SETNAME", "GETNAME", "ID"}
#: How often an idle connection's thread looks up to see whether the server stops.
SHUTDOWN_CHECK = 1.0


def check_embeddable(url, cluster):
    """Exit with one line if the embedded Redis could not serve url."""
    if cluster:
        sys.exit("--embedded-redis is one Redis, not a cluster: leave out --redis-cluster.")
    parts = urlsplit(url)
    if parts.scheme != "redis" or parts.username or parts.password:
        sys.exit(f"--embedded-redis serves plain redis://host:port/db with no password, "
                 f"not {redacted(url)}.")
    if not loopback(parts.hostname or "127.0.0.1"):
        # No password, no ACL: on any other address, anyone on the network could read
        # and write every session.
        sys.exit(f"--embedded-redis has no password, so it listens on this machine only "
                 f"(127.0.0.1, ::1 or localhost), not on {parts.hostname}.")
    db = parse_url(url).get("db", 0)
    if not 0 <= db < 16:
        sys.exit(f"--embedded-redis has databases 0 to 15, as a real Redis does; not {db}.")


def loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(fields):
    """Why the embedded Redis will not run this command, or None.

    It runs inside step 2's process: a command that takes it long (KEYS with a
    pattern such as '*a*a*a*a*a*b' backtracks for minutes in fakeredis) stalls
    the web server too, and one that changes the server (ACL, CONFIG, DEBUG)
    can lock every request out until a restart. The workshop needs neither.
    """
    name = fields[0].decode("utf-8", "replace").upper()
    if name == "CLIENT":
        sub = fields[1].decode("utf-8", "replace").upper() if len(fields) > 1 else ""
        if sub not in CLIENT_SUBCOMMANDS:
            return f"the embedded Redis does not serve CLIENT {sub}: use a real redis-server"
    elif name not in SERVED:
        return (f"the embedded Redis serves only the commands the workshop uses, not {name}: "
                "use a real redis-server for more")
    patterns = [fields[1]] if name == "KEYS" and len(fields) > 1 else [
        value for option, value in zip(fields, fields[1:]) if option.upper() == b"MATCH"]
    if any(pattern.count(b"*") > 1 for pattern in patterns):
        return ("the embedded Redis takes patterns with at most one * (such as 'SESSION:*'): "
                "more can take it minutes")
    return None


#: The most that one command may hold. Redis's own limits are 512 MB a field and a million
#: fields; the embedded one lives in step 2's process, and the workshop's commands are small.
MAX_COMMAND = 16 * 2 ** 20


def resp_number(text, what):
    """A count or a length of RESP: digits only. int() would take "-12", "+12" and " 1_2", and
    a negative length would point the reader back at its own command, for ever."""
    if not (text.isdigit() and len(text) <= 9):
        raise ValueError(f"{what} is not a number of RESP")
    return int(text)


def one_command(buffer):
    """(the command's fields, its bytes, the rest of the buffer), or None until one is whole.

    Commands come as RESP arrays of bulk strings, as redis-py and redis-cli send them.
    A ValueError says why the buffer is no such command.
    """
    if not buffer:
        return None
    if not buffer.startswith(b"*"):
        raise ValueError("the embedded Redis reads commands as RESP arrays only")
    end = buffer.find(b"\r\n")
    if end < 0:
        return None
    count, at, fields = resp_number(bytes(buffer[1:end]), "the array's count"), end + 2, []
    for _ in range(count):
        end = buffer.find(b"\r\n", at)
        if end < 0:
            return None
        if buffer[at:at + 1] != b"$":
            raise ValueError("the embedded Redis reads commands as arrays of bulk strings only")
        length = resp_number(bytes(buffer[at + 1:end]), "a bulk string's length")
        if end + 2 + length > MAX_COMMAND:
            raise ValueError(f"a command larger than {MAX_COMMAND // 2 ** 20} MB")
        if len(buffer) < end + 2 + length + 2:
            return None
        fields.append(bytes(buffer[end + 2:end + 2 + length]))
        at = end + 2 + length + 2
    return fields, bytes(buffer[:at]), buffer[at:]


class GuardedHandler(TCPFakeRequestHandler):
    """One connection to the embedded Redis: each command read whole, checked, then served.

    fakeredis's own handler polls every connection every 10 ms, so an idle step 2
    whose pool held eight connections kept a tenth of a core busy for ever; this
    one sleeps until a command comes.
    """

    def handle(self):
        buffer = bytearray()  # grows in place: bytes += would copy it whole at every read
        # socketserver's private flag, set by shutdown(): the one way to see it from here.
        while not self.server._shutdown_event.is_set():
            readable, _, _ = select.select([self.connection], [], [], SHUTDOWN_CHECK)
            if not readable:
                continue
            try:
                data = self.connection.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionError:
                return
            if not data:
                return  # the client left
            buffer += data
            try:
                while (command := one_command(buffer)) is not None:
                    fields, raw, buffer = command
                    self.serve(fields, raw)
            except ValueError as error:  # not RESP: say so, and hang up
                self.wfile.write(f"-ERR {error}\r\n".encode())
                self.wfile.flush()
                return

    def serve(self, fields, raw):
        why = refusal(fields) if fields else "an empty command"
        if why:
            self.wfile.write(f"-ERR {why}\r\n".encode())
            self.wfile.flush()
            return
        # fakeredis's private API: current_client is this connection's in-process
        # FakeRedis connection, writer encodes its replies as RESP.
        self.current_client.get_socket().sendall(raw)
        while self.current_client.can_read():
            try:
                self.writer.dump(self.current_client.read_response())
            except Exception as error:  # an error reply, such as WRONGTYPE
                self.writer.dump(error)


def start_embedded_redis(url):
    """Serve fakeredis at the URL's address, in a thread of this process; return its banner."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 6379
    try:
        server = TcpFakeServer((host, port), server_type="redis")
        server.RequestHandlerClass = GuardedHandler
        server.daemon_threads = True  # Ctrl+C must not wait for open connections
    except OSError as exc:
        sys.exit(f"Cannot start the embedded Redis on {host}:{port}: {exc.strerror}. "
                 "Pick another address with --redis-url.")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = [
        f"EMBEDDED REDIS (fakeredis) on {host}:{port}.",
        "Its data lives only as long as this process: stop the server and",
        "every session is gone. Install redis-server for the real thing.",
        f"Look inside: redis-cli -p {port} keys '{KEY_PREFIX}*'",
        "         or: python -m step2_redis_session sessions",
    ]
    if url != DEFAULT_URL:
        lines.append(f"             --redis-url {redacted(url)}")
    width = max(map(len, lines))
    return ["*" * (width + 4), *(f"* {line:<{width}} *" for line in lines), "*" * (width + 4)]
