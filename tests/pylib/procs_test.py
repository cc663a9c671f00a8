#!/usr/bin/python3
"""The testkit's reader of a process's CPU (ochopod_testkit.procs.
process_cpu_ns), which the benches' per-pod figures rest on: it must count
threads that ended and be exact well under stat's 10 ms tick, which rounded
every pod of a few ms down (bench/README.md, "Then: pods' CPU read exactly").

Run by ctest (label unit); exits non-zero saying what did not hold.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ochopod_testkit.procs import process_cpu_ns  # noqa: E402

# The child burns CPU in a thread that ends, then reports its own process
# CPU time (its threads, the ended one included) and waits to be read.
CHILD = r"""
import sys, threading, time
def burn():
    end = time.thread_time_ns() + 37_000_000
    while time.thread_time_ns() < end:
        pass
t = threading.Thread(target=burn)
t.start()
t.join()
print(time.process_time_ns(), flush=True)
sys.stdin.read()
"""


def main():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        reported = int(child.stdout.readline())
        read = process_cpu_ns(child.pid)
    finally:
        child.stdin.close()
        child.wait()
    problems = []
    if read is None:
        problems.append("no CPU read for a live process")
    elif not reported <= read < reported + 2_000_000:
        problems.append(f"read {read} ns where the child counted {reported} ns of its own "
                        "(an ended thread's 37 ms included): not within 2 ms above it")
    if process_cpu_ns(child.pid) is not None:
        problems.append("a CPU time read for a process that is gone")
    for p in problems:
        print(f"procs_test: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
