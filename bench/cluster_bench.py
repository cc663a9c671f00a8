#!/usr/bin/python3
"""Cluster benchmarks for ochopod pods: boot, formation, arrivals, child
restart, leader handoff and failover, join, /info latency and throughput,
idle footprint.

Run through scripts/bench (which builds and installs the extras); see
bench/README.md. Talks only ZooKeeper (kazoo, four-letter words), HTTP
(127.0.0.1 only) and /proc. Every wait has a deadline; every process it
starts (pods, their children, ZooKeeper) is killed on exit, Ctrl-C included.
Its process, port, ZooKeeper, pod and /info plumbing is tests/pylib's
ochopod_testkit, shared with the fault matrix.

Written for Debian's /usr/bin/python3 (python3-kazoo).
"""

import argparse
import concurrent.futures
import datetime
import json
import logging
import os
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from kazoo.exceptions import NoNodeError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "pylib"))
from ochopod_testkit import machine as machine_kit  # noqa: E402
from ochopod_testkit import zk as zookeeper  # noqa: E402
from ochopod_testkit.control import InfoClient  # noqa: E402
from ochopod_testkit.pods import PodProcess, pod_env  # noqa: E402
from ochopod_testkit.ports import LOCALHOST, free_ports  # noqa: E402
from ochopod_testkit.procs import (HarnessError, alive, take_charge, children_of, comm,  # noqa: E402
                                   descendants, final_sweep, kill_quietly, now, proc_stat,
                                   process_cpu_ns, read_text, reap_quietly, thread_schedstats,
                                   wait)

ROOT = "/ochopod/clusters"
CHILD = ["sleep", "3600"]
CHILD_COMM = "sleep"
GUARD_COMM = "ochopod-guard"
# After a round's ok, a pod readies its spare body buffer this much later
# (PayloadCache::kSpareDelay): part of what the round costs it.
SPARE_DELAY_S = 1.0
LEADER_STATES = ("leader", "leader (configuring)", "leader (configuration pending)")
DEFAULT_POD_CMD = "{ochopod} run --damper {damper} --session-timeout {session_timeout} -- {child}"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(HarnessError):
    """A scenario could not complete (timeout, pod died, bad answer)."""


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- ZooKeeper

class ZooKeeper:
    """A private standalone server (ochopod_testkit's ZkServer, in a fresh
    /tmp directory removed by stop()), run as scripts/zookeeper runs one:
    writes fsynced, the JVM's defaults. Ready once it serves sessions and
    one kazoo session created ROOT, so nothing timed pays for its start."""

    live = []
    keep_logs_in = None
    realtime = False  # --zk-realtime

    def __init__(self, attempts=2):
        errors = []
        for _ in range(attempts):
            self.dir = tempfile.mkdtemp(prefix="ochopod-bench-zk-")
            try:
                self.server = zookeeper.standalone(self.dir, fsync=True, jvm_options=())
            except HarnessError as e:
                errors.append(str(e).splitlines()[0])
                shutil.rmtree(self.dir, ignore_errors=True)
                continue
            except BaseException:  # Ctrl-C mid-start: standalone() killed it
                shutil.rmtree(self.dir, ignore_errors=True)
                raise
            self.pid, self.port = self.server.pid, self.server.port
            self.address = self.server.address
            ZooKeeper.live.append(self)
            if ZooKeeper.realtime:
                self.prioritize()
            try:
                client = self.client()
                client.ensure_path(ROOT)
                client.stop()
                client.close()
            except Exception as e:  # kazoo's timeouts are not OSErrors
                self.stop()
                errors.append(f"no session within 15 s ({e})")
                continue
            return
        raise BenchError("ZooKeeper did not start: " + "; ".join(errors))

    def prioritize(self):
        """--zk-realtime: every thread of the server SCHED_RR (threads it
        starts later inherit it), as if it ran on machines of its own. On
        two cores shared with a thousand pods, a round that keeps every pod
        busy at once starves the JVM of CPU for longer than a session
        timeout, and it then expires sessions by the hundred: that measures
        the co-location, not the pods."""
        tids = os.listdir(f"/proc/{self.pid}/task")
        try:
            for tid in tids:
                os.sched_setscheduler(int(tid), os.SCHED_RR, os.sched_param(1))
        except PermissionError as e:
            raise BenchError(f"--zk-realtime needs root (CAP_SYS_NICE): {e}") from e
        except ProcessLookupError:
            pass  # a thread that ended meanwhile
        log(f"ZooKeeper (pid {self.pid}): {len(tids)} threads SCHED_RR")

    def mntr(self):
        out = zookeeper.mntr(self.port)
        if not out:
            raise BenchError(f"ZooKeeper on port {self.port} did not answer mntr")
        return out

    def client(self):
        return zookeeper.kazoo_client(self.address)

    def stop(self):
        self.server.kill()
        if ZooKeeper.keep_logs_in:  # --keep-logs: its log beside the pods' logs
            try:
                shutil.copy(self.server.log_path, os.path.join(
                    ZooKeeper.keep_logs_in, f"zookeeper-{self.port}.log"))
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        if self in ZooKeeper.live:
            ZooKeeper.live.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        Pod.kill_all()
        self.stop()


class Shared:
    """A shared ZooKeeper as a scenario's context: the exit kills the pods only."""

    def __init__(self, zk):
        self.zk = zk

    def __enter__(self):
        return self.zk

    def __exit__(self, *exc):
        Pod.kill_all()


# ---------------------------------------------------------------- pods

class Impl:
    """One implementation under test: a label and a command line template."""

    def __init__(self, label, template, ochopod):
        self.label, self.template, self.ochopod = label, template, ochopod

    def argv(self, **values):
        values.setdefault("ochopod", self.ochopod)
        values.setdefault("child", " ".join(shlex.quote(a) for a in CHILD))
        return shlex.split(self.template.format(**values))


class Pod(PodProcess):
    # TMPDIR of every pod: where an ochopod pod puts its OCHOPOD_CLUSTER
    # directory. A SIGKILLed pod cannot remove it, so the bench gives them
    # one of its own (in memory, as a container's /dev/shm) and removes it.
    tmpdir = None

    def __init__(self, impl, zk, ns, cluster, port, workdir, damper=0.0, session_timeout=5.0):
        self.cluster, self.ns = cluster, ns
        env = pod_env(zk.address, cluster, ns, port)
        if Pod.tmpdir:
            env["TMPDIR"] = Pod.tmpdir
        argv = impl.argv(port=port, zk=zk.address, cluster=cluster, namespace=ns,
                         damper=fmt_num(damper), session_timeout=fmt_num(session_timeout))
        super().__init__(argv, env, workdir, os.path.join(workdir, f"{cluster}-{port}.log"), port)

    def child(self):
        """The pod's child process (the `sleep` it runs), via /proc."""
        for d in descendants(self.pid):
            if comm(d) == CHILD_COMM and alive(d):
                return d
        return None


def fmt_num(x):
    return f"{x:g}"


POOL = concurrent.futures.ThreadPoolExecutor(max_workers=16)


def sweep(pods):
    """/info of every pod in parallel: [(info or None, time received)]."""
    def one(p):
        info = p.info()
        return info, now()
    return list(POOL.map(one, pods))


def number_list(convert, smallest, example, what):
    """An argparse type: numbers (convert: int or float) of at least
    `smallest`, comma-separated; `what` and `example` word its error."""
    def parse(text):
        try:
            values = [convert(x) for x in text.split(",") if x.strip()]
        except ValueError:
            values = []
        if not values or min(values) < smallest:
            raise argparse.ArgumentTypeError(f"want {what} like {example}, not {text!r}")
        return values
    return parse


# --formation-sizes / --join-sizes: positive whole numbers; --arrivals-dampers: seconds.
sizes_list = number_list(int, 1, "100,1000", "sizes")
dampers_list = number_list(float, 0, "0,2", "dampers")


def mean_or_none(values, digits=1):
    return round(statistics.mean(values), digits) if values else None


def run_costs(zookeeper_ns, harness0, harness1, load0):
    """What a scenario's run cost besides the pods: ZooKeeper's CPU, the
    harness's (getrusage before and after) and the load it started at."""
    return {"zookeeper_cpu_s": round(zookeeper_ns / 1e9, 2),
            "harness_cpu_s": round(harness1.ru_utime + harness1.ru_stime
                                   - harness0.ru_utime - harness0.ru_stime, 2),
            "load_at_start": round(load0, 2)}


def start_pods(impl, zk, ns, cluster, n, workdir, **kw):
    return [Pod(impl, zk, ns, cluster, port, workdir, **kw) for port in free_ports(n)]


def check_alive(pods):
    for p in pods:
        if p.proc.poll() is not None:
            raise BenchError(f"pod on port {p.port} exited with {p.proc.returncode}:\n{p.tail(5)}")


def describe(infos):
    states = {}
    for info, _ in infos:
        key = "unreachable" if info is None else f"{info.get('state')}/{info.get('process')}"
        states[key] = states.get(key, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in sorted(states.items()))


def wait_formed(pods, timeout, what, poll_pause=0.005):
    """Polls /info until every pod is `running` and exactly one reports a
    leader state. Returns (time the last pod was first seen running, leader).
    Only the pods not yet running are polled until the final full sweep."""
    deadline = now() + timeout
    first_running = {}
    last = []
    while now() < deadline:
        check_alive(pods)
        pending = [p for p in pods if p not in first_running]
        if pending:
            for p, (info, t) in zip(pending, sweep(pending)):
                if info and info.get("process") == "running":
                    first_running[p] = t
            if len(first_running) < len(pods):
                time.sleep(poll_pause)
                continue
        last = sweep(pods)
        leaders = [p for p, (info, _) in zip(pods, last) if info and info.get("state") in LEADER_STATES]
        running = all(info and info.get("process") == "running" for info, _ in last)
        if running and len(leaders) == 1:
            return max(first_running.values()), leaders[0]
        for p, (info, _) in zip(pods, last):  # a pod that stopped again is pending again
            if not (info and info.get("process") == "running"):
                first_running.pop(p, None)
        time.sleep(poll_pause)
    last = last or sweep(pods)
    raise BenchError(f"{what}: not formed after {timeout:g} s "
                     f"(want all running and one leader; saw {describe(last)})")


