#!/usr/bin/python3
"""The nemesis run: a 3-server ZooKeeper ensemble, two clusters of real
`ochopod run` pods (web depends on db; each pod renders its view through a
template), and a seeded random mix of faults in epochs: SIGKILL, SIGTERM,
SIGSTOP/SIGCONT of pods, partitions of a pod from ZooKeeper, kills of a
pod's child, a ZooKeeper server's restart, quorum loss, joins and slow
clients on control ports. After each epoch's faults end, the world must
converge within a bound derived from the pods' settings, and then leave
nothing behind (checks.py). Prints every fault as it is applied, writes a
report (Markdown and JSON) and exits 1 on any violation.

  run_chaos.py --ochopod build/bin/ochopod [--seconds 120] [--seed S]
               [--report FILE.md] [--keep]

Run through scripts/chaos or ctest (label `chaos`). Needs Debian's
/usr/bin/python3 (python3-kazoo) and zookeeper packages.
"""

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "pylib")]

import checks  # noqa: E402
from nemesis import Nemesis  # noqa: E402
from ochopod_testkit.procs import HarnessError, now, reap_all, take_charge  # noqa: E402
from ochopod_testkit.zk import kazoo_client  # noqa: E402
from world import Settings, World  # noqa: E402

CLUSTERS = {"db": 3, "web": 3}
DEPENDENCIES = {"web": ["db"]}
FIRST_FORMATION = 60.0  # six pods and three JVMs starting on a loaded machine


class Run:
    def __init__(self, args):
        self.args = args
        self.t0 = now()
        self.epochs = []  # dicts
        self.violations = []  # (epoch, text)
        self.checks = {"convergence": 0, "leftovers": 0, "zombies": 0, "fds and threads": 0,
                       "sessions": 0, "SIGTERMed pods exited": 0, "fences": 0}
        self.servers_back = []
        self.reported = set()  # leftover pids already reported

    def log(self, text):
        print(f"+{now() - self.t0:8.2f} s {text}", flush=True)

    def violation(self, epoch, text):
        self.violations.append((epoch, text))
        self.log(f"VIOLATION (epoch {epoch}): {text}")


def wait_servers(world, run):
    """The ensemble serves again after the epoch's server faults."""
    t = now()
    for s in world.servers:
        if not s.running():
            s.launch()
    for s in world.servers:
        s.wait_serving(60)
    run.servers_back.append(now() - t)


def epoch_checks(run, world, client, baselines, number, faults):
    s = world.settings
    bound = s.convergence_bound()
    took, problems = checks.converge(world, client, bound)
    run.checks["convergence"] += 1
    entry = {"epoch": number, "faults": faults, "bound_s": bound,
             "converged_s": None if took is None else round(took, 2),
             "pods": len(world.live())}
    run.epochs.append(entry)
    if took is None:
        for p in problems[:10]:
            run.violation(number, f"not converged within {bound:g} s: {p}")
        return False
    run.log(f"epoch {number}: converged in {took:.2f} s (bound {bound:g} s), "
            f"{len(world.live())} pods")
    run.checks["leftovers"] += 1
    for pod, pid in checks.leftovers(world):
        if pid not in run.reported:  # once per process, not every epoch
            run.reported.add(pid)
            run.violation(number, f"pid {pid} of dead pod {pod} still runs")
    run.checks["zombies"] += 1
    for pid in checks.zombies(world):
        run.violation(number, f"zombie pid {pid}")
    run.checks["fds and threads"] += 1
    for text in baselines.problems(world):
        run.violation(number, text)
    run.checks["sessions"] += 1
    extra = checks.sessions(world)
    if extra > 0:
        run.violation(number, f"the servers hold {extra} sessions more than the running pods")
    run.checks["SIGTERMed pods exited"] += 1
    for p in world.pods:
        limit = s.stop_timeout + s.slack
        if p.terminated_at is not None and p.running() and now() - p.terminated_at > limit:
            run.violation(number, f"{p} still runs {limit:g} s after SIGTERM")
    return True


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def machine():
    model = ""
    for line in (open("/proc/cpuinfo").read().splitlines()):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cpus": os.cpu_count(), "cpu": model,
            "load_at_end": open("/proc/loadavg").read().split()[:3]}


