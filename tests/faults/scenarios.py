"""The fault matrix's scenarios. Each takes a Scenario, builds its world
(its own ZooKeeper, pods, ports), injects one fault and records its figures
against the expectations of the fault matrix (issue 9). Figures are
measured, never assumed: a wait that runs out records "never" and fails the
figure rather than the run.

Settings: tickTime=500 on every server; each scenario picks its pods'
session timeout T (short where the fault needs expiry, long where the fault
must stay within it) and damper 0 (rounds start at once, so one fault gives
at most one round).
"""

import json
import signal

from ochopod_testkit import zk as zookeeper
from ochopod_testkit.procs import now, poll, wait
from observe import ROOT, ClusterWatch
from pods import NAMESPACE
from procs import FaultError, connected_to, sleep_until
from scenario import seconds

CLUSTER = "app"


def leading(name_is_not):
    return lambda n, s: n != name_is_not and s.startswith("leader")


def node_gone(client, watch, name):
    return client.exists(f"{watch.home}/pods/{name}") is None


def three_zeros(sc, watch, pods, names0, v0, starts0):
    rereg = sorted(watch.names() - names0)
    sc.figure("re-registrations", len(rereg), "0", not rereg)
    rounds = watch.hash_version() - v0
    sc.figure("rounds (hash version)", rounds, "0", rounds == 0)
    restarts = sum(p.child_starts() - starts0[p.name] for p in pods)
    sc.figure("child restarts", restarts, "0", restarts == 0)


def reregistered(sc, watch, pod, old_name, uuid0, seq0, timeout):
    """Waits for pod's new registration; records same uuid / same seq."""
    node = poll(lambda: (n := watch.node_of(pod)) and n[0] != old_name and n, timeout)
    sc.figure("same uuid", "yes" if node and node[1] == uuid0 else
              (f"no ({node[1]})" if node else f"not registered within {timeout:g} s"),
              "yes", bool(node) and node[1] == uuid0)
    sc.figure("same seq", (f"yes ({seq0})" if node[2] == seq0 else f"no ({node[2]} != {seq0})")
              if node else "not registered", "yes", bool(node) and node[2] == seq0)
    return node


def settled_three(sc, T, options=()):
    """The usual world: a standalone server, a kazoo session watching the
    cluster, three pods (session timeout T) settled. Returns (server,
    client, watch, pods, leader)."""
    server = sc.zk()
    client = sc.kazoo(server.address)
    watch = ClusterWatch(client, CLUSTER)
    pods = [sc.pod(server.address, CLUSTER, T, options=options) for _ in range(3)]
    return server, client, watch, pods, sc.settled(pods, watch)


# ------------------------------------------------------------------ 1
def zk_restart(sc):
    """ZooKeeper SIGKILLed and restarted (same port, same data) within the
    session timeout: the sessions survive, nothing happens."""
    T = sc.session_timeout = 8.0
    server, _, watch, pods, _ = settled_three(sc, T)
    names0, v0 = watch.names(), watch.hash_version()
    starts0 = {p.name: p.child_starts() for p in pods}
    sessions = {watch.node_of(p)[3] for p in pods}
    t0 = now()
    sc.mark("ZooKeeper SIGKILLed")
    server.kill()
    server.launch()
    server.wait_serving(30)
    down = now() - t0
    sc.figure("ZooKeeper down for", seconds(down), f"< {T:g} s (the session timeout)", down < T)
    back = poll(lambda: sessions <= server.sessions(), max(0.5, t0 + 2 * T - now()), 0.05)
    sc.figure("every pod's session back", seconds(now() - t0) if back else "no", "yes", bool(back))
    sc.quiet(t0 + 2 * T, pods)
    three_zeros(sc, watch, pods, names0, v0, starts0)


