"""Free TCP ports on 127.0.0.1 for the servers a harness starts (ZooKeeper,
pods' control ports, children's listeners), by the rule of the C++
harness (tests/harness/ports.cpp):

Picked at random below the kernel's ephemeral range (32768 and up), never
by binding port 0: a port the kernel hands out for port 0 comes from the
range it also gives every outgoing connection's local port, so under load
a port picked but not yet bound by its server (a JVM a second later, a
pod's child) could be taken by some connection, and the server failed with
"Address already in use". A port is handed out once per process and only
if it binds now; two harnesses side by side collide only if they draw the
same port at the same moment (zk.py still retries a server on fresh ports
when that happens).
"""

import random
import socket
import threading

from .procs import HarnessError

LOCALHOST = "127.0.0.1"

# Below Linux's default ephemeral range (ip_local_port_range, 32768-60999)
# and above the well-known and registered ports services here listen on.
FIRST, LAST = 12000, 32767
TRIES = 1000

_lock = threading.Lock()
_given = set()
_rng = random.SystemRandom()


def bindable(port):
    """Whether 127.0.0.1:port can be bound now."""
    with socket.socket() as s:
        try:
            s.bind((LOCALHOST, port))
            return True
        except OSError:
            return False


def free_port():
    """A port that was free on 127.0.0.1 a moment ago, never given before."""
    with _lock:
        for _ in range(TRIES):
            port = _rng.randint(FIRST, LAST)
            if port in _given or not bindable(port):
                continue
            _given.add(port)
            return port
    raise HarnessError(f"no free port on {LOCALHOST} in {FIRST}-{LAST} after {TRIES} tries")


def free_ports(n):
    """n distinct such ports."""
    return [free_port() for _ in range(n)]
