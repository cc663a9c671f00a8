#!/usr/bin/python3
"""Zero-downtime figures (issue 26): an HAProxy front pod over a web cluster.

A private ZooKeeper, web pods (`ochopod run --ready/--drain/--leave-delay
... -- python3 -m http.server`), and a front pod (`ochopod run --depends-on
web --template ... --on-change 'reload-haproxy <socket>' -- haproxy -W -db
-S <socket> -f ...`, as examples/haproxy), all
on 127.0.0.1, with a load of about 100 requests/s through the front, a new
connection each. It measures, over --tries tries:

- join: a new web pod's start -> the front's file lists it -> its first
  request served through the front;
- leave: SIGTERM of that pod -> the front's file rendered without it (the
  dependents reloaded without it) -> the pod's exit;
- a rolling `ochopod restart` of the first pods, one at a time;

and the failed requests of every phase, with the request rate. Damper 0.

    bench/zero_downtime_bench.py --ochopod build/bin/ochopod [--tries 5] [--json out.json]
        [--reload master-cli|signal]

--reload master-cli (the default, as examples/haproxy) runs the example's
examples/haproxy/reload-haproxy as `--on-change`: it reloads through
HAProxy's master CLI and returns once the new worker runs. --reload signal
sends `--reload-signal SIGUSR2` instead, to show what that loses: HAProxy
2.6's master drops a SIGUSR2 that arrives while it is still reloading, so
two changes close together can leave HAProxy on the older file; a
synchronous `--on-change` cannot, since the front pod runs one at a time.

Reuses cluster_bench.py's ZooKeeper and tests/pylib's ochopod_testkit
(ports, pods, process sweeps) (Debian's /usr/bin/python3 with
python3-kazoo, haproxy, java for ZooKeeper).
"""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "pylib")]
import cluster_bench as cb  # noqa: E402
from ochopod_testkit.pods import PodProcess, pod_env  # noqa: E402
from ochopod_testkit.ports import free_ports  # noqa: E402
from ochopod_testkit.procs import (HarnessError, take_charge, final_sweep,  # noqa: E402
                                   read_text)

HAPROXY = "/usr/sbin/haproxy"
NS = "local"

# The example's template: `retries 0`, no redispatch, so a backend that
# stops while HAProxy still routes to it is a failed request.
TEMPLATE = os.path.join(ROOT, "examples", "haproxy", "haproxy.cfg.mustache")
# The example's reload through the master CLI (`--reload master-cli`).
RELOAD_HAPROXY = os.path.join(ROOT, "examples", "haproxy", "reload-haproxy")

SERVER = re.compile(r"^\s*server\s+\S+\s+[^:\s]+:(\d+)", re.M)


