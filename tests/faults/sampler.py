"""The /info timeline: every pod's POST /info every 10 ms.

One thread per pod, each on its own keep-alive connection, all aligned on
the same 10 ms ticks from a shared epoch, so "sample k" is what every pod
answered in tick k and two pods can be compared tick by tick. A pod that
does not answer within the tick (frozen, gone) leaves no reading for it.
"""

import threading

from ochopod_testkit.control import InfoClient
from ochopod_testkit.procs import now

PERIOD = 0.01


class Sampler:
    def __init__(self):
        self.epoch = now()
        self.readings = []  # (tick, pod name, time, state or None, process or None)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = []
        self.marks = []  # (time, what the scenario did)

    def mark(self, what):
        with self.lock:
            self.marks.append((now(), what))

    def add(self, pod):
        t = threading.Thread(target=self.run, args=(pod,), name=f"sample-{pod.name}", daemon=True)
        self.threads.append(t)
        t.start()

    def run(self, pod):
        client = InfoClient(pod.port, timeout=0.2)
        tick = int((now() - self.epoch) / PERIOD) + 1
        while not self.stopping.is_set():
            wait = self.epoch + tick * PERIOD - now()
            if wait > 0 and self.stopping.wait(wait):
                break
            info = client.get()
            t = now()
            with self.lock:
                self.readings.append((tick, pod.name, t, info and info.get("state"),
                                      info and info.get("process")))
            tick = max(tick + 1, int((t - self.epoch) / PERIOD) + 1)
        client.close()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)

    def snapshot(self):
        with self.lock:
            return list(self.readings)

    def states(self, name, start=None, end=None):
        """[(time, state)] of one pod's answered readings within [start, end]."""
        return [(t, s) for _, n, t, s, _ in self.snapshot()
                if n == name and s is not None and (start is None or t >= start)
                and (end is None or t <= end)]

    def first(self, pred, start=None):
        """(time, pod name, state) of the first reading after start whose
        (name, state) satisfies pred, or None."""
        for _, n, t, s, _ in sorted(self.snapshot(), key=lambda r: r[2]):
            if s is not None and (start is None or t >= start) and pred(n, s):
                return t, n, s
        return None

    def double_leader_ticks(self, start=None):
        """Ticks in which two pods or more said a state starting with 'leader'."""
        leaders = {}
        for tick, n, t, s, _ in self.snapshot():
            if s and s.startswith("leader") and (start is None or t >= start):
                leaders.setdefault(tick, set()).add(n)
        return sorted(k for k, v in leaders.items() if len(v) > 1)

    def dump(self, path):
        """Each pod's state changes and the scenario's marks (pod '*'), one
        line each: seconds since the epoch, tick, pod, state/process (or 'no
        answer')."""
        last, lines = {}, []
        with self.lock:
            events = [(t, -1, "*", what) for t, what in self.marks]
        for tick, n, t, s, p in self.snapshot():
            events.append((t, tick, n, f"{s}/{p}" if s is not None else "no answer"))
        for t, tick, n, what in sorted(events, key=lambda e: e[0]):
            if n == "*" or last.get(n) != what:
                last[n] = what
                lines.append(f"{t - self.epoch:9.3f} {tick:6d} {n} {what}")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def ticks(self):
        with self.lock:
            return len({r[0] for r in self.readings})