# ------------------------------------------------------------------ 2
def ensemble_quorum(sc):
    """3 servers; the server the leader pod uses is SIGKILLed; once the pods
    moved, a second server is SIGKILLed and restarted: quorum is lost for
    less than half the session timeout. The sessions survive. T is long
    because quorum returns only once the restarted server's JVM is up and an
    election ran: about 1 s on an idle machine, 6 s seen under a load of 14
    on 2 cores."""
    T = sc.session_timeout = 16.0
    servers = sc.ensemble()
    hosts = zookeeper.connect_string(servers)
    watch = ClusterWatch(sc.kazoo(hosts), CLUSTER)
    pods = [sc.pod(hosts, CLUSTER, T) for _ in range(3)]
    leader = sc.settled(pods, watch, timeout=45)
    names0, v0 = watch.names(), watch.hash_version()
    starts0 = {p.name: p.child_starts() for p in pods}
    sessions = {watch.node_of(p)[3] for p in pods}

    def live():
        return [s for s in servers if s.running()]

    def all_connected():
        held = set()
        for s in live():
            held |= s.sessions()
        return sessions <= held

    sid = watch.node_of(leader)[3]
    first = wait(lambda: next((s for s in servers if sid in s.sessions()), None), 5,
                 "the server holding the leader's session")
    sc.figure("pods on the first server killed", len(sessions & first.sessions()), "-", None)
    t0 = now()
    sc.mark(f"server on port {first.port} SIGKILLed")
    first.kill()
    moved = poll(all_connected, T, 0.05)
    sc.figure("pods reconnected to the other servers after", seconds(now() - t0) if moved else
              f"not within {T:g} s", f"< {T:g} s", bool(moved))
    second = max(live(), key=lambda s: len(sessions & s.sessions()))
    sc.figure("pods on the second server killed", len(sessions & second.sessions()), "-", None)
    t1 = now()
    sc.mark(f"server on port {second.port} SIGKILLed and restarted")
    second.kill()
    second.launch()
    quorum = poll(lambda: all(s.serving() for s in live()), 30, 0.02)
    lost = now() - t1
    sc.figure("quorum lost for", seconds(lost) if quorum else "> 30 s", f"< {T / 2:g} s (T/2)",
              bool(quorum) and lost < T / 2)
    t2 = now()
    back = poll(all_connected, T, 0.05)
    sc.figure("every pod's session back after quorum returned", seconds(now() - t2) if back else
              f"not within {T:g} s", f"< {T:g} s", bool(back))
    sc.quiet(t1 + 2 * T, pods)
    three_zeros(sc, watch, pods, names0, v0, starts0)
    joiner = sc.pod(hosts, CLUSTER, T)
    t3 = now()
    configured = poll(lambda: (n := watch.node_of(joiner)) and n[1] in (watch.snapshot() or ()), 20)
    sc.figure("service back: a pod joining afterwards is configured", seconds(now() - t3)
              if configured else "not within 20 s", "yes", bool(configured))


# ------------------------------------------------------------------ 3
def frozen(sc, role):
    """A pod (the leader or a follower) SIGSTOPped until the server expired
    its session and the cluster dropped it, then SIGCONTed."""
    T = sc.session_timeout = 2.0
    _, client, watch, pods, leader = settled_three(sc, T)
    victim = leader if role == "leader" else next(p for p in pods if p is not leader)
    others = [p for p in pods if p is not victim]
    name0, uuid0, seq0, _ = watch.node_of(victim)
    v0 = watch.hash_version()
    t0 = now()
    sc.mark(f"{victim.name} SIGSTOPped")
    victim.freeze()
    wait(lambda: node_gone(client, watch, name0), T + 10, "the frozen pod's session to expire")
    sc.figure("session expired by the server after", seconds(now() - t0), f"~{T:g} s", None)
    wait(lambda: uuid0 not in (watch.snapshot() or {uuid0}) and sc.leader(others), 15,
         "the cluster to drop the frozen pod")
    sc.quiet(now() + 2 * T, others)
    v1 = watch.hash_version()
    sc.figure("rounds for the drop", v1 - v0, "<= 1", v1 - v0 <= 1)
    sc.mark(f"{victim.name} SIGCONTed")
    victim.thaw()
    t1 = now()
    node = reregistered(sc, watch, victim, name0, uuid0, seq0, 15)
    if node:
        sc.figure("registered again after SIGCONT", seconds(now() - t1), "-", None)
    back = node and poll(lambda: node[1] in (watch.snapshot() or ()), 15)
    sc.figure("back in the snapshot", "yes" if back else "no", "yes", bool(back))
    sc.quiet(now() + 2 * T, pods)
    v2 = watch.hash_version()
    sc.figure("rounds for the return", v2 - v1, "<= 1", v2 - v1 <= 1)
    if role == "leader":
        sc.figure("it says after its return", (victim.info() or {}).get("state"), "-", None)
        doubles = sc.sampler.double_leader_ticks(t0)
        sc.figure("10 ms samples with two pods in a 'leader' state", len(doubles), "-", None)


def frozen_follower(sc):
    frozen(sc, "follower")


def frozen_leader(sc):
    frozen(sc, "leader")


