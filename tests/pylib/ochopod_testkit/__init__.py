"""ochopod_testkit: the Python plumbing shared by the repository's harnesses
that drive real processes: the fault matrix (tests/faults/run_faults.py),
the benchmarks (bench/cluster_bench.py, bench/zero_downtime_bench.py,
bench/ui_bench.py) and the UI's browser tests (tests/ui/run_ui_tests.py).

One job per module:

- procs: time, deadline waits, /proc reads, killing and reaping, subreaper;
- ports: free loopback ports, drawn below the ephemeral range;
- zk: Debian's ZooKeeper server, standalone or a 3-server ensemble, and
  a kazoo session on it;
- control: a keep-alive client for a pod's control port (POST /info);
- pods: an `ochopod run` process: its environment, log, signals, kill;
- ui: an `ochopod ui` process and the one-time login URL it prints.

What only one harness needs stays with it (the matrix's process tags,
proxies and sampler; the bench's scenarios and reports). An entry script
puts tests/pylib on sys.path (relative to its own __file__) and imports
`from ochopod_testkit import procs, ...`. Written for Debian's
/usr/bin/python3; nothing here needs kazoo but zk.kazoo_client().
"""
