#!/usr/bin/python3
"""The browser tests of `ochopod ui` (label ui): a ZooKeeper server, a
1-pod cluster demo.db and a 3-pod cluster demo.web that depends on it
(`ochopod run --pipe` pods whose child logs a line every 0.3 s), an
operator `ochopod ui` and a `--read-only` one, then tests/ui/ui.test.mjs
in Debian's headless Chromium (playwright-core, pinned in
tests/ui/package-lock.json, installed by scripts/bootstrap).

  run_ui_tests.py [--ochopod build/bin/ochopod] [--out DIR] [--only REGEX]
                  [--chromium /usr/bin/chromium] [--node node]

--ochopod defaults to $OCHOPOD_BIN, else build/bin/ochopod; --out to
<the binary's build dir>/test-output/ui, where the screenshots (light and
dark), results.json, the pods', ZooKeeper's and the UIs' logs go. --only
runs the tests whose name matches REGEX (the setup always runs).

While the Node tests run, this script serves a small control port on
loopback for them (UI_CONTROL): POST /zk/stop SIGKILLs the ZooKeeper
server, POST /zk/start starts it again on the same port and data and
answers once it serves. Processes are started from the main thread only
(die_with_parent: PR_SET_PDEATHSIG fires when the spawning thread exits),
so the control requests are queued to it.

Exit status: the Node tests' (0 all passed, 1 one failed), 1 on a setup
failure (named), 2 on a usage error.
"""

import argparse
import http.server
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "tests", "pylib")]

from ochopod_testkit import zk as zkit  # noqa: E402
from ochopod_testkit.pods import PodProcess, pod_env  # noqa: E402
from ochopod_testkit.ports import LOCALHOST, free_ports  # noqa: E402
from ochopod_testkit.procs import (HarnessError, die_with_parent, final_sweep, kill_quietly,  # noqa: E402
                                   now, reap_all, take_charge, wait)
from ochopod_testkit.ui import UiProcess  # noqa: E402

NAMESPACE = "demo"
WEB, DB = "web", "db"
WEB_PODS = 3
CHILD_PERIOD = 0.3  # seconds between two lines of the child
# The pods' ZooKeeper session outlives the ZooKeeper test's outage (a few
# seconds), so they keep their registrations and seqs through it.
POD_SESSION_TIMEOUT = 30
# Odd lines "tock <n>", even ones "tick <n>": the log filter tests tell them apart.
CHILD = ("i=0; while :; do i=$((i+1)); "
         "if [ $((i % 2)) -eq 0 ]; then echo \"tick $i\"; else echo \"tock $i\"; fi; "
         f"sleep {CHILD_PERIOD}; done")
UI_START_TIMEOUT = 30  # the UI connects to ZooKeeper (its -t is 10 s) and binds
NODE_TIMEOUT = 480     # the whole Node run; ctest's TIMEOUT is above it


def log(msg):
    print(f"run_ui_tests: {msg}", flush=True)


class Pod(PodProcess):
    def __init__(self, ochopod, directory, cluster, zk, port, options=()):
        os.makedirs(directory, exist_ok=True)
        self.cluster, self.dir = cluster, directory
        argv = [ochopod, "run", "--pipe", "--damper", "0", "--grace", "5",
                "--session-timeout", str(POD_SESSION_TIMEOUT), *options,
                "--", "sh", "-c", CHILD]
        super().__init__(argv, pod_env(zk, cluster, NAMESPACE, port), directory,
                         os.path.join(directory, "pod.log"), port, die_with_parent=True)


def cli_json(ochopod, zk, *args, timeout=30):
    """`ochopod <args> -j --zk <zk>`'s JSON, or None."""
    try:
        r = subprocess.run([ochopod, *args, "-j", "--zk", zk], capture_output=True, text=True,
                           timeout=timeout)
        return json.loads(r.stdout) if r.stdout.strip() else None
    except (subprocess.TimeoutExpired, ValueError):
        return None


def formed(ochopod, zk, cluster, n):
    """Whether `ochopod ls` sees n pods of cluster, all running, and returns `info -j`'s seqs."""
    ls = cli_json(ochopod, zk, "ls", cluster) or {}
    c = ls.get(cluster) or {}
    if c.get("total") != n or c.get("running") != n:
        return None
    info = cli_json(ochopod, zk, "info", cluster) or {}
    seqs = sorted(int(k.rsplit("#", 1)[1]) for k, v in info.items()
                  if k.startswith(cluster + " #") and v.get("ok"))
    return seqs if len(seqs) == n else None


class Control(http.server.BaseHTTPRequestHandler):
    """POST /zk/stop and /zk/start, done by the main thread (see the docstring)."""
    requests = queue.Queue()

    def do_POST(self):  # noqa: N802
        done = queue.Queue()
        Control.requests.put((self.path, done))
        try:
            code, body = done.get(timeout=90)
        except queue.Empty:
            code, body = 504, {"error": "the runner did not answer in 90 s"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_):
        pass