def report(run, world, nemesis, seed, fence_figures, elapsed):
    s = world.settings
    cleanup = [t for _, t in nemesis.kill_cleanup if t is not None]
    data = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "seed": seed, "seconds": round(elapsed, 1),
        "settings": {"session_timeout": s.session_timeout, "control_timeout": s.control_timeout,
                     "restart_backoff": s.restart_backoff, "stop_timeout": s.stop_timeout,
                     "convergence_bound": s.convergence_bound()},
        "clusters": CLUSTERS, "dependencies": DEPENDENCIES,
        "faults": nemesis.counts, "checks": run.checks, "epochs": run.epochs,
        "pods_started": len(world.pods),
        "sigkill_cleanup_ms": {
            "count": len(nemesis.kill_cleanup), "p50": percentile(cleanup, 0.5),
            "max": max(cleanup) if cleanup else None,
            "over_100ms": sum(1 for t in cleanup if t > 0.1),
            "never": sum(1 for _, t in nemesis.kill_cleanup if t is None)},
        "servers_back_max_s": max(run.servers_back) if run.servers_back else None,
        "fences": fence_figures,
        "violations": [{"epoch": e, "text": t} for e, t in run.violations],
    }
    for k in ("p50", "max"):
        v = data["sigkill_cleanup_ms"][k]
        data["sigkill_cleanup_ms"][k] = None if v is None else round(v * 1000, 1)
    converged = [e["converged_s"] for e in run.epochs if e["converged_s"] is not None]
    m = data["machine"]
    lines = [
        "# Nemesis run", "",
        f"{data['date']}; {m['cpus']} CPUs ({m['cpu']}), load average at the end "
        f"{' '.join(m['load_at_end'])}; seed {seed}; {elapsed:.0f} s; "
        f"{len(run.epochs)} epochs; {len(world.pods)} pods started.", "",
        f"Settings: session timeout {s.session_timeout:g} s, control timeout "
        f"{s.control_timeout:g} s, restart backoff cap {s.restart_backoff:g} s, stop timeout "
        f"{s.stop_timeout:g} s; convergence bound {s.convergence_bound():g} s.", "",
        "| fault | applied |", "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in sorted(nemesis.counts.items())], "",
        "| check | made |", "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in run.checks.items()], "",
        f"Convergence after an epoch's faults: median {percentile(converged, 0.5)} s, "
        f"max {max(converged) if converged else None} s (bound {s.convergence_bound():g} s).",
        f"A SIGKILLed pod's processes all gone (measured by polling every 2 ms): "
        f"{data['sigkill_cleanup_ms']['count']} kills, median "
        f"{data['sigkill_cleanup_ms']['p50']} ms, max {data['sigkill_cleanup_ms']['max']} ms, "
        f"{data['sigkill_cleanup_ms']['over_100ms']} over 100 ms, "
        f"{data['sigkill_cleanup_ms']['never']} never.",
        "Fences: " + ", ".join(f"{k} {v}" for k, v in fence_figures.items()) + ".", "",
        f"**{len(run.violations)} violations.**", "",
        *[f"- epoch {e}: {t}" for e, t in run.violations],
    ]
    return data, "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--seconds", type=float, default=120.0, help="how long to run (about)")
    ap.add_argument("--seed", type=int, help="the schedule's seed (default: drawn, printed)")
    ap.add_argument("--epoch", type=float, default=25.0, help="seconds of faults per epoch")
    ap.add_argument("--gap", type=float, default=1.5, help="mean seconds between faults")
    ap.add_argument("--report", help="write the Markdown report here (and .json beside it)")
    ap.add_argument("--keep", action="store_true", help="keep the run's directory")
    args = ap.parse_args()
    ochopod = os.path.abspath(args.ochopod)
    if not os.access(ochopod, os.X_OK):
        print(f"run_chaos: {ochopod} is not an executable (build it first)", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"[chaos] seed {seed} (replay: scripts/chaos --seed {seed} --seconds "
          f"{args.seconds:g})", flush=True)

    take_charge()
    run = Run(args)
    directory = tempfile.mkdtemp(prefix=f"ochopod-chaos-{seed}-")
    world = nemesis = client = None
    settings = Settings()
    fence_figures = {}
    failed_setup = None
    try:
        world = World(ochopod, directory, settings, CLUSTERS, DEPENDENCIES)
        client = kazoo_client(world.hosts)
        nemesis = Nemesis(world, seed, run.log)
        for c, n in sorted(CLUSTERS.items()):
            for _ in range(n):
                world.add_pod(c)
        took, problems = checks.converge(world, client, FIRST_FORMATION)
        if took is None:
            raise HarnessError(f"the first formation did not converge in {FIRST_FORMATION:g} s: "
                               f"{problems}")
        baselines = checks.Baselines()
        baselines.problems(world)  # the first counts
        run.log(f"formed in {took:.2f} s")
        number = 0
        while now() - run.t0 < args.seconds:
            number += 1
            faults = 0
            phase_end = now() + min(args.epoch, max(5.0, args.seconds - (now() - run.t0)))
            while now() < phase_end:
                nemesis.due()
                if nemesis.strike():
                    faults += 1
                gap_end = min(phase_end, now() + nemesis.next_gap(args.gap))
                while now() < gap_end:
                    nemesis.due()
                    time.sleep(min(0.05, max(0.0, gap_end - now())))
            nemesis.end_all()
            wait_servers(world, run)
            nemesis.refill()
            reap_all()
            epoch_checks(run, world, client, baselines, number, faults)
        nemesis.finish()
        fence_figures, fence_violations = checks.fences(world)
        run.checks["fences"] += 1
        for text in fence_violations:
            run.violation(0, text)
    except KeyboardInterrupt:
        print("[chaos] interrupted", file=sys.stderr)
        failed_setup = "interrupted"
    except Exception as e:  # a setup failure fails the run, with its reason
        traceback.print_exc()
        failed_setup = str(e).splitlines()[0][:300] if str(e) else repr(e)
    finally:
        elapsed = now() - run.t0
        if client is not None:
            try:
                client.stop()
                client.close()
            except Exception:  # kazoo raises its own types on a dead ensemble
                traceback.print_exc()
        if failed_setup:
            run.violation(0, f"the run did not reach its end: {failed_setup}")
        if world is not None and nemesis is not None:
            data, text = report(run, world, nemesis, seed, fence_figures, elapsed)
            print(text, flush=True)
            if args.report:
                os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
                with open(args.report, "w") as f:
                    f.write(text)
                with open(os.path.splitext(args.report)[0] + ".json", "w") as f:
                    json.dump(data, f, indent=1)
                    f.write("\n")
        keep = args.keep or bool(run.violations)
        if world is not None:
            world.close(keep)
        if keep:
            print(f"[chaos] logs kept in {directory}", flush=True)
        reap_all()
    print(f"[chaos] seed {seed}: {len(run.violations)} violations in {elapsed:.0f} s",
          flush=True)
    return 1 if run.violations else 0


if __name__ == "__main__":
    sys.exit(main())
