"""Processes and /proc for the harnesses (tests/faults, bench): a monotonic
clock, waits with deadlines, /proc reads (state, comm, children), quiet
kills and reaps, and the two prctl()s that keep a harness's processes
from outliving it.

A harness is a child subreaper (become_subreaper), so the orphans of the
processes it kills (a SIGKILLed pod's child, a setsid'd JVM) come back to
it: reap_all() collects them, final_sweep() kills what is left.
"""

import collections
import ctypes
import os
import signal
import time


class HarnessError(Exception):
    """A harness could not set something up or a wait ran out (a server did
    not start, a pod died). The fault matrix's FaultError and the bench's
    BenchError derive from it."""


def now():
    return time.monotonic()


def poll(fn, timeout, pause=0.01):
    """fn() until it returns something truthy, or None after timeout s."""
    deadline = now() + timeout
    while True:
        value = fn()
        if value:
            return value
        if now() >= deadline:
            return None
        time.sleep(pause)


def wait(fn, timeout, what, pause=0.01):
    """Like poll, but running out is a HarnessError that names what did not happen."""
    value = poll(fn, timeout, pause)
    if not value:
        raise HarnessError(f"timed out after {timeout:g} s waiting for {what}")
    return value


# ---------------------------------------------------------------- /proc

def read_text(path):
    """The file's text (undecodable bytes replaced), or None if unreadable."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def proc_stat(pid):
    """Fields of /proc/<pid>/stat after the comm, as a list (index 0 = state)."""
    text = read_text(f"/proc/{pid}/stat")
    if not text:
        return None
    return text[text.rfind(")") + 2:].split()


def process_cpu_ns(pid):
    """The CPU a process has used so far, in ns, all its threads together
    (those that ended included), or None if it is gone: its CPU-time clock
    (clock_getcpuclockid(3), which the kernel encodes from the pid), exact
    where stat's utime and stime are each rounded down to a 10 ms tick, which
    for pods of a few ms each reads 0 and biased every per-pod mean low."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | 2)  # CPUCLOCK_SCHED of the process
    except OSError:
        return None


ThreadStats = collections.namedtuple("ThreadStats", "tid name run_ns scheduled minflt")


def thread_schedstats(pid):
    """Each live thread of a process as ThreadStats: its on-CPU ns and the
    times it was scheduled from /proc/<pid>/task/*/schedstat (exact, where
    stat's 10 ms ticks would round a thread's few ms to 0), its minor page
    faults from the thread's stat. The benches' one reader of a process's
    threads: CPU and faults by thread name, per pod, per peer, and
    wake-ups."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        text = read_text(f"/proc/{pid}/task/{tid}/schedstat")
        if not text:
            continue
        fields = text.split()
        name = (read_text(f"/proc/{pid}/task/{tid}/comm") or "?").strip()
        st = proc_stat(f"{pid}/task/{tid}")
        yield ThreadStats(tid, name, int(fields[0]), int(fields[2]), int(st[7]) if st else 0)


def alive(pid):
    """True if pid exists and is neither a zombie nor dead."""
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def comm(pid):
    text = read_text(f"/proc/{pid}/comm")
    return text.strip() if text else None


def children_of(pid):
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        text = read_text(f"/proc/{pid}/task/{tid}/children")
        if text:
            out.extend(int(x) for x in text.split())
    return out


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for c in children_of(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


# ---------------------------------------------------------------- kill, reap

def kill_quietly(pid, sig=signal.SIGKILL):
    """Sends sig; False if the process is gone or not ours."""
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def reap_quietly(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def reap_all():
    """Reaps whatever exited among our children (orphans included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# ---------------------------------------------------------------- tags

# Every process a harness starts for one run (a fault scenario, a nemesis run)
# carries TAG_VARIABLE=<its tag> in its environment, and its children inherit
# it, so a sweep by tag finds them wherever they were reparented.
TAG_VARIABLE = "OCHOPOD_HARNESS_TAG"


def tagged(tag):
    """Live pids whose environment carries TAG_VARIABLE=tag."""
    needle = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0") and alive(int(name)):
            found.append(int(name))
    return found


def kill_tagged(tag, deadline_s=5.0):
    """SIGKILLs every process carrying tag until none is left (SIGCONT
    first: a stopped process dies only once continued on some kernels)."""
    until = now() + deadline_s
    while now() < until:
        rest = tagged(tag)
        if not rest:
            return True
        for pid in rest:
            kill_quietly(pid, signal.SIGKILL)
            kill_quietly(pid, signal.SIGCONT)
        reap_all()
        time.sleep(0.01)
    return not tagged(tag)


def final_sweep():
    """Kills and reaps whatever is still our child (subreaper orphans)."""
    me = os.getpid()
    for _ in range(3):
        found = False
        for c in children_of(me):
            found = True
            kill_quietly(c)
        deadline = now() + 2
        while now() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.01)
        if not found:
            return


def die_with_parent():
    """preexec_fn for a process we start: SIGKILLed if the harness dies (a
    ctest timeout), so no pod or server outlives it. PR_SET_PDEATHSIG fires
    when the spawning thread exits: spawn from the main thread."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def take_charge():
    """What a harness's main() does first: SIGTERM, SIGHUP and SIGINT (even
    when started in the background) raise KeyboardInterrupt, so its finally
    blocks sweep what it started, and the orphans of what it starts come to
    it (become_subreaper)."""
    def on_signal(sig, _frame):
        raise KeyboardInterrupt(f"signal {sig}")

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, on_signal)
    become_subreaper()


def become_subreaper():
    """Orphans of our descendants are reparented to us (not to PID 1), so a
    sweep can find, kill and reap them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass
