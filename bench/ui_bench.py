#!/usr/bin/python3
"""`ochopod ui` at scale: what the dashboard costs and how fast it follows.

Two scenarios, each on its own private ZooKeeper (the bench's: fsync on,
the JVM's defaults) on 127.0.0.1, each with its own `ochopod ui`:

  many   300 real pods (`ochopod run --damper 0 -- sleep 3600`) in 30
         clusters of 10. Measured: the response time of GET / (cookie) and
         GET /api/v1/clusters (Bearer) once the cache holds an answer of
         every pod; the pods' calls per second (/healthz pod_calls over a
         window) with no stream, one stream on view=overview, one on
         view=cluster:<one cluster>; the UI's RSS, PSS and threads.
  join   1 000 registrations in one cluster, written to ZooKeeper with
         kazoo (ephemeral nodes of the bench's session, the payload of a
         real pod with its uuid, seq and ports replaced) that all point at
         the control ports of a few real pods (every fake registration's
         /info gets a real answer); Debian's headless Chromium
         (playwright-core from tests/ui/node_modules) on /c/<cluster>; then
         ~20 joins: one more registration node at t0 (time.time() before
         kazoo's create), and the moment the row `pod-<cluster>-<seq>` is
         in the page's DOM (a MutationObserver, Date.now()) and the next
         animation frame. Same wall clock, same machine. Plus the page
         response times at 1 000 pods and whether every row is there.

  ui_bench.py [--ochopod build/bin/ochopod] [--quick] [--only many|join]
              [--json F] [--md F] [--keep-logs]

--quick is a smoke run (9 pods, 50 registrations, 5 joins, 5 s windows):
about 40 s. Reports no assert on wall-clock; exits 1 when a scenario could
not complete (named). Every process it starts (ZooKeeper, pods, the UIs,
node and Chromium) is killed on exit, Ctrl-C included: they die with it
(PR_SET_PDEATHSIG) and it is their subreaper.

Written for Debian's /usr/bin/python3 (python3-kazoo).
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from ochopod_testkit import zk as zookeeper  # noqa: E402
from ochopod_testkit.pods import PodProcess, pod_env  # noqa: E402
from ochopod_testkit.ports import LOCALHOST, free_ports  # noqa: E402
from ochopod_testkit.procs import (HarnessError, die_with_parent, final_sweep, kill_quietly,  # noqa: E402
                                   now, poll, read_text, reap_all, take_charge, wait)
from ochopod_testkit.ui import UiProcess  # noqa: E402

CLUSTERS_ROOT = "/ochopod/clusters"
NS = "bench"
UI_NODE_MODULES = os.path.join(ROOT, "tests", "ui", "package.json")
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']


class BenchError(HarnessError):
    pass


def log(msg):
    print(f"[ui-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary_ms(seconds):
    ms = [x * 1000 for x in seconds]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 3), "p95_ms": round(pct(ms, 95), 3),
            "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}


# ---------------------------------------------------------------- processes

class ZooKeeper:
    def __init__(self, workdir):
        self.dir = tempfile.mkdtemp(prefix="zk-", dir=workdir)
        self.server = zookeeper.standalone(self.dir, fsync=True, jvm_options=())
        self.address = self.server.address

    def client(self):
        return zookeeper.kazoo_client(self.address)

    def stop(self):
        self.server.kill()


class Pod(PodProcess):
    tmpdir = None

    def __init__(self, ochopod, zk, cluster, port, workdir):
        env = pod_env(zk, cluster, NS, port)
        env["TMPDIR"] = Pod.tmpdir
        argv = [ochopod, "run", "--damper", "0", "--session-timeout", "5", "--", "sleep", "3600"]
        super().__init__(argv, env, workdir, os.path.join(workdir, f"{cluster}-{port}.log"), port,
                         die_with_parent=True)


class Ui(UiProcess):
    """`ochopod ui --listen 127.0.0.1:0 --ui-token-file f`; logs in with the
    one-time code printed at start (cookie) and knows the Bearer token."""

    def __init__(self, ochopod, workdir, name, zk):
        self.token = uuidlib.uuid4().hex + uuidlib.uuid4().hex
        token_file = os.path.join(workdir, f"{name}.token")
        with open(token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(token_file, 0o600)
        super().__init__(ochopod, workdir, name, zk, extra=("--ui-token-file", token_file))
        self.wait_url(30)
        status, headers, _ = self.request(f"/login?code={self.code}", auth=False)
        cookie = headers.get("set-cookie", "")
        if status != 303 or "=" not in cookie:
            raise BenchError(f"/login?code=... answered {status}, Set-Cookie {cookie!r}")
        self.cookie_name, self.cookie_value = cookie.split(";", 1)[0].strip().split("=", 1)
        self.conn = None

    def request(self, path, auth="cookie", keep=False, timeout=30):
        """(status, {lower-case header: value}, body bytes); keep: reuse one keep-alive connection."""
        headers = {}
        if auth == "cookie":
            headers["Cookie"] = f"{self.cookie_name}={self.cookie_value}"
        elif auth == "bearer":
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in range(2):
            conn = self.conn if keep and self.conn else http.client.HTTPConnection(LOCALHOST, self.port,
                                                                                    timeout=timeout)
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                out = resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
                if keep and not resp.will_close:
                    self.conn = conn
                else:
                    conn.close()
                    self.conn = None
                return out
            except (http.client.HTTPException, OSError):
                conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, path, auth="bearer", starting_ok=False):
        status, _, body = self.request(path, auth=auth)
        if status == 503 and starting_ok:  # its first look at ZooKeeper is not done yet
            return None
        if status != 200:
            raise BenchError(f"GET {path} answered {status}: {body[:200]!r}")
        return json.loads(body)

    def healthz(self):
        return self.json("/healthz", auth=None)

    def memory(self):
        text = read_text(f"/proc/{self.pid}/smaps_rollup") or ""
        out = {}
        for key in ("Rss", "Pss", "Private_Dirty", "Anonymous"):
            m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
            if m:
                out[key.lower() + "_mib"] = round(int(m.group(1)) / 1024, 2)
        m = re.search(r"^Threads:\s+(\d+)", read_text(f"/proc/{self.pid}/status") or "", re.M)
        out["threads"] = int(m.group(1)) if m else None
        return out

    def cpu_seconds(self):
        st = (read_text(f"/proc/{self.pid}/stat") or "")
        fields = st[st.rfind(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else None

    def check(self):
        if self.proc.poll() is not None:
            raise BenchError(f"the UI exited with {self.proc.returncode}; its output:\n{self.tail()}")


class Stream:
    """One SSE stream read by a plain HTTP client in a thread: counts events by kind."""

    def __init__(self, ui, view):
        self.view, self.counts, self.bytes = view, {}, 0
        self.conn = http.client.HTTPConnection(LOCALHOST, ui.port, timeout=60)
        self.conn.request("GET", f"/api/v1/stream?view={view}",
                          headers={"Cookie": f"{ui.cookie_name}={ui.cookie_value}",
                                   "Accept": "text/event-stream"})
        self.sock = self.conn.sock  # getresponse() hands it to the response (conn.sock = None)
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise BenchError(f"stream {view} answered {self.resp.status}: {self.resp.read(200)!r}")
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        try:
            while True:
                line = self.resp.fp.readline()
                if not line:
                    return
                self.bytes += len(line)
                if line.startswith(b"event:"):
                    kind = line[6:].strip().decode()
                    self.counts[kind] = self.counts.get(kind, 0) + 1
        except (OSError, ValueError, AttributeError):
            return

    def close(self):
        """As a browser leaving: the socket shut down (the reader wakes up
        and ends), then its descriptor closed for good (the response holds
        a reference to it), so the server's next write to it fails."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        self.thread.join(5)
        self.resp.close()
        self.conn.close()


