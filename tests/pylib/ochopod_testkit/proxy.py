"""A TCP proxy between one pod and ZooKeeper that can partition and heal.

A partition black-holes both directions WITHOUT closing anything: the proxy
stops reading from its sockets and stops accepting, so bytes sit in kernel
buffers, new connections wait in the listen backlog, and neither end sees a
reset or EOF, as when a network drops packets. Healing resumes forwarding
what was queued (as TCP retransmission would) and accepting. One thread per
proxy (select over its sockets); partition() returns only once no byte can
be forwarded any more.
"""

import select
import socket
import threading

from ochopod_testkit.ports import LOCALHOST
from ochopod_testkit.procs import now


class Proxy:
    def __init__(self, upstream_port, name="proxy"):
        self.upstream = (LOCALHOST, upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOCALHOST, 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.peers = {}  # socket -> the socket it forwards to
        self.partitioned = False
        self.partitions = []  # (start, end or None)
        self.forwarded = 0
        self.lock = threading.Lock()  # held while forwarding; partition() takes it
        self.wake_r, self.wake_w = socket.socketpair()
        self.stopping = False
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"{LOCALHOST}:{self.port}"

    def partition(self):
        with self.lock:
            self.partitioned = True
            self.partitions.append([now(), None])
        self.wake()

    def heal(self):
        with self.lock:
            self.partitioned = False
            if self.partitions and self.partitions[-1][1] is None:
                self.partitions[-1][1] = now()
        self.wake()

    def wake(self):
        try:
            self.wake_w.send(b"x")
        except OSError:
            pass

    def close(self):
        self.stopping = True
        self.wake()
        self.thread.join(timeout=5)
        with self.lock:
            for s in list(self.peers):
                s.close()
            self.peers.clear()
        self.listener.close()
        self.wake_r.close()
        self.wake_w.close()

    def drop(self, s):
        other = self.peers.pop(s, None)
        s.close()
        if other is not None:
            self.peers.pop(other, None)
            other.close()

    def accept(self):
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=2)
        except OSError:
            client.close()  # the server is down: as if it refused
            return
        for s in (client, upstream):
            s.settimeout(5)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peers[client] = upstream
        self.peers[upstream] = client

    def run(self):
        while not self.stopping:
            with self.lock:
                watched = [self.wake_r]
                if not self.partitioned:
                    watched += [self.listener] + list(self.peers)
            try:
                readable, _, _ = select.select(watched, [], [], 1.0)
            except (OSError, ValueError):
                continue  # a socket closed under us: rebuild the list
            with self.lock:
                for s in readable:
                    if s is self.wake_r:
                        try:
                            s.recv(4096)
                        except OSError:
                            pass
                    elif self.partitioned or self.stopping:
                        break
                    elif s is self.listener:
                        self.accept()
                    elif s in self.peers:
                        try:
                            data = s.recv(65536)
                        except OSError:
                            data = b""
                        if not data:
                            self.drop(s)
                            continue
                        try:
                            self.peers[s].sendall(data)
                            self.forwarded += len(data)
                        except (OSError, KeyError):
                            self.drop(s)
