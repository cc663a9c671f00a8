"""The nemesis's world: a 3-server ZooKeeper ensemble and clusters of real
`ochopod run` pods, each pod behind its own proxies to the servers (one per
server, so a partition cuts it from all of them with its sockets kept
open), rendering a template of its view (its cluster's pods and its
dependencies') and running a child that forks (`sleep & wait` under sh), so
that what a hard death leaves behind shows.

Every process carries the run's tag (the kit's TAG_VARIABLE) and each pod's
processes also CHAOS_POD=<pod name>, children, grandchildren and the pod's
guardian included: that is how the checks find what a dead pod left. The
world owns every process and socket it made; close() sweeps them whatever
happened.
"""

import os
import shutil
import signal

from ochopod_testkit import zk as zookeeper
from ochopod_testkit.control import post_info
from ochopod_testkit.pods import PodProcess, pod_env
from ochopod_testkit.ports import free_ports
from ochopod_testkit.procs import TAG_VARIABLE, kill_quietly, kill_tagged, read_text, reap_all
from ochopod_testkit.proxy import Proxy

NAMESPACE = "chaos"
POD_VARIABLE = "CHAOS_POD"


class Settings:
    """The pods' settings the nemesis runs with, and the bound derived from
    them (docs in tests/chaos/README.md)."""

    session_timeout = 4.0  # T
    control_timeout = 5.0  # a round waits this long for a pod that does not answer
    restart_backoff = 1.0  # the cap of a crashed child's restart delay
    stop_timeout = 15.0  # a SIGTERMed pod's whole stop
    grace = 3.0
    check_every = 2.0
    slack = 10.0  # JVMs restarting, a loaded 2-core machine

    def convergence_bound(self):
        """From the end of the last fault to a converged world: dead pods'
        sessions expire (T), a pod whose session expired while frozen or
        cut off learns it on reconnecting and registers again (T), a round
        waits at most the control timeout for a pod that went away during
        it, a crashed child restarts within the backoff cap; plus slack."""
        return (2 * self.session_timeout + self.control_timeout + self.restart_backoff
                + self.slack)


class ChaosPod(PodProcess):
    def __init__(self, world, cluster, name):
        self.world, self.cluster, self.name = world, cluster, name
        self.dir = os.path.join(world.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.proxies = [Proxy(s.port, name=f"proxy-{name}-{i}") for i, s in
                        enumerate(world.servers)]
        self.pidfile = os.path.join(self.dir, "child.pids")
        self.view = os.path.join(self.dir, "view.txt")
        template = os.path.join(self.dir, "view.mustache")
        with open(template, "w") as f:
            f.write("{{#pods}}pod {{uuid}}\n{{/pods}}")
            for dep in world.dependencies.get(cluster, []):
                f.write(f"{{{{#dependencies.{dep}}}}}dep {dep} {{{{uuid}}}}\n"
                        f"{{{{/dependencies.{dep}}}}}")
        s = world.settings
        options = ["--session-timeout", f"{s.session_timeout:g}", "--damper", "0",
                   "--control-timeout", f"{s.control_timeout:g}",
                   "--restart-backoff", f"{s.restart_backoff:g}",
                   "--stop-timeout", f"{s.stop_timeout:g}", "--grace", f"{s.grace:g}",
                   # Checks run often, so they meet the faults; a crashed child
                   # is restarted however often it crashes (with the default
                   # of 1, one crash turns it off at the next check, as
                   # docs/lifecycle.md says).
                   "--check-every", f"{s.check_every:g}", "--checks", "1000000",
                   "--template", f"{template}:{self.view}", "--on-change", "true"]
        for dep in world.dependencies.get(cluster, []):
            options += ["--depends-on", dep]
        child = f"echo $$ >> {self.pidfile}; sleep 1000 & wait"
        zk = ",".join(p.address for p in self.proxies)
        port = free_ports(1)[0]
        env = pod_env(zk, cluster, NAMESPACE, port, debug=True,
                      **{TAG_VARIABLE: world.tag, POD_VARIABLE: name})
        super().__init__([world.ochopod, "run", *options, "--", "sh", "-c", child], env,
                         self.dir, os.path.join(self.dir, "pod.log"), port,
                         die_with_parent=True)
        self.frozen = False
        self.freezes = []  # [wall-clock start, end or None]: what it received meanwhile waited
        self.partitioned = False
        self.terminated_at = None  # when it was SIGTERMed
        self.died_at = None  # when it was SIGKILLed or seen gone

    def __repr__(self):
        return f"{self.cluster}/{self.name}"

    def info(self, timeout=1.0):
        return post_info(self.port, timeout)

    def child_pids(self):
        return [int(x) for x in (read_text(self.pidfile) or "").split()]

    def partition(self):
        for p in self.proxies:
            p.partition()
        self.partitioned = True

    def heal(self):
        for p in self.proxies:
            p.heal()
        self.partitioned = False

    def close_proxies(self):
        """Once the pod is gone: a long run starts hundreds of pods, and
        the proxies of dead ones would pile up (3 threads and 9 descriptors
        a pod; select() fails past descriptor 1023)."""
        for p in self.proxies:
            p.close()
        self.proxies = []


class World:
    def __init__(self, ochopod, directory, settings, clusters, dependencies):
        """clusters: {name: initial size}; dependencies: {name: [names]}."""
        self.ochopod, self.dir, self.settings = ochopod, directory, settings
        self.tag = directory
        self.clusters = dict(clusters)
        self.dependencies = dependencies
        self.pods = []  # every pod ever started, in order
        self.count = 0
        self.servers = zookeeper.ensemble(os.path.join(directory, "ensemble"),
                                          env={TAG_VARIABLE: self.tag})
        self.hosts = zookeeper.connect_string(self.servers)

    def add_pod(self, cluster):
        self.count += 1
        pod = ChaosPod(self, cluster, f"{cluster}{self.count}")
        self.pods.append(pod)
        return pod

    def live(self, cluster=None):
        """Pods whose process runs (frozen ones included)."""
        return [p for p in self.pods if p.running() and (cluster is None or p.cluster == cluster)]

    def dead(self):
        return [p for p in self.pods if not p.running()]

    def server_down(self):
        return [s for s in self.servers if not s.running()]

    def close(self, keep):
        for p in self.pods:
            p.thaw()
            p.kill()
            p.close_proxies()
        for s in self.servers:
            s.kill()
        kill_tagged(self.tag)
        reap_all()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def sigkill(pod):
    """SIGKILL of the pod process alone (not its group: what a crash or an
    OOM kill does), then reap it."""
    kill_quietly(pod.pid, signal.SIGKILL)
    try:
        pod.proc.wait(timeout=5)
    except Exception:  # noqa: BLE001 - a wait that runs out is checked later
        pass
