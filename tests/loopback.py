"""A loopback HTTP server for tests: ``http.server`` in a thread on 127.0.0.1, port 0.

No test in qari touches the internet; everything that downloads is tested against this.

    from loopback import LoopbackServer, Response, closed_port_url   # tests/ is on sys.path under pytest

    with LoopbackServer() as server:
        server.route("/index.json", Response.json([...]))
        server.route("/pkg.argosmodel", Response.file(path, content_type="application/zip"))
        server.route("/slow", hang())              # accepts, then never answers
        server.route("/cut", truncated(body, 100)) # Content-Length says more than is sent
        url = server.url("/index.json")
        ...
        server.requests                            # paths requested, in order

Routes are exact paths (query strings are ignored for matching). A route is a
:class:`Response` or a callable ``handler(req: BaseHTTPRequestHandler, server)`` that writes
whatever it likes (the server passes itself so handlers can wait on ``server.stopping``).
Unknown paths answer 404.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlsplit, unquote

__all__ = ["LoopbackServer", "Response", "closed_port_url", "hang", "truncated", "redirect", "drip"]


@dataclass
class Response:
    """A canned response. ``chunked=True`` sends no Content-Length (close-delimited body)."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False

    @classmethod
    def json(cls, value, status: int = 200) -> "Response":
        return cls(json.dumps(value, ensure_ascii=False).encode("utf-8"), status, "application/json")

    @classmethod
    def file(cls, path: str | Path, content_type: str | None = "application/octet-stream", **kw) -> "Response":
        return cls(Path(path).read_bytes(), content_type=content_type, **kw)

    @classmethod
    def gzipped(cls, body: bytes, content_type: str = "text/html; charset=utf-8") -> "Response":
        return cls(gzip.compress(body, mtime=0), content_type=content_type, headers={"Content-Encoding": "gzip"})

    def __call__(self, req: BaseHTTPRequestHandler, server: "LoopbackServer") -> None:
        req.send_response(self.status)
        if self.content_type is not None:
            req.send_header("Content-Type", self.content_type)
        for key, value in self.headers.items():
            req.send_header(key, value)
        if self.chunked:
            req.send_header("Connection", "close")
            req.close_connection = True
        else:
            req.send_header("Content-Length", str(len(self.body)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(self.body)


def truncated(body: bytes, send: int, content_type: str = "application/octet-stream") -> Callable:
    """Declare the full length but send only ``send`` bytes, then close (a broken download)."""

    def handler(req: BaseHTTPRequestHandler, server: "LoopbackServer") -> None:
        req.send_response(200)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        req.send_header("Connection", "close")
        req.end_headers()
        req.wfile.write(body[:send])
        req.wfile.flush()
        req.close_connection = True

    return handler


def hang(after_headers: bool = False) -> Callable:
    """Accept the request and never answer (or send headers, then no body) until the server stops."""

    def handler(req: BaseHTTPRequestHandler, server: "LoopbackServer") -> None:
        if after_headers:
            req.send_response(200)
            req.send_header("Content-Type", "text/html; charset=utf-8")
            req.send_header("Content-Length", "1000")
            req.end_headers()
            req.wfile.flush()
        server.stopping.wait(30)
        req.close_connection = True

    return handler


def drip(body: bytes, *, chunk: int, delay: float, content_type: str = "text/html; charset=utf-8") -> Callable:
    """Send ``body`` slowly: ``chunk`` bytes every ``delay`` seconds (each read succeeds)."""

    def handler(req: BaseHTTPRequestHandler, server: "LoopbackServer") -> None:
        req.send_response(200)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        for start in range(0, len(body), chunk):
            if server.stopping.wait(delay):
                break
            try:
                req.wfile.write(body[start:start + chunk])
                req.wfile.flush()
            except OSError:
                break
        req.close_connection = True

    return handler


def redirect(location: str, status: int = 302) -> Response:
    return Response(b"", status, None, {"Location": location})


class LoopbackServer:
    """``ThreadingHTTPServer`` on 127.0.0.1 with an OS-chosen port, run in a daemon thread."""

    def __init__(self, routes: dict[str, Response | Callable] | None = None):
        self.routes: dict[str, Response | Callable] = dict(routes or {})
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                path = unquote(urlsplit(self.path).path)
                with outer._lock:
                    outer.requests.append(path)
                    route = outer.routes.get(path)
                if route is None:
                    Response(b"not found", 404, "text/plain")(self, outer)
                    return
                try:
                    route(self, outer)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_HEAD = _serve

            def log_message(self, format, *args):  # silence the default stderr logging
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="loopback-http", daemon=True
        )

    def route(self, path: str, response: Response | Callable) -> str:
        """Register ``response`` for ``path``; return the full URL."""
        with self._lock:
            self.routes[path] = response
        return self.url(path)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{quote(path, safe='/%?=&')}"

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def closed_port_url(path: str = "/") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
