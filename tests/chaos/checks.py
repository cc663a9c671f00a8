"""What the nemesis checks, after each epoch's faults and after the run.

converge(): within the bound the settings give (world.Settings), every
cluster reaches the state the protocol promises: each running pod answers
/info with its child running, exactly one pod leads, each running pod has
exactly one registration (none lost, none duplicated, none left by a dead
pod), the snapshot lists exactly the running pods, and every pod's rendered
view lists exactly the running pods of its cluster and its dependencies.

Once converged, settled(): nothing a dead pod started still runs (a
grandchild in its child's group included), no zombie lingers under a pod,
and each running pod's descriptors and threads are back to the count it
had at its first convergence in the same role (a leak grows), and the servers hold one
session per running pod.

After the run, fences(): what pods received from leaders, read from their
debug logs, never shows two leaders acting at once: a pod never accepts a
fence lower than one it accepted, and across a cluster no pod accepts a
leader's request once a newer leader's request was accepted anywhere.
"""

import datetime
import json
import os
import re
import time

from kazoo.exceptions import KazooException, NoNodeError

from ochopod_testkit.procs import TAG_VARIABLE, now, proc_stat, read_text
from world import NAMESPACE, POD_VARIABLE


def cluster_home(cluster):
    return f"/ochopod/clusters/{NAMESPACE}.{cluster}"


def registrations(client, cluster):
    """{node name: registration dict or None} under the cluster's pods/."""
    home = f"{cluster_home(cluster)}/pods"
    out = {}
    try:
        names = client.get_children(home)
    except NoNodeError:
        return out
    for name in names:
        try:
            data, _ = client.get(f"{home}/{name}")
            out[name] = json.loads(data.decode()) if data else None
        except NoNodeError:
            continue
        except ValueError:
            out[name] = None
    return out


def snapshot(client, cluster):
    try:
        data, _ = client.get(f"{cluster_home(cluster)}/snapshot")
        return set(json.loads(data.decode()))
    except (NoNodeError, ValueError):
        return None


def port_of(registration):
    return str(((registration or {}).get("ports") or {}).get("8080"))


def uuid_of(node_name):
    return node_name.split(".")[0]


def view_lines(pod):
    text = read_text(pod.view)
    return None if text is None else sorted(line for line in text.splitlines() if line)


def cluster_problems(world, client, cluster, uuids):
    """Why the cluster has not converged yet ([] once it has); fills
    uuids[pod name] for the pods it found registered."""
    problems = []
    running = [p for p in world.live(cluster) if p.terminated_at is None]
    regs = registrations(client, cluster)
    by_port = {}
    for name, reg in regs.items():
        by_port.setdefault(port_of(reg), []).append(name)
    ports = {str(p.port) for p in running}
    for p in running:
        nodes = by_port.get(str(p.port), [])
        if len(nodes) != 1:
            problems.append(f"{p} has {len(nodes)} registrations")
        else:
            uuids[p.name] = uuid_of(nodes[0])
    extra = sorted(n for port, names in by_port.items() if port not in ports for n in names)
    if extra:
        problems.append(f"registrations of no running pod: {extra}")
    leaders = []
    for p in running:
        info = p.info()
        if info is None:
            problems.append(f"{p} does not answer /info")
            continue
        if info.get("process") != "running":
            problems.append(f"{p} process {info.get('process')}")
        if str(info.get("state", "")).startswith("leader"):
            leaders.append(p)
    if len(leaders) != 1:
        problems.append(f"{len(leaders)} leaders {leaders}")
    want = {uuids.get(p.name) for p in running}
    if snapshot(client, cluster) != want:
        problems.append("snapshot differs from the running pods")
    return problems


def view_problems(world, uuids):
    problems = []
    for cluster in sorted(world.clusters):
        for p in world.live(cluster):
            if p.terminated_at is not None:
                continue
            want = [f"pod {uuids.get(q.name)}" for q in world.live(cluster)
                    if q.terminated_at is None]
            for dep in world.dependencies.get(cluster, []):
                want += [f"dep {dep} {uuids.get(q.name)}" for q in world.live(dep)
                         if q.terminated_at is None]
            if view_lines(p) != sorted(want):
                problems.append(f"{p}'s rendered view is not the running pods")
    return problems


def converge(world, client, bound, steady=1.0):
    """Polls until converged and still so `steady` s later: (seconds taken,
    []) or (None, the last problems) once bound seconds passed."""
    t0 = now()
    problems = []
    since = None
    while True:
        uuids = {}
        try:
            problems = []
            for cluster in sorted(world.clusters):
                problems += cluster_problems(world, client, cluster, uuids)
            if not problems:
                problems = view_problems(world, uuids)
        except KazooException as e:
            problems = [f"ZooKeeper read failed: {e!r}"]
        if problems:
            since = None
        elif since is None:
            since = now()
        elif now() - since >= steady:
            return since - t0, []
        if now() - t0 > bound:
            return None, problems
        time.sleep(0.1)


# ------------------------------------------------------------------ settled

