#!/usr/bin/python3
"""Peers: `ochopod run` beside s6-supervise, supervisord and tini, on the same
machine in the same run, each supervising one child (`sleep 3600`).

One supervisor at a time (so the others' processes do not share its pages),
each started in a fresh temporary directory and measured as follows:

- start-up: wall time from spawning the supervisor until its child (a
  `sleep` descendant) exists, and the supervisor's own CPU by then (the
  on-CPU ns of /proc/<pid>/task/*/schedstat, summed over its processes);
- memory, after it idled --settle s: Pss and Rss from
  /proc/<pid>/smaps_rollup and Threads from /proc/<pid>/status, summed over
  the supervisor's own processes (the child is not counted). PSS shares a
  library's pages with every process on the host that maps them, so it is
  also computed for the supervisor as if alone in a container with only its
  own processes and its child ("own-container PSS"): every physical page each
  process maps (PFNs from /proc/<pid>/pagemap, over the mappings of
  /proc/<pid>/maps; needs root) counts 1/k, k being how many of {the
  supervisor's processes, the child} map that page. For ochopod, that figure
  broken down by mapping too (each library, the binary, heap, stacks,
  anonymous mappings);
- idle CPU over --idle s: utime+stime ticks (/proc/<pid>/stat) and the
  schedstat ns, summed over the supervisor's processes, as % of one CPU;
- restart after SIGKILL of the child, in --rounds rounds: a child that has
  run 11 s (--long-run) is killed and the time until a new `sleep` process
  (another pid) exists is taken, /proc polled every 1 ms; then that new child
  is killed after 0.3 s (--short-run), timed the same way. A round puts one
  long run before each short kill, so every short kill is the first quick
  death after a healthy run: what each peer's default restart policy does
  with a child that dies at once (a crash loop of repeated quick deaths
  would time each one's backoff ladder instead). The first long kill comes
  after the idle window, so that child has run longer than 11 s; every
  child's age at its kill is in the JSON. Median and max in ms.

The peers as run (each with its defaults, see bench/README.md):

- ochopod: `ochopod run --binding=solo --checks=100 -- sleep 3600` (no
  ZooKeeper; its control port on a free loopback port, ochopod_local=true).
  --checks 100 because the default 1 turns the child off at the first check
  (every 60 s) after any failure, which would end the measurement; the
  restart backoff is the default. Its processes:
  the pod and its guardian (comm `ochopod-guard`, a spawned helper); PSS is
  given for the pod alone and for both;
- s6: `s6-supervise <dir>`, `<dir>/run` being `#!/bin/sh` + `exec sleep
  3600`, no ./finish (s6-supervise 2.11 was measured waiting 1 s before
  every restart, whatever the child's age);
- supervisord: `supervisord -n -c <dir>/supervisord.conf`, one
  `[program:x]` `command=sleep 3600`, `autorestart=true`, its own unix socket,
  pidfile and logs in the temporary directory (never the system's
  supervisord, which may or may not run); startsecs=1, startretries=3 as
  default;
- tini: `tini -s -- sleep 3600` (it does not restart: it exits with its
  child), so its restart cells are "-";
- two references, not supervisors: "floor", a C++ program compiled here
  (g++ -O2) that starts one thread, forks and execs its child and waits for
  it, so what any supervisor written in C++ against Debian's libstdc++
  maps at least; and "floor+libs", the same program also naming the shared
  libraries ochopod's binary names for its work (spdlog, fmt, ZooKeeper's
  client, simdjson, zlib), loaded and relocated at exec though unused. The
  gap between "floor+libs" and ochopod is ochopod's own: its binary, heap,
  stacks and guardian. No restarts: their restart cells are "-".

No figure is asserted; a wait that runs out is an error naming what did not
happen, reported in the results. Every process started runs in its own
session and dies with the harness (PR_SET_PDEATHSIG); the harness is a
subreaper and, on any way out (Ctrl-C, SIGTERM, SIGHUP included), SIGKILLs
each supervisor's tree and whatever is still its child.

    bench/peers_bench.py --ochopod build-bench/bin/ochopod [--quick]
        [--only ochopod --only s6 ...] [--json out.json] [--md out.md] [--png out.png]

Run by `scripts/bench --peers` (or `--only peers`); Debian's
/usr/bin/python3 and tests/pylib's ochopod_testkit, nothing else.
"""

