#!/usr/bin/python3
"""The fault matrix: real ZooKeeper servers, real `ochopod run` pods, faults
injected (server kills, quorum loss, partitions through per-pod proxies,
SIGSTOP, SIGKILL, SIGTERM, deleted nodes, garbage), every pod's /info
sampled every 10 ms. Runs the scenarios one after the other, prints each
figure, writes a Markdown table (scenario, figure, value, expected,
pass/fail) and exits 1 if any expectation failed.

  run_faults.py --ochopod build/bin/ochopod [--only NAME]... [--results FILE]

Run through scripts/faults or ctest (label `faults`). Needs Debian's
/usr/bin/python3 (python3-kazoo) and zookeeper packages.
"""

import argparse
import datetime
import os
import sys
import traceback

sys.dont_write_bytecode = True  # nothing written into the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
# The matrix's modules, and the harnesses' shared kit (tests/pylib/ochopod_testkit).
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "pylib")]

import scenarios  # noqa: E402
from ochopod_testkit.procs import take_charge, now, reap_all  # noqa: E402
from scenario import Scenario  # noqa: E402


def shown(path):
    """A path as the repository's root sees it (absolute if outside)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel


def markdown(runs, elapsed, ochopod):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = open("/proc/loadavg").read().split()[:3]
    failed = sum(1 for sc in runs if sc.failed())
    lines = [
        "# Fault matrix results", "",
        f"{when}; {os.cpu_count()} CPUs, load average at the end {' '.join(load)}; "
        f"`{shown(ochopod)}`; {len(runs)} scenarios in {elapsed:.0f} s, "
        f"{failed} with a failed expectation.", "",
        "Written by `scripts/faults` (tests/faults/run_faults.py). T is each scenario's "
        "session timeout; servers run with tickTime=500. `info` rows are context, not "
        "expectations.", "",
        "| scenario | figure | value | expected | result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for sc in runs:
        t = f"T = {sc.session_timeout:g} s, " if sc.session_timeout else ""
        title = f"{sc.title} (`{sc.name}`, {t}{sc.elapsed:.0f} s)"
        for what, value, expected, verdict in sc.figures:
            cell = value.replace("|", "\\|")
            lines.append(f"| {title} | {what} | {cell} | {expected} | {verdict} |")
            title = ""
    return "\n".join(lines) + "\n"


def main():
    names = [n for n, _, _ in scenarios.ALL]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ochopod", required=True, help="the ochopod binary")
    ap.add_argument("--only", action="append", choices=names, help="run only these (repeatable)")
    ap.add_argument("--results", help="write the Markdown table here")
    ap.add_argument("--keep", action="store_true", help="keep every scenario's directory")
    args = ap.parse_args()
    ochopod = os.path.abspath(args.ochopod)
    if not os.access(ochopod, os.X_OK):
        print(f"run_faults: {ochopod} is not an executable (build it first)", file=sys.stderr)
        return 2

    take_charge()
    started = now()
    runs = []
    try:
        for name, title, fn in scenarios.ALL:
            if args.only and name not in args.only:
                continue
            print(f"[faults] {name}: {title}", flush=True)
            sc = Scenario(name, title, ochopod, keep=args.keep)
            runs.append(sc)
            try:
                fn(sc)
            except Exception as e:  # a setup failure is a failed scenario, with its reason
                sc.failed_setup = True
                traceback.print_exc()
                sc.figure("scenario ran to the end", f"no: {e}".splitlines()[0][:200], "yes", False)
            finally:
                sc.elapsed = now() - sc.started
                sc.close()
                print(f"[faults] {name}: {'FAILED' if sc.failed() else 'passed'} in "
                      f"{sc.elapsed:.1f} s", flush=True)
    except KeyboardInterrupt:
        print("[faults] interrupted", file=sys.stderr)
        for sc in runs:
            sc.close()
        return 130
    finally:
        reap_all()
    elapsed = now() - started
    text = markdown(runs, elapsed, ochopod)
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            f.write(text)
    print(text)
    failed = [sc.name for sc in runs if sc.failed()]
    print(f"[faults] {len(runs) - len(failed)}/{len(runs)} scenarios met every expectation "
          f"in {elapsed:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
