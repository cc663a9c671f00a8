"""One scenario's world and its figures: a private directory and process
tag, its ZooKeeper servers, pods, proxies, recording peers, kazoo sessions
and /info sampler, all torn down by close() whatever happened, and the
figures it measured (what, value, expected, pass/fail/info).
"""

import os
import shutil
import tempfile
import traceback

import observe
from ochopod_testkit import zk as zookeeper
from ochopod_testkit.ports import free_ports
from ochopod_testkit.procs import TAG_VARIABLE, kill_tagged, now, poll, reap_all
from ochopod_testkit.proxy import Proxy
from peer import RecordingPeer
from pods import Pod
from procs import FaultError
from sampler import Sampler


def seconds(x):
    return "never" if x is None else f"{x:.2f} s"


class Scenario:
    def __init__(self, name, title, ochopod, keep=False):
        self.name, self.title, self.ochopod, self.keep = name, title, ochopod, keep
        self.dir = tempfile.mkdtemp(prefix=f"ochopod-faults-{name}-")
        self.tag = self.dir
        self.figures = []  # (what, value, expected, verdict) verdict: pass/FAIL/info
        self.servers, self.pods, self.proxies, self.peers, self.clients = [], [], [], [], []
        self.sampler = Sampler()
        self.started = now()
        self.failed_setup = False
        self.closed = False
        self.elapsed = 0.0
        self.session_timeout = None  # the pods' T, set by the scenario

    # ------------------------------------------------------------ figures
    def figure(self, what, value, expected, ok):
        verdict = "info" if ok is None else ("pass" if ok else "FAIL")
        self.figures.append((what, str(value), expected, verdict))
        print(f"  [{self.name}] {what}: {value} (expected {expected}) {verdict}", flush=True)

    def failed(self):
        return any(v == "FAIL" for *_, v in self.figures)

    def mark(self, what):
        """Notes a fault in the timeline (timeline.txt)."""
        self.sampler.mark(what)

    # ------------------------------------------------------------ parts
    def tagged_env(self):
        """What a server's environment adds: the scenario's tag."""
        return {TAG_VARIABLE: self.tag}

    def zk(self):
        server = zookeeper.standalone(os.path.join(self.dir, "zk"), env=self.tagged_env())
        self.servers.append(server)
        return server

    def ensemble(self):
        servers = zookeeper.ensemble(os.path.join(self.dir, "ensemble"), env=self.tagged_env())
        self.servers.extend(servers)
        return servers

    def proxy(self, server):
        p = Proxy(server.port, name=f"proxy-{len(self.proxies)}")
        self.proxies.append(p)
        return p

    def kazoo(self, hosts):
        c = observe.client(hosts)
        self.clients.append(c)
        return c

    def peer(self):
        p = RecordingPeer(lambda: [q.pid for q in self.pods if q.running()])
        self.peers.append(p)
        return p

    def pod(self, zk_address, cluster, session_timeout, damper=0.0, options=()):
        name = f"p{len(self.pods) + 1}"
        port = free_ports(1)[0]
        p = Pod(self.ochopod, os.path.join(self.dir, name), self.tag, name, zk_address, cluster,
                port, session_timeout, damper, options)
        self.pods.append(p)
        self.sampler.add(p)
        return p

    # ------------------------------------------------------------ waits
    def check_alive(self, pods):
        for p in pods:
            if not p.running():
                raise FaultError(f"{p} exited with {p.proc.returncode}; log ends with:\n{p.tail()}")

    def leader(self, pods):
        """The one pod whose /info says exactly 'leader' (idle), or None."""
        found = []
        for p in pods:
            info = p.info()
            if not info or info.get("process") != "running":
                return None
            if (info.get("state") or "").startswith("leader"):
                found.append((p, info.get("state")))
        return found[0][0] if len(found) == 1 and found[0][1] == "leader" else None

    def settled(self, pods, watch, extra=(), timeout=30.0, quiet=1.0):
        """Waits until every pod runs, one leads and is idle, the snapshot
        holds exactly these pods (plus the extra uuids) and the hash has not
        moved for `quiet` s. Returns the leader."""
        deadline = now() + timeout
        stable_since, version, leader = None, None, None
        while True:
            self.check_alive(pods)
            ok = False
            leader = self.leader(pods)
            if leader is not None:
                nodes = [watch.node_of(p) for p in pods]
                if all(nodes):
                    want = {n[1] for n in nodes} | set(extra)
                    ok = watch.snapshot() == want and watch.hash()
            v = watch.hash_version()
            if ok and v == version:
                if now() - stable_since >= quiet:
                    return leader
            else:
                stable_since, version = now(), (v if ok else None)
            if now() >= deadline:
                states = [(p.name, (p.info() or {}).get("state")) for p in pods]
                raise FaultError(f"cluster not settled after {timeout:g} s: states {states}, "
                                 f"snapshot {watch.snapshot()}, hash version {v}")
            poll(lambda: False, 0.05)  # sampling pause

    def quiet(self, until, pods):
        """Watches the cluster until `until` (a quiet window), failing early
        only if a pod dies."""
        while now() < until:
            self.check_alive(pods)
            poll(lambda: False, min(0.1, max(0.0, until - now())))

    # ------------------------------------------------------------ teardown
    def close(self):
        if self.closed:
            return
        self.closed = True
        self.sampler.stop()
        self.sampler.dump(os.path.join(self.dir, "timeline.txt"))
        for p in self.pods:
            p.thaw()
            p.kill()
        for p in self.peers:
            p.close()
        for p in self.proxies:
            p.close()
        for c in self.clients:
            try:
                c.stop()
                c.close()
            except Exception:  # kazoo raises its own types on a dead server
                traceback.print_exc()
        for s in self.servers:
            s.kill()
        kill_tagged(self.tag)
        reap_all()
        if self.failed() or self.failed_setup or self.keep:
            print(f"  [{self.name}] logs kept in {self.dir}", flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
