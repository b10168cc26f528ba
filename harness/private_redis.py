"""Redis servers of our own, for the tests and the measurements: never the user's Redis.

Every one listens on 127.0.0.1, on a free port, and keeps nothing on disk.
"""

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from workshop.command_log import CommandLog
from workshop.private_redis import redis_server_argv, redis_url
from workshop.processes import Process, free_port, wait_until


def exit_unless_installed(*programs, what="This"):
    """For a script: exit with one line if a Redis program it needs is missing."""
    missing = [program for program in programs if not shutil.which(program)]
    if missing:
        sys.exit(f"{what} needs {' and '.join(programs)} "
                 "(Debian: apt-get install redis-server).")


def commands_served(admin, action):
    """{command: calls} that Redis served while action() ran, from INFO commandstats.

    The admin's own INFO and CONFIG are left out. Real Redis only: fakeredis has no INFO.
    """
    admin.config_resetstat()
    action()
    stats = admin.info("commandstats")
    return {name.removeprefix("cmdstat_"): counts["calls"] for name, counts in stats.items()
            if name.removeprefix("cmdstat_").split("|")[0] not in ("info", "config")}


def stall(admin, seconds):
    """Make Redis stall for seconds (DEBUG SLEEP), beside the caller; return the thread.

    DEBUG SLEEP blocks the connection that sends it, so it is sent from a thread,
    on a connection of its own with no timeout; this returns once a probe finds
    Redis silent.
    """
    where = admin.connection_pool.connection_kwargs
    address = {"host": where["host"], "port": where["port"], "retry": Retry(NoBackoff(), 0)}
    sleeper = threading.Thread(target=redis.Redis(**address).execute_command,
                               args=("DEBUG", "SLEEP", seconds))
    sleeper.start()
    probe = redis.Redis(**address, socket_timeout=0.05)

    def silent():
        try:
            probe.ping()
        except redis.TimeoutError:
            return True
        return False

    wait_until(silent, "the stall")
    return sleeper


class LocalCluster:
    """A Redis Cluster on this machine: masters on free ports, no replicas, data in workdir.

    It needs redis-server and redis-cli (Redis 7 or newer, for --cluster-port).
    """

    def __init__(self, workdir, masters=3):
        self.ports = [free_port() for _ in range(masters)]
        self.nodes = []
        try:  # a cluster that fails to form leaves no node running
            for port in self.ports:
                # Each node's bus port is chosen too: the default, port + 10000, may not exist.
                self.nodes.append(Process(redis_server_argv(
                    port, workdir, "--cluster-enabled", "yes", "--cluster-port",
                    str(free_port()), "--cluster-config-file", f"nodes-{port}.conf"), port))
            subprocess.run(["redis-cli", "--cluster", "create",
                            *(f"127.0.0.1:{port}" for port in self.ports),
                            "--cluster-replicas", "0", "--cluster-yes"],
                           check=True, capture_output=True, timeout=60)
            wait_until(lambda: self.states() == {"ok"}, "the cluster's slots", timeout=20)
        except BaseException:
            self.stop()
            raise
        self.url = redis_url(self.ports[0])

    def states(self):
        """The cluster_state that each node reports: {"ok"} once every slot is served."""
        return {self.node(port).cluster("info")["cluster_state"] for port in self.ports}

    def node(self, port):
        """A plain client of one node, which knows nothing of the others."""
        return redis.Redis(port=port)

    def stop(self):
        for node in self.nodes:
            node.stop()