# ------------------------------------------------------------------ 4
def leader_partition(sc):
    """The leader partitioned from ZooKeeper (its proxy black-holes) while
    its round waits on a check held by the recording peer, released after
    the deadline: a leader that never acts when it may not lead says
    'suspended' and sends nothing more."""
    T = sc.session_timeout = 3.0
    limit = 2 * T / 3 + 0.5
    server = sc.zk()
    client = sc.kazoo(server.address)
    watch = ClusterWatch(client, CLUSTER)
    proxies = [sc.proxy(server) for _ in range(3)]
    pods = [sc.pod(px.address, CLUSTER, T, options=("--control-timeout", "30")) for px in proxies]
    leader = sc.settled(pods, watch)
    proxy = proxies[pods.index(leader)]
    name0, uuid0, seq0, _ = watch.node_of(leader)
    peer = sc.peer()
    peer.arm_hold()
    peer.register(client, CLUSTER, server.address)
    wait(peer.held.is_set, 15, "the leader's round to reach the recording peer")
    if peer.held_by != leader.pid:
        raise FaultError(f"the held check came from pid {peer.held_by}, not the leader")
    t0 = now()
    sc.mark(f"{leader.name} partitioned")
    proxy.partition()
    sleep_until(t0 + limit + 1.0)  # the fault: the check stays held past the deadline
    peer.release.set()
    sc.mark("held check released")
    new = poll(lambda: sc.sampler.first(leading(leader.name), t0), max(0.5, t0 + T + 6 - now()))
    gone = poll(lambda: node_gone(client, watch, name0), max(0.5, t0 + T + 6 - now()))
    sleep_until(t0 + limit + 2.0)  # a second to see what the released round still sends
    suspended = sc.sampler.first(lambda n, s: n == leader.name and s == "suspended", t0)
    sc.figure("partitioned leader says 'suspended' after", seconds(suspended and suspended[0] - t0),
              f"<= {limit:.2f} s (2/3 T + 0.5 s)", bool(suspended) and suspended[0] - t0 <= limit)
    late = [(round(t - t0, 2), path) for t, path in peer.from_sender(leader.pid, t0)
            if t - t0 > limit]
    sc.figure("requests it sent after 2/3 T + 0.5 s", f"{len(late)} {late[:3]}" if late else "0",
              "0", not late)
    sc.figure("a new leader after", seconds(new and new[0] - t0), f"<= {T + 1:g} s (T + 1 s)",
              bool(new) and new[0] - t0 <= T + 1)
    if not gone:
        raise FaultError("the partitioned leader's session never expired")
    sc.mark(f"{leader.name} healed")
    proxy.heal()
    t2 = now()
    node = reregistered(sc, watch, leader, name0, uuid0, seq0, 20)
    follower = poll(lambda: (leader.info() or {}).get("state") == "follower", 10)
    sc.figure("healed, it rejoins as", (leader.info() or {}).get("state"), "follower",
              bool(follower) and bool(node))
    sc.figure("rejoined after healing", seconds(now() - t2), "-", None)
    sc.quiet(now() + 2 * T, pods)  # it must not lead again
    doubles = sc.sampler.double_leader_ticks()
    sc.figure("10 ms samples with two pods in a 'leader' state",
              f"{len(doubles)} of {sc.sampler.ticks()}", "0", not doubles)


# ------------------------------------------------------------------ 5
def follower_partition(sc):
    """A follower partitioned past its session timeout, then healed."""
    T = sc.session_timeout = 2.0
    server = sc.zk()
    client = sc.kazoo(server.address)
    watch = ClusterWatch(client, CLUSTER)
    proxies = [sc.proxy(server) for _ in range(3)]
    pods = [sc.pod(px.address, CLUSTER, T) for px in proxies]
    leader = sc.settled(pods, watch)
    victim = next(p for p in pods if p is not leader)
    name0, uuid0, seq0, _ = watch.node_of(victim)
    v0 = watch.hash_version()
    t0 = now()
    sc.mark(f"{victim.name} partitioned")
    proxies[pods.index(victim)].partition()
    wait(lambda: node_gone(client, watch, name0), T + 10, "the partitioned follower's expiry")
    sc.figure("session expired by the server after", seconds(now() - t0), f"~{T:g} s", None)
    wait(lambda: uuid0 not in (watch.snapshot() or {uuid0}), 15, "the leader to drop it")
    sc.quiet(now() + 2 * T, pods)
    v1 = watch.hash_version()
    sc.figure("rounds while partitioned (the drop)", v1 - v0, "1", v1 - v0 == 1)
    states = sorted({s for _, s in sc.sampler.states(victim.name, t0)})
    sc.figure("its states while partitioned", ", ".join(states) or "none", "follower",
              states == ["follower"])
    sc.mark(f"{victim.name} healed")
    proxies[pods.index(victim)].heal()
    node = reregistered(sc, watch, victim, name0, uuid0, seq0, 20)
    back = node and poll(lambda: node[1] in (watch.snapshot() or ()), 15)
    sc.figure("back in the snapshot", "yes" if back else "no", "yes", bool(back))
    # The leader writes the snapshot, then the hash: the round that showed
    # it back is counted once its hash is written too, or it would fall in
    # the quiet window below.
    poll(lambda: watch.hash_version() > v1, 5)
    v_back = watch.hash_version()
    sc.quiet(now() + 2 * T, pods)
    v2 = watch.hash_version()
    sc.figure("rounds after healing", v2 - v1, "1", v2 - v1 == 1)
    sc.figure("rounds in the quiet window after its return", v2 - v_back, "0", v2 == v_back)


