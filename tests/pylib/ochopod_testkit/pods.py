"""`ochopod run` processes started by a harness: the environment a pod
reads (ZooKeeper, cluster, namespace, its remapped control port), its own
session and log file, signals, and a kill that leaves nothing behind.

Subclassed by the fault matrix's Pod (tests/faults/pods.py), the bench's
Pod (bench/cluster_bench.py) and the zero-downtime bench's Proc
(bench/zero_downtime_bench.py), which choose the command line.
"""

import os
import signal
import subprocess

from . import procs
from .control import post_info


def pod_env(zk, cluster, namespace, control_port, debug=False, **extra):
    """os.environ plus what a pod run with `ochopod_local=true` reads: its
    control port 8080 remapped to control_port (PORT_8080), as a container
    platform would; extra variables last."""
    env = dict(os.environ)
    env.update({"ochopod_zk": zk, "ochopod_cluster": cluster, "ochopod_namespace": namespace,
                "ochopod_local": "true", "ochopod_port": "8080",
                "PORT_8080": str(control_port), "ochopod_debug": "true" if debug else "false"})
    env.update(extra)
    return env


class PodProcess:
    """One pod process in its own session, stdout and stderr appended to
    log_path. port: its control port. Every pod started and not yet killed
    is in PodProcess.live, so a harness can kill them all (kill_all) on any
    way out. die_with_parent: SIGKILLed if the harness dies (a preexec_fn:
    Popen then forks instead of using vfork, slower when starting a
    thousand pods)."""

    live = []

    def __init__(self, argv, env, cwd, log_path, port, die_with_parent=False):
        self.port, self.log_path = port, log_path
        with open(log_path, "ab") as out:
            self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True,
                                         preexec_fn=procs.die_with_parent if die_with_parent
                                         else None)
        self.pid = self.proc.pid
        PodProcess.live.append(self)

    def running(self):
        return self.proc.poll() is None

    def info(self, timeout=2.0):
        """Its /info on a fresh connection, or None."""
        return post_info(self.port, timeout)

    def signal(self, sig):
        return self.running() and procs.kill_quietly(self.pid, sig)

    def freeze(self):
        return self.signal(signal.SIGSTOP)

    def thaw(self):
        return self.signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL the pod and everything under it (a crash of the
        container), then reap. Stopped first, so it cannot restart a child
        it sees die."""
        if self.running():
            procs.kill_quietly(self.pid, signal.SIGSTOP)
            for d in procs.descendants(self.pid):
                procs.kill_quietly(d)
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                procs.kill_quietly(self.pid)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self in PodProcess.live:
            PodProcess.live.remove(self)

    def tail(self, n=20):
        """The last n lines of its log."""
        text = procs.read_text(self.log_path) or ""
        return "\n".join(text.splitlines()[-n:])

    @staticmethod
    def kill_all():
        """Kills every live pod (all stopped first), then reaps orphans."""
        for p in list(PodProcess.live):
            if p.running():
                procs.kill_quietly(p.pid, signal.SIGSTOP)
        for p in list(PodProcess.live):
            p.kill()
        procs.reap_all()
