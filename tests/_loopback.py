"""A loopback HTTP server for download tests: it serves, stalls or drops.

``with Loopback() as server:`` runs a threaded :mod:`http.server` on
127.0.0.1 for the block. ``server.serve(name, *responses)`` plans the
answers to ``GET /name``: the first request gets the first response, the
second the second, and so on, the last repeating. A response is

- ``bytes``: served whole, with its ``Content-Length``;
- ``Drop(data)``: ``Content-Length`` of ``data``, half of it, then the
  connection is closed;
- ``STALL``: the request is accepted and never answered (until the block
  ends);
- an ``int``: that HTTP status, no body.

``server.hits[name]`` counts the requests. Nothing leaves the machine.
"""

from __future__ import annotations

import collections
import http.server
import socket
import threading
from dataclasses import dataclass

STALL = "stall"


@dataclass(frozen=True)
class Drop:
    """Announce ``data``, send half of it, then close the connection."""

    data: bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        server = self.server.owner
        name = self.path.lstrip("/")
        with server.lock:
            count = server.hits[name]
            server.hits[name] += 1
        plan = server.plans.get(name, [404])
        response = plan[min(count, len(plan) - 1)]
        if response == STALL:
            server.released.wait(30)
            return
        if isinstance(response, int):
            self.send_response(response)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = response.data if isinstance(response, Drop) else response
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if isinstance(response, Drop):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)


class Loopback:
    """A threaded HTTP server on 127.0.0.1 that answers as planned."""

    def __init__(self) -> None:
        self.plans: dict[str, list] = {}
        self.hits: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self.released = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def serve(self, name: str, *responses) -> str:
        """Plan the answers to ``GET /name``; return its URL."""
        self.plans[name] = list(responses)
        return self.url(name)

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def refused_url(name: str = "file") -> str:
    """A loopback URL on a port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def no_proxy(monkeypatch) -> None:
    """Keep proxies from the environment away from loopback requests."""
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