# ------------------------------------------------------------------ 6
def leader_sigkill(sc):
    """The leader SIGKILLed while its round (strict: every `on` restarts the
    child) waits on a check held by the recording peer."""
    T = sc.session_timeout = 2.0
    server, client, watch, pods, leader = settled_three(
        sc, T, options=("--strict", "--control-timeout", "30"))
    survivors = [p for p in pods if p is not leader]
    uuids = {watch.node_of(p)[1] for p in survivors}
    starts0 = {p.name: p.child_starts() for p in survivors}
    peer = sc.peer()
    peer.arm_hold()
    peer.register(client, CLUSTER, server.address)
    wait(peer.held.is_set, 15, "the leader's round to reach the recording peer")
    v0 = watch.hash_version()
    t0 = now()
    sc.mark(f"{leader.name} SIGKILLed")
    leader.kill()
    dead = now()  # reaped: no sample after this one can be the old leader's
    peer.release.set()
    new = poll(lambda: sc.sampler.first(leading(leader.name), t0), T + 10)
    sc.figure("a new leader after", seconds(new and new[0] - t0), "-", None)
    want = uuids | {peer.uuid}
    done = poll(lambda: watch.snapshot() == want and watch.hash_version() > v0, T + 15)
    sc.figure("the round completes (snapshot of survivors + joiner)", seconds(now() - t0)
              if done else f"not within {T + 15:g} s", "yes", bool(done))
    sc.quiet(now() + 2.0, survivors)  # twice a failed round's retry, max(damper, 1 s)
    led = sorted({n for _, n, t, s, _ in sc.sampler.snapshot()
                  if t >= dead and s and s.startswith("leader")})
    sc.figure("pods that led after the kill", f"{len(led)} ({', '.join(led)})", "1", len(led) == 1)
    restarts = {p.name: p.child_starts() - starts0[p.name] for p in survivors}
    sc.figure("most child restarts of one pod", f"{max(restarts.values())} {restarts}", "<= 1",
              max(restarts.values()) <= 1)


# ------------------------------------------------------------------ 7
def leader_sigterm(sc):
    """The leader SIGTERMed while its round waits on a SIGSTOPped peer
    (default control timeout: the request would wait 75 s)."""
    T = sc.session_timeout = 3.0
    server, _, watch, pods, leader = settled_three(sc, T)
    frozen = next(p for p in pods if p is not leader)
    frozen.freeze()
    sc.pod(server.address, CLUSTER, T)  # joins: the leader's round must check the frozen pod
    wait(lambda: connected_to(frozen.port, leader.pid)
         and (leader.info() or {}).get("state") == "leader (configuring)", 15,
         "the leader's round to wait on the frozen pod")
    since = now()
    wait(lambda: now() - since >= 0.5 and (leader.info() or {}).get("state")
         == "leader (configuring)", 10, "the leader's round to be still waiting 0.5 s later")
    t0 = now()
    sc.mark(f"{leader.name} SIGTERMed ({frozen.name} SIGSTOPped)")
    leader.signal(signal.SIGTERM)
    exited = poll(lambda: not leader.running(), 15, 0.005)
    took = now() - t0
    frozen.thaw()
    sc.figure("the leader exited after SIGTERM", seconds(took) if exited else
              "still running after 15 s", "<= 3 s", bool(exited) and took <= 3.0)
    if exited:
        sc.figure("its exit status", leader.proc.returncode, "0", leader.proc.returncode == 0)