import argparse
import array
import collections
import ctypes
import datetime
import mmap
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, "tests", "pylib")]
from ochopod_testkit import machine, results  # noqa: E402
from ochopod_testkit.ports import free_port  # noqa: E402
from ochopod_testkit.procs import (HarnessError, alive, comm, descendants, die_with_parent,  # noqa: E402
                                   final_sweep, kill_quietly, now, proc_stat, read_text,
                                   reap_all, take_charge, thread_schedstats, wait)

CHILD = ["sleep", "3600"]
CHILD_COMM = "sleep"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = mmap.PAGESIZE
PEERS = ("ochopod", "s6", "supervisord", "tini", "floor", "floor+libs")
# Peers that never restart their child: no restart rounds.
NO_RESTART = ("tini", "floor", "floor+libs")
# The references' program (module docstring): the least a C++ supervisor does.
FLOOR_SOURCE = r"""
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  std::thread waiter([] { ::pause(); });
  const pid_t child = ::fork();
  if (child == 0) {
    ::execvp(argv[1], argv + 1);
    ::_exit(127);
  }
  std::cout << "child " << child << std::endl;
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
  }
  std::_Exit(0);
}
"""
# What ochopod's binary names for its work, beside libc, libstdc++ and libm.
FLOOR_LIBS = ["-lspdlog", "-lfmt", "-lzookeeper_mt", "-lsimdjson", "-lz"]


def build_floor(name, d):
    """The reference program of name ("floor" or "floor+libs") in d."""
    src = os.path.join(d, "floor.cpp")
    with open(src, "w") as f:
        f.write(FLOOR_SOURCE)
    exe = os.path.join(d, name.replace("+", "-"))
    libs = (["-Wl,--no-as-needed", *FLOOR_LIBS, "-Wl,--as-needed"]
            if name == "floor+libs" else [])
    cmd = ["g++", "-O2", "-pthread", src, "-o", exe, *libs]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise HarnessError(f"cannot build the {name} reference ({' '.join(cmd)}): "
                           f"{res.stderr.strip()[-500:]}")
    return exe
# ochopod's default --checks 1 turns a child that failed since the previous
# check (every 60 s) off at that check: the second round's kills would find
# no child to restart. Enough failed checks in a row for any run here.
OCHOPOD_CHECKS = 100