def serve_control(server, path):
    """One control request, on the main thread: (code, body)."""
    if path == "/zk/stop":
        server.kill()
        return 200, {"stopped": server.address}
    if path == "/zk/start":
        if server.running():
            return 200, {"serving": server.address, "note": "already running"}
        server.launch()
        try:
            server.wait_serving(30)
        except HarnessError as e:
            return 500, {"error": str(e)}
        return 200, {"serving": server.address}
    return 404, {"error": f"no such control: {path}"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ochopod", default=os.environ.get("OCHOPOD_BIN",
                                                        os.path.join(ROOT, "build", "bin", "ochopod")))
    ap.add_argument("--out", help="output folder (default <build>/test-output/ui)")
    ap.add_argument("--only", help="run only the Node tests whose name matches this regex")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--node", default=shutil.which("node") or "/usr/bin/node")
    args = ap.parse_args()

    ochopod = os.path.abspath(args.ochopod)
    out = os.path.abspath(args.out or os.path.join(os.path.dirname(os.path.dirname(ochopod)),
                                                   "test-output", "ui"))
    problems = []
    if not os.access(ochopod, os.X_OK):
        problems.append(f"no ochopod binary at {ochopod} (build it, or pass --ochopod)")
    if not os.access(args.chromium, os.X_OK):
        problems.append(f"no Chromium at {args.chromium}: scripts/bootstrap installs Debian's chromium")
    if not os.path.exists(args.node):
        problems.append("no node: scripts/bootstrap installs it")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        problems.append("tests/ui/node_modules lacks playwright-core: scripts/bootstrap runs "
                        "`npm ci --ignore-scripts` there")
    if problems:
        for p in problems:
            print(f"run_ui_tests: {p}", file=sys.stderr)
        return 2

    take_charge()
    work = os.path.join(out, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".png") or f in ("results.json",):
            os.remove(os.path.join(out, f))

    uis, server, control = [], None, None
    started = now()
    try:
        server = zkit.standalone(os.path.join(work, "zk"))
        zk = server.address
        log(f"ZooKeeper serving on {zk}")

        ports = free_ports(1 + WEB_PODS)
        Pod(ochopod, os.path.join(work, "db-0"), DB, zk, ports[0])
        for i in range(WEB_PODS):
            Pod(ochopod, os.path.join(work, f"web-{i}"), WEB, zk, ports[1 + i],
                options=("--depends-on", DB))
        db, web = f"{NAMESPACE}.{DB}", f"{NAMESPACE}.{WEB}"
        try:
            db_seqs = wait(lambda: formed(ochopod, zk, db, 1), 60, f"{db}: 1 pod registered and running")
            web_seqs = wait(lambda: formed(ochopod, zk, web, WEB_PODS), 60,
                            f"{web}: {WEB_PODS} pods registered and running")
        except HarnessError:
            for p in PodProcess.live:
                print(f"--- {p.log_path}\n{p.tail()}", file=sys.stderr)
            raise
        log(f"{db} pods {db_seqs}, {web} pods {web_seqs} after {now() - started:.1f} s")

        ui = UiProcess(ochopod, work, "ui", zk)
        ro = UiProcess(ochopod, work, "ui-read-only", zk, extra=("--read-only",))
        uis = [ui, ro]
        for u in uis:
            u.wait_url(UI_START_TIMEOUT)
        log(f"ui at {ui.base}, read-only ui at {ro.base}")

        control = http.server.ThreadingHTTPServer((LOCALHOST, 0), Control)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        control_url = f"http://{LOCALHOST}:{control.server_address[1]}"

        env = dict(os.environ)
        env.update({
            "UI_URL": ui.url, "UI_BASE": ui.base, "UI_RO_URL": ro.url, "UI_RO_BASE": ro.base,
            "UI_CONTROL": control_url, "UI_OUT": out, "CHROMIUM": args.chromium,
            "OCHOPOD_BIN": ochopod, "OCHOPOD_ZK": zk,
            "UI_CLUSTER": web, "UI_DB_CLUSTER": db,
            "UI_WEB_SEQS": ",".join(map(str, web_seqs)), "UI_DB_SEQS": ",".join(map(str, db_seqs)),
            "UI_CHILD_PERIOD": str(CHILD_PERIOD), "UI_REFRESH": "1",
            "UI_POD_SESSION_TIMEOUT": str(POD_SESSION_TIMEOUT),
        })
        if args.only:
            env["UI_ONLY"] = args.only
        node = subprocess.Popen([args.node, os.path.join(HERE, "ui.test.mjs")], env=env, cwd=HERE,
                                stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
        deadline = now() + NODE_TIMEOUT
        while node.poll() is None:
            if now() > deadline:
                kill_quietly(node.pid)
                node.wait()
                raise HarnessError(f"the Node tests did not finish within {NODE_TIMEOUT} s")
            try:
                path, done = Control.requests.get(timeout=0.1)
            except queue.Empty:
                continue
            log(f"control {path}")
            done.put(serve_control(server, path))
        code = node.returncode
        for u in uis:
            if u.proc.poll() is not None:
                log(f"{u.name} exited during the tests (status {u.proc.returncode}); its output:\n{u.tail()}")
                code = code or 1
        log(f"Node tests exited with {code}; output in {out} ({now() - started:.0f} s in all)")
        return 1 if code else 0
    except HarnessError as e:
        print(f"run_ui_tests: setup failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        print(f"run_ui_tests: interrupted ({e})", file=sys.stderr)
        return 1
    finally:
        if control is not None:
            control.shutdown()
        for u in uis:
            u.stop()
        PodProcess.kill_all()
        if server is not None:
            server.kill()
        reap_all()
        final_sweep()


if __name__ == "__main__":
    sys.exit(main())
