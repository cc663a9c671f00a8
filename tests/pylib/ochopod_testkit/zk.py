"""ZooKeeper servers for the harnesses: Debian's server (the jar in
/usr/share/java) on loopback, standalone or a 3-server ensemble, in a
directory of the caller's; four-letter words (srvr, cons, mntr); a kazoo
client session (kazoo_client).

Used by the fault matrix (tests/faults: standalone and ensemble servers it
SIGKILLs and restarts on the same ports and data) and by the benchmarks
(bench: one private standalone server per scenario or run).

Every config has tickTime=500 (the matrix's timings assume it),
maxClientCnxns=0, minSessionTimeout=1000, the four-letter words
whitelisted and the admin server off. Two settings differ by caller:
`fsync` (off for the matrix, so a SIGKILLed server keeps its data in the
page cache and a busy disk cannot stall every session; on for the bench,
whose formation and join figures include ZooKeeper's writes, as
scripts/zookeeper runs it) and `jvm_options` (the matrix starts small, fast
JVMs; the bench runs the JVM's defaults, as scripts/zookeeper does). A
server is ready once `srvr` reports a mode, that is once it serves sessions
(in an ensemble: once it is in a quorum), not merely once it answers `ruok`.
"""

import os
import re
import shutil
import signal
import socket
import subprocess

from .ports import LOCALHOST, free_ports
from .procs import HarnessError, die_with_parent, kill_quietly, now, poll

JAVA = "/usr/bin/java"
JARS = ["/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-log4j12.jar",
        "/usr/share/java/log4j-1.2.jar"]
LOG4J = "/etc/zookeeper/conf/log4j.properties"
# A JVM that starts fast and stays small: the fault matrix runs up to three.
LEAN_JVM = ("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


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


def mntr(port, timeout=5.0):
    """`mntr` as {key: int or str}; {} if the server does not answer."""
    out = {}
    for line in four_letter(port, "mntr", timeout).splitlines():
        parts = line.split("\t")
        if len(parts) == 2:
            try:
                out[parts[0]] = int(parts[1])
            except ValueError:
                out[parts[0]] = parts[1]
    return out


class ZkServer:
    """One server in `directory` (its zoo.cfg, data/ and zookeeper.log).
    peers: [(client, quorum, election) ports] of the whole ensemble with
    myid its 1-based index, or None for a standalone server. env: variables
    added to the JVM's environment (the matrix's process tag)."""

    def __init__(self, directory, client_port, myid=None, peers=None, env=None, fsync=False,
                 jvm_options=LEAN_JVM):
        self.dir, self.port, self.myid = directory, client_port, myid
        self.env, self.jvm_options = dict(env or {}), tuple(jvm_options)
        self.data = os.path.join(directory, "data")
        os.makedirs(self.data, exist_ok=True)
        self.proc = None
        self.log_path = os.path.join(directory, "zookeeper.log")
        lines = ["tickTime=500", "initLimit=10", "syncLimit=5", f"dataDir={self.data}",
                 f"clientPort={client_port}", f"clientPortAddress={LOCALHOST}",
                 "maxClientCnxns=0", "4lw.commands.whitelist=*", "admin.enableServer=false",
                 "minSessionTimeout=1000", "maxSessionTimeout=60000"]
        if not fsync:
            lines.append("forceSync=no")
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

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def launch(self):
        """Starts the JVM (in its own session, dying with us); see wait_serving."""
        classpath = ":".join([self.dir] + [j for j in JARS if os.path.exists(j)])
        env = dict(os.environ)
        env.update(self.env)
        argv = [JAVA, *self.jvm_options, "-Djava.net.preferIPv4Stack=true",
                "-Dzookeeper.root.logger=INFO,CONSOLE",
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
            raise HarnessError(f"ZooKeeper on port {self.port} did not serve within {timeout:g} s; "
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
    """A server that exited because another process took its port (two
    harnesses drawing the same port, see ports.py): worth another try on
    fresh ports."""
    return any(not s.running() and "Address already in use" in s.tail(200) for s in servers)


def _started(start, directory, timeout, attempts):
    """start(dir) -> servers, launched; returns them once all serve. A try
    whose server lost its port is retried in a fresh subdirectory on fresh
    ports; whatever fails, no server of a failed try is left running."""
    for attempt in range(attempts):
        servers = start(os.path.join(directory, str(attempt)))
        try:
            deadline = now() + timeout
            for s in servers:
                s.wait_serving(max(1.0, deadline - now()))
            return servers
        except BaseException as e:
            for s in servers:
                s.kill()
            retry = isinstance(e, HarnessError) and attempt + 1 < attempts and port_taken(servers)
            if not retry:
                raise
    raise AssertionError("unreachable")


def standalone(directory, timeout=30, attempts=3, **options):
    """One serving standalone server under directory (options: ZkServer's)."""
    def start(d):
        os.makedirs(d, exist_ok=True)
        server = ZkServer(d, free_ports(1)[0], **options)
        server.launch()
        return [server]
    return _started(start, directory, timeout, attempts)[0]


def ensemble(directory, n=3, timeout=60, attempts=3, **options):
    """n serving servers in a quorum, each in directory/zk<i>."""
    return _started(lambda d: start_ensemble(d, n, **options), directory, timeout, attempts)


def start_ensemble(directory, n, **options):
    ports = free_ports(3 * n)
    peers = [tuple(ports[3 * i:3 * i + 3]) for i in range(n)]
    servers = []
    for i, (client, _, _) in enumerate(peers, 1):
        d = os.path.join(directory, f"zk{i}")
        os.makedirs(d, exist_ok=True)
        servers.append(ZkServer(d, client, myid=i, peers=peers, **options))
    for s in servers:
        s.launch()
    return servers


def connect_string(servers):
    return ",".join(s.address for s in servers)


def kazoo_client(hosts):
    """A started kazoo session on hosts (10 s session timeout, 15 s to
    connect), for the benches' own writes and reads. kazoo is imported here
    only, so the rest of the kit runs without it."""
    from kazoo.client import KazooClient
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=15)
    return zk