class ZkEvents:
    """Time-stamped events of one ZooKeeper watch, and a deadline-bound wait."""

    def __init__(self):
        self.events = []
        self.cond = threading.Condition()

    def record(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait(self, pred, timeout, what):
        deadline = now() + timeout
        with self.cond:
            while True:
                for ev in self.events:
                    if pred(ev):
                        return ev
                left = deadline - now()
                if left <= 0:
                    raise BenchError(f"timed out after {timeout:g} s waiting for {what}")
                self.cond.wait(min(left, 0.5))


class ZkWatch(ZkEvents):
    """Time-stamped versions of one node, from a kazoo DataWatch."""

    def __init__(self, client, path):
        super().__init__()  # events: (time, version, data)
        client.DataWatch(path, lambda data, stat, *_: self.record(
            (now(), stat.version if stat else -1, data)))

    def version(self):
        with self.cond:
            return self.events[-1][1] if self.events else -1


class ZkChildren(ZkEvents):
    """Time-stamped child counts of one node, from a kazoo ChildrenWatch."""

    def __init__(self, client, path):
        super().__init__()  # events: (time, count)
        client.ChildrenWatch(path, lambda children: self.record((now(), len(children))))


def settle(hashes, damper, what, timeout=60):
    """Waits until the hash has not changed for two dampers (no round due)."""
    deadline = now() + timeout
    while True:
        v = hashes.version()
        time.sleep(2 * damper + 0.2)
        if hashes.version() == v:
            return
        if now() > deadline:
            raise BenchError(f"{what} never settled (rounds kept coming for {timeout} s)")


def pods_in(data):
    try:
        return len(json.loads(data or b"{}"))
    except ValueError:
        return -1


def percentile(values, q):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ---------------------------------------------------------------- scenarios

class Bench:
    def __init__(self, args, impl, workdir):
        self.args, self.impl, self.workdir = args, impl, workdir
        self.q = args.quick
        self.names = 0
        self.shared = None

    def zk(self, fresh=False):
        """A ZooKeeper for one scenario: a fresh server (full mode, and the
        footprint's packet count), or in --quick one shared server where
        every scenario uses its own cluster names (fewer JVM starts)."""
        if fresh or not self.q:
            return ZooKeeper()
        if self.shared is None or self.shared not in ZooKeeper.live:
            self.shared = ZooKeeper()
        return Shared(self.shared)

    def cluster_name(self, what):
        self.names += 1
        return f"{what}{self.names}"

    def formation(self):
        sizes = self.args.formation_sizes or ([1, 3] if self.q else [1, 10, 100, 500, 1000])
        rows = []
        for n in sizes:
            with self.zk() as zk:
                client = zk.client()
                try:
                    cluster = self.cluster_name("form")
                    home = f"{ROOT}/bench.{cluster}"
                    snap = ZkWatch(client, f"{home}/snapshot")
                    harness0 = resource.getrusage(resource.RUSAGE_SELF)
                    load0 = os.getloadavg()[0]
                    zk0 = stat_now(zk.pid)[0]
                    t0 = now()
                    pods, born = [], []
                    for port in free_ports(n):
                        pods.append(Pod(self.impl, zk, "bench", cluster, port, self.workdir,
                                        damper=0))
                        born.append(now())
                    spawned = now() - t0
                    # Timed by ZooKeeper alone: the leader writes a snapshot of
                    # n pods once every one of them took its `on` and `ok`.
                    # Polling /info meanwhile (as this harness once did) costs
                    # the pods a core at a thousand of them.
                    ev = snap.wait(lambda e: pods_in(e[2]) == n, 40 + n * 0.55,
                                   f"a snapshot of {n} pods in {home}")
                    # What the pods spent to get there, read at once: the
                    # untimed check below polls every pod's /info, which
                    # costs the pods CPU (and more of it the more pods).
                    at_snap = [stat_now(p.pid) for p in pods]
                    by_thread, faults_by_thread = thread_costs(pods)
                    zk1 = stat_now(zk.pid)[0]
                    harness1 = resource.getrusage(resource.RUSAGE_SELF)
                    # Then, untimed: every pod runs its child, exactly one leads.
                    _, leader = wait_formed(pods, 30 + n * 0.05, f"formation of {n} pods")
                    after_check = [stat_now(p.pid)[0] for p in pods]
                    events = events_row(pod_events(pods), n)
                    # What a formed pod spends doing nothing, which a pod
                    # also spent while the others were spawned: a
                    # formation of 1 000 lasts a minute here, one of 100
                    # a few seconds.
                    idle_ms_per_s = self.idle_rate(pods)
                    alive_s = statistics.mean(ev[0] - b for b in born)
                    # Where the two cores went: the pods, the leader among
                    # them, and this harness (its spawning and kazoo).
                    cpu_ns = [x[0] for x in at_snap]
                    li = pods.index(leader)
                    row = {"n": n, "seconds": round(ev[0] - t0, 4),
                           "spawn_seconds": round(spawned, 4),
                           "pods_cpu_s": round(sum(cpu_ns) / 1e9, 2),
                           "per_pod_ms": round(sum(cpu_ns) / 1e6 / n, 2),
                           "minflt_per_pod": round(sum(x[1] for x in at_snap) / n, 1),
                           "majflt_total": sum(x[2] for x in at_snap),
                           "leader_cpu_s": round(cpu_ns[li] / 1e9, 2),
                           "leader_minflt": at_snap[li][1],
                           "pods_cpu_s_after_check": round(sum(after_check) / 1e9, 2),
                           **events, "drop_reasons": drop_reasons(pods),
                           "cpu_ms_per_pod_by_thread": by_thread,
                           "minflt_per_pod_by_thread": faults_by_thread,
                           "idle_cpu_ms_per_s_median": round(idle_ms_per_s, 4),
                           "alive_until_snapshot_s_mean": round(alive_s, 2),
                           "per_pod_ms_less_idle": round(
                               sum(cpu_ns) / 1e6 / n - idle_ms_per_s * alive_s, 2),
                           **run_costs(zk1 - zk0, harness0, harness1, load0)}
                    log(f"formation n={n}: {row['seconds']:.3f} s to a snapshot of {n} pods "
                        f"(spawning {row['spawn_seconds']:.3f} s; CPU at the snapshot: pods "
                        f"{row['pods_cpu_s']} s = {row['per_pod_ms']} ms a pod, "
                        f"{row['minflt_per_pod']} faults a pod, leader {row['leader_cpu_s']} s, "
                        f"harness {row['harness_cpu_s']} s; pods after the check "
                        f"{row['pods_cpu_s_after_check']} s; a pod took {row['on_per_pod']} "
                        f"`on`, lost {row['session_losses_per_pod']} sessions; drops: "
                        f"{row['drop_reasons']}; ms a pod by thread: {by_thread}; faults a pod by "
                        f"thread: {faults_by_thread}; idle "
                        f"{row['idle_cpu_ms_per_s_median']} ms/s over {row['alive_until_snapshot_s_mean']}"
                        f" s alive: {row['per_pod_ms_less_idle']} ms a pod less idle)")
                    rows.append(row)
                finally:
                    client.stop()
                    client.close()
        return rows

    def idle_rate(self, pods):
        """A formed pod's CPU doing nothing (ZooKeeper's pings, timers), ms
        a second, the median of the pods: read once the last round's tail
        (the spare readied after ok) is over."""
        time.sleep(SPARE_DELAY_S + 1.0)
        idle0 = pod_costs(pods)
        window = 1.0 if self.q else 10.0
        time.sleep(window)
        idle1 = pod_costs(pods)
        return statistics.median((a[0] - b[0]) / 1e6 / window for b, a in zip(idle0, idle1))

    def arrivals(self):
        """N pods arriving at a fixed rate R, as a scheduler deploys them:
        pod i is spawned at t0 + i/R (a fixed schedule, no drift), for
        each damper of --arrivals-dampers, each on a fresh ZooKeeper."""
        n = self.args.arrivals_pods or (10 if self.q else 1000)
        rate = self.args.arrivals_rate or (10.0 if self.q else 20.0)
        if n < 1 or rate <= 0:
            raise BenchError(f"arrivals: want at least 1 pod and a positive rate, not "
                             f"{n} pods at {rate:g}/s")
        rows = []
        for damper in self.args.arrivals_dampers:
            with self.zk() as zk:
                client = zk.client()
                try:
                    cluster = self.cluster_name("arrive")
                    home = f"{ROOT}/bench.{cluster}"
                    snap = ZkWatch(client, f"{home}/snapshot")
                    ports = free_ports(n)
                    harness0 = resource.getrusage(resource.RUSAGE_SELF)
                    load0 = os.getloadavg()[0]
                    pods, born, lag = [], [], 0.0
                    zk0 = stat_now(zk.pid)[0]
                    t0 = now()
                    for i, port in enumerate(ports):
                        due = t0 + i / rate
                        pause = due - now()
                        if pause > 0:
                            time.sleep(pause)
                        lag = max(lag, now() - due)
                        pods.append(Pod(self.impl, zk, "bench", cluster, port, self.workdir,
                                        damper=damper))
                        born.append(now())
                    last = now()  # the last arrival: its spawn returned
                    ev = snap.wait(lambda e: pods_in(e[2]) == n, 40 + n * 0.55 + damper,
                                   f"a snapshot of {n} pods in {home}")
                    at_snap = [stat_now(p.pid) for p in pods]
                    by_thread, faults_by_thread = thread_costs(pods)
                    zk1 = stat_now(zk.pid)[0]
                    harness1 = resource.getrusage(resource.RUSAGE_SELF)
                    # Snapshot writes seen by the watch up to that one: every
                    # event with a node (a new leader recreates it, version 0
                    # again); a watch can coalesce two quick writes: a floor.
                    with snap.cond:
                        upto = snap.events[:snap.events.index(ev) + 1]
                    writes = sum(1 for e in upto if e[1] >= 0)
                    recreated = sum(1 for e in upto if e[1] == 0)
                    # Untimed: all run, one leads; then the leaders' logs.
                    _, leader = wait_formed(pods, 30 + n * 0.05, f"arrivals: {n} pods")
                    li = pods.index(leader)
                    events = events_row(pod_events(pods), n)
                    led = ("leader: configuring ", " pod(s) configured (hash ")
                    rounds = count_log_lines(pods, led + ("dropping the ZooKeeper session",),
                                             files_for=led)
                    # As in a formation: the first pods idle through most
                    # of a deploy of 1 000 (50 s at 20 a second).
                    idle_ms_per_s = self.idle_rate(pods)
                    alive_s = statistics.mean(ev[0] - b for b in born)
                    cpu_ns = [x[0] for x in at_snap]
                    ms = [t / 1e6 for t in cpu_ns]
                    followers = [v for k, v in enumerate(ms) if k != li]
                    tenth = max(1, n // 10)
                    row = {"pods": n, "rate_per_s": rate, "damper": damper,
                           "spawn_span_s": round(last - t0, 3),
                           "spawn_lag_max_ms": round(lag * 1000, 1),
                           "after_last_arrival_s": round(ev[0] - last, 4),
                           "first_spawn_to_snapshot_s": round(ev[0] - t0, 4),
                           "pods_cpu_s": round(sum(cpu_ns) / 1e9, 2),
                           "per_pod_ms": round(sum(ms) / n, 2),
                           "idle_cpu_ms_per_s_median": round(idle_ms_per_s, 4),
                           "alive_until_snapshot_s_mean": round(alive_s, 2),
                           "per_pod_ms_less_idle": round(sum(ms) / n - idle_ms_per_s * alive_s, 2),
                           "minflt_per_pod": round(sum(x[1] for x in at_snap) / n, 1),
                           "majflt_total": sum(x[2] for x in at_snap),
                           "leader_cpu_s": round(cpu_ns[li] / 1e9, 2),
                           "leader_index": li,
                           "follower_cpu_ms_median": round(statistics.median(followers), 1)
                           if followers else None,
                           "follower_cpu_ms_max": round(max(followers), 1) if followers else None,
                           "first_tenth_cpu_ms_mean": mean_or_none(
                               [v for k, v in enumerate(ms[:tenth]) if k != li]),
                           "last_tenth_cpu_ms_mean": mean_or_none(
                               [v for k, v in enumerate(ms) if k >= n - tenth and k != li]),
                           "snapshot_writes_seen": writes,
                           "snapshot_created": recreated,
                           "rounds_started_in_logs": rounds["leader: configuring "],
                           "rounds_configured_in_logs": rounds[" pod(s) configured (hash "],
                           "pods_that_led": rounds["files"],
                           "session_drops_in_logs": rounds["dropping the ZooKeeper session"],
                           **events, "drop_reasons": drop_reasons(pods),
                           "cpu_ms_per_pod_by_thread": by_thread,
                           "minflt_per_pod_by_thread": faults_by_thread,
                           **run_costs(zk1 - zk0, harness0, harness1, load0)}
                    log(f"arrivals n={n} at {rate:g}/s, damper {damper:g}: snapshot of all "
                        f"{row['after_last_arrival_s']:.3f} s after the last arrival (span "
                        f"{row['spawn_span_s']:.2f} s, lag max {row['spawn_lag_max_ms']} ms); "
                        f"pods {row['pods_cpu_s']} s = {row['per_pod_ms']} ms a pod "
                        f"({row['per_pod_ms_less_idle']} less idle: "
                        f"{row['idle_cpu_ms_per_s_median']} ms/s over "
                        f"{row['alive_until_snapshot_s_mean']} s alive), "
                        f"{row['minflt_per_pod']} faults a pod, leader {row['leader_cpu_s']} s; "
                        f"rounds: {writes} snapshot writes, {row['rounds_configured_in_logs']} "
                        f"configured of {row['rounds_started_in_logs']} started in the logs; "
                        f"a pod took {row['on_per_pod']} `on`, lost "
                        f"{row['session_losses_per_pod']} sessions; drops: {row['drop_reasons']}; "
                        f"ms a pod by thread: {by_thread}; faults a pod by thread: "
                        f"{faults_by_thread}")
                    rows.append(row)
                finally:
                    client.stop()
                    client.close()
        return rows

    def boot(self):
        """From exec to registered and answering, one pod at a time, each in
        a cluster of its own on one ZooKeeper (no pod starts a round in
        another's); each is left running to the end. Then `ochopod --help`
        as the reference: exec, linking, static init and exit alone."""
        k = 5 if self.q else 30
        samples = []
        with self.zk(fresh=not self.q) as zk:
            client = zk.client()
            try:
                for i in range(k):
                    cluster = self.cluster_name("boot")
                    path = f"{ROOT}/bench.{cluster}/pods"
                    port = free_ports(1)[0]
                    t0, t0_wall = now(), time.time()
                    pod = Pod(self.impl, zk, "bench", cluster, port, self.workdir, damper=0)
                    registered = answered = None
                    created_ms = None  # the node's ctime, on the server's (this host's) clock
                    deadline = t0 + 30
                    while registered is None or answered is None:
                        if now() > deadline:
                            raise BenchError(f"boot: pod {i + 1} not registered and answering "
                                             f"within 30 s (registered: {registered is not None}, "
                                             f"answering: {answered is not None}):\n{pod.tail(5)}")
                        check_alive([pod])
                        if registered is None:
                            try:
                                children = client.get_children(path)
                                if children:
                                    registered = now()
                                    _, stat = client.get(f"{path}/{children[0]}")
                                    created_ms = stat.ctime - t0_wall * 1000
                            except NoNodeError:
                                pass
                        if answered is None and pod.info(timeout=0.5) is not None:
                            answered = now()
                        if registered is None or answered is None:
                            time.sleep(0.002)
                    cpu_ns, minflt, majflt = stat_now(pod.pid)
                    # The on-CPU time of the pod's live threads: what a
                    # boot's threads that ended (if any) did not spend.
                    run_ns = sum(t.run_ns for t in thread_schedstats(pod.pid))
                    mem = memory(pod.pid)
                    # The pod's guardian (a program it spawns at boot, see
                    # runtime/process/guardian.h): not in the pod's figures.
                    guard = next((d for d in children_of(pod.pid)
                                  if comm(d) == GUARD_COMM), None)
                    g = stat_now(guard) if guard else (0, 0, 0)
                    s = {"wall_ms": round((max(registered, answered) - t0) * 1000, 2),
                         "registered_ms": round((registered - t0) * 1000, 2),
                         "created_ms": round(created_ms, 2),
                         "answering_ms": round((answered - t0) * 1000, 2),
                         "cpu_ms": round(cpu_ns / 1e6, 2),
                         "cpu_ms_schedstat": round(run_ns / 1e6, 2),
                         "faults": minflt + majflt, "majflt": majflt,
                         "threads": mem["threads"], "rss_kib": mem["rss"],
                         "guardian": guard is not None,
                         "guardian_cpu_ms": round(g[0] / 1e6, 2),
                         "guardian_faults": g[1] + g[2]}
                    samples.append(s)
                    log(f"boot {i + 1}/{k}: {s['wall_ms']:.1f} ms (registered "
                        f"{s['registered_ms']:.1f}, answering {s['answering_ms']:.1f}), "
                        f"{s['cpu_ms']:g} ms CPU, {s['cpu_ms_schedstat']:g} ms "
                        f"(live threads' schedstat), {s['faults']} faults, "
                        f"{s['threads']} threads, RSS {s['rss_kib']} KiB")
            finally:
                client.stop()
                client.close()
        wall = [s["wall_ms"] for s in samples]
        out = {"pods": k, "kept_running": True, "samples": samples,
               "wall_ms_median": round(statistics.median(wall), 2),
               "wall_ms_mean": round(statistics.mean(wall), 2),
               "wall_ms_max": round(max(wall), 2),
               "registered_ms_median": round(statistics.median(
                   s["registered_ms"] for s in samples), 2),
               # Not polled: the server's ctime of the pod's node (1 ms
               # resolution) against the wall clock at exec.
               "created_ms_median": round(statistics.median(
                   s["created_ms"] for s in samples), 2),
               "answering_ms_median": round(statistics.median(
                   s["answering_ms"] for s in samples), 2),
               "cpu_ms_mean": round(statistics.mean(s["cpu_ms"] for s in samples), 2),
               # Medians too: a pod leads its cluster of one, and when its
               # first round (which loads the HTTP client's module) overlaps
               # the sample, that boot counts about twice the faults.
               "cpu_ms_median": round(statistics.median(s["cpu_ms"] for s in samples), 2),
               "cpu_ms_schedstat_mean": round(statistics.mean(
                   s["cpu_ms_schedstat"] for s in samples), 2),
               "cpu_ms_schedstat_median": round(statistics.median(
                   s["cpu_ms_schedstat"] for s in samples), 2),
               "faults_mean": round(statistics.mean(s["faults"] for s in samples), 1),
               "faults_median": statistics.median(s["faults"] for s in samples),
               "threads_median": statistics.median(s["threads"] for s in samples),
               "threads_max": max(s["threads"] for s in samples),
               "rss_kib_median": statistics.median(s["rss_kib"] for s in samples),
               "guardians": sum(s["guardian"] for s in samples),
               "guardian_cpu_ms_mean": round(statistics.mean(
                   s["guardian_cpu_ms"] for s in samples), 2),
               "guardian_faults_mean": round(statistics.mean(
                   s["guardian_faults"] for s in samples), 1),
               "help": help_reference(self.impl.ochopod, 50)}
        h = out["help"]
        log(f"boot: median {out['wall_ms_median']} ms, CPU {out['cpu_ms_mean']} ms mean "
            f"({out['cpu_ms_median']} median), {out['faults_mean']} faults mean "
            f"({out['faults_median']} median); `ochopod --help`: {h['wall_ms_mean']} ms wall, "
            f"{h['cpu_ms_mean']} ms CPU, {h['minflt_mean']} faults")
        return out

    def child_restart(self):
        """One kill per pod: a child killed within 10 s of its start counts
        toward the crash-loop backoff (docs/lifecycle.md), so killing one
        pod's child again and again would time the backoff, not the restart."""
        reps = 3 if self.q else 20
        with self.zk() as zk:
            pods = start_pods(self.impl, zk, "bench", self.cluster_name("restart"), reps,
                              self.workdir, damper=0)
            wait_formed(pods, 30 + reps, f"a {reps}-pod cluster")
            samples = []
            for i, pod in enumerate(pods):
                old = wait_for(pod.child, 10, "the pod's child in /proc", pods=[pod])
                kill_quietly(old)
                t0 = now()
                new = wait_for(lambda: (c if (c := pod.child()) and c != old else None),
                               10, "a new child after SIGKILL", pause=0.0002, pods=[pod])
                samples.append(now() - t0)
                log(f"child restart {i + 1}/{reps}: {samples[-1] * 1000:.2f} ms (pid {old} -> {new})")
        return {"samples_ms": [round(s * 1000, 3) for s in samples],
                "median_ms": round(statistics.median(samples) * 1000, 3),
                "max_ms": round(max(samples) * 1000, 3)}

    def _leader_loss(self, sig, reps, session_timeout):
        """Kills the leader `reps` times; time until another pod says leader."""
        name = "handoff" if sig == signal.SIGTERM else "failover"
        samples, states, slow_exits = [], [], []
        with self.zk() as zk:
            client = zk.client()
            try:
                cluster = self.cluster_name(name)
                snap = ZkWatch(client, f"{ROOT}/bench.{cluster}/snapshot")
                pods = start_pods(self.impl, zk, "bench", cluster, reps + 2, self.workdir,
                                  damper=0, session_timeout=session_timeout)
                for i in range(reps):
                    _, leader = wait_formed(pods, 60, f"{name}: the cluster before loss {i + 1}")
                    # Settled: the last round configured every pod and none is due.
                    snap.wait(lambda e: pods_in(e[2]) == len(pods), 30,
                              f"{name}: a snapshot of the {len(pods)} pods")
                    wait_for(lambda: (leader.info() or {}).get("state") == "leader", 30,
                             f"{name}: the leader to finish its rounds", pods=pods)
                    others = [p for p in pods if p is not leader]
                    child = leader.child()
                    kill_quietly(leader.pid, sig)
                    t0 = now()
                    deadline = t0 + 30 + session_timeout * 3
                    found = None
                    while found is None:
                        if now() > deadline:
                            raise BenchError(f"{name}: no other pod became leader within "
                                             f"{deadline - t0:.0f} s ({describe(sweep(others))})")
                        for p, (info, t) in zip(others, sweep(others)):
                            if info and info.get("state") in LEADER_STATES:
                                found = (p, info["state"], t)
                                break
                        else:
                            time.sleep(0.001)
                    samples.append(found[2] - t0)
                    states.append(found[1])
                    log(f"{name} {i + 1}/{reps}: {samples[-1] * 1000:.1f} ms (new leader says "
                        f"'{found[1]}')")
                    if sig == signal.SIGKILL and child:
                        kill_quietly(child)  # the orphan, now ours (subreaper)
                        reap_quietly(child)
                    try:
                        leader.proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        msg = (f"{name}: the old leader (pid {leader.pid}) had not exited 20 s "
                               f"after {sig.name}; its log ends with: "
                               + " | ".join(leader.tail(3).splitlines()))
                        slow_exits.append(msg)
                        log("WARNING " + msg)
                    leader.kill()
                    pods = others
            finally:
                client.stop()
                client.close()
        return {"samples_ms": [round(s * 1000, 2) for s in samples],
                "median_ms": round(statistics.median(samples) * 1000, 2),
                "new_leader_states": states,
                "session_timeout_s": session_timeout,
                "warnings": slow_exits}

    def handoff(self):
        return self._leader_loss(signal.SIGTERM, 1 if self.q else 5, 5.0)

    def failover(self):
        return self._leader_loss(signal.SIGKILL, 1 if self.q else 3, self.args.session_timeout)

    def join(self):
        sizes = self.args.join_sizes or ([3] if self.q else [10, 100, 1000])
        damper = self.args.join_damper
        reps = 1 if self.q else 3
        rows = []
        with self.zk() as zk:
            client = zk.client()
            try:
                for n in sizes:
                    cluster = self.cluster_name("join")
                    home = f"{ROOT}/bench.{cluster}"
                    hashes = ZkWatch(client, f"{home}/hash")
                    snap = ZkWatch(client, f"{home}/snapshot")
                    pods = start_pods(self.impl, zk, "bench", cluster, n, self.workdir,
                                      damper=damper)
                    wait_formed(pods, 60 + n, f"join: the {n}-pod cluster")
                    snap.wait(lambda e: pods_in(e[2]) == n, 30, f"a snapshot of {n} pods")
                    settle(hashes, damper, f"join: the {n}-pod cluster")
                    samples, costs = [], []
                    for j in range(reps):
                        if j:
                            settle(hashes, damper, f"join: the {n + j}-pod cluster")
                        v0 = hashes.version()
                        # What the join costs the pods already there (not
                        # the leader, whose round it is): read again once
                        # the round is over and the spare it readies is.
                        others = [p for p in pods if "leader" not in
                                  str((p.info() or {}).get("state", ""))]
                        costs0 = pod_costs(others)
                        t0 = now()
                        new = start_pods(self.impl, zk, "bench", cluster, 1, self.workdir,
                                         damper=damper)[0]
                        # The round's hash first, from ZooKeeper: polling the
                        # new pod meanwhile would take CPU from the round. The
                        # round gave it `on` before that hash, so it normally
                        # runs by then; if not, the poll times when it does.
                        ev = hashes.wait(lambda e: e[1] > v0, 30 + damper,
                                         f"the hash of {home} to change after the join")
                        done = ev[0]
                        if (new.info() or {}).get("process") != "running":
                            done = wait_for(lambda: now() if (new.info() or {}).get("process")
                                            == "running" else None, 30 + damper,
                                            "the joining pod to run", pause=0.002, pods=[new])
                        samples.append(done - t0 - damper)
                        settle(hashes, damper, f"join: the {n + j + 1}-pod cluster")
                        time.sleep(SPARE_DELAY_S + 0.2)
                        costs.append(cost_of_round(costs0, pod_costs(others)))
                        pods.append(new)
                        log(f"join n={n + j}: {samples[-1] * 1000:.1f} ms after the "
                            f"{damper:g} s damper; each pod already there: {costs[-1]}")
                    med = statistics.median(samples)
                    # Then pods leave: one SIGKILLed at a time, timed from its
                    # node vanishing (its session expired) to the round's hash.
                    children = ZkChildren(client, f"{home}/pods")
                    leaves = []
                    for j in range(reps):
                        settle(hashes, damper, f"leave: the {len(pods)}-pod cluster")
                        v0 = hashes.version()
                        before = len(pods)
                        gone = next(p for p in reversed(pods) if "leader" not in
                                    str((p.info() or {}).get("state", "")))
                        pods.remove(gone)
                        gone.kill()
                        vanished = children.wait(
                            lambda e: e[1] < before, 30 + 4 * self.args.session_timeout,
                            f"the node of a SIGKILLed pod to vanish from {home}/pods")
                        ev = hashes.wait(lambda e: e[1] > v0 and e[0] >= vanished[0],
                                         30 + damper,
                                         f"the hash of {home} to change after a pod left")
                        leaves.append(ev[0] - vanished[0] - damper)
                        log(f"leave n={before}: {leaves[-1] * 1000:.1f} ms after the "
                            f"{damper:g} s damper")
                    row = {"n": n, "seconds_minus_damper": round(med, 4),
                           "samples_ms": [round(x * 1000, 1) for x in samples],
                           "leave_seconds_minus_damper": round(statistics.median(leaves), 4),
                           "leave_samples_ms": [round(x * 1000, 1) for x in leaves],
                           "existing_pod_per_join": {
                               k: statistics.median(c[k] for c in costs) for k in costs[0]},
                           "damper": damper}
                    rows.append(row)
                    for p in pods:
                        p.kill()
            finally:
                client.stop()
                client.close()
        return rows

    def info(self):
        count = 200 if self.q else 5000
        duration = 2 if self.q else 10
        out = {}
        with self.zk() as zk:
            pod = start_pods(self.impl, zk, "bench", self.cluster_name("info"), 1, self.workdir)[0]
            wait_formed([pod], 30, "a 1-pod cluster")
            lat = sequential_latency(pod.port, count, 4 if self.q else 40)
            out["sequential"] = {"requests": len(lat), "capped": len(lat) < count,
                                 "p50_us": round(percentile(lat, 50) * 1e6, 1),
                                 "p99_us": round(percentile(lat, 99) * 1e6, 1),
                                 "max_us": round(max(lat) * 1e6, 1)}
            log(f"/info sequential: p50 {out['sequential']['p50_us']} us, "
                f"p99 {out['sequential']['p99_us']} us")
            out["concurrent"] = concurrent_rate(pod.port, 8, duration, self.workdir)
            log(f"/info 8 clients: {out['concurrent']['requests_per_s']:.0f} req/s "
                f"({out['concurrent']['client']})")
        return out

    def footprint(self):
        n = self.args.footprint_pods
        window = 5 if self.q else 30
        with self.zk(fresh=True) as zk:
            client = zk.client()  # only to check the formation, closed before measuring
            cluster = self.cluster_name("idle")
            try:
                snap = ZkWatch(client, f"{ROOT}/bench.{cluster}/snapshot")
                pods = start_pods(self.impl, zk, "bench", cluster, n, self.workdir, damper=0)
                _, leader = wait_formed(pods, 60 + n * 0.5, f"footprint: the {n}-pod cluster")
                snap.wait(lambda e: pods_in(e[2]) == n, 30 + n * 0.1, f"a snapshot of {n} pods")
            finally:
                client.stop()
                client.close()
            time.sleep(1 if self.q else 3)
            mem = [memory(p.pid) for p in pods]
            before_cpu = [cpu(p.pid) for p in pods]
            m0, t0 = zk.mntr(), now()
            time.sleep(window)
            m1, t1 = zk.mntr(), now()
            after_cpu = [cpu(p.pid) for p in pods]
            check_alive(pods)
            elapsed = t1 - t0
            ticks = [(a[0] - b[0]) for a, b in zip(after_cpu, before_cpu)]
            run_ns = [(a[1] - b[1]) for a, b in zip(after_cpu, before_cpu)]
            packets = m1["zk_packets_received"] - m0["zk_packets_received"]
            leader_i = pods.index(leader)
            wake = wakeups(before_cpu, after_cpu, elapsed, n)

            def summary(key):
                vals = [m[key] for m in mem]
                return {"median": statistics.median(vals), "max": max(vals),
                        "leader": vals[leader_i]}

            out = {
                "pods": n,
                "memory_kib": {k: summary(k) for k in ("rss", "pss", "rss_anon", "pss_anon",
                                                       "private")},
                "threads": summary("threads"),
                "idle_window_s": round(elapsed, 2),
                "cpu_percent_per_pod_stat": round(sum(ticks) / CLK_TCK / elapsed / n * 100, 5),
                "cpu_percent_per_pod_schedstat": round(sum(run_ns) / 1e9 / elapsed / n * 100, 5),
                "cpu_percent_leader_schedstat": round(run_ns[leader_i] / 1e9 / elapsed * 100, 5),
                "wakeups_per_s_per_pod": round(sum(wake.values()), 3),
                "wakeups_per_s_per_pod_by_thread": wake,
                "zk_packets_per_s": round(packets / elapsed, 3),
                "zk_packets_per_s_per_pod": round(packets / elapsed / n, 3),
                "zk_connections": m1.get("zk_num_alive_connections"),
            }
            log(f"footprint: PSS median {out['memory_kib']['pss']['median']} KiB, RssAnon "
                f"{out['memory_kib']['rss_anon']['median']} KiB, threads "
                f"{out['threads']['median']}, CPU/pod {out['cpu_percent_per_pod_schedstat']} %, "
                f"ZooKeeper {out['zk_packets_per_s']} packets/s")
        return out


def wait_for(fn, timeout, what, pause=0.005, pods=()):
    """fn() until truthy, failing early if one of pods exited."""
    return wait(lambda: check_alive(pods) or fn(), timeout, what, pause)


def memory(pid):
    status = read_text(f"/proc/{pid}/status") or ""
    rollup = read_text(f"/proc/{pid}/smaps_rollup") or ""

    def field(text, name):
        for line in text.splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
        return 0

    return {"rss": field(status, "VmRSS"), "rss_anon": field(status, "RssAnon"),
            "threads": field(status, "Threads"), "pss": field(rollup, "Pss"),
            "pss_anon": field(rollup, "Pss_Anon"),
            "private": field(rollup, "Private_Clean") + field(rollup, "Private_Dirty")}


def stat_now(pid):
    """(CPU ns, minflt, majflt) of a process now: its CPU-time clock
    (process_cpu_ns, exact) and /proc/<pid>/stat's fields 10 and 12; zeros
    if it is gone."""
    st = proc_stat(pid)
    ns = process_cpu_ns(pid)
    if not st or ns is None:
        return 0, 0, 0
    return ns, int(st[7]), int(st[9])


def thread_costs(pods):
    """CPU (ms) and minor page faults per pod by thread name, as two dicts
    ({name: ms}, {name: faults}), from thread_schedstats(): which of a pod's
    threads (http, lifecycle, coordinator, the ZooKeeper client's...)
    spends what grows with the cluster. Threads that ended are not there
    (the process totals are): "ended threads" is the process total less the
    live ones."""
    ns, faults, total_ns, total_faults = {}, {}, 0, 0
    for p in pods:
        cpu_ns, minflt, _ = stat_now(p.pid)
        total_ns += cpu_ns
        total_faults += minflt
        for t in thread_schedstats(p.pid):
            ns[t.name] = ns.get(t.name, 0) + t.run_ns
            faults[t.name] = faults.get(t.name, 0) + t.minflt
    n = max(1, len(pods))
    cpu = {k: round(v / 1e6 / n, 2) for k, v in sorted(ns.items(), key=lambda kv: -kv[1])}
    cpu["ended threads"] = round((total_ns - sum(ns.values())) / 1e6 / n, 2)
    flt = {k: round(v / n, 1) for k, v in sorted(faults.items(), key=lambda kv: -kv[1])}
    flt["ended threads"] = round((total_faults - sum(faults.values())) / n, 1)
    return cpu, flt


def pod_costs(pods):
    """Each pod's (CPU ns, minor faults, bytes written) so far: CPU from
    thread_schedstats(), faults from stat, bytes from
    /proc/<pid>/io's wchar (every write: the cluster file, answers, logs)."""
    out = []
    for p in pods:
        cpu = sum(t.run_ns for t in thread_schedstats(p.pid))
        wchar = 0
        for line in (read_text(f"/proc/{p.pid}/io") or "").splitlines():
            if line.startswith("wchar:"):
                wchar = int(line.split()[1])
        out.append((cpu, stat_now(p.pid)[1], wchar))
    return out


def cost_of_round(before, after):
    """pod_costs() before and after a round, for the same pods: the median
    pod's CPU (ms), faults and bytes written, and the largest CPU."""
    cpu = [(a[0] - b[0]) / 1e6 for b, a in zip(before, after)]
    faults = [a[1] - b[1] for b, a in zip(before, after)]
    written = [a[2] - b[2] for b, a in zip(before, after)]
    return {"cpu_ms": round(statistics.median(cpu), 3), "cpu_ms_max": round(max(cpu), 3),
            "faults": statistics.median(faults), "bytes_written": statistics.median(written)}


def pod_events(pods):
    """What each pod lived through, from its GET /metrics, summed over the
    pods: /control requests by task ({task: count}), ZooKeeper reconnects
    and session losses, and how many pods answered. What turns a CPU figure
    per pod into one per round: a pod's CPU grows with the rounds it takes
    part in and the sessions it opens, whatever their cost each."""
    def one(p):
        try:
            with urllib.request.urlopen(f"http://{LOCALHOST}:{p.port}/metrics", timeout=5) as r:
                return r.read().decode()
        except (OSError, ValueError):
            return None
    totals = {"tasks": {}, "reconnects": 0, "session_losses": 0, "answered": 0}
    for text in POOL.map(one, pods):
        if text is None:
            continue
        totals["answered"] += 1
        for line in text.splitlines():
            name, _, value = line.rpartition(" ")
            if name.startswith("ochopod_control_requests_total{"):
                task = re.search(r'task="([^"]*)"', name)
                if task:
                    key = task.group(1)
                    totals["tasks"][key] = totals["tasks"].get(key, 0) + int(float(value))
            elif name == "ochopod_zookeeper_reconnects_total":
                totals["reconnects"] += int(float(value))
            elif name == "ochopod_zookeeper_session_expiries_total":
                totals["session_losses"] += int(float(value))
    return totals


def events_row(events, n):
    """pod_events() as a row's columns, per pod."""
    per = lambda x: round(x / n, 2)  # noqa: E731
    tasks = events["tasks"]
    return {"on_per_pod": per(tasks.get("on", 0)), "check_per_pod": per(tasks.get("check", 0)),
            "session_losses_per_pod": per(events["session_losses"]),
            "reconnects_per_pod": per(events["reconnects"]),
            "metrics_answered": events["answered"]}


def drop_reasons(pods):
    """Why pods dropped their ZooKeeper sessions: {reason: count} from the
    `dropping the ZooKeeper session (<why>)` lines of their logs."""
    needle = "dropping the ZooKeeper session ("
    reasons = {}
    for p in pods:
        for line in (read_text(p.log_path) or "").splitlines():
            at = line.find(needle)
            if at >= 0:
                why = line[at + len(needle):].rsplit(")", 1)[0]
                why = re.sub(r"\d+", "N", why)
                reasons[why] = reasons.get(why, 0) + 1
    return reasons


def count_log_lines(pods, needles, files_for=()):
    """How many lines of the pods' logs hold each needle, summed over the
    pods ({needle: count}), and under "files" how many logs hold one of
    files_for (e.g. the pods that led a round)."""
    counts = {x: 0 for x in needles}
    counts["files"] = 0
    for p in pods:
        text = read_text(p.log_path) or ""
        hit = False
        for line in text.splitlines():
            for x in needles:
                if x in line:
                    counts[x] += 1
                    hit = hit or x in files_for
        counts["files"] += hit
    return counts


def help_reference(ochopod, runs):
    """`ochopod --help` `runs` times, one after the other: mean wall ms, and
    from os.wait4's rusage (exact, not ticks) mean CPU ms and page faults."""
    wall, cpu_ms, minflt, majflt = [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen([ochopod, "--help"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall.append((time.perf_counter() - t0) * 1000)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise BenchError(f"`{ochopod} --help` exited with {proc.returncode}")
        cpu_ms.append((ru.ru_utime + ru.ru_stime) * 1000)
        minflt.append(ru.ru_minflt)
        majflt.append(ru.ru_majflt)
    return {"runs": runs, "wall_ms_mean": round(statistics.mean(wall), 3),
            "wall_ms_median": round(statistics.median(wall), 3),
            "cpu_ms_mean": round(statistics.mean(cpu_ms), 3),
            "minflt_mean": round(statistics.mean(minflt), 1),
            "majflt_total": sum(majflt)}


def cpu(pid):
    """(utime+stime ticks of the process, on-CPU ns summed over its threads,
    {thread name: times it was scheduled})."""
    st = proc_stat(pid)
    ticks = int(st[11]) + int(st[12]) if st else 0
    ns, slices = 0, {}
    for t in thread_schedstats(pid):
        ns += t.run_ns
        slices[f"{t.tid}:{t.name}"] = t.scheduled
    return ticks, ns, slices


def wakeups(before, after, elapsed, pods):
    """Scheduling events per second per pod, by thread name (summed over pods)."""
    by_name = {}
    for b, a in zip(before, after):
        for key, count in a[2].items():
            name = key.split(":", 1)[1]
            by_name[name] = by_name.get(name, 0) + count - b[2].get(key, 0)
    return {k: round(v / elapsed / pods, 3)
            for k, v in sorted(by_name.items(), key=lambda kv: -kv[1]) if v > 0}


def post_ok(client):
    """One POST /info on the client's kept-alive connection; BenchError
    unless it answered 200."""
    try:
        status, _ = client.exchange()
    except (OSError, ValueError, IndexError) as e:
        client.close()
        raise BenchError(f"/info: {e}") from None
    if status != 200:
        raise BenchError(f"/info answered {status}")


def sequential_latency(port, count, budget):
    """Latencies of up to `count` sequential requests on one keep-alive
    connection, stopping early once `budget` seconds are spent."""
    client = InfoClient(port, timeout=5)
    for _ in range(min(20, count)):  # warm-up
        post_ok(client)
    lat = []
    stop = now() + budget
    for _ in range(count):
        t = time.perf_counter()
        post_ok(client)
        lat.append(time.perf_counter() - t)
        if now() > stop:
            break
    client.close()
    return lat


def concurrent_rate(port, clients, duration, workdir):
    wrk = shutil.which("wrk")
    if wrk:
        script = os.path.join(workdir, "post.lua")
        with open(script, "w") as f:
            f.write('wrk.method = "POST"\nwrk.body = ""\n')
        threads = max(1, min(clients, os.cpu_count() or 1))
        cmd = [wrk, f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--latency", "-s", script,
               f"http://{LOCALHOST}:{port}/info"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30)
        if out.returncode != 0:
            raise BenchError(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
        rate, errors, non2xx = None, 0, 0
        for line in out.stdout.splitlines():
            line = line.strip()
            if line.startswith("Requests/sec:"):
                rate = float(line.split()[1])
            elif line.startswith("Non-2xx"):
                non2xx = int(line.split()[-1])
            elif line.startswith("Socket errors:"):
                errors = sum(int(x.strip(",")) for x in line.split()[3::2])
        if rate is None:
            raise BenchError(f"wrk printed no rate:\n{out.stdout}")
        if non2xx or errors:
            raise BenchError(f"wrk saw {non2xx} non-2xx answers and {errors} socket errors")
        return {"requests_per_s": rate, "clients": clients, "duration_s": duration,
                "client": f"wrk -t{threads} -c{clients}"}
    # No wrk: our own clients, one thread each (GIL-bound: a floor, not a ceiling).
    stop = now() + duration
    counts = [0] * clients

    def run(i):
        c = InfoClient(port, timeout=5)
        while now() < stop:
            post_ok(c)
            counts[i] += 1
        c.close()

    t0 = now()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests_per_s": round(sum(counts) / (now() - t0), 1), "clients": clients,
            "duration_s": duration, "client": "python threads (wrk not found; GIL-bound)"}


# ---------------------------------------------------------------- micro benches

def micro(args, workdir):
    if not args.micro_bench or not os.path.exists(args.micro_bench):
        raise BenchError(f"micro_bench not found at {args.micro_bench}")
    out_path = os.path.join(workdir, "micro.json")
    min_time = "0.02" if args.quick else "0.3"
    cmd = [args.micro_bench, f"--benchmark_min_time={min_time}",
           f"--benchmark_out={out_path}", "--benchmark_out_format=json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise BenchError(f"micro_bench failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
    with open(out_path) as f:
        data = json.load(f)
    rows = []
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            raise BenchError(f"micro_bench {b['name']}: {b.get('error_message')}")
        row = {"name": b["name"], "real_time": round(b["real_time"], 3),
               "cpu_time": round(b["cpu_time"], 3), "time_unit": b["time_unit"],
               "iterations": b["iterations"]}
        for k in ("bytes_per_second", "requests/s", "bytes", "pods"):
            if k in b:
                row[k] = round(b[k], 1)
        rows.append(row)
    return rows


# ---------------------------------------------------------------- output

def machine():
    """ochopod_testkit.machine's facts (CPU, nproc, memory, kernel, load,
    and the probes page_fault_us and spawn_ms), plus the date and the
    load average as text (the keys this harness always wrote)."""
    out = machine_kit.facts()
    out["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out["loadavg"] = (read_text("/proc/loadavg") or "").split()[:3]
    return out


# The report's Targets table, a row a figure: what | target | Python ochopod's figure.
TARGETS = [tuple(cell.strip() for cell in line.split("|")) for line in """
formation, damper 0, 1 pod                             | <= 0.2 s       | 5.3 s
formation, damper 0, 60 pods                           | <= 2 s         | 16 s
child restart after SIGKILL (median)                   | <= 10 ms       | 1.86 s
leader handoff after SIGTERM (median)                  | <= 50 ms       | 4.6 s
join -> round complete - damper, 10 pods               | <= 100 ms      | 4.6 s
formation, damper 0, 1000 pods                         | <= 12 s        | -
join -> round complete - damper, 1000 pods             | <= 1 s         | -
leave: node gone -> round complete - damper, 1000 pods | <= 1 s         | -
pod PSS (10 pods per host, median)                     | <= 4 MiB       | 29-34 MiB
pod RssAnon (median)                                   | <= 3 MiB       | -
pod RSS (median)                                       | -              | 40 MiB
idle CPU per pod                                       | <= 0.01 %      | 0.1 %
/info, 8 concurrent clients                            | >= 30000 req/s | 1000 req/s
""".strip().splitlines()]


def headline(r):
    """The figure each TARGETS row compares, as text (None if not measured)."""
    def form(n):
        for row in r.get("formation") or []:
            if row["n"] == n:
                return f"{row['seconds']:.3f} s"
        return None

    def join(n):
        for row in r.get("join") or []:
            if row["n"] == n:
                return f"{row['seconds_minus_damper'] * 1000:.0f} ms"
        return None

    def leave(n):
        for row in r.get("join") or []:
            if row["n"] == n and "leave_seconds_minus_damper" in row:
                return f"{row['leave_seconds_minus_damper'] * 1000:.0f} ms"
        return None

    fp = r.get("footprint") or {}
    mem = fp.get("memory_kib", {})
    mib = lambda k: f"{mem[k]['median'] / 1024:.2f} MiB" if k in mem else None
    info = (r.get("info") or {}).get("concurrent")
    restart = r.get("child_restart")
    handoff = r.get("handoff")
    return [
        form(1), form(60),
        restart and f"{restart['median_ms']:.2f} ms",
        handoff and f"{handoff['median_ms']:.1f} ms",
        join(10), form(1000), join(1000), leave(1000), mib("pss"), mib("rss_anon"), mib("rss"),
        fp and f"{fp['cpu_percent_per_pod_schedstat']:.4f} %",
        info and f"{info['requests_per_s']:.0f} req/s",
    ]


def join_cost(row):
    c = row.get("existing_pod_per_join")
    if not c:
        return "-"
    return f"{c['cpu_ms']:.2f} / {c['faults']:g} / {c['bytes_written']:g}"


def dash(x):
    return "-" if x is None else x


def markdown(result):
    impls = list(result["implementations"])
    m = result["machine"]
    lines = [f"# ochopod cluster bench ({'quick' if result['quick'] else 'full'})", "",
             f"{m['date']}; {machine_kit.line(m)}.", ""]
    if result.get("zk_realtime"):
        lines += ["ZooKeeper ran SCHED_RR (`--zk-realtime`): as if on machines of its own.", ""]
    lines += ["## Targets", "",
              "| what | target | Python ochopod | " + " | ".join(impls) + " |",
              "| --- | --- | --- | " + " | ".join("---" for _ in impls) + " |"]
    heads = {i: headline(result["implementations"][i]) for i in impls}
    for k, (what, target, py) in enumerate(TARGETS):
        cells = [heads[i][k] or "n/a" for i in impls]
        lines.append(f"| {what} | {target} | {py} | " + " | ".join(cells) + " |")
    lines.append("")
    for label in impls:
        r = result["implementations"][label]
        lines += [f"## {label}", "", f"`{r['command']}`", ""]
        if r.get("formation"):
            lines += ["Formation (damper 0, from the first spawn until the leader wrote a "
                      "snapshot of all pods in ZooKeeper, that is every pod took its `on` "
                      "and `ok`; then checked, untimed: all run, one leads):", "",
                      "| pods | seconds | spawning took | pods' CPU s | harness CPU s | "
                      "per pod ms | page faults per pod | leader CPU s | pods' CPU s after "
                      "the check | ZooKeeper CPU s | `on` per pod | sessions lost per pod | "
                      "idle ms/s per pod | per pod ms less idle |",
                      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
                      "| --- | --- |"]
            lines += [f"| {x['n']} | {x['seconds']:.3f} | {x['spawn_seconds']:.3f} | "
                      f"{x['pods_cpu_s']} | {x['harness_cpu_s']} | {x.get('per_pod_ms', '')} | "
                      f"{x.get('minflt_per_pod', '')} | {x.get('leader_cpu_s', '')} | "
                      f"{x.get('pods_cpu_s_after_check', '')} | {x.get('zookeeper_cpu_s', '')} | "
                      f"{x.get('on_per_pod', '')} | {x.get('session_losses_per_pod', '')} | "
                      f"{x.get('idle_cpu_ms_per_s_median', '')} | "
                      f"{x.get('per_pod_ms_less_idle', '')} |"
                      for x in r["formation"]]
            lines += ["", "CPU (each pod's CPU-time clock, exact; until 2026-12-07 "
                      "stat's 10 ms ticks, which rounded each pod down and read every "
                      "per-pod figure low) and minor page faults "
                      "(/proc/<pid>/stat) read when the snapshot of all pods was seen, before "
                      "the untimed check; `pods' CPU s after the check` is after it. `on` "
                      "per pod and sessions lost per pod: from every pod's GET /metrics "
                      "(`ochopod_control_requests_total`, "
                      "`ochopod_zookeeper_session_expiries_total`), summed and divided by "
                      "the pods: a pod's CPU grows with the rounds it takes part in and the "
                      "sessions it opens again. Idle: the median formed pod's CPU over a "
                      "quiet window after the check (schedstat); less idle: per pod ms minus "
                      "that rate times the mean time a pod lived until the snapshot, the "
                      "work a formation took rather than its length.", ""]
        if r.get("arrivals"):
            lines += ["Arrivals (N pods spawned on a fixed schedule, pod i at t0 + i/R, as a "
                      "scheduler deploys them; timed from the last spawn until the leader's "
                      "snapshot in ZooKeeper holds all N; CPU and faults read then; rounds: "
                      "snapshot writes seen by a watch, and `configured` lines in all pods' "
                      "logs; follower CPU excludes the leader; first / last tenth: mean CPU "
                      "of the earliest and latest arrivals; session drops: `dropping the "
                      "ZooKeeper session` lines in all pods' logs; less idle: per pod ms "
                      "minus the pods' idle rate, read after the snapshot, times the mean time "
                      "a pod lived until it, as for a formation):", "",
                      "| pods | rate /s | damper s | spawn span s | last arrival -> snapshot s | "
                      "pods' CPU s | per pod ms | per pod ms less idle | page faults per pod | "
                      "leader CPU s | rounds "
                      "(snapshot writes / configured in logs) | follower CPU ms median / max | "
                      "first / last tenth ms | ZooKeeper CPU s | session drops in logs | "
                      "`on` per pod | sessions lost per pod |",
                      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
                      "| --- | --- | --- | --- | --- |"]
            lines += [f"| {x['pods']} | {x['rate_per_s']:g} | {x['damper']:g} | "
                      f"{x['spawn_span_s']:.2f} | {x['after_last_arrival_s']:.3f} | "
                      f"{x['pods_cpu_s']} | {x['per_pod_ms']} | "
                      f"{x.get('per_pod_ms_less_idle', '')} | {x['minflt_per_pod']} | "
                      f"{x['leader_cpu_s']} | {x['snapshot_writes_seen']} / "
                      f"{x['rounds_configured_in_logs']} | {dash(x['follower_cpu_ms_median'])} / "
                      f"{dash(x['follower_cpu_ms_max'])} | {dash(x['first_tenth_cpu_ms_mean'])} / "
                      f"{dash(x['last_tenth_cpu_ms_mean'])} | {x['zookeeper_cpu_s']} | "
                      f"{x['session_drops_in_logs']} | {x.get('on_per_pod', '')} | "
                      f"{x.get('session_losses_per_pod', '')} |" for x in r["arrivals"]]
            lines.append("")
        if r.get("boot"):
            b, h = r["boot"], r["boot"]["help"]
            lines += [f"Boot ({b['pods']} pods started one after another, each in a cluster "
                      "of its own on one ZooKeeper, each left running: from the spawn until "
                      "its node is under `pods` and its `/info` answers 200, both polled "
                      "every 2 ms (\"node created\": its node's ctime, the server's commit, "
                      "against the clock at exec, unpolled); CPU from the process's CPU-time clock (exact), and from "
                      "schedstat (its live threads' on-CPU time); the `--help` line is exact, "
                      "from wait4's rusage):", "",
                      "| what | wall ms median / mean / max | CPU ms (mean / median) "
                      "| CPU ms (schedstat: mean / median) | page faults (mean / median) "
                      "| threads | RSS KiB (median) |",
                      "| --- | --- | --- | --- | --- | --- | --- |",
                      f"| exec -> registered and answering (registered {b['registered_ms_median']}"
                      f" (node created {b.get('created_ms_median', '-')})"
                      f", answering {b['answering_ms_median']} ms median) | "
                      f"{b['wall_ms_median']} / {b['wall_ms_mean']} / {b['wall_ms_max']} | "
                      f"{b['cpu_ms_mean']} / {b.get('cpu_ms_median', '-')} | "
                      f"{b.get('cpu_ms_schedstat_mean', '-')} / "
                      f"{b.get('cpu_ms_schedstat_median', '-')} | "
                      f"{b['faults_mean']} / {b.get('faults_median', '-')} | {b['threads_median']} "
                      f"(max {b['threads_max']}) | {b['rss_kib_median']} |",
                      f"| `ochopod --help`, {h['runs']} runs (exec, linking, static init, exit) "
                      f"| {h['wall_ms_median']} / {h['wall_ms_mean']} / - | - | "
                      f"{h['cpu_ms_mean']} (wait4) | {h['minflt_mean']} | 1 | - |"]
            if b.get("guardians"):
                lines.append(f"| its guardian process (`ochopod-guard`, spawned at boot; "
                             f"{b['guardians']} of {b['pods']} pods), not in the line above | "
                             f"- | {b['guardian_cpu_ms_mean']} | - | "
                             f"{b['guardian_faults_mean']} | 1 | - |")
            lines.append("")
        if r.get("join"):
            lines += ["Join (one pod joins N, until the round completed and it runs, minus "
                      "the damper; median of the joins N+1, N+2, ...) and leave (a follower "
                      "SIGKILLed, from its node vanishing to the round's hash, minus the "
                      "damper; median of three). What a join costs each pod already there "
                      "(not the leader), from before the join until the round and the spare "
                      "it readies are done: the median pod's CPU (schedstat, exact), minor "
                      "faults and bytes written (wchar: the cluster file, answers, logs), "
                      "median over the joins:", "",
                      "| pods before | join: ms after the damper | samples (ms) | "
                      "leave: ms after the damper | samples (ms) | damper s | a join, per pod "
                      "already there: CPU ms / faults / bytes written |",
                      "| --- | --- | --- | --- | --- | --- | --- |"]
            lines += [f"| {x['n']} | {x['seconds_minus_damper'] * 1000:.1f} | "
                      f"{', '.join(f'{v:g}' for v in x['samples_ms'])} | "
                      f"{x.get('leave_seconds_minus_damper', float('nan')) * 1000:.1f} | "
                      f"{', '.join(f'{v:g}' for v in x.get('leave_samples_ms', []))} | "
                      f"{x['damper']:g} | {join_cost(x)} |"
                      for x in r["join"]]
            lines.append("")
        rows = []
        if r.get("child_restart"):
            c = r["child_restart"]
            rows.append(f"| child restart after SIGKILL | median {c['median_ms']:.2f} ms, max "
                        f"{c['max_ms']:.2f} ms over {len(c['samples_ms'])} |")
        for key, what in (("handoff", "leader handoff after SIGTERM"),
                          ("failover", "leader failover after SIGKILL")):
            if r.get(key):
                h = r[key]
                rows.append(f"| {what} (session timeout {h['session_timeout_s']:g} s) | median "
                            f"{h['median_ms']:.1f} ms over {len(h['samples_ms'])} |")
        if r.get("info"):
            s, c = r["info"]["sequential"], r["info"]["concurrent"]
            capped = " (time budget hit)" if s.get("capped") else ""
            rows.append(f"| /info sequential, keep-alive ({s['requests']} requests{capped}) | p50 "
                        f"{s['p50_us']:.0f} us, p99 {s['p99_us']:.0f} us |")
            rows.append(f"| /info, {c['clients']} concurrent clients ({c['client']}, "
                        f"{c['duration_s']} s) | {c['requests_per_s']:.0f} req/s |")
        if r.get("footprint"):
            f = r["footprint"]
            mk = f["memory_kib"]
            for name, k in (("RSS", "rss"), ("PSS", "pss"), ("RssAnon", "rss_anon"),
                            ("private (clean+dirty)", "private")):
                rows.append(f"| {name} per pod, {f['pods']} pods (median / max / leader) | "
                            f"{mk[k]['median'] / 1024:.2f} / {mk[k]['max'] / 1024:.2f} / "
                            f"{mk[k]['leader'] / 1024:.2f} MiB |")
            rows.append(f"| threads per pod (median / max / leader) | {f['threads']['median']} / "
                        f"{f['threads']['max']} / {f['threads']['leader']} |")
            rows.append(f"| idle CPU per pod over {f['idle_window_s']:.0f} s | "
                        f"{f['cpu_percent_per_pod_schedstat']:.4f} % (schedstat), "
                        f"{f['cpu_percent_per_pod_stat']:.4f} % (utime+stime ticks); leader "
                        f"{f['cpu_percent_leader_schedstat']:.4f} % |")
            top = ", ".join(f"{k} {v:g}" for k, v in
                            list(f["wakeups_per_s_per_pod_by_thread"].items())[:6])
            rows.append(f"| idle wake-ups per pod | {f['wakeups_per_s_per_pod']:.2f}/s ({top}) |")
            rows.append(f"| idle ZooKeeper traffic, {f['pods']} pods | "
                        f"{f['zk_packets_per_s']:.2f} packets/s ({f['zk_packets_per_s_per_pod']:.2f}"
                        f" per pod) |")
        if rows:
            lines += ["| scenario | result |", "| --- | --- |"] + rows + [""]
        warnings = [w for key in ("handoff", "failover") for w in (r.get(key) or {}).get("warnings", [])]
        if warnings:
            lines += ["Warnings:", ""] + [f"- {w}" for w in warnings] + [""]
        if r.get("errors"):
            lines += ["Errors:", ""] + [f"- {e}" for e in r["errors"]] + [""]
    if result.get("micro"):
        lines += ["## Micro-benchmarks (Google Benchmark, micro_bench)", "",
                  "| benchmark | real | CPU | iterations | extra |", "| --- | --- | --- | --- | --- |"]
        for b in result["micro"]:
            extra = ", ".join(f"{k} {b[k]:g}" for k in ("pods", "bytes", "requests/s") if k in b)
            lines.append(f"| {b['name']} | {b['real_time']:g} {b['time_unit']} | "
                         f"{b['cpu_time']:g} {b['time_unit']} | {b['iterations']} | {extra} |")
        lines.append("")
    if result.get("errors"):
        lines += ["## Errors", ""] + [f"- {e}" for e in result["errors"]] + [""]
    return "\n".join(lines)


def plots(result, out_dir, quick):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        if quick:
            log("gnuplot not found: plots skipped (quick mode)")
            return []
        raise BenchError("gnuplot not found: cannot draw the plots (apt-get install gnuplot-nox)")
    made = []
    for key, ylabel, field, scale, png in (
            ("formation", "seconds until every pod is configured", "seconds", 1, "formation.png"),
            ("join", "ms after the damper", "seconds_minus_damper", 1000, "join.png")):
        series = []
        for label, r in result["implementations"].items():
            rows = r.get(key) or []
            if rows:
                series.append((label, [(x["n"], x[field] * scale) for x in rows]))
        if not series:
            continue
        script = ["set terminal png size 800,500", f"set output '{os.path.join(out_dir, png)}'",
                  f"set title '{key} time vs pods'", "set xlabel 'pods'",
                  f"set ylabel '{ylabel}'", "set key left top", "set grid",
                  "plot " + ", ".join(f"'-' using 1:2 with linespoints title '{label}'"
                                      for label, _ in series)]
        for _, points in series:
            script += [f"{n} {v}" for n, v in points] + ["e"]
        res = subprocess.run([gnuplot], input="\n".join(script) + "\n", capture_output=True,
                             text=True, timeout=60)
        if res.returncode != 0:
            raise BenchError(f"gnuplot failed: {res.stderr.strip()}")
        made.append(png)
    log(f"plots: {', '.join(made) or 'none'} in {out_dir}")
    return made


# ---------------------------------------------------------------- main

SCENARIOS = ["boot", "formation", "arrivals", "child_restart", "handoff", "failover", "join", "info", "footprint"]


def main():
    # A thousand pods, their sockets and logs: every descriptor allowed.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke mode: small N, short windows")
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--micro-bench", help="the micro_bench binary")
    ap.add_argument("--pod-cmd", default=DEFAULT_POD_CMD,
                    help="pod command template; placeholders {ochopod} {port} {damper} "
                         "{session_timeout} {zk} {cluster} {namespace} {child} "
                         f"(default: {DEFAULT_POD_CMD})")
    ap.add_argument("--label", default="ochopod", help="name of --pod-cmd in the results")
    ap.add_argument("--compare-cmd", help="a second template, measured side by side")
    ap.add_argument("--compare-label", default="other")
    ap.add_argument("--only", action="append", choices=SCENARIOS + ["micro"],
                    help="run only these scenarios (repeatable)")
    ap.add_argument("--session-timeout", type=float, default=2.0,
                    help="session timeout of the failover pods (default 2)")
    ap.add_argument("--join-damper", type=float, default=1.0)
    ap.add_argument("--footprint-pods", type=int, default=10,
                    help="pods of the footprint scenario (default 10), e.g. 1000")
    ap.add_argument("--formation-sizes", type=sizes_list,
                    help="cluster sizes of the formation scenario, e.g. 500,1000")
    ap.add_argument("--join-sizes", type=sizes_list,
                    help="cluster sizes the join scenario joins, e.g. 1000")
    ap.add_argument("--arrivals-pods", type=int,
                    help="pods of the arrivals scenario (default 1000, 10 with --quick)")
    ap.add_argument("--arrivals-rate", type=float,
                    help="pods a second the arrivals scenario spawns (default 20, 10 with --quick)")
    ap.add_argument("--arrivals-dampers", type=dampers_list, default=[0.0, 2.0],
                    help="dampers of the arrivals scenario, one run each (default 0,2)")
    ap.add_argument("--out", help="results directory (latest.json, latest.md, *.png); "
                    "default bench/results, or bench/results/quick with --quick")
    ap.add_argument("--keep-logs", action="store_true", help="keep the pods' logs")
    ap.add_argument("--zk-realtime", action="store_true",
                    help="run each scenario's ZooKeeper server SCHED_RR (root), as if it had "
                    "machines of its own")
    args = ap.parse_args()
    if not args.out:
        args.out = os.path.join(here, "results", "quick" if args.quick else "")
    args.out = os.path.abspath(args.out)

    take_charge()
    logging.getLogger("kazoo").setLevel(logging.CRITICAL)  # its reconnect chatter

    args.ochopod = os.path.abspath(args.ochopod)
    impls = [Impl(args.label, args.pod_cmd, args.ochopod)]
    if args.compare_cmd:
        impls.append(Impl(args.compare_label, args.compare_cmd, args.ochopod))
    wanted = args.only or SCENARIOS + ["micro"]
    workdir = tempfile.mkdtemp(prefix="ochopod-bench-")
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    Pod.tmpdir = tempfile.mkdtemp(prefix="ochopod-bench-pods-", dir=shm)
    if args.keep_logs:
        ZooKeeper.keep_logs_in = workdir
    ZooKeeper.realtime = args.zk_realtime
    started = now()
    result = {"quick": args.quick, "zk_realtime": args.zk_realtime, "machine": machine(),
              "implementations": {}, "errors": []}
    failed = False
    interrupted = False
    try:
        for impl in impls:
            r = {"command": impl.template, "errors": []}
            result["implementations"][impl.label] = r
            bench = Bench(args, impl, workdir)
            for name in SCENARIOS:
                if name not in wanted:
                    continue
                log(f"{impl.label}: {name}")
                try:
                    r[name] = getattr(bench, name)()
                except HarnessError as e:  # BenchError, or a kit's wait or server
                    failed = True
                    r["errors"].append(f"{name}: {e}")
                    log(f"FAILED {impl.label} {name}: {e}")
                finally:
                    Pod.kill_all()
            for z in list(ZooKeeper.live):
                z.stop()
        if "micro" in wanted:
            log("micro-benchmarks")
            try:
                result["micro"] = micro(args, workdir)
            except (BenchError, subprocess.TimeoutExpired, OSError, ValueError) as e:
                failed = True
                result["errors"].append(f"micro: {e}")
                log(f"FAILED micro: {e}")
        os.makedirs(args.out, exist_ok=True)
        try:
            result["plots"] = plots(result, args.out, args.quick)
        except (BenchError, subprocess.TimeoutExpired, OSError) as e:
            failed = True
            result["errors"].append(f"plots: {e}")
            log(f"FAILED plots: {e}")
        result["elapsed_s"] = round(now() - started, 1)
        with open(os.path.join(args.out, "latest.json"), "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        with open(os.path.join(args.out, "latest.md"), "w") as f:
            f.write(markdown(result))
        print(markdown(result))
        log(f"wrote {args.out}/latest.json and latest.md in {result['elapsed_s']} s")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    finally:
        Pod.kill_all()
        for z in list(ZooKeeper.live):
            z.stop()
        final_sweep()
        shutil.rmtree(Pod.tmpdir, ignore_errors=True)
        POOL.shutdown(wait=False, cancel_futures=True)
        if args.keep_logs or failed:
            log(f"pod logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if interrupted:
        return 130
    if failed:
        log("some scenario could not complete (see errors above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
