"""A recording peer: an HTTP endpoint registered as one more pod of a
cluster (a pod node written through kazoo, create-then-set, as a pod does)
that answers the leader's control requests 200 and records each one with
its arrival time and the pid of the process that sent it (the owner of the
client socket, from /proc). It can hold the next `check` open until told to
answer, which keeps the leader's round in flight for as long as a scenario
needs: that is how the matrix has a round in flight at the moment it
partitions or kills the leader, and how it sees whether the leader still
sends requests afterwards.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ochopod_testkit.ports import LOCALHOST
from ochopod_testkit.procs import now
from pods import NAMESPACE
from procs import socket_owner


class RecordingPeer:
    def __init__(self, senders):
        """senders: callable returning the pids that may send us requests."""
        self.senders = senders
        self.uuid = str(uuid.uuid4())
        self.requests = []  # (time, path, sender pid or None)
        self.lock = threading.Lock()
        self.hold_next_check = False
        self.held = threading.Event()
        self.held_by = None
        self.release = threading.Event()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                t = now()
                sender = socket_owner(self.client_address[1], peer.port, peer.senders())
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with peer.lock:
                    peer.requests.append((t, self.path, sender))
                    hold = peer.hold_next_check and self.path.startswith("/control/check")
                    if hold:
                        peer.hold_next_check = False
                        peer.held_by = sender
                if hold:
                    peer.held.set()
                    peer.release.wait(120)
                if self.path == "/info":
                    body = json.dumps({"state": "follower", "process": "running"}).encode()
                else:
                    body = b"{}"
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the sender is gone (killed mid-request)

        self.server = ThreadingHTTPServer((LOCALHOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="peer", daemon=True)
        self.thread.start()
        self.node = None

    def register(self, client, cluster, zk):
        """Create-then-set, as a pod registers: its seq is the node's suffix."""
        home = f"/ochopod/clusters/{NAMESPACE}.{cluster}/pods"
        self.node = client.create(f"{home}/{self.uuid}.", b"", ephemeral=True, sequence=True,
                                  makepath=True)
        seq = int(self.node.rsplit(".", 1)[1])
        payload = {"cluster": cluster, "namespace": NAMESPACE, "ip": LOCALHOST,
                   "public": LOCALHOST, "port": "8080", "ports": {"8080": self.port},
                   "node": "local", "application": "", "task": "", "zk": zk, "seq": seq,
                   "fwk": "local", "binding": "local", "debug": "false", "local": "true",
                   "start": "true"}
        client.set(self.node, json.dumps(payload).encode())

    def arm_hold(self):
        with self.lock:
            self.hold_next_check = True

    def from_sender(self, pid, after):
        with self.lock:
            return [(t, p) for t, p, s in self.requests if s == pid and t >= after]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