def log(msg):
    print(f"[peers {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- memory

def field(text, name):
    for line in (text or "").splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def memory(pid):
    """KiB from smaps_rollup (Pss, Rss) and status (VmRSS, RssAnon, Threads)."""
    status = read_text(f"/proc/{pid}/status")
    rollup = read_text(f"/proc/{pid}/smaps_rollup")
    return {"pss_kib": field(rollup, "Pss"), "rss_kib": field(rollup, "Rss"),
            "rss_anon_kib": field(status, "RssAnon"), "threads": field(status, "Threads")}


def _zero_pfn():
    """The PFN of the kernel's shared zero page (a read of untouched anonymous
    memory maps it; smaps does not count it in Rss, so neither do we)."""
    m = mmap.mmap(-1, PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        _ = m[0]
        buf = ctypes.c_char.from_buffer(m)
        addr = ctypes.addressof(buf)
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(addr // PAGE * 8)
            entry = array.array("Q", f.read(8))[0]
        del buf
    finally:
        m.close()
    return entry & ((1 << 55) - 1) if entry >> 63 & 1 else None


ZERO_PFN = None


def group_of(path):
    """The breakdown's group of a mapping's pathname."""
    if not path:
        return "[anonymous] (thread stacks, arenas, mmap)"
    if path.startswith("/"):
        return path.replace(" (deleted)", "")
    if path in ("[heap]", "[stack]"):
        return path
    return "other ([vdso], [vvar], ...)"


def pages_of(pid):
    """{pfn: group} of the present pages pid maps (zero page excluded)."""
    global ZERO_PFN
    if ZERO_PFN is None:
        ZERO_PFN = _zero_pfn() or -1
    maps = read_text(f"/proc/{pid}/maps")
    if maps is None:
        raise HarnessError(f"cannot read /proc/{pid}/maps")
    out = {}
    mask = (1 << 55) - 1
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        for line in maps.splitlines():
            parts = line.split(None, 5)
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            if parts[1].startswith("---"):
                continue  # guard pages and reservations: nothing mapped
            path = parts[5].strip() if len(parts) > 5 else ""
            if path == "[vsyscall]":
                continue
            grp = group_of(path)
            try:
                f.seek(lo // PAGE * 8)
                raw = f.read((hi - lo) // PAGE * 8)
            except OSError:
                continue
            entries = array.array("Q")
            entries.frombytes(raw[:len(raw) // 8 * 8])
            for e in entries:
                if e >> 63:  # present (bit 62, swapped, is skipped with the rest)
                    pfn = e & mask
                    if pfn and pfn != ZERO_PFN:
                        out.setdefault(pfn, grp)
    return out


def own_container_pss(pids):
    """{pid: {"kib": own-container PSS, "groups": {group: KiB}}}: each present
    physical page a pid maps counts PAGE/k, k = how many of pids map it."""
    pages = {pid: pages_of(pid) for pid in pids}
    if not any(pages.values()):
        raise HarnessError("no page frame numbers in /proc/<pid>/pagemap (needs root)")
    k = collections.Counter(pfn for p in pages.values() for pfn in p)
    out = {}
    for pid, pfns in pages.items():
        groups = collections.defaultdict(float)
        for pfn, grp in pfns.items():
            groups[grp] += PAGE / 1024 / k[pfn]
        out[pid] = {"kib": round(sum(groups.values()), 1),
                    "groups": {g: round(v, 1) for g, v in groups.items()}}
    return out


def sanity_check(workdir):
    """The own-container PSS of a process alone is its RSS; of two processes
    sharing libc (a sleep and its sh parent), each is below its RSS."""
    sh = subprocess.Popen(["sh", "-c", "sleep 3600 & wait"], cwd=workdir,
                          start_new_session=True, preexec_fn=die_with_parent)
    try:
        kid = wait(lambda: next((c for c in descendants(sh.pid) if comm(c) == CHILD_COMM
                                 and alive(c)), None), 5, "the sanity check's sleep")
        # Measured once it sleeps (in clock_nanosleep or nanosleep), not while
        # the dynamic loader is still mapping it in.
        wait(lambda: (read_text(f"/proc/{kid}/syscall") or "x").split()[0] in ("230", "35"),
             10, "the sanity check's sleep to be asleep")
        alone = own_container_pss([kid])[kid]["kib"]
        pair = own_container_pss([sh.pid, kid])
        out = {"sleep_alone_own_pss_kib": alone, "sleep_rss_kib": memory(kid)["rss_kib"],
               "pair_own_pss_kib": {"sh": pair[sh.pid]["kib"], "sleep": pair[kid]["kib"]},
               "pair_rss_kib": {"sh": memory(sh.pid)["rss_kib"], "sleep": memory(kid)["rss_kib"]}}
        ok = (abs(alone - out["sleep_rss_kib"]) <= max(16, 0.05 * out["sleep_rss_kib"])
              and pair[kid]["kib"] < out["pair_rss_kib"]["sleep"]
              and pair[sh.pid]["kib"] < out["pair_rss_kib"]["sh"])
        out["ok"] = ok
        log(f"own-container PSS sanity: sleep alone {alone} KiB vs RSS {out['sleep_rss_kib']} KiB; "
            f"sh+sleep {out['pair_own_pss_kib']} vs RSS {out['pair_rss_kib']}: "
            f"{'ok' if ok else 'NOT OK'}")
        return out
    finally:
        for pid in descendants(sh.pid) + [sh.pid]:
            kill_quietly(pid)
        sh.wait()
        reap_all()


# ---------------------------------------------------------------- CPU

def cpu(pids):
    """(utime+stime ticks, on-CPU ns over every thread) summed over pids."""
    ticks = ns = 0
    for pid in pids:
        st = proc_stat(pid)
        if st:
            ticks += int(st[11]) + int(st[12])
        ns += sum(t.run_ns for t in thread_schedstats(pid))
    return ticks, ns


# ---------------------------------------------------------------- the peers

def solo_env(tmpdir):
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("ochopod")}
    env.update({"ochopod_cluster": "peers", "ochopod_namespace": "bench",
                "ochopod_local": "true", "ochopod_port": "8080",
                "PORT_8080": str(free_port()), "ochopod_debug": "false", "TMPDIR": tmpdir})
    return env


def setup(name, args, d):
    """(argv, env, settings) of a peer run in directory d."""
    env = dict(os.environ)
    if name == "ochopod":
        return ([args.ochopod, "run", "--binding=solo", f"--checks={OCHOPOD_CHECKS}", "--",
                 *CHILD], solo_env(d),
                "backoff defaults: first restart at once, then 0.1 s doubling to 10 s "
                "(--restart-backoff) while the child fails within 10 s of its start; "
                f"--checks {OCHOPOD_CHECKS}: with the default 1, the first check (every 60 s) "
                "after any failure turns the child off for good")
    if name == "s6":
        svc = os.path.join(d, "svc")
        os.mkdir(svc)
        with open(os.path.join(svc, "run"), "w") as f:
            f.write("#!/bin/sh\nexec " + " ".join(CHILD) + "\n")
        os.chmod(os.path.join(svc, "run"), 0o755)
        return (["s6-supervise", svc], env,
                "defaults (no ./finish: s6-supervise still forks for it, exit 127, then "
                "waits 1 s before spawning ./run again, whatever the child's age); "
                "run = #!/bin/sh + exec sleep 3600")
    if name == "supervisord":
        conf = os.path.join(d, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(f"""[supervisord]
nodaemon=true
logfile={d}/supervisord.log
pidfile={d}/supervisord.pid
childlogdir={d}
loglevel=info

[unix_http_server]
file={d}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{d}/supervisor.sock

[program:x]
command={" ".join(CHILD)}
autorestart=true
""")
        return (["supervisord", "-n", "-c", conf], env,
                "autorestart=true, otherwise defaults: startsecs=1, startretries=3 "
                "(a child that dies before 1 s is retried after 1, 2, 3 s, then FATAL)")
    if name == "tini":
        return (["tini", "-s", "--", *CHILD], env, "-s (subreaper); tini never restarts: "
                "it exits with its child")
    if name in ("floor", "floor+libs"):
        return ([build_floor(name, d), *CHILD], env,
                "a reference, not a supervisor: g++ -O2, one thread, fork+exec of the child, "
                "waitpid" + (", and the libraries named (not called): " + " ".join(FLOOR_LIBS)
                             if name == "floor+libs" else ""))
    raise ValueError(name)


def version(name, args):
    try:
        if name == "ochopod":
            out = subprocess.run([args.ochopod, "--version"], capture_output=True, text=True,
                                 timeout=10).stdout.strip()
            return out.splitlines()[0] if out else "?"
        if name in ("floor", "floor+libs"):
            return "g++ " + subprocess.run(["g++", "-dumpfullversion"], capture_output=True,
                                           text=True, timeout=10).stdout.strip()
        pkg = {"s6": "s6", "supervisord": "supervisor", "tini": "tini"}[name]
        return pkg + " " + subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                                          capture_output=True, text=True,
                                          timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


class Peer:
    """One supervisor process tree, killed whole by stop()."""

    live = []

    def __init__(self, name, args, workdir):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"{name}-", dir=workdir)
        argv, env, self.settings = setup(name, args, self.dir)
        self.argv = argv
        self.log_path = os.path.join(self.dir, "output.log")
        self.seen = set()
        with open(self.log_path, "wb") as out:
            self.t_spawn = now()
            self.proc = subprocess.Popen(argv, env=env, cwd=self.dir, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)
        self.pid = self.proc.pid
        Peer.live.append(self)

    def check(self):
        if self.proc.poll() is not None:
            raise HarnessError(f"{self.name} exited with {self.proc.returncode}: "
                               f"{(read_text(self.log_path) or '')[-600:]}")

    def children(self):
        """Live `sleep` descendants."""
        tree = descendants(self.pid)
        self.seen.update(tree)
        return [p for p in tree if comm(p) == CHILD_COMM and alive(p)]

    def own(self, child):
        """The supervisor's own processes: the root and its live descendants,
        minus the child and what descends from it."""
        under = set(descendants(child)) | {child}
        return [self.pid] + [p for p in descendants(self.pid) if p not in under and alive(p)]

    def new_child(self, old=None):
        self.check()
        return next((p for p in self.children() if p != old), None)

    def stop(self):
        for pid in [self.pid] + descendants(self.pid) + sorted(self.seen):
            kill_quietly(pid)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        reap_all()
        if self in Peer.live:
            Peer.live.remove(self)

    @classmethod
    def stop_all(cls):
        for p in list(cls.live):
            p.stop()


# ---------------------------------------------------------------- one peer

def restart(peer, old, what, timeout):
    """SIGKILLs the child old; seconds until a new one exists, and its pid."""
    t0 = now()
    kill_quietly(old)
    new = wait(lambda: peer.new_child(old), timeout,
               f"{peer.name}: a new child after SIGKILL of {what} (pid {old})", pause=0.001)
    return now() - t0, new


def measure(name, args, workdir):
    r = {"version": version(name, args)}
    try:
        peer = Peer(name, args, workdir)
    except HarnessError as e:  # a reference that could not be built
        r["error"] = str(e)
        return r
    r["command"] = " ".join(peer.argv)
    r["settings"] = peer.settings
    try:
        child = wait(lambda: peer.new_child(), 15, f"{name}'s first child (a `sleep`)",
                     pause=0.001)
        born = now()
        own = peer.own(child)
        r["startup"] = {"wall_ms": round((born - peer.t_spawn) * 1000, 2),
                        "cpu_ms": round(cpu(own)[1] / 1e6, 2)}
        time.sleep(args.settle)
        own = peer.own(child)
        procs = []
        oc = own_container_pss(own + [child])
        for pid in own:
            m = memory(pid)
            m.update({"pid": pid, "comm": comm(pid), "own_pss_kib": oc[pid]["kib"]})
            procs.append(m)
        r["processes"] = procs
        r["child_own_pss_kib"] = oc[child]["kib"]
        for key in ("pss_kib", "rss_kib", "own_pss_kib", "rss_anon_kib", "threads"):
            r[key] = round(sum(p[key] for p in procs), 1)
        r["pss_main_kib"] = procs[0]["pss_kib"]
        r["own_pss_main_kib"] = procs[0]["own_pss_kib"]
        if name == "ochopod":
            groups = collections.defaultdict(lambda: collections.defaultdict(float))
            for pid in own:
                for g, v in oc[pid]["groups"].items():
                    groups[g][comm(pid) or str(pid)] += v
            r["breakdown_kib"] = {g: {c: round(v, 1) for c, v in by.items()}
                                  for g, by in groups.items()}
        log(f"{name}: started in {r['startup']['wall_ms']} ms; processes "
            f"{[p['comm'] for p in procs]}; PSS {r['pss_kib']} KiB, own-container PSS "
            f"{r['own_pss_kib']} KiB, RSS {r['rss_kib']} KiB, threads {r['threads']}")

        t0, (ticks0, ns0) = now(), cpu(own)
        time.sleep(args.idle)
        peer.check()
        t1, (ticks1, ns1) = now(), cpu(peer.own(child))
        window = t1 - t0
        r["idle"] = {"seconds": round(window, 2), "ticks": ticks1 - ticks0,
                     "ticks_pct": round((ticks1 - ticks0) / CLK_TCK / window * 100, 4),
                     "schedstat_ns": ns1 - ns0,
                     "schedstat_pct": round((ns1 - ns0) / 1e9 / window * 100, 5)}
        log(f"{name}: idle {r['idle']['schedstat_pct']} % of a CPU over {window:.1f} s "
            f"({r['idle']['ticks']} ticks)")

        if name in NO_RESTART:
            return r
        long_ms, short_ms, ages = [], [], []
        for i in range(args.rounds):
            age = now() - born
            if age < args.long_run:
                time.sleep(args.long_run - age)
            ages.append(round(now() - born, 3))
            s, child = restart(peer, child, f"a child that ran {args.long_run:g} s", 15)
            born = now()
            long_ms.append(round(s * 1000, 3))
            time.sleep(max(0.0, args.short_run - (now() - born)))
            ages.append(round(now() - born, 3))
            s, child = restart(peer, child, f"a child that ran {args.short_run:g} s", 30)
            born = now()
            short_ms.append(round(s * 1000, 3))
            log(f"{name}: round {i + 1}/{args.rounds}: restart {long_ms[-1]:.1f} ms after "
                f"{ages[-2]:.1f} s, {short_ms[-1]:.1f} ms after {ages[-1]:.2f} s")
        r["restart_long"] = {"samples_ms": long_ms, "median_ms": statistics.median(long_ms),
                             "max_ms": max(long_ms)}
        r["restart_short"] = {"samples_ms": short_ms, "median_ms": statistics.median(short_ms),
                              "max_ms": max(short_ms)}
        r["child_ages_at_kill_s"] = ages
        return r
    except (HarnessError, OSError) as e:  # OSError: a process gone while /proc was read
        r["error"] = str(e)
        r["log_tail"] = (read_text(peer.log_path) or "")[-2000:]
        return r
    finally:
        peer.stop()


# ---------------------------------------------------------------- report

def mib(kib):
    return f"{kib / 1024:.2f}"


def cell(r, key):
    x = r.get(key)
    return f"{x['median_ms']:.1f} / {x['max_ms']:.1f}" if x else "-"


def markdown(result):
    s = result["settings"]
    lines = ["# Peers: ochopod run beside s6, supervisord and tini, and the floor of C++", "",
             f"{result['date']}, {'quick' if s['quick'] else 'full'} run. Machine: "
             f"{machine.line(result['machine'])}.", "",
             f"Each supervises `sleep 3600`, one at a time. Restart: {s['rounds']} round(s) of "
             f"a SIGKILL of a child that had run {s['long_run']:g} s (the first after the idle "
             f"window, so longer) then of its successor at {s['short_run']:g} s, until a new "
             f"`sleep` exists (/proc polled every 1 ms). Memory after {s['settle']:g} s idle; "
             f"idle CPU over {s['idle']:g} s. ms are median / max; memory in MiB, summed over "
             "the supervisor's own processes (its child not counted).", "",
             "| supervisor | processes | restart, child ran "
             f"{s['long_run']:g} s (ms) | restart, child ran {s['short_run']:g} s (ms) | "
             "PSS (main / all) | own-container PSS (main / all) | RSS | threads | "
             "idle CPU % (schedstat) | idle ticks | start to child: wall / CPU ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in result["peers"].items():
        if "idle" not in r:
            lines.append(f"| {name} | error: {r.get('error')} |" + " |" * 9)
            continue
        lines.append(
            f"| {name} | {' + '.join(p['comm'] for p in r['processes'])} | "
            f"{cell(r, 'restart_long')} | {cell(r, 'restart_short')} | "
            f"{mib(r['pss_main_kib'])} / {mib(r['pss_kib'])} | "
            f"{mib(r['own_pss_main_kib'])} / {mib(r['own_pss_kib'])} | {mib(r['rss_kib'])} | "
            f"{r['threads']} | {r['idle']['schedstat_pct']:.4f} | {r['idle']['ticks']} | "
            f"{r['startup']['wall_ms']:.1f} / {r['startup']['cpu_ms']:.1f} |")
    lines += ["", "Versions and settings:", ""]
    for name, r in result["peers"].items():
        lines.append(f"- {name} ({r.get('version', '?')}): `{r.get('command', '?')}`; "
                     f"{r.get('settings', '')}")
    o = result["peers"].get("ochopod") or {}
    if o.get("breakdown_kib"):
        comms = [p["comm"] for p in o["processes"]]
        lines += ["", "## ochopod's own-container PSS by mapping (KiB)", "",
                  "| mapping | " + " | ".join(comms) + " | total |",
                  "| --- |" + " --- |" * (len(comms) + 1)]
        rows = sorted(o["breakdown_kib"].items(), key=lambda kv: -sum(kv[1].values()))
        for g, by in rows:
            lines.append(f"| `{g}` | " + " | ".join(f"{by.get(c, 0):.1f}" for c in comms) +
                         f" | {sum(by.values()):.1f} |")
        totals = [sum(by.get(c, 0) for by in o["breakdown_kib"].values()) for c in comms]
        lines.append("| **total** | " + " | ".join(f"{t:.1f}" for t in totals) +
                     f" | {sum(totals):.1f} |")
    sc = result.get("sanity")
    if sc:
        lines += ["", f"Own-container PSS check: a `sleep` alone {sc['sleep_alone_own_pss_kib']} "
                  f"KiB against its RSS {sc['sleep_rss_kib']} KiB; `sh` + `sleep` (sharing libc): "
                  f"{sc['pair_own_pss_kib']['sh']} + {sc['pair_own_pss_kib']['sleep']} KiB "
                  f"against RSS {sc['pair_rss_kib']['sh']} + {sc['pair_rss_kib']['sleep']} KiB: "
                  f"{'ok' if sc['ok'] else 'NOT OK'}."]
    if result["errors"]:
        lines += ["", "## Errors", ""] + [f"- {e}" for e in result["errors"]]
    return "\n".join(lines) + "\n"


def plot(result, png):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        raise HarnessError("gnuplot not found: no plot (apt-get install gnuplot-nox)")
    s = result["settings"]
    rows = []
    for name, r in result["peers"].items():
        if "idle" not in r:
            continue

        def ms(key):
            return f"{r[key]['median_ms']:.3f}" if r.get(key) else "-"

        rows.append(f'"{name}" {ms("restart_long")} {ms("restart_short")} '
                    f'{r["own_pss_kib"] / 1024:.3f} {r["pss_kib"] / 1024:.3f}')
    script = ["set terminal png size 1100,500", f"set output '{png}'",
              "set datafile missing '-'", "$D << EOD", *rows, "EOD",
              "set style data histograms", "set style histogram clustered gap 1",
              "set style fill solid 0.8 border -1", "set grid ytics", "set key top left",
              "set multiplot layout 1,2 title 'one supervisor, one child (sleep): "
              f"{result['date']}'",
              "set title 'restart after SIGKILL of the child (median; tini, floors: none)'",
              "set logscale y", "set ylabel 'ms (log scale)'", "set yrange [0.1:*]",
              f"plot $D using 2:xtic(1) title 'child ran {s['long_run']:g} s', "
              f"'' using 3 title 'child ran {s['short_run']:g} s'",
              "unset logscale y", "set yrange [0:*]",
              "set title 'memory of the supervisor (its processes, not the child)'",
              "set ylabel 'MiB'",
              "plot $D using 4:xtic(1) title 'own-container PSS', '' using 5 title 'PSS on this host'",
              "unset multiplot"]
    res = subprocess.run([gnuplot], input="\n".join(script) + "\n", capture_output=True,
                         text=True, timeout=60)
    if res.returncode != 0:
        raise HarnessError(f"gnuplot failed: {res.stderr.strip()}")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--quick", action="store_true",
                    help="smoke: 1 round, 5 s idle window, 1 s settle")
    ap.add_argument("--rounds", type=int, help="restart rounds per peer (default 5, quick 1)")
    ap.add_argument("--idle", type=float, help="idle CPU window, s (default 30, quick 5)")
    ap.add_argument("--settle", type=float, help="idle time before memory, s (default 3, quick 1)")
    ap.add_argument("--long-run", type=float, default=11.0,
                    help="age of the child at the first kill of a round, s (default 11)")
    ap.add_argument("--short-run", type=float, default=0.3,
                    help="age of the child at the second kill of a round, s (default 0.3)")
    ap.add_argument("--only", action="append", choices=PEERS, help="peers to run (repeatable)")
    ap.add_argument("--json", help="write the results there too")
    ap.add_argument("--md", help="write the markdown there too")
    ap.add_argument("--png", help="draw the plot there")
    args = ap.parse_args()
    q = args.quick
    args.rounds = args.rounds or (1 if q else 5)
    args.idle = args.idle if args.idle is not None else (5.0 if q else 30.0)
    args.settle = args.settle if args.settle is not None else (1.0 if q else 3.0)
    args.ochopod = os.path.abspath(args.ochopod)
    if os.geteuid() != 0:
        sys.exit("peers bench: run as root (page frame numbers in /proc/<pid>/pagemap)")
    for exe in [args.ochopod, "s6-supervise", "supervisord", "tini", "g++"]:
        if not shutil.which(exe):
            sys.exit(f"peers bench: {exe} not found (apt-get install s6 supervisor tini g++)")

    take_charge()
    workdir = tempfile.mkdtemp(prefix="ochopod-peers-bench-")
    started = now()
    result = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine.facts(probes=False),
              "settings": {k: v for k, v in vars(args).items()
                           if k not in ("json", "md", "png", "only")},
              "peers": {}, "errors": []}
    failed = interrupted = False
    try:
        # The probes; a quick run spawns fewer (200 spawns take seconds under load).
        result["machine"]["page_fault_us"] = machine.page_fault_us()
        result["machine"]["spawn_ms"] = machine.spawn_ms(50 if q else 200)
        log(machine.line(result["machine"]))
        try:
            result["sanity"] = sanity_check(workdir)
            if not result["sanity"]["ok"]:
                failed = True
                result["errors"].append("the own-container PSS sanity check failed")
        except HarnessError as e:
            failed = True
            result["errors"].append(f"sanity check: {e}")
        for name in PEERS:
            if args.only and name not in args.only:
                continue
            log(f"{name}")
            try:
                r = result["peers"][name] = measure(name, args, workdir)
                if "error" in r:
                    failed = True
                    result["errors"].append(f"{name}: {r['error']}")
                    log(f"FAILED {name}: {r['error']}")
            finally:
                Peer.stop_all()
        result["seconds"] = round(now() - started, 1)
        if args.png:
            try:
                plot(result, args.png)
            except (HarnessError, OSError, subprocess.SubprocessError) as e:
                failed = True
                result["errors"].append(f"plot: {e}")
        text = markdown(result)
        print(text)
        results.write(result, text, args.json, args.md)
        log(f"done in {result['seconds']} s")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    finally:
        Peer.stop_all()
        final_sweep()
        if failed:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 130 if interrupted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
