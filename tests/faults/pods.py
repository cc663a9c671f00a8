"""Real pods for the fault matrix: `ochopod run` processes whose child is
`sh -c 'echo $$ >> <dir>/child.pids; exec sleep 1000'`, so every start of
the child appends its pid (child restarts = lines - 1), plus a small
keep-alive HTTP client for POST /info.
"""

import json
import os
import signal
import socket
import subprocess

from procs import LOCALHOST, TAG_VARIABLE, die_with_parent, kill_quietly, read_text

NAMESPACE = "faults"


class InfoClient:
    """POST /info on one keep-alive connection (reconnects after an error)."""

    REQUEST = b"POST /info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, port, timeout=0.3):
        self.port, self.timeout, self.sock, self.buf = port, timeout, None, b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def get(self):
        """The decoded /info object, or None (no answer, not 200, not JSON).
        A kept-alive connection the server closed while idle is retried once
        on a fresh one."""
        reused = self.sock is not None
        info = self.request()
        if info is None and reused and self.sock is None:
            info = self.request()
        return info

    def request(self):
        try:
            if self.sock is None:
                self.sock = socket.create_connection((LOCALHOST, self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.sendall(self.REQUEST)
            while b"\r\n\r\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise OSError("closed")
                self.buf += data
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            length, close = 0, False
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    length = int(v)
                elif k == b"connection" and v.strip().lower() == b"close":
                    close = True
            while len(rest) < length:
                data = self.sock.recv(65536)
                if not data:
                    raise OSError("closed mid-body")
                rest += data
            body, self.buf = rest[:length], rest[length:]
            if close:
                self.close()
            return json.loads(body) if status == 200 else None
        except (OSError, ValueError, IndexError):
            self.close()
            return None


class Pod:
    def __init__(self, ochopod, directory, tag, name, zk, cluster, control_port,
                 session_timeout, damper=0.0, options=()):
        self.name, self.dir, self.cluster, self.port = name, directory, cluster, control_port
        os.makedirs(directory, exist_ok=True)
        self.pidfile = os.path.join(directory, "child.pids")
        self.log_path = os.path.join(directory, "pod.log")
        child = f"echo $$ >> {self.pidfile}; exec sleep 1000"
        argv = [ochopod, "run", "--session-timeout", f"{session_timeout:g}",
                "--damper", f"{damper:g}", *options, "--", "sh", "-c", child]
        env = dict(os.environ)
        env.update({"ochopod_zk": zk, "ochopod_cluster": cluster, "ochopod_namespace": NAMESPACE,
                    "ochopod_local": "true", "ochopod_port": "8080",
                    "PORT_8080": str(control_port), "ochopod_debug": "true",
                    TAG_VARIABLE: tag})
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(argv, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)
        self.pid = self.proc.pid
        self.client = InfoClient(control_port, timeout=1.0)

    def __repr__(self):
        return f"pod {self.name} (pid {self.pid}, port {self.port})"

    def info(self):
        return self.client.get()

    def running(self):
        return self.proc.poll() is None

    def child_pids(self):
        text = read_text(self.pidfile) or ""
        return [int(x) for x in text.split()]

    def child_starts(self):
        return len(self.child_pids())

    def signal(self, sig):
        return self.running() and kill_quietly(self.pid, sig)

    def freeze(self):
        return self.signal(signal.SIGSTOP)

    def thaw(self):
        return self.signal(signal.SIGCONT)

    def kill(self):
        """SIGKILL the pod and its child (a crash of the container)."""
        if self.running():
            kill_quietly(self.pid, signal.SIGKILL)
        mark = f"PORT_8080={self.port}".encode()
        for c in self.child_pids():
            try:
                with open(f"/proc/{c}/environ", "rb") as f:
                    ours = mark in f.read().split(b"\0")
            except OSError:
                ours = False
            if ours:  # not a recycled pid
                kill_quietly(c, signal.SIGKILL)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def tail(self, n=20):
        text = read_text(self.log_path) or ""
        return "\n".join(text.splitlines()[-n:])