class LocalSentinels:
    """A master, its replicas (one unless told) and three Sentinels on free ports, data in workdir.

    The Sentinels declare the master down after a second without an answer, and
    agree on a failover with two votes of three.
    """

    NAME = "workshop"

    def __init__(self, workdir, partitionable=False, replicas=1):
        self.master_port = free_port()
        self.replica_ports = [free_port() for _ in range(replicas)]
        self.replica_port = self.replica_ports[0]
        self.master = Process(redis_server_argv(self.master_port, workdir), self.master_port)
        # partitionable: the Sentinels, the replica and step 2 reach the master through a
        # proxy (workshop/command_log.py), which can cut the first two off and not step 2.
        self.proxy = None
        if partitionable:
            self.proxy = CommandLog(self.master_port)
        seen_at = self.proxy.port if self.proxy else self.master_port
        self.replicas = [Process(redis_server_argv(
            port, workdir, "--replicaof", "127.0.0.1", str(seen_at)), port)
            for port in self.replica_ports]
        self.replica = self.replicas[0]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinels = []
        for port in self.sentinel_ports:
            config = Path(workdir) / f"sentinel-{port}.conf"  # Sentinel rewrites its own file
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {workdir}\n"
                f"sentinel monitor {self.NAME} 127.0.0.1 {seen_at} 2\n"
                f"sentinel down-after-milliseconds {self.NAME} 1000\n"
                f"sentinel failover-timeout {self.NAME} 3000\n")
            self.sentinels.append(Process(["redis-server", str(config), "--sentinel"], port))
        # A replica's first sync takes seconds after it starts: a failover before
        # it ends would promote an empty replica, and lose every session.
        wait_until(self.replica_in_sync, "the replica's first sync", timeout=30)
        wait_until(self.sees_the_replica, "the Sentinels finding the replica", timeout=20)
        # "up" comes before the replica acknowledges: right after it, WAIT 1 200 returned 0 in
        # 2 of 5 rounds, and a test's first logins were refused. One write that a replica
        # acknowledged is the sign that logins can be.
        master = redis.Redis(port=self.master_port)
        wait_until(lambda: master.set("replicated", "1") and master.wait(replicas, 200) == replicas,
                   "a write that the replica acknowledged", timeout=20)
        master.delete("replicated")
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        self.url = f"redis+sentinel://{hosts}/{self.NAME}/0"

    def sentinel(self, number=0):
        return redis.Redis(port=self.sentinel_ports[number], decode_responses=True)

    def replica_in_sync(self):
        return all(redis.Redis(port=port).info("replication").get("master_link_status") == "up"
                   for port in self.replica_ports)

    def sees_the_replica(self):
        return all(len(self.sentinel(n).sentinel_slaves(self.NAME)) == len(self.replica_ports)
                   for n in range(3))

    def master_address(self):
        return tuple(self.sentinel().sentinel_get_master_addr_by_name(self.NAME))

    def fail_over(self):
        """Promote the replica, as the Sentinels would when the master dies, and wait until the
        old master is a replica too. Return (when the Sentinels named the new master, when the
        old one was demoted): between the two, both take writes, and the old one's are lost."""
        old = self.master_address()
        self.sentinel().sentinel_failover(self.NAME)
        wait_until(lambda: self.master_address() != old, "the promotion", timeout=30)
        promoted = time.monotonic()
        old_master = redis.Redis(port=int(old[1]))
        wait_until(lambda: old_master.info("replication")["role"] == "slave",
                   "the old master's demotion", timeout=30)
        return promoted, time.monotonic()

    def kill_master(self):
        """SIGKILL the master, and wait until the Sentinels name the replica in its place: the
        time they did. The new master has no replica until one comes back."""
        old = self.master_address()
        self.master.proc.kill()
        wait_until(lambda: self.master_address() != old, "the promotion", timeout=30)
        return time.monotonic()

    def freeze_master(self, seconds):
        """SIGSTOP the master for seconds, long enough for the Sentinels to fail it over; then
        wait until it is a replica of the new master and in sync with it."""
        old = self.master_address()
        self.master.proc.send_signal(signal.SIGSTOP)
        try:
            wait_until(lambda: self.master_address() != old, "the promotion", timeout=30)
            time.sleep(max(0.0, seconds - 1))
        finally:
            self.master.proc.send_signal(signal.SIGCONT)
        old_master = redis.Redis(port=int(old[1]))
        wait_until(lambda: old_master.info("replication").get("master_link_status") == "up",
                   "the old master's demotion and sync", timeout=30)

    def partition(self, seconds):
        """Cut the Sentinels and the replica off from the master for seconds, long enough for a
        failover, while step 2 still reaches it; then wait until the old master is a replica of
        the new one, in sync. Needs partitionable=True."""
        def sentinel_or_replica(words):
            return words[0] == "CLIENT SETNAME" or any(
                word.startswith(("REPLCONF", "PSYNC", "SYNC")) for word in words)
        old = self.master_address()
        self.proxy.cut(sentinel_or_replica)
        try:
            wait_until(lambda: self.master_address() != old, "the promotion", timeout=30)
            time.sleep(max(0.0, seconds - 1))
        finally:
            self.proxy.heal()
        old_master = redis.Redis(port=self.master_port)
        wait_until(lambda: old_master.info("replication").get("master_link_status") == "up",
                   "the old master's demotion and sync", timeout=30)

    def stop(self):
        for process in [*self.sentinels, *self.replicas, self.master]:
            process.stop()
        if self.proxy:
            self.proxy.stop()
