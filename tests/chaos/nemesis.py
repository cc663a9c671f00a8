"""The nemesis: a seeded random schedule of faults, applied to the world
while it runs. Every choice (which fault, when, on which pod, for how long)
comes from one random.Random(seed), in the order the faults are applied,
so a run replays with its seed; each fault is printed as it is applied
("+12.34 s freeze web5 for 3.10 s").

Faults overlap: a freeze, a partition, a server's restart or a slow client
lasts a while, and the next fault does not wait for it. end_all() ends
what still lasts (an epoch's faults are over), in the order they began.
"""

import heapq
import random
import signal
import socket
import threading
import time

from ochopod_testkit.ports import LOCALHOST
from ochopod_testkit.procs import alive, descendants, kill_quietly, now
from world import sigkill

# kind -> weight: how often each fault is drawn.
WEIGHTS = {
    "sigkill": 2.0, "sigterm": 1.0, "freeze": 2.0, "partition": 2.0, "child_kill": 2.0,
    "server_restart": 1.0, "quorum_loss": 0.5, "join": 1.5, "slow_clients": 1.0,
}
MAX_PODS = 5  # per cluster
MIN_PODS = 1  # a kill leaves at least this many running in the cluster


class SlowClients:
    """A few connections to a pod's control port that send a request one
    byte at a time, slowly, until stopped (the pod must bound them and keep
    answering everyone else)."""

    REQUEST = b"POST /control/on HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"

    def __init__(self, port, count=4, pause=0.5):
        self.port, self.count, self.pause = port, count, pause
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"slow-{port}", daemon=True)
        self.thread.start()

    def run(self):
        socks = []
        try:
            for _ in range(self.count):
                try:
                    socks.append(socket.create_connection((LOCALHOST, self.port), timeout=1))
                except OSError:
                    pass
            i = 0
            while not self.stopped.wait(self.pause):
                byte = self.REQUEST[i % len(self.REQUEST):i % len(self.REQUEST) + 1]
                for s in list(socks):
                    try:
                        s.send(byte)
                    except OSError:
                        socks.remove(s)  # the pod cut it: what it should do
                i += 1
        finally:
            for s in socks:
                s.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)


