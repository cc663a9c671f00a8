"""Real pods for the fault matrix: `ochopod run` processes (tests/pylib's
PodProcess) whose child is `sh -c 'echo $$ >> <dir>/child.pids; exec sleep
1000'`, so every start of the child appends its pid (child restarts =
lines - 1), debug on, tagged, dying with the runner; /info on a keep-alive
connection.
"""

import os
import signal

from ochopod_testkit.control import InfoClient
from ochopod_testkit.pods import PodProcess, pod_env
from ochopod_testkit.procs import TAG_VARIABLE, kill_quietly, read_text

NAMESPACE = "faults"


class Pod(PodProcess):
    def __init__(self, ochopod, directory, tag, name, zk, cluster, control_port,
                 session_timeout, damper=0.0, options=()):
        self.name, self.dir, self.cluster = name, directory, cluster
        os.makedirs(directory, exist_ok=True)
        self.pidfile = os.path.join(directory, "child.pids")
        child = f"echo $$ >> {self.pidfile}; exec sleep 1000"
        argv = [ochopod, "run", "--session-timeout", f"{session_timeout:g}",
                "--damper", f"{damper:g}", *options, "--", "sh", "-c", child]
        env = pod_env(zk, cluster, NAMESPACE, control_port, debug=True, **{TAG_VARIABLE: tag})
        super().__init__(argv, env, directory, os.path.join(directory, "pod.log"), control_port,
                         die_with_parent=True)
        self.client = InfoClient(control_port, timeout=1.0)

    def __repr__(self):
        return f"pod {self.name} (pid {self.pid}, port {self.port})"

    def info(self):
        return self.client.get()

    def child_pids(self):
        text = read_text(self.pidfile) or ""
        return [int(x) for x in text.split()]

    def child_starts(self):
        return len(self.child_pids())

    def kill(self):
        """PodProcess.kill, then every child it ever started that still
        runs (one orphaned by a pod that died on its own included)."""
        super().kill()
        mark = f"PORT_8080={self.port}".encode()
        for c in self.child_pids():
            try:
                with open(f"/proc/{c}/environ", "rb") as f:
                    ours = mark in f.read().split(b"\0")
            except OSError:
                ours = False
            if ours:  # not a recycled pid
                kill_quietly(c, signal.SIGKILL)
