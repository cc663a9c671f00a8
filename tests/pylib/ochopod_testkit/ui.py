"""`ochopod ui` processes started by a harness: `ochopod ui --zk <zk>
--listen 127.0.0.1:0 [extra...]` in a session of its own (it dies with the
harness), its output in <directory>/<name>.log, the one-time login URL it
prints at start (LOGIN_RE), and a stop that leaves nothing behind.

Used by the UI's browser tests (tests/ui/run_ui_tests.py, an operator UI
and a --read-only one) and by the UI bench (bench/ui_bench.py, whose Ui
adds a token file, the login cookie and its HTTP calls).
"""

import os
import re
import subprocess

from .ports import LOCALHOST
from .procs import HarnessError, die_with_parent, kill_quietly, poll, read_text

# The line `ochopod ui` prints at start: base URL, port and one-time code.
LOGIN_RE = re.compile(r"(http://127\.0\.0\.1:(\d+))/login\?code=([0-9A-Fa-f]+)")


class UiProcess:
    """`ochopod ui --listen 127.0.0.1:0`, its stderr in a file; after
    wait_url(), url is the one-time login URL it printed, base its
    http://127.0.0.1:<port>, port and code the parts."""

    def __init__(self, ochopod, directory, name, zk, extra=()):
        os.makedirs(directory, exist_ok=True)
        self.name = name
        self.log_path = os.path.join(directory, f"{name}.log")
        self.argv = [ochopod, "ui", "--zk", zk, "--listen", f"{LOCALHOST}:0", *extra]
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=die_with_parent)
        self.pid = self.proc.pid
        self.url = self.base = self.port = self.code = None

    def wait_url(self, timeout):
        """Until the login line is in the log; HarnessError if the UI exits
        or prints none within timeout seconds."""
        def found():
            m = LOGIN_RE.search(read_text(self.log_path) or "")
            return m or self.proc.poll() is not None
        poll(found, timeout, 0.02)
        m = LOGIN_RE.search(read_text(self.log_path) or "")
        if not m:
            state = (f"it exited with status {self.proc.returncode}" if self.proc.poll() is not None
                     else f"it printed none within {timeout} s")
            raise HarnessError(f"`{' '.join(self.argv)}` printed no http://127.0.0.1:<port>/login?code=<hex> "
                               f"line: {state}; its output:\n{self.tail()}")
        self.url, self.base = m.group(0), m.group(1)
        self.port, self.code = int(m.group(2)), m.group(3)

    def tail(self, n=30):
        return "\n".join((read_text(self.log_path) or "").splitlines()[-n:])

    def stop(self):
        if self.proc.poll() is None:
            kill_quietly(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                kill_quietly(self.proc.pid)
                self.proc.wait(timeout=5)
