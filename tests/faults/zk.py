"""ZooKeeper servers for the fault matrix: Debian's server (the jar in
/usr/share/java), standalone or a 3-server ensemble on loopback, in the
scenario's directory. Every config has tickTime=500 (the matrix's timings
assume it), maxClientCnxns=0, the four-letter words whitelisted and the
admin server off. A server can be SIGKILLed and restarted on the same ports
and data, which is what the restart and quorum scenarios do.
"""

import os
import re
import shutil
import signal
import socket
import subprocess

from procs import (LOCALHOST, TAG_VARIABLE, FaultError, die_with_parent, free_ports, kill_quietly,
                   now, poll)

JAVA = "/usr/bin/java"
JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar",
        "/usr/share/java/log4j-1.2.jar"]
LOG4J = "/etc/zookeeper/conf/log4j.properties"


def four_letter(port, word, timeout=1.0):
    """The server's answer to a four-letter word, or '' if it does not answer."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as s:
            s.sendall(word.encode())
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


class ZkServer:
    """One server. peers: [(client, quorum, election) ports] of the whole
    ensemble with myid its 1-based index, or None for a standalone server."""

    def __init__(self, directory, tag, client_port, myid=None, peers=None):
        self.dir, self.tag, self.port, self.myid = directory, tag, client_port, myid
        self.data = os.path.join(directory, "data")
        os.makedirs(self.data, exist_ok=True)
        self.proc = None
        self.log_path = os.path.join(directory, "zookeeper.log")
        lines = ["tickTime=500", "initLimit=10", "syncLimit=5", f"dataDir={self.data}",
                 f"clientPort={client_port}", f"clientPortAddress={LOCALHOST}",
                 "maxClientCnxns=0", "4lw.commands.whitelist=*", "admin.enableServer=false",
                 "minSessionTimeout=1000", "maxSessionTimeout=60000",
                 # No fsync: a SIGKILLed server keeps its data (page cache), and a
                 # busy shared disk cannot stall every session.
                 "forceSync=no"]
        if peers:
            for i, (_, quorum, election) in enumerate(peers, 1):
                lines.append(f"server.{i}={LOCALHOST}:{quorum}:{election}")
            with open(os.path.join(self.data, "myid"), "w") as f:
                f.write(f"{myid}\n")
        with open(os.path.join(directory, "zoo.cfg"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if os.path.exists(LOG4J):
            shutil.copy(LOG4J, os.path.join(directory, "log4j.properties"))

    @property
    def address(self):
        return f"{LOCALHOST}:{self.port}"

    def launch(self):
        classpath = ":".join([self.dir] + [j for j in JARS if os.path.exists(j)])
        env = dict(os.environ)
        env[TAG_VARIABLE] = self.tag
        argv = [JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.net.preferIPv4Stack=true", "-Dzookeeper.root.logger=INFO,CONSOLE",
                f"-Dlog4j.configuration=file:{os.path.join(self.dir, 'log4j.properties')}",
                "-cp", classpath, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                os.path.join(self.dir, "zoo.cfg")]
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def serving(self):
        """srvr reports a mode only once the server serves sessions (in an
        ensemble: once it is in a quorum)."""
        return "Mode: " in four_letter(self.port, "srvr", 0.5)

    def mode(self):
        m = re.search(r"Mode: (\w+)", four_letter(self.port, "srvr", 0.5))
        return m.group(1) if m else None

    def sessions(self):
        """Session ids (ints) of the connections this server holds now."""
        return {int(x, 16) for x in re.findall(r"sid=0x([0-9a-f]+)", four_letter(self.port, "cons"))}

    def wait_serving(self, timeout):
        if not poll(lambda: self.serving() or not self.running(), timeout, 0.02) or not self.running():
            raise FaultError(f"ZooKeeper on port {self.port} did not serve within {timeout:g} s; "
                             f"log ends with:\n{self.tail()}")

    def kill(self):
        """SIGKILL (a crash), then reap."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                kill_quietly(self.proc.pid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def tail(self, n=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""


def port_taken(servers):
    """A server that exited because another process took its port (ports are
    picked free, then bound by the JVM a second later: a race on a shared
    machine): worth another try on fresh ports."""
    return any(not s.running() and "Address already in use" in s.tail(200) for s in servers)


def standalone(directory, tag, timeout=30, attempts=3):
    for attempt in range(attempts):
        d = os.path.join(directory, str(attempt))
        os.makedirs(d, exist_ok=True)
        server = ZkServer(d, tag, free_ports(1)[0])
        server.launch()
        try:
            server.wait_serving(timeout)
            return server
        except FaultError:
            server.kill()
            if attempt + 1 == attempts or not port_taken([server]):
                raise
    raise AssertionError("unreachable")


def ensemble(directory, tag, n=3, timeout=60, attempts=3):
    for attempt in range(attempts):
        servers = start_ensemble(os.path.join(directory, str(attempt)), tag, n)
        try:
            deadline = now() + timeout
            for s in servers:
                s.wait_serving(max(1.0, deadline - now()))
            return servers
        except FaultError:
            for s in servers:
                s.kill()
            if attempt + 1 == attempts or not port_taken(servers):
                raise
    raise AssertionError("unreachable")


def start_ensemble(directory, tag, n):
    ports = free_ports(3 * n)
    peers = [tuple(ports[3 * i:3 * i + 3]) for i in range(n)]
    servers = []
    for i, (client, _, _) in enumerate(peers, 1):
        d = os.path.join(directory, f"zk{i}")
        os.makedirs(d, exist_ok=True)
        servers.append(ZkServer(d, tag, client, myid=i, peers=peers))
    for s in servers:
        s.launch()
    return servers


def connect_string(servers):
    return ",".join(s.address for s in servers)