class Nemesis:
    def __init__(self, world, seed, log):
        self.world, self.rng, self.log = world, random.Random(seed), log
        self.counts = {k: 0 for k in WEIGHTS}
        self.pending = []  # heap of (when, order, description, end action)
        self.order = 0
        self.kill_cleanup = []  # seconds from a pod's SIGKILL to none of its processes alive
        self.cleanup_threads = []

    # ------------------------------------------------------------ schedule
    def next_gap(self, mean):
        return self.rng.expovariate(1.0 / mean)

    def duration(self, low, high):
        return self.rng.uniform(low, high)

    def draw(self):
        kinds = sorted(WEIGHTS)
        return self.rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]

    def pick(self, pods):
        pods = sorted(pods, key=lambda p: p.name)
        return self.rng.choice(pods) if pods else None

    def later(self, seconds, what, action):
        self.order += 1
        heapq.heappush(self.pending, (now() + seconds, self.order, what, action))

    def due(self):
        """Runs the end actions whose time came."""
        while self.pending and self.pending[0][0] <= now():
            _, _, what, action = heapq.heappop(self.pending)
            self.log(f"end {what}")
            action()

    def end_all(self):
        while self.pending:
            _, _, what, action = heapq.heappop(self.pending)
            self.log(f"end {what}")
            action()

    # ------------------------------------------------------------ faults
    def strike(self):
        """Draws one fault and applies it; a fault that has no target now
        (no pod to spare, a server fault while one lasts) is drawn again,
        at most a few times."""
        for _ in range(5):
            kind = self.draw()
            if getattr(self, kind)():
                self.counts[kind] += 1
                return kind
        return None

    def spare(self):
        """Pods that may die: in clusters that keep MIN_PODS running."""
        w = self.world
        return [p for p in w.live() if len([q for q in w.live(p.cluster)
                                            if q.terminated_at is None]) > MIN_PODS
                and p.terminated_at is None]

    def sigkill(self):
        pod = self.pick(self.spare())
        if pod is None:
            return False
        before = descendants(pod.pid)
        t0 = now()
        pod.thaw()  # a frozen pod dies as well; thawing first changes nothing for SIGKILL
        sigkill(pod)
        pod.died_at = now()
        pod.close_proxies()
        self.log(f"sigkill {pod} (its {len(before)} descendants must follow)")
        self.watch_cleanup(pod, before, t0)
        return True

    def watch_cleanup(self, pod, pids, t0):
        """How long until none of pids is alive (zombies count as gone: the
        subreaper reaps them), measured off the main loop."""
        def run():
            deadline = t0 + 5.0
            while now() < deadline:
                if not any(alive(p) for p in pids):
                    self.kill_cleanup.append((str(pod), now() - t0))
                    return
                threading.Event().wait(0.002)
            self.kill_cleanup.append((str(pod), None))
        t = threading.Thread(target=run, name=f"cleanup-{pod.name}", daemon=True)
        t.start()
        self.cleanup_threads.append(t)

    def sigterm(self):
        pod = self.pick([p for p in self.spare() if not p.frozen])
        if pod is None:
            return False
        pod.signal(signal.SIGTERM)
        pod.terminated_at = now()
        self.log(f"sigterm {pod}")
        return True

    def freeze(self):
        pod = self.pick([p for p in self.world.live() if not p.frozen
                         and p.terminated_at is None])
        if pod is None:
            return False
        d = self.duration(0.3, 2.5 * self.world.settings.session_timeout)
        pod.freeze()
        pod.frozen = True
        pod.freezes.append([time.time(), None])
        self.log(f"freeze {pod} for {d:.2f} s")

        def thaw():
            pod.thaw()
            pod.frozen = False
            pod.freezes[-1][1] = time.time()
        self.later(d, f"freeze {pod}", thaw)
        return True

    def partition(self):
        pod = self.pick([p for p in self.world.live() if not p.partitioned])
        if pod is None:
            return False
        d = self.duration(0.3, 2.5 * self.world.settings.session_timeout)
        pod.partition()
        self.log(f"partition {pod} from ZooKeeper for {d:.2f} s")
        self.later(d, f"partition {pod}", pod.heal)
        return True

    def child_kill(self):
        pods = [p for p in self.world.live() if not p.frozen and p.child_pids()
                and alive(p.child_pids()[-1])]
        pod = self.pick(pods)
        if pod is None:
            return False
        child = pod.child_pids()[-1]
        kill_quietly(child, signal.SIGKILL)
        self.log(f"child_kill {pod}: sh pid {child} (its sleep stays in the group)")
        return True

    def server_restart(self):
        return self.servers_down(1)

    def quorum_loss(self):
        return self.servers_down(2)

    def servers_down(self, n):
        w = self.world
        if w.server_down():
            return False
        servers = sorted(w.servers, key=lambda s: s.port)
        chosen = self.rng.sample(servers, n)
        d = self.duration(0.2, 2.0)
        for s in chosen:
            s.kill()
        names = ", ".join(str(s.port) for s in chosen)
        what = "quorum lost" if n >= 2 else "server down"
        self.log(f"{what}: ZooKeeper {names} SIGKILLed, relaunched after {d:.2f} s")

        def relaunch():
            for s in chosen:
                s.launch()
        self.later(d, f"{what} ({names})", relaunch)
        return True

    def join(self):
        w = self.world
        clusters = sorted(c for c in w.clusters if len(w.live(c)) < MAX_PODS)
        if not clusters:
            return False
        pod = w.add_pod(self.rng.choice(clusters))
        self.log(f"join {pod}")
        return True

    def slow_clients(self):
        pod = self.pick([p for p in self.world.live() if not p.frozen])
        if pod is None:
            return False
        d = self.duration(2.0, 8.0)
        clients = SlowClients(pod.port)
        self.log(f"slow_clients on {pod} for {d:.2f} s")
        self.later(d, f"slow_clients on {pod}", clients.stop)
        return True

    def refill(self):
        """Epoch end: each cluster back to its first size (joins)."""
        w = self.world
        for pod in w.dead():
            pod.close_proxies()
        for c, size in sorted(w.clusters.items()):
            running = [p for p in w.live(c) if p.terminated_at is None]
            for _ in range(size - len(running)):
                pod = w.add_pod(c)
                self.log(f"join {pod} (refill)")
                self.counts["join"] += 1

    def finish(self):
        for t in self.cleanup_threads:
            t.join(timeout=10)
