"""Facts about the machine a figure was taken on, printed next to every
bench result so figures from two machines can be read side by side: CPU
model and count, memory, kernel, load, and small probes of what a pod
does most at start: taking page faults on fresh memory (and populating it
in one call instead) and spawning processes.

Used by bench/cluster_bench.py and bench/peers_bench.py (see bench/README.md).
"""

import mmap
import os
import platform
import subprocess
import time

from .procs import read_text


def _cpu_model():
    cpuinfo = read_text("/proc/cpuinfo") or ""
    return next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                 if line.startswith("model name")), platform.machine())


def _memory_gib():
    for line in (read_text("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1048576, 1)
    return None


def _best_us_per_page(pages, repeats, seconds_on):
    """The best of `repeats` of seconds_on(m) (a fresh anonymous mapping of
    `pages` pages), in microseconds a page."""
    best = None
    for _ in range(repeats):
        m = mmap.mmap(-1, pages * mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        try:
            us = seconds_on(m) / pages * 1e6
        finally:
            m.close()
        best = us if best is None else min(best, us)
    return round(best, 3)


def page_fault_us(pages=16384, repeats=3):
    """Microseconds per first touch of a fresh anonymous page (the fault,
    the zeroing, the page table), the best of `repeats`: the same loop over
    pages already touched is subtracted, so the interpreter's own cost per
    iteration is not counted."""
    def touch(m):
        t0 = time.perf_counter()
        for i in range(0, len(m), mmap.PAGESIZE):
            m[i] = 1
        fresh = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(0, len(m), mmap.PAGESIZE):
            m[i] = 2
        return max(fresh - (time.perf_counter() - t0), 0.0)
    return _best_us_per_page(pages, repeats, touch)


# Linux 5.14's madvise(MADV_POPULATE_WRITE); Python's mmap names it from 3.13.
MADV_POPULATE_WRITE = getattr(mmap, "MADV_POPULATE_WRITE", 23)


def page_populate_us(pages=16384, repeats=3):
    """Microseconds per fresh anonymous page populated in one
    madvise(MADV_POPULATE_WRITE) call (no trap per page: what a pod's body
    buffers cost, runtime/control/body/recycled_text.h), the best of
    `repeats`; None when the kernel cannot."""
    def populate(m):
        t0 = time.perf_counter()
        m.madvise(MADV_POPULATE_WRITE, 0, len(m))
        return time.perf_counter() - t0
    try:
        return _best_us_per_page(pages, repeats, populate)
    except OSError:
        return None


def spawn_ms(count=200):
    """Milliseconds per fork+exec+wait of /bin/true, `count` one after the
    other (what a supervisor pays per child start, and a harness per pod)."""
    true = "/bin/true" if os.path.exists("/bin/true") else "true"
    t0 = time.perf_counter()
    for _ in range(count):
        subprocess.run([true], check=False)
    return round((time.perf_counter() - t0) / count * 1e3, 3)


def facts(probes=True):
    """A dict of the machine's facts; probes=False skips the probes (about
    a second)."""
    out = {"cpu": _cpu_model(), "nproc": os.cpu_count(), "memory_gib": _memory_gib(),
           "kernel": platform.release(), "load_at_start": [round(x, 2) for x in os.getloadavg()]}
    if probes:
        out["page_fault_us"] = page_fault_us()
        out["page_populate_us"] = page_populate_us()
        out["spawn_ms"] = spawn_ms()
    return out


def line(f):
    """The facts as one Markdown line."""
    text = (f"{f['nproc']} CPUs ({f['cpu']}), {f['memory_gib']} GiB, kernel {f['kernel']}, "
            f"load {' '.join(str(x) for x in f['load_at_start'])}")
    if "page_fault_us" in f:
        text += (f"; a page fault on fresh memory {f['page_fault_us']} us"
                 + (f" (populated in one call: {f['page_populate_us']} us)"
                    if f.get("page_populate_us") is not None else "")
                 + f", a fork+exec+wait of true {f['spawn_ms']} ms")
    return text