# ------------------------------------------------------------------ 8
def node_deleted(sc):
    """A follower's pod node deleted by someone else (an operator, a script)."""
    T = sc.session_timeout = 3.0
    _, client, watch, pods, leader = settled_three(sc, T)
    victim = next(p for p in pods if p is not leader)
    name0, uuid0, seq0, _ = watch.node_of(victim)
    t0 = now()
    sc.mark(f"{victim.name}'s node {name0} deleted")
    client.delete(f"{watch.home}/pods/{name0}")
    node = reregistered(sc, watch, victim, name0, uuid0, seq0, T + 3)
    took = now() - t0
    sc.figure("re-created after", seconds(took) if node else f"not within {T + 3:g} s",
              f"<= {T:g} s (one session timeout)", bool(node) and took <= T)
    back = node and poll(lambda: node[1] in (watch.snapshot() or ()), 10)
    sc.figure("back in the snapshot", "yes" if back else "no", "yes", bool(back))


# ------------------------------------------------------------------ 9
GARBAGE_PODS = [b"not json", b"[1, 2, 3]", b'"a string"', b"null", b"", b"\xff\xfe\xfd{",
                b'{"unterminated": ']
GARBAGE_LOCKS = ["garbage", "x__lock__", "__lock__abc", "y__lock__0", "z__lock__123456789012"]


def garbage(sc):
    """Garbage written where pods read: the cluster's hash and snapshot, a
    dependency's snapshot, extra pod nodes, coordinator children."""
    T = sc.session_timeout = 3.0
    server = sc.zk()
    client = sc.kazoo(server.address)
    watch = ClusterWatch(client, CLUSTER)
    dep = f"{ROOT}/{NAMESPACE}.dep"
    client.ensure_path(f"{dep}/pods")
    client.create(f"{dep}/snapshot", json.dumps({"0" * 8: {"ip": "127.0.0.1"}}).encode())
    options = ("--depends-on", "dep")
    pods = [sc.pod(server.address, CLUSTER, T, options=options) for _ in range(3)]
    sc.settled(pods, watch)

    def step(label, action, own_writes=0):
        v0 = watch.hash_version()
        sc.mark(f"garbage in {label}")
        action()
        sc.quiet(now() + 2.0, pods)  # twice a failed round's retry, max(damper, 1 s)
        rounds = watch.hash_version() - v0 - own_writes
        sc.figure(f"rounds after garbage in {label}", rounds, "<= 1", rounds <= 1)

    step("hash", lambda: client.set(f"{watch.home}/hash", b"\x00\xffnot a hash"), own_writes=1)
    step("snapshot", lambda: client.set(f"{watch.home}/snapshot", b"{not json"))
    step("a dependency's snapshot", lambda: client.set(f"{dep}/snapshot", b"\xff\xfe[1, 2"))

    def bogus_pods():
        for i, data in enumerate(GARBAGE_PODS):
            client.create(f"{watch.home}/pods/{i:08x}-0000-4000-8000-000000000000.", data,
                          ephemeral=True, sequence=True)

    step("other pods' nodes", bogus_pods)

    def bogus_locks():
        client.ensure_path(f"{watch.home}/coordinator")
        for name in GARBAGE_LOCKS:
            client.create(f"{watch.home}/coordinator/{name}", b"\xff garbage", ephemeral=True)

    step("coordinator children", bogus_locks)
    alive = [p for p in pods if p.running() and p.info()]
    sc.figure("pods alive and answering /info", f"{len(alive)}/{len(pods)}", f"{len(pods)}/{len(pods)}",
              len(alive) == len(pods))
    leaders = [p.name for p in pods if ((p.info() or {}).get("state") or "").startswith("leader")]
    sc.figure("pods in a 'leader' state", len(leaders), "1", len(leaders) == 1)
    joiner = sc.pod(server.address, CLUSTER, T, options=options)
    t0 = now()
    configured = poll(lambda: (n := watch.node_of(joiner)) and n[1] in (watch.snapshot() or ()), 15)
    sc.figure("a pod joining with the garbage in place is configured", seconds(now() - t0)
              if configured else "not within 15 s", "yes", bool(configured))


ALL = [
    ("zk_restart", "ZooKeeper restarted within the session timeout", zk_restart),
    ("ensemble_quorum", "3-server ensemble: the pods' server killed, then a second (quorum lost "
     "< T/2)", ensemble_quorum),
    ("frozen_follower", "a follower frozen past its session timeout", frozen_follower),
    ("frozen_leader", "the leader frozen past its session timeout", frozen_leader),
    ("leader_partition", "the leader partitioned from ZooKeeper", leader_partition),
    ("follower_partition", "a follower partitioned past its session timeout", follower_partition),
    ("leader_sigkill", "leader SIGKILLed mid-round", leader_sigkill),
    ("leader_sigterm", "leader SIGTERMed mid-round while a peer is SIGSTOPped", leader_sigterm),
    ("node_deleted", "our pod node deleted by someone else", node_deleted),
    ("garbage", "garbage in hash, snapshot, other pods' nodes, coordinator children", garbage),
]
