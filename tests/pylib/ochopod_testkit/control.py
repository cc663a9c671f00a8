"""A pod's control port from a harness: POST /info on one keep-alive
HTTP/1.1 connection (raw socket, TCP_NODELAY: less overhead than
http.client, so a latency figure is the pod's, not the client's).

Used by the fault matrix (pods' /info every 10 ms, tests/faults/sampler.py)
and by the bench (/info polls and the sequential latency figure).
"""

import json
import socket

from .ports import LOCALHOST


class InfoClient:
    """POST /info on one keep-alive connection, opened on first use and
    again after an error or a `Connection: close`."""

    REQUEST = b"POST /info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, port, timeout=0.3):
        self.port, self.timeout, self.sock, self.buf = port, timeout, None, b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def exchange(self):
        """One request: (status, body bytes). Raises OSError (no answer,
        closed mid-answer) or ValueError/IndexError (not HTTP); the caller
        then closes the client."""
        if self.sock is None:
            self.sock = socket.create_connection((LOCALHOST, self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(self.REQUEST)
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("/info: connection closed mid-answer")
            self.buf += data
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, close = 0, False
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k = k.strip().lower()
            if k == b"content-length":
                length = int(v)
            elif k == b"connection" and v.strip().lower() == b"close":
                close = True
        while len(rest) < length:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("/info: connection closed mid-body")
            rest += data
        body, self.buf = rest[:length], rest[length:]
        if close:
            self.close()
        return status, body

    def get(self):
        """The decoded /info object, or None (no answer, not 200, not JSON).
        A kept-alive connection the server closed while idle is retried once
        on a fresh one."""
        reused = self.sock is not None
        info = self._get_once()
        if info is None and reused and self.sock is None:
            info = self._get_once()
        return info

    def _get_once(self):
        try:
            status, body = self.exchange()
            return json.loads(body) if status == 200 else None
        except (OSError, ValueError, IndexError):
            self.close()
            return None


def post_info(port, timeout=2.0):
    """POST /info on a fresh connection: the decoded object, or None."""
    client = InfoClient(port, timeout)
    try:
        return client.get()
    finally:
        client.close()
