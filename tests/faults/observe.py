"""What ZooKeeper says about a cluster, read with kazoo (Debian's
python3-kazoo) on a session of the harness's own, never through a pod's
proxy.

Rounds are counted by the version of the cluster's `hash` node (a round
that completes sets it once), re-registrations by the names of pod nodes
(every registration is a new EPHEMERAL_SEQUENTIAL node): a children watch
records every name it ever sees, and a final listing completes it.
"""

import json
import logging
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

from ochopod_testkit.procs import now
from pods import NAMESPACE

ROOT = "/ochopod/clusters"
logging.getLogger("kazoo").setLevel(logging.CRITICAL)  # reconnect chatter during faults


def client(hosts):
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=20)
    return zk


def parse(data):
    try:
        value = json.loads(data)
        return value if isinstance(value, dict) else None
    except (TypeError, ValueError):
        return None


class ClusterWatch:
    def __init__(self, zk, cluster):
        self.zk = zk
        self.home = f"{ROOT}/{NAMESPACE}.{cluster}"
        self.lock = threading.Lock()
        self.seen = {}  # pod node name -> time first seen
        zk.ensure_path(f"{self.home}/pods")
        zk.ChildrenWatch(f"{self.home}/pods", self.on_children)

    def on_children(self, children):
        t = now()
        with self.lock:
            for c in children:
                self.seen.setdefault(c, t)

    def names(self):
        """Every pod node name seen so far (a fresh listing included)."""
        try:
            self.on_children(self.zk.get_children(f"{self.home}/pods"))
        except NoNodeError:
            pass
        with self.lock:
            return set(self.seen)

    def hash_version(self):
        try:
            return self.zk.get(f"{self.home}/hash")[1].version
        except NoNodeError:
            return -1

    def hash(self):
        try:
            return self.zk.get(f"{self.home}/hash")[0]
        except NoNodeError:
            return None

    def snapshot(self):
        """The uuids in the cluster's snapshot, or None if absent or not JSON."""
        try:
            value = parse(self.zk.get(f"{self.home}/snapshot")[0])
        except NoNodeError:
            return None
        return set(value) if value is not None else None

    def registrations(self):
        """{node name: (payload dict or None, stat)} of the live pod nodes."""
        out = {}
        try:
            children = self.zk.get_children(f"{self.home}/pods")
        except NoNodeError:
            return out
        for c in children:
            try:
                data, stat = self.zk.get(f"{self.home}/pods/{c}")
            except NoNodeError:
                continue
            out[c] = (parse(data), stat)
        return out

    def node_of(self, pod):
        """(name, uuid, seq, session id) of the pod's live registration, found
        by its control port, or None."""
        for name, (payload, stat) in self.registrations().items():
            if payload and str((payload.get("ports") or {}).get("8080")) == str(pod.port):
                return name, name.split(".")[0], payload.get("seq"), stat.ephemeralOwner
        return None