def closed_gone(ui, stream):
    """Closes the stream (the client's socket shut down) and returns how long
    until /healthz stops counting it."""
    t = now()
    stream.close()
    wait(lambda: ui.healthz()["streams"] == 0, 40, f"the closed {stream.view} stream gone from /healthz")
    return round(now() - t, 2)


def rate_window(ui, seconds):
    """pod_calls per second over a window, and the UI's CPU share in it."""
    h0, c0, t0 = ui.healthz()["pod_calls"], ui.cpu_seconds(), now()
    time.sleep(seconds)
    h1, c1, t1 = ui.healthz()["pod_calls"], ui.cpu_seconds(), now()
    ui.check()
    return {"seconds": round(t1 - t0, 2), "pod_calls": h1 - h0,
            "calls_per_s": round((h1 - h0) / (t1 - t0), 2),
            "ui_cpu_percent": round(100 * (c1 - c0) / (t1 - t0), 2)}


def time_gets(ui, path, auth, n):
    """Response times (keep-alive, 127.0.0.1) of n GETs, after 3 untimed ones; and the body size."""
    size = 0
    for _ in range(3):
        status, _, body = ui.request(path, auth=auth, keep=True)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
        size = len(body)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        status, _, body = ui.request(path, auth=auth, keep=True)
        times.append(time.perf_counter() - t)
        if status != 200:
            raise BenchError(f"GET {path} answered {status}")
    out = summary_ms(times)
    out["bytes"] = size
    return out