def environ(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def tagged_processes(tag):
    """{pid: (pod name or '', state, ppid)} of the run's live processes."""
    want = f"{TAG_VARIABLE}={tag}".encode()
    prefix = f"{POD_VARIABLE}=".encode()
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        env = environ(name)
        if want not in env:
            continue
        st = proc_stat(name)
        if st is None:
            continue
        pod = next((e[len(prefix):].decode() for e in env if e.startswith(prefix)), "")
        out[int(name)] = (pod, st[0], int(st[1]))
    return out


def leftovers(world):
    """Processes of dead pods that are not zombies (a zombie has stopped)."""
    dead = {p.name for p in world.dead()}
    return sorted((pod, pid) for pid, (pod, state, _) in tagged_processes(world.tag).items()
                  if pod in dead and state not in ("Z", "X"))


def zombies(world):
    """Zombies whose parent is not us (ours we reap), seen twice 0.5 s apart:
    a pod reaps its own at once."""
    me = os.getpid()

    def sample():
        return {pid for pid, (_, state, ppid) in tagged_processes(world.tag).items()
                if state == "Z" and ppid != me}
    first = sample()
    time.sleep(0.5)  # a zombie must outlive two samples to count
    return sorted(first & sample())


def counts(pid):
    """A pod's descriptors and threads, its one `leader` thread left out: a
    pod starts it with its first round and keeps it when it no longer leads
    (docs/internals.md, "Threads and owners"), so a follower that has led
    holds one more thread than one that never did. A second one counts."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        leaders = 0
        for tid in tasks:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                leaders += f.read().strip() == "leader"
        return len(os.listdir(f"/proc/{pid}/fd")), len(tasks) - min(leaders, 1)
    except OSError:
        return None


class Baselines:
    """Per pod and role (leader or not), its descriptors and threads at its
    first convergence in that role."""

    def __init__(self):
        self.first = {}

    def problems(self, world):
        out = []
        for p in world.live():
            info = p.info() or {}
            role = "leader" if str(info.get("state", "")).startswith("leader") else "follower"
            # The least of a few samples: a round's connection or a tool's
            # thread comes and goes; a leak stays.
            samples = []
            for _ in range(3):
                c = counts(p.pid)
                if c is not None:
                    samples.append(c)
                time.sleep(0.1)
            if not samples:
                continue
            c = (min(x[0] for x in samples), min(x[1] for x in samples))
            key = (p.name, role)
            base = self.first.setdefault(key, c)
            if c[0] > base[0] or c[1] > base[1]:
                out.append(f"{p} as {role}: {c[0]} fds and {c[1]} threads, "
                           f"{base[0]} and {base[1]} at first")
        return out


def sessions(world):
    """Session ids the servers hold beyond one per running pod and our own
    kazoo session: a pod that opens a new session must close its old one
    (an expired one the server drops itself within T)."""
    held = set()
    for server in world.servers:
        if server.running():
            held |= server.sessions()
    running = len([p for p in world.live() if p.terminated_at is None])
    return len(held) - running - 1


# ------------------------------------------------------------------ fences

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*control: (\w+) from the leader "
                  r"of fence (\d+)")
REFUSED = re.compile(r"stale leader|refus.*fence", re.IGNORECASE)


def accepted_fences(pod):
    """[(time text, task, fence)] the pod's log says it accepted."""
    out = []
    for line in (read_text(pod.log_path) or "").splitlines():
        m = LINE.match(line)
        if m:
            out.append((m.group(1), m.group(2), int(m.group(3))))
    return out


def refusals(pod):
    return sum(1 for line in (read_text(pod.log_path) or "").splitlines()
               if REFUSED.search(line))


def log_time(text):
    """A pod's log timestamp (local time, as spdlog writes it) in seconds
    since the epoch."""
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").timestamp()


def frozen_between(pod, start, end):
    """Whether the pod was frozen at some time in [start, end] (wall clock):
    requests sent to it meanwhile waited in its sockets, and it read them
    when thawed, however old."""
    return any(s <= end and (e is None or e >= start) for s, e in pod.freezes)


def fences(world):
    """(figures, violations) from what every pod accepted. A pod that takes
    an older leader's request after a newer leader acted elsewhere violates
    nothing if it was frozen in between: that request waited in its socket
    (a late delivery, counted), and no pod can tell it from a slow network;
    what fencing promises is that no pod takes it once it took the newer."""
    violations = []
    late = 0
    accepted, refused, distinct = 0, 0, set()
    for cluster in sorted(world.clusters):
        events = []
        for p in world.pods:
            if p.cluster != cluster:
                continue
            seen = accepted_fences(p)
            refused += refusals(p)
            accepted += len(seen)
            high = 0
            for t, task, fence in seen:
                distinct.add((cluster, fence))
                if fence < high:
                    violations.append(f"{p} accepted fence {fence} at {t} after {high}")
                high = max(high, fence)
                events.append((t, fence, p.name, task))
        events.sort()
        pods = {p.name: p for p in world.pods}
        newest, since = 0, None
        for t, fence, name, task in events:
            if fence > newest:
                newest, since = fence, t
            elif fence < newest:
                if frozen_between(pods[name], log_time(since), log_time(t)):
                    late += 1
                    continue
                violations.append(f"{cluster}: {name} accepted {task} of fence {fence} at {t}, "
                                  f"after fence {newest} acted at {since}")
    figures = {"leader requests accepted": accepted, "stale requests refused": refused,
               "leaderships seen (distinct fences)": len(distinct),
               "older leaders' requests read late by a pod thawed": late}
    return figures, violations
