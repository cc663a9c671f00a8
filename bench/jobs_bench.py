#!/usr/bin/python3
"""Process-manager figures (issue 28): what `ochopod run --job` costs.

Solo pods (`--binding solo`: no ZooKeeper), on 127.0.0.1 only. Two
measurements:

- sidecar restart: pods with one `--job` that writes its pid to a file and
  execs `sleep`; the job's process is SIGKILLed and the time until the file
  holds a new pid is taken. One kill per pod, as cluster_bench's
  child_restart does: a job killed again within 10 s of its start would time
  the crash-loop backoff (docs/lifecycle.md), not the restart. Median, p95
  and max over --kills kills (default 20); then the same for the child
  (`sh -c 'echo $$ > file; exec sleep'` as the child), the figure to
  compare with on the same machine and load;
- idle footprint: --pods solo pods (default 10) with three sidecars
  (`sleep`) against as many without, once they run: each pod process's
  threads (/proc/<pid>/task) and its PSS, RssAnon and RSS (smaps_rollup,
  status), as cluster_bench's footprint reads them; the jobs' own processes
  are not counted (they are the user's programs).

    bench/jobs_bench.py --ochopod build/bin/ochopod [--kills 20] [--pods 10]
        [--json out.json] [--md out.md]

Run by `scripts/bench --jobs` (or `--only jobs`). Reuses cluster_bench.py's
memory reader and tests/pylib's ochopod_testkit (ports, pods, process
sweeps); Debian's /usr/bin/python3, nothing else.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "pylib")]
import cluster_bench as cb  # noqa: E402
from ochopod_testkit import results  # noqa: E402
from ochopod_testkit.pods import PodProcess  # noqa: E402
from ochopod_testkit.ports import free_ports  # noqa: E402
from ochopod_testkit.procs import (HarnessError, take_charge, final_sweep,  # noqa: E402
                                   kill_quietly, now, read_text, wait)

CHILD = ["sleep", "3600"]


def solo_env(port, tmpdir):
    """The environment of a solo pod on its own control port: no ZooKeeper
    address at all, local addressing, PORT_8080 remapped."""
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("ochopod")}
    env.update({"ochopod_cluster": "jobs", "ochopod_namespace": "bench", "ochopod_local": "true",
                "ochopod_port": "8080", "PORT_8080": str(port), "ochopod_debug": "false",
                "TMPDIR": tmpdir})
    return env


class SoloPod(PodProcess):
    def __init__(self, ochopod, port, options, workdir, tmpdir, child=CHILD):
        argv = [ochopod, "run", "--binding", "solo", *options, "--", *child]
        super().__init__(argv, solo_env(port, tmpdir), workdir,
                         os.path.join(workdir, f"solo-{port}.log"), port)

    def check(self):
        if not self.running():
            raise HarnessError(f"pod on port {self.port} exited with {self.proc.returncode}:\n"
                               f"{self.tail(5)}")


def running(pods, jobs=()):
    """True once every pod's child runs and so does each of its jobs."""
    for p in pods:
        p.check()
        info = p.info()
        if not info or info.get("process") != "running":
            return False
        states = info.get("jobs") or {}
        if any((states.get(j) or {}).get("state") != "running" for j in jobs):
            return False
    return True


def pid_in(path):
    text = read_text(path)
    try:
        return int(text.strip()) if text and text.endswith("\n") else None
    except ValueError:
        return None


def restart_latency(args, workdir, tmpdir, of_child=False):
    """Sidecar restarts; of_child: the same for the child instead (the
    figure to compare with, measured the same way)."""
    what = "child" if of_child else "sidecar"
    pods = []
    for i, port in enumerate(free_ports(args.kills)):
        pidfile = os.path.join(workdir, f"{what}-{i}.pid")
        # One write of "<pid>\n" by the shell itself (no second exec to
        # time); pid_in() takes the pid only once its newline is there.
        script = f'echo $$ > "{pidfile}"; exec sleep 3600'
        if of_child:
            pod = SoloPod(args.ochopod, port, [], workdir, tmpdir, ["sh", "-c", script])
        else:
            pod = SoloPod(args.ochopod, port, ["--job", f"side={script}"], workdir, tmpdir)
        pod.pidfile = pidfile
        pods.append(pod)
    wait(lambda: running(pods) and all(pid_in(p.pidfile) for p in pods), 30 + args.kills,
         f"{args.kills} solo pods with their {what}")
    samples = []
    for i, pod in enumerate(pods):
        old = pid_in(pod.pidfile)
        kill_quietly(old)
        t0 = now()
        new = wait(lambda: pod.check() or ((p := pid_in(pod.pidfile)) and p != old and p),
                   10, f"a new {what} after SIGKILL", pause=0.0002)
        samples.append(now() - t0)
        cb.log(f"{what} restart {i + 1}/{args.kills}: {samples[-1] * 1000:.2f} ms "
               f"(pid {old} -> {new})")
    for p in pods:
        p.kill()
    ms = [round(s * 1000, 3) for s in samples]
    return {"kills": len(ms), "samples_ms": ms, "median_ms": round(statistics.median(ms), 3),
            "p95_ms": round(cb.percentile(ms, 95), 3), "max_ms": max(ms)}