def get_once(port, timeout):
    """One GET / on a new connection: None if 200 with its whole body, else why not."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: front\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return f"timed out after {len(data)} bytes"
                s.settimeout(left)
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        return f"{type(e).__name__}: {e}"
    if not data:
        return "closed without an answer"
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    if not re.match(r"HTTP/1\.[01] 200 ", line):
        return "answered " + line
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
    if m and len(body) != int(m.group(1)):
        return f"body cut short: {len(body)} of {int(m.group(1))} bytes"
    return None


class Load:
    """A GET through the front every 1/rate s, each on a new connection,
    counted into the phase under way when it started."""

    def __init__(self, port, rate):
        self.port, self.every = port, 1.0 / rate
        self.lock = threading.Lock()
        self.phases = []
        self.stopping = False
        self.thread = None
        self.origin = time.monotonic()

    def begin(self, name):
        with self.lock:
            t = time.monotonic()
            if self.phases:
                self.phases[-1]["end"] = t
            self.phases.append({"name": name, "start": t, "end": t, "ok": 0, "failed": 0,
                                "max_ms": 0.0, "failures": []})
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()

    def stop(self):
        self.stopping = True
        if self.thread:
            self.thread.join()
        with self.lock:
            if self.phases:
                self.phases[-1]["end"] = time.monotonic()

    def run(self):
        nxt = time.monotonic()
        while not self.stopping:
            with self.lock:
                phase = self.phases[-1]
            start = time.monotonic()
            why = get_once(self.port, 2.0)
            ms = (time.monotonic() - start) * 1000
            with self.lock:
                phase["max_ms"] = max(phase["max_ms"], ms)
                if why is None:
                    phase["ok"] += 1
                else:
                    phase["failed"] += 1
                    if len(phase["failures"]) < 20:
                        phase["failures"].append(
                            f"+{start - self.origin:.3f} s ({start - phase['start']:.3f} s into "
                            f"the phase, {ms:.0f} ms): {why}")
            nxt += self.every
            t = time.monotonic()
            if t > nxt + 0.1:
                nxt = t  # fell behind: no burst, the rate shows the stall
            time.sleep(max(0.0, nxt - time.monotonic()))


class Proc(PodProcess):
    """One `ochopod run` pod (session timeout 2 s), its output in a log file."""

    def __init__(self, ochopod, zk, cluster, control, options, child, workdir, extra_env):
        env = pod_env(zk, cluster, NS, control, ochopod_session_timeout="2", **extra_env)
        super().__init__([ochopod, "run", *options, "--", *child], env, workdir,
                         os.path.join(workdir, f"{cluster}-{control}.log"), control)

    def served(self):
        return (read_text(self.log_path) or "").count('"GET / HTTP')


def median(values):
    return statistics.median(values) if values else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--tries", type=int, default=5, help="joins and SIGTERMs to time (default 5)")
    ap.add_argument("--web", type=int, default=3, help="web pods to start with (default 3)")
    ap.add_argument("--rate", type=float, default=100, help="requests/s (default 100)")
    ap.add_argument("--leave-delay", type=float, default=1.0)
    ap.add_argument("--stop-timeout", type=float, default=15.0)
    ap.add_argument("--grace", type=float, default=5.0)
    ap.add_argument("--template", default=TEMPLATE,
                    help="the front's Mustache file (default: examples/haproxy's); it reads "
                    "FRONT_PORT and ADMIN_SOCKET from the environment")
    ap.add_argument("--reload", choices=("master-cli", "signal"), default="master-cli",
                    help="how the front reloads HAProxy: master-cli, the example's "
                    "reload-haproxy as --on-change (default), or signal, SIGUSR2")
    ap.add_argument("--json", help="write the results there too")
    args = ap.parse_args()
    if not os.path.exists(HAPROXY):
        sys.exit(f"{HAPROXY} is missing: apt-get install haproxy")
    if args.reload == "master-cli" and not os.access(RELOAD_HAPROXY, os.X_OK):
        sys.exit(f"{RELOAD_HAPROXY} is missing or not executable")

    take_charge()
    workdir = tempfile.mkdtemp(prefix="ochopod-zd-bench-")
    ochopod = os.path.abspath(args.ochopod)
    result = {"settings": vars(args).copy(), "join": [], "leave": [], "restart": [],
              "phases": [], "workdir": workdir}
    load = None
    try:
        zk = cb.ZooKeeper()
        template = os.path.abspath(args.template)
        config = os.path.join(workdir, "haproxy.cfg")

        def in_config():
            return {int(p) for p in SERVER.findall(read_text(config) or "")}

        def web(port):
            control = free_ports(1)[0]
            options = [f"--ready=tcp:{port}", f"--drain=tcp:{port}",
                       f"--leave-delay={args.leave_delay:g}",
                       f"--stop-timeout={args.stop_timeout:g}", f"--grace={args.grace:g}"]
            child = ["/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"]
            p = Proc(ochopod, zk.address, "web", control, options, child, workdir,
                     {"PORT_8000": str(port)})
            p.web_port = port
            return p

        front_port = free_ports(1)[0]
        webs = [web(p) for p in free_ports(args.web)]
        master = os.path.join(workdir, "master.sock")
        if args.reload == "signal":
            reload_option, haproxy = "--reload-signal=SIGUSR2", [HAPROXY, "-W", "-db"]
        else:
            reload_option = f"--on-change={shlex.quote(RELOAD_HAPROXY)} {shlex.quote(master)}"
            haproxy = [HAPROXY, "-W", "-db", "-S", master]
        front = Proc(ochopod, zk.address, "front", free_ports(1)[0],
                     ["--depends-on=web", f"--template={template}:{config}",
                      reload_option, f"--ready=tcp:{front_port}", "--grace=5"],
                     [*haproxy, "-f", config], workdir,
                     {"FRONT_PORT": str(front_port),
                      "ADMIN_SOCKET": os.path.join(workdir, "admin.sock")})
        cb.wait_for(lambda: in_config() == {w.web_port for w in webs}
                 and get_once(front_port, 2.0) is None, 30,
                 f"the front listing the {args.web} web pods and serving", pause=0.05)
        cb.log(f"{args.web} web pods behind the front; load at {args.rate:g} requests/s")
        load = Load(front_port, args.rate)
        load.begin("steady")
        time.sleep(3)  # the steady window itself: what is measured is the load in it

        for i in range(args.tries):
            load.begin(f"join {i + 1}")
            start = time.monotonic()
            pod = web(free_ports(1)[0])
            listed = cb.wait_for(lambda: pod.web_port in in_config() and time.monotonic(), 30,
                              "the new pod in the front's file") - start
            first = cb.wait_for(lambda: pod.served() > 0 and time.monotonic(), 30,
                             "the new pod's first request") - start
            result["join"].append({"listed_s": listed, "first_request_s": first})
            load.begin(f"SIGTERM {i + 1}")
            term = time.monotonic()
            os.kill(pod.pid, signal.SIGTERM)
            unlisted = cb.wait_for(lambda: pod.web_port not in in_config() and time.monotonic(),
                                args.stop_timeout + 10, "the front's file without it") - term
            exited = cb.wait_for(lambda: not pod.running() and time.monotonic(),
                              args.stop_timeout + 10, "the pod's exit") - term
            result["leave"].append({"unlisted_s": unlisted, "exit_s": exited,
                                    "exit_code": pod.proc.returncode})
            cb.log(f"try {i + 1}: join listed {listed:.3f} s, first request {first:.3f} s; "
                   f"SIGTERM -> unlisted {unlisted:.3f} s, exit {exited:.3f} s "
                   f"(code {pod.proc.returncode})")
            pod.kill()  # exited: reaped, off the live list

        load.begin("rolling restart")
        kz = zk.client()
        for w in webs:
            seq = None
            base = f"/ochopod/clusters/{NS}.web/pods"
            for name in kz.get_children(base):
                reg = json.loads(kz.get(f"{base}/{name}")[0] or b"{}")
                if reg.get("ports", {}).get("8080") == w.port:
                    seq = reg.get("seq")
            if seq is None:
                raise cb.BenchError(f"no registration for the pod on {w.port}")
            start = time.monotonic()
            out = subprocess.run([ochopod, "restart", f"--zk={zk.address}", "-t", "30", "-i",
                                  str(seq), f"{NS}.web"], capture_output=True, text=True,
                                 timeout=90)
            took = time.monotonic() - start
            if out.returncode != 0:
                raise cb.BenchError(f"ochopod restart -i {seq}: {out.stdout}{out.stderr}")
            back = cb.wait_for(lambda: w.web_port in in_config() and time.monotonic(), 30,
                            "the restarted pod back in the front's file") - start
            result["restart"].append({"seq": seq, "cli_s": took, "back_s": back})
            cb.log(f"restart of seq {seq}: CLI {took:.3f} s, back in the front's file {back:.3f} s")
        kz.stop()
        kz.close()
        load.begin("tail")
        time.sleep(3)  # the steady tail
        load.stop()
        if not front.running():
            raise cb.BenchError("the front pod died")
    except HarnessError as e:  # cb.BenchError, or a wait that ran out
        cb.log(f"FAILED: {e}; logs in {workdir}")
        result["error"] = str(e)
    finally:
        if load:
            load.stop()
            for p in load.phases:
                secs = p["end"] - p["start"]
                n = p["ok"] + p["failed"]
                result["phases"].append({"name": p["name"], "ok": p["ok"], "failed": p["failed"],
                                         "seconds": secs, "rate": n / secs if secs else 0,
                                         "max_ms": p["max_ms"], "failures": p["failures"]})
        PodProcess.kill_all()
        for z in list(cb.ZooKeeper.live):
            z.stop()
        final_sweep()
        if "error" not in result:
            shutil.rmtree(workdir, ignore_errors=True)

    def fmt(v):
        return "-" if v is None else f"{v:.3f}"

    lines = [f"# Zero downtime ({len(result['join'])} tries, damper 0, leave delay "
             f"{args.leave_delay:g} s, reload by {args.reload})", "",
             "| figure | median (s) | min | max |", "| --- | --- | --- | --- |"]
    for name, rows, key in (("join: start -> listed by the front", result["join"], "listed_s"),
                            ("join: start -> first request served through the front",
                             result["join"], "first_request_s"),
                            ("SIGTERM -> front's file without it", result["leave"], "unlisted_s"),
                            ("SIGTERM -> pod exited", result["leave"], "exit_s"),
                            ("`ochopod restart` (CLI)", result["restart"], "cli_s")):
        values = [r[key] for r in rows]
        lines.append(f"| {name} | {fmt(median(values))} | {fmt(min(values, default=None))} | "
                     f"{fmt(max(values, default=None))} |")
    lines += ["", "| phase | ok | failed | s | requests/s | slowest ms |",
              "| --- | --- | --- | --- | --- | --- |"]
    for p in result["phases"]:
        lines.append(f"| {p['name']} | {p['ok']} | {p['failed']} | {p['seconds']:.1f} | "
                     f"{p['rate']:.1f} | {p['max_ms']:.0f} |")
    for p in result["phases"]:
        for f in p["failures"]:
            lines.append(f"- {p['name']}: {f}")
    if "error" in result:
        lines.append(f"\nFAILED: {result['error']}")
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    failed = sum(p["failed"] for p in result["phases"])
    return 1 if "error" in result or failed else 0


if __name__ == "__main__":
    sys.exit(main())