# ---------------------------------------------------------------- scenario: many

def scenario_many(args, workdir):
    clusters, per = (3, 3) if args.quick else (30, 10)
    total = clusters * per
    window, settle, renders = (5, 2, 30) if args.quick else (60, 5, 300)
    res = {"clusters": clusters, "pods_per_cluster": per, "pods": total, "pods_are": "real",
           "window_s": window}
    zk = ZooKeeper(workdir)
    ui = None
    try:
        names = [f"c{i:02d}" for i in range(clusters)]
        t = now()
        ports = free_ports(total)
        for i, port in enumerate(ports):
            Pod(args.ochopod, zk.address, names[i // per], port, workdir)
        spawn = now() - t
        client = zk.client()

        def registered():
            n = 0
            for c in names:
                path = f"{CLUSTERS_ROOT}/{NS}.{c}/pods"
                try:
                    for child in client.get_children(path):
                        data, _ = client.get(f"{path}/{child}")
                        n += bool(data)
                except Exception:  # noqa: BLE001 (kazoo's NoNodeError, not yet created)
                    pass
            return n >= total
        for p in PodProcess.live:
            if not p.running():
                raise BenchError(f"pod on port {p.port} exited:\n{p.tail(5)}")
        wait(registered, 120, f"{total} pods registered")
        client.stop()
        client.close()
        res["pods_start_s"] = round(now() - t, 2)
        res["spawn_s"] = round(spawn, 2)
        log(f"many: {total} real pods in {clusters} clusters registered after {res['pods_start_s']} s")

        t = now()
        ui = Ui(args.ochopod, workdir, "ui-many", zk.address)

        def all_running():
            ls = ui.json("/api/v1/clusters", starting_ok=True) or {}
            seen = [ls.get(f"{NS}.{c}") or {} for c in names]
            return all(c.get("total") == per and c.get("running") == per for c in seen)
        wait(all_running, 60, f"the UI seeing {total} pods running")
        res["ui_all_answered_s"] = round(now() - t, 2)
        log(f"many: the UI had /info of every pod {res['ui_all_answered_s']} s after its start")
        time.sleep(settle)
        res["memory_start"] = ui.memory()

        res["render_overview"] = time_gets(ui, "/", "cookie", renders)
        res["render_api_clusters"] = time_gets(ui, "/api/v1/clusters", "bearer", renders)
        res["render_cluster_page"] = time_gets(ui, f"/c/{NS}.{names[0]}", "cookie", renders)
        log(f"many: GET / median {res['render_overview']['median_ms']} ms, "
            f"/api/v1/clusters median {res['render_api_clusters']['median_ms']} ms")

        # pages are views too: let the overview's interest fade before the idle window
        time.sleep(settle)
        res["rate_idle"] = rate_window(ui, window)
        res["memory_idle"] = ui.memory()
        log(f"many: idle {res['rate_idle']['calls_per_s']} pod calls/s")

        s = Stream(ui, "overview")
        wait(lambda: ui.healthz()["streams"] == 1, 10, "the overview stream counted in /healthz")
        time.sleep(settle)
        res["rate_overview_stream"] = rate_window(ui, window)
        res["rate_overview_stream"]["events"] = dict(s.counts)
        res["memory_overview_stream"] = ui.memory()
        res["stream_gone_after_close_s"] = [closed_gone(ui, s)]
        log(f"many: overview stream {res['rate_overview_stream']['calls_per_s']} pod calls/s")

        s = Stream(ui, f"cluster:{NS}.{names[0]}")
        wait(lambda: ui.healthz()["streams"] == 1, 10, "the cluster stream counted in /healthz")
        time.sleep(settle)
        res["rate_cluster_stream"] = rate_window(ui, window)
        res["rate_cluster_stream"]["events"] = dict(s.counts)
        res["memory_cluster_stream"] = ui.memory()
        res["stream_gone_after_close_s"].append(closed_gone(ui, s))
        log(f"many: cluster stream {res['rate_cluster_stream']['calls_per_s']} pod calls/s")

        # memory after many renders and streams opened and closed (a leak would grow it)
        for _ in range(3 if args.quick else 20):
            st = Stream(ui, f"cluster:{NS}.{random.choice(names)}")
            time.sleep(0.2)
            st.close()
        res["render_overview_again"] = time_gets(ui, "/", "cookie", renders)
        wait(lambda: ui.healthz()["streams"] == 0, 40, "every stream gone from /healthz")
        res["memory_end"] = ui.memory()
        res["expected_calls_per_s"] = {
            "idle": round(total / 15, 2),
            "cluster_stream": round((total - per) / 15 + per / 0.5, 2)}
        return res
    finally:
        if ui:
            ui.stop()
        PodProcess.kill_all()
        zk.stop()


# ---------------------------------------------------------------- scenario: join

NODE_HELPER = r"""
import { createRequire } from 'node:module';
import readline from 'node:readline';
const require = createRequire(process.env.UI_PKG);
const { chromium } = require('playwright-core');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, headless: true,
                                        args: JSON.parse(process.env.CHROMIUM_ARGS) });
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
await context.addCookies([{ name: process.env.COOKIE_NAME, value: process.env.COOKIE_VALUE,
                            url: process.env.UI_BASE }]);
const page = await context.newPage();
const t = Date.now();
await page.goto(process.env.UI_BASE + process.env.UI_PATH, { waitUntil: 'load', timeout: 120000 });
out({ loaded: true, load_ms: Date.now() - t, rows: await page.evaluate(() => document.querySelectorAll('[id^="pod-"]').length) });
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, id, timeout] = line.trim().split(' ');
  try {
    if (cmd === 'arm') {
      await page.evaluate((id) => {
        window.__seen = window.__seen || {};
        const check = () => {
          if (window.__seen[id] || !document.getElementById(id)) return;
          window.__seen[id] = { dom: Date.now() };
          requestAnimationFrame(() => { window.__seen[id].frame = Date.now(); });
          mo.disconnect();
        };
        const mo = new MutationObserver(check);
        mo.observe(document.documentElement, { childList: true, subtree: true });
        check();
      }, id);
      out({ armed: id });
    } else if (cmd === 'wait') {
      const h = await page.waitForFunction((id) => window.__seen && window.__seen[id] && window.__seen[id].frame ? window.__seen[id] : null,
                                           id, { polling: 50, timeout: Number(timeout) * 1000 });
      out({ id, ...(await h.jsonValue()) });
    } else if (cmd === 'count') {
      out({ rows: await page.evaluate(() => document.querySelectorAll('tr[id^="pod-"]').length) });
    } else if (cmd === 'quit') {
      break;
    }
  } catch (e) {
    out({ error: String(e.message || e).split('\n')[0] });
  }
}
await browser.close();
"""


class Browser:
    def __init__(self, args, workdir, ui, path):
        helper = os.path.join(workdir, "ui_bench_helper.mjs")
        with open(helper, "w") as f:
            f.write(NODE_HELPER)
        env = dict(os.environ, UI_PKG=UI_NODE_MODULES, CHROMIUM=args.chromium,
                   CHROMIUM_ARGS=json.dumps(CHROMIUM_ARGS), COOKIE_NAME=ui.cookie_name,
                   COOKIE_VALUE=ui.cookie_value, UI_BASE=ui.base, UI_PATH=path)
        self.err = open(os.path.join(workdir, "node.log"), "ab")
        self.proc = subprocess.Popen([args.node, helper], env=env, cwd=workdir, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True, bufsize=1,
                                     preexec_fn=die_with_parent)
        self.first = self.read(180)

    def read(self, timeout):
        import select
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if r else ""
        if not line:
            raise BenchError(f"the browser helper said nothing within {timeout} s "
                             f"(exit {self.proc.poll()}); see node.log")
        return json.loads(line)

    def ask(self, line, timeout=60):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        reply = self.read(timeout)
        if "error" in reply:
            raise BenchError(f"browser helper, `{line}`: {reply['error']}")
        return reply

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            kill_quietly(self.proc.pid)
            self.proc.wait(timeout=5)
        self.err.close()


def scenario_join(args, workdir):
    n_regs, n_targets, joins = (50, 3, 5) if args.quick else (1000, 10, 20)
    renders = 20 if args.quick else 100
    cluster = f"{NS}.big"
    res = {"registrations": n_regs, "registrations_are": "fake (kazoo-written, ephemeral, "
           f"pointing at {n_targets} real pods' control ports)", "real_target_pods": n_targets}
    zk = ZooKeeper(workdir)
    ui = browser = client = None
    try:
        ports = free_ports(n_targets)
        for port in ports:
            Pod(args.ochopod, zk.address, "targets", port, workdir)
        client = zk.client()
        tpath = f"{CLUSTERS_ROOT}/{NS}.targets/pods"

        def target_payload():
            try:
                for child in client.get_children(tpath):
                    data, _ = client.get(f"{tpath}/{child}")
                    if data:
                        return json.loads(data)
            except Exception:  # noqa: BLE001
                return None
            return None
        template = wait(target_payload, 60, "a real pod's registration")
        wait(lambda: len([c for c in client.get_children(tpath) if client.get(f"{tpath}/{c}")[0]]) == n_targets,
             60, f"{n_targets} target pods registered")
        pods_path = f"{CLUSTERS_ROOT}/{cluster}/pods"
        client.ensure_path(pods_path)
        seq_counter = [0]

        def payload(i):
            p = dict(template)
            port = ports[i % n_targets]
            p.update({"cluster": "big", "namespace": NS, "seq": i, "ip": LOCALHOST, "public": LOCALHOST,
                      "port": "8080", "ports": {"8080": port}})
            return json.dumps(p).encode()

        def create(i):
            return client.create_async(f"{pods_path}/{uuidlib.uuid4()}.", payload(i),
                                       ephemeral=True, sequence=True)
        t = now()
        for r in [create(i) for i in range(n_regs)]:
            r.get(timeout=30)
        seq_counter[0] = n_regs
        res["registrations_written_s"] = round(now() - t, 2)
        log(f"join: {n_regs} fake registrations written in {res['registrations_written_s']} s")

        t = now()
        ui = Ui(args.ochopod, workdir, "ui-join", zk.address)

        def all_ok():
            info = ui.json(f"/api/v1/clusters/{cluster}/pods", starting_ok=True) or {}
            ok = sum(1 for k, v in info.items() if k.startswith(cluster + " #") and v.get("ok"))
            return ok >= n_regs
        wait(all_ok, 120, f"the UI holding /info of all {n_regs} registrations")
        res["ui_all_answered_s"] = round(now() - t, 2)
        log(f"join: the UI had /info of all {n_regs} {res['ui_all_answered_s']} s after its start")
        res["memory_no_browser"] = ui.memory()
        res["render_overview"] = time_gets(ui, "/", "cookie", renders)
        res["render_cluster_page"] = time_gets(ui, f"/c/{cluster}", "cookie", renders)
        res["render_api_pods"] = time_gets(ui, f"/api/v1/clusters/{cluster}/pods", "bearer", renders)
        log(f"join: GET /c/{cluster} median {res['render_cluster_page']['median_ms']} ms "
            f"({res['render_cluster_page']['bytes']} bytes)")

        browser = Browser(args, workdir, ui, f"/c/{cluster}")
        res["browser_first_load_ms"] = browser.first["load_ms"]
        res["browser_rows_at_load"] = browser.first["rows"]
        wait(lambda: ui.healthz()["streams"] >= 1, 30, "the page's stream counted in /healthz")
        time.sleep(2)
        res["rate_with_page"] = rate_window(ui, 5 if args.quick else 20)
        log(f"join: page open on /c/{cluster}: {res['rate_with_page']['calls_per_s']} pod calls/s")

        samples = []
        for j in range(joins):
            seq = seq_counter[0]
            seq_counter[0] += 1
            rid = f"pod-{cluster}-{seq}"
            browser.ask(f"arm {rid}")
            t0 = time.time()
            client.create(f"{pods_path}/{uuidlib.uuid4()}.", payload(seq), ephemeral=True, sequence=True)
            t_zk = time.time()
            seen = browser.ask(f"wait {rid} 30", timeout=40)
            samples.append({"seq": seq, "zk_create_ms": round((t_zk - t0) * 1000, 2),
                            "dom_ms": round(seen["dom"] - t0 * 1000, 1),
                            "frame_ms": round(seen["frame"] - t0 * 1000, 1)})
            time.sleep(random.uniform(0.5, 1.5))  # not in step with the 250 ms coalescing
        res["joins"] = samples
        res["join_to_dom"] = summary_ms([s["dom_ms"] / 1000 for s in samples])
        res["join_to_frame"] = summary_ms([s["frame_ms"] / 1000 for s in samples])
        log(f"join: join -> row in the DOM median {res['join_to_dom']['median_ms']} ms, "
            f"p95 {res['join_to_dom']['p95_ms']} ms")
        expected = n_regs + joins

        def rows_complete():
            return browser.ask("count")["rows"] >= expected
        got = poll(rows_complete, 15, 0.5)
        res["rows_in_page_after_joins"] = browser.ask("count")["rows"]
        res["rows_expected"] = expected
        if not got:
            log(f"join: the page shows {res['rows_in_page_after_joins']} rows, not {expected}")
        res["memory_with_page"] = ui.memory()
        res["render_cluster_page_with_page_open"] = time_gets(ui, f"/c/{cluster}", "cookie", renders)
        return res
    finally:
        if browser:
            browser.stop()
        if ui:
            ui.stop()
        if client:
            client.stop()
            client.close()
        PodProcess.kill_all()
        zk.stop()


# ---------------------------------------------------------------- report

def machine():
    cpu = re.search(r"^model name\s*:\s*(.+)$", read_text("/proc/cpuinfo") or "", re.M)
    mem = re.search(r"^MemTotal:\s+(\d+)", read_text("/proc/meminfo") or "", re.M)

    def git(*a):
        try:
            return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"cpu": cpu.group(1) if cpu else platform.processor(), "cores": os.cpu_count(),
            "mem_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
            "kernel": platform.release(), "load_at_start": os.getloadavg(),
            "commit": git("rev-parse", "HEAD"), "dirty_files": git("status", "--porcelain", "-uno").splitlines()}


def mem_row(label, m):
    return f"| {label} | {m.get('rss_mib')} | {m.get('pss_mib')} | {m.get('anonymous_mib')} | {m.get('threads')} |"


def render_md(data):
    m = data["machine"]
    lines = [f"# `ochopod ui` bench ({'quick' if data['quick'] else 'full'})", "",
             f"{data['started']}; {m['cores']} CPUs ({m['cpu']}), {m['mem_gib']} GiB, kernel {m['kernel']}, "
             f"load average at start {' '.join(f'{x:.2f}' for x in m['load_at_start'])}; commit "
             f"`{m['commit'][:12]}`" + (f" (uncommitted: {', '.join(x.strip() for x in m['dirty_files'])})"
                                        if m["dirty_files"] else "") + f"; binary `{data['ochopod']}`; "
             f"{data['duration_s']} s in all.", "",
             "`bench/ui_bench.py` (`scripts/bench --only ui`). Response times are measured by a Python "
             "client on 127.0.0.1 over one keep-alive connection (so: the server's render plus a loopback "
             "round trip), after three untimed requests. Pod calls per second are the difference of "
             "`/healthz`'s `pod_calls` over the window. Memory is `/proc/<pid>/smaps_rollup` of the UI "
             "process; threads are `/proc/<pid>/status`'s. No figure is asserted.", ""]
    s = data.get("many")
    if s:
        lines += [f"## {s['pods']} pods in {s['clusters']} clusters of {s['pods_per_cluster']}", "",
                  f"Every pod is a **real** `ochopod run --damper 0 -- sleep 3600` on its own control port "
                  f"({s['pods']} registered {s['pods_start_s']} s after the first spawn). The UI had an "
                  f"`/info` answer of every pod {s['ui_all_answered_s']} s after it started.", "",
                  "| request | median ms | p95 ms | max ms | requests | body bytes |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for key, label in (("render_overview", "GET / (cookie)"),
                           ("render_api_clusters", "GET /api/v1/clusters (Bearer)"),
                           ("render_cluster_page", "GET /c/<cluster of 10> (cookie)"),
                           ("render_overview_again", "GET / again, after 20 streams opened and closed")):
            r = s[key]
            lines.append(f"| {label} | {r['median_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['n']} | {r['bytes']} |")
        lines += ["", f"Pod calls over {s['window_s']} s windows (after a settle of a few seconds; the "
                  "expected rates come from pod_cache.h's tiers: every pod every 15 s, the pods of a "
                  "cluster shown in detail every 0.5 s):", "",
                  "| browser side | pod calls/s | expected | UI CPU % | stream events |",
                  "| --- | --- | --- | --- | --- |"]
        exp = s["expected_calls_per_s"]
        for key, label, e in (("rate_idle", "no page, no stream", exp["idle"]),
                              ("rate_overview_stream", "one stream, view=overview", exp["idle"]),
                              ("rate_cluster_stream", "one stream, view=cluster:<cluster of 10>",
                               exp["cluster_stream"])):
            r = s[key]
            ev = ", ".join(f"{k} {v}" for k, v in sorted(r.get("events", {}).items())) or "-"
            lines.append(f"| {label} | {r['calls_per_s']} | {e} | {r['ui_cpu_percent']} | {ev} |")
        lines += ["", "| UI process | RSS MiB | PSS MiB | anonymous MiB | threads |", "| --- | --- | --- | --- | --- |",
                  mem_row("all pods answered, before any request", s["memory_start"]),
                  mem_row("idle (after the renders and the idle window)", s["memory_idle"]),
                  mem_row("overview stream open", s["memory_overview_stream"]),
                  mem_row("cluster stream open", s["memory_cluster_stream"]),
                  mem_row("at the end (streams closed)", s["memory_end"]), "",
                  "A stream closed by its client left `/healthz`'s count "
                  + " s and ".join(str(x) for x in s["stream_gone_after_close_s"])
                  + " s after the close (overview, cluster).", ""]
    s = data.get("join")
    if s:
        lines += [f"## {s['registrations']} pods in one cluster: a join seen in the browser", "",
                  f"The {s['registrations']} registrations are **fake**: ephemeral nodes written with kazoo "
                  f"under `/ochopod/clusters/bench.big/pods/<uuid>.<seq>` in one create each (a real pod "
                  f"creates its node empty, then sets it), whose payload is a real pod's with `seq`, "
                  f"`cluster`, `ip` and `ports` replaced; they point round-robin at the control ports of "
                  f"{s['real_target_pods']} real pods (cluster bench.targets), so every `/info` the UI makes "
                  f"gets a real answer. Written in {s['registrations_written_s']} s; the UI held an answer "
                  f"for each {s['ui_all_answered_s']} s after it started.", "",
                  "Headless Chromium (Debian's, playwright-core) on `/c/bench.big` "
                  f"(first load {s['browser_first_load_ms']} ms, {s['browser_rows_at_load']} rows). Each join: "
                  "t0 = `time.time()` just before kazoo's `create`; the page records `Date.now()` when a "
                  "MutationObserver first finds `#pod-bench.big-<seq>`, and at the next animation frame.", "",
                  "| join -> | median ms | p95 ms | min ms | max ms | joins |", "| --- | --- | --- | --- | --- | --- |"]
        for key, label in (("join_to_dom", "row in the DOM"), ("join_to_frame", "next animation frame")):
            r = s[key]
            lines.append(f"| {label} | {r['median_ms']} | {r['p95_ms']} | {r['min_ms']} | {r['max_ms']} | {r['n']} |")
        lines += ["", "Samples (ms to the DOM): " + ", ".join(str(x["dom_ms"]) for x in s["joins"]) + ".", "",
                  f"Rows in the page after the joins: {s['rows_in_page_after_joins']} of {s['rows_expected']}.", "",
                  "| request, 1 000 pods | median ms | p95 ms | max ms | requests | body bytes |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for key, label in (("render_overview", "GET / (cookie)"),
                           ("render_cluster_page", "GET /c/bench.big (cookie)"),
                           ("render_api_pods", "GET /api/v1/clusters/bench.big/pods (Bearer)"),
                           ("render_cluster_page_with_page_open", "GET /c/bench.big, the browser's page open")):
            r = s[key]
            lines.append(f"| {label} | {r['median_ms']} | {r['p95_ms']} | {r['max_ms']} | {r['n']} | {r['bytes']} |")
        r = s["rate_with_page"]
        lines += ["", f"With the page open on the cluster: {r['calls_per_s']} pod calls/s over {r['seconds']} s "
                  f"(UI CPU {r['ui_cpu_percent']} %).", "",
                  "| UI process | RSS MiB | PSS MiB | anonymous MiB | threads |", "| --- | --- | --- | --- | --- |",
                  mem_row("all answered, no browser", s["memory_no_browser"]),
                  mem_row("browser page open, after the joins", s["memory_with_page"]), ""]
    for name, err in data.get("errors", {}).items():
        lines += [f"**{name} failed**: {err}", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ochopod", default=os.path.join(ROOT, "build", "bin", "ochopod"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", action="append", choices=["many", "join"])
    ap.add_argument("--json", help="default ui.json in bench/results/ (quick: in its quick/ folder)")
    ap.add_argument("--md", help="default ui.md in bench/results/ (quick: in its quick/ folder)")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--node", default=shutil.which("node") or "/usr/bin/node")
    ap.add_argument("--keep-logs", action="store_true")
    args = ap.parse_args()
    args.ochopod = os.path.abspath(args.ochopod)
    out = os.path.join(ROOT, "bench", "results", *(["quick"] if args.quick else []))
    args.json = args.json or os.path.join(out, "ui.json")
    args.md = args.md or os.path.join(out, "ui.md")
    wanted = args.only or ["many", "join"]
    if not os.access(args.ochopod, os.X_OK):
        print(f"ui_bench: no ochopod at {args.ochopod}", file=sys.stderr)
        return 2
    if "join" in wanted and not (os.access(args.chromium, os.X_OK) and
                                 os.path.isdir(os.path.join(ROOT, "tests", "ui", "node_modules", "playwright-core"))):
        print("ui_bench: the join scenario needs /usr/bin/chromium and tests/ui/node_modules "
              "(scripts/bootstrap installs both)", file=sys.stderr)
        return 2

    take_charge()
    started = now()
    data = {"started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": args.quick, "ochopod": args.ochopod, "machine": machine(), "errors": {}}
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    workdir = tempfile.mkdtemp(prefix="ochopod-ui-bench-")
    Pod.tmpdir = tempfile.mkdtemp(prefix="ochopod-ui-bench-pods-", dir=shm)
    failed = False
    try:
        for name, fn in (("many", scenario_many), ("join", scenario_join)):
            if name not in wanted:
                continue
            try:
                data[name] = fn(args, workdir)
            except HarnessError as e:
                failed = True
                data["errors"][name] = str(e)
                log(f"{name} failed: {e}")
    except KeyboardInterrupt as e:
        log(f"interrupted ({e})")
        failed = True
        return 1
    finally:
        PodProcess.kill_all()
        reap_all()
        final_sweep()
        shutil.rmtree(Pod.tmpdir, ignore_errors=True)
        if failed or args.keep_logs:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    data["duration_s"] = round(now() - started, 1)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    os.makedirs(os.path.dirname(args.md), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    md = render_md(data)
    with open(args.md, "w") as f:
        f.write(md + "\n")
    print(md)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