def child_restart_latency(args, workdir, tmpdir):
    return restart_latency(args, workdir, tmpdir, of_child=True)


def footprint(args, workdir, tmpdir):
    out = {}
    jobs = ["a", "b", "c"]
    for label, options in (("without jobs", []),
                           ("three jobs", [x for j in jobs
                                           for x in ("--job", f"{j}=exec sleep 3600")])):
        pods = [SoloPod(args.ochopod, port, options, workdir, tmpdir)
                for port in free_ports(args.pods)]
        wait(lambda: running(pods, jobs if options else ()), 30 + args.pods,
             f"{args.pods} solo pods ({label})")
        time.sleep(args.settle)
        for p in pods:
            p.check()
        mem = [cb.memory(p.pid) for p in pods]
        tasks = [len(os.listdir(f"/proc/{p.pid}/task")) for p in pods]
        row = {"pods": len(pods), "threads": {"median": statistics.median(tasks),
                                              "max": max(tasks)}}
        for key in ("pss", "rss_anon", "rss"):
            vals = [m[key] for m in mem]
            row[f"{key}_kib"] = {"median": statistics.median(vals), "max": max(vals)}
        cb.log(f"footprint, {label}: threads {row['threads']['median']}, PSS "
               f"{row['pss_kib']['median']} KiB, RssAnon {row['rss_anon_kib']['median']} KiB")
        out[label] = row
        for p in pods:
            p.kill()
    return out


def markdown(result):
    lines = ["# ochopod run --job figures", "",
             f"{result['machine']['date']}; {result['machine']['nproc']} CPUs "
             f"({result['machine']['cpu']}), kernel {result['machine']['kernel']}.", "",
             "| what | result |", "| --- | --- |"]
    for key, what in (("restart", "sidecar"), ("child_restart", "child, the same way")):
        r = result.get(key)
        if r:
            lines.append(f"| {what}: restart after SIGKILL (to its new pid, one kill per pod) | "
                         f"median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, max "
                         f"{r['max_ms']:.2f} ms over {r['kills']} |")
    for label, f in (result.get("footprint") or {}).items():
        lines.append(f"| {f['pods']} solo pods, {label}: threads (median / max) | "
                     f"{f['threads']['median']} / {f['threads']['max']} |")
        lines.append(f"| {f['pods']} solo pods, {label}: PSS / RssAnon / RSS per pod (median) | "
                     f"{f['pss_kib']['median'] / 1024:.2f} / "
                     f"{f['rss_anon_kib']['median'] / 1024:.2f} / "
                     f"{f['rss_kib']['median'] / 1024:.2f} MiB |")
    for e in result.get("errors", []):
        lines.append(f"| error | {e} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--kills", type=int, default=20, help="sidecar kills to time (default 20)")
    ap.add_argument("--pods", type=int, default=10, help="pods of each footprint (default 10)")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds the pods idle before the footprint is read (default 3)")
    ap.add_argument("--only", action="append", choices=("restart", "child_restart", "footprint"))
    ap.add_argument("--json", help="write the results there too")
    ap.add_argument("--md", help="write the markdown table there too")
    args = ap.parse_args()
    args.ochopod = os.path.abspath(args.ochopod)
    help_text = subprocess.run([args.ochopod, "run", "--help"], capture_output=True,
                               text=True).stdout
    if "--job" not in help_text:
        sys.exit(f"jobs bench: {args.ochopod} has no --job")

    take_charge()
    workdir = tempfile.mkdtemp(prefix="ochopod-jobs-bench-")
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    tmpdir = tempfile.mkdtemp(prefix="ochopod-jobs-bench-pods-", dir=shm)
    result = {"machine": cb.machine(), "settings": {k: v for k, v in vars(args).items()
                                                    if k not in ("json", "md")},
              "errors": []}
    failed = interrupted = False
    try:
        for name, fn in (("restart", restart_latency), ("child_restart", child_restart_latency),
                         ("footprint", footprint)):
            if args.only and name not in args.only:
                continue
            cb.log(f"jobs: {name}")
            try:
                result[name] = fn(args, workdir, tmpdir)
            except HarnessError as e:
                failed = True
                result["errors"].append(f"{name}: {e}")
                cb.log(f"FAILED jobs {name}: {e}")
            finally:
                PodProcess.kill_all()
        text = markdown(result)
        print(text)
        results.write(result, text, args.json, args.md)
    except KeyboardInterrupt:
        interrupted = True
        cb.log("interrupted: cleaning up")
    finally:
        PodProcess.kill_all()
        final_sweep()
        shutil.rmtree(tmpdir, ignore_errors=True)
        if failed:
            cb.log(f"pod logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 130 if interrupted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
