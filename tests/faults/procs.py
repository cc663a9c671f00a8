"""The fault matrix's own process plumbing, beyond tests/pylib's
ochopod_testkit (clock, waits, /proc, kills, ports, process tags): the
matrix's setup error, timed holds, and which process owns which loopback
TCP socket.

Every process the matrix starts carries the kit's TAG_VARIABLE=<scenario
dir> in its environment (children inherit it), so a scenario's teardown
kills all of its processes, wherever they were reparented. The runner is a
subreaper, so orphans come back to it and are reaped.
"""

import os
import time

from ochopod_testkit.procs import HarnessError, now, read_text


class FaultError(HarnessError):
    """A scenario could not set itself up (a server did not start, a pod died)."""


def sleep_until(t):
    """Holds a fault for its intended duration (never used to synchronize)."""
    left = t - now()
    if left > 0:
        time.sleep(left)


def socket_owner(local_port, remote_port, pids):
    """Which of pids owns the TCP socket 127.0.0.1:local_port ->
    127.0.0.1:remote_port (the sender of a request), or None."""
    inode = None
    text = read_text("/proc/net/tcp") or ""
    want_local = f"0100007F:{local_port:04X}"
    want_remote = f"0100007F:{remote_port:04X}"
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[1] == want_local and fields[2] == want_remote:
            inode = fields[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except OSError:
                continue
    return None


def connected_to(remote_port, pid):
    """True if pid holds an established TCP connection to 127.0.0.1:remote_port
    (e.g. a leader's request still waiting on a frozen pod)."""
    want = f"0100007F:{remote_port:04X}"
    inodes = set()
    for line in (read_text("/proc/net/tcp") or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[2] == want and fields[3] == "01":
            inodes.add(f"socket:[{fields[9]}]")
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                return True
        except OSError:
            continue
    return False
