"""Hostile HTTP servers against reader.web.net's overall deadline (loopback only).

A server that sends its status line and then one header byte at a time never lets a socket
timeout fire: every read succeeds. The deadline given to ``open_url`` must cover connect,
headers and body (like ``curl --max-time``) for pages, the package index and package
downloads, and ``abort_transfers`` (called when the reader quits) must end a transfer at once.
Each server here stops by itself when the test's server stops.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from clirun import QariEnv, assert_one_line_error
from loopback import LoopbackServer, Response
from paths import REPO

from reader.web import fetch, net
from reader.translation import packages as pkgs
from reader.translation.packages import ModelError

CHECKOUT = {"PYTHONPATH": str(REPO)}  # subprocesses run this checkout's code, whatever is installed


def dribble_headers(delay: float = 0.05):
    """A status line, then header bytes one at a time, ``delay`` apart, until the server stops
    (or for at most 60 s)."""

    def handler(req, server) -> None:
        req.wfile.write(b"HTTP/1.1 200 OK\r\n")
        req.wfile.flush()
        ends = time.monotonic() + 60
        while time.monotonic() < ends and not server.stopping.wait(delay):
            try:
                req.wfile.write(b"X")
                req.wfile.flush()
            except OSError:
                break
        req.close_connection = True

    return handler


def dribble_body(delay: float = 0.05):
    """Headers at once, then a body of one byte per ``delay`` (each read succeeds)."""

    def handler(req, server) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "application/octet-stream")
        req.send_header("Content-Length", "100000")
        req.end_headers()
        req.wfile.flush()
        ends = time.monotonic() + 60
        while time.monotonic() < ends and not server.stopping.wait(delay):
            try:
                req.wfile.write(b"P")
                req.wfile.flush()
            except OSError:
                break
        req.close_connection = True

    return handler


@pytest.fixture(autouse=True)
def packages_dir(offline_packages: Path) -> Path:
    return offline_packages


def test_page_with_dribbled_headers_times_out_on_time(loopback_server: LoopbackServer) -> None:
    url = loopback_server.route("/page", dribble_headers())
    started = time.monotonic()
    with pytest.raises(fetch.FetchError, match=r"^timed out after 1 s waiting for http://127\.0\.0\.1:\d+/page$"):
        fetch.fetch_url(url, timeout=1.0)
    assert time.monotonic() - started < 3.0


def test_index_with_dribbled_headers_times_out_on_time(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/idx/index.json", dribble_headers())
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"could not reach the Argos package index at .* \(timed out\)"):
        pkgs.available(loopback_server.url("/idx/"), timeout=1.0)
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("route", [dribble_headers, dribble_body])
def test_package_download_has_a_deadline(loopback_server: LoopbackServer, packages_dir: Path, route) -> None:
    link = loopback_server.route("/pkg.argosmodel", route())
    loopback_server.route("/idx/index.json", Response.json(
        [{"package_version": "1.0", "from_code": "ar", "to_code": "en", "code": "translate-ar_en", "links": [link]}]))
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"download of .* (failed|broke after \d+ bytes) \(timed out\)"):
        pkgs.install_pair(index_url=loopback_server.url("/idx/"), timeout=1.0, max_time=1.5, retries=0)
    assert time.monotonic() - started < 4.0
    assert list(packages_dir.iterdir()) == []


def test_abort_transfers_ends_a_blocked_fetch_at_once(loopback_server: LoopbackServer) -> None:
    url = loopback_server.route("/page", dribble_headers())
    outcome: list[BaseException] = []

    def fetch_it() -> None:
        try:
            fetch.fetch_url(url, timeout=30.0)
        except BaseException as err:  # noqa: BLE001 - the test inspects it
            outcome.append(err)

    worker = threading.Thread(target=fetch_it, daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while not loopback_server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert loopback_server.requests == ["/page"]
    started = time.monotonic()
    net.abort_transfers()
    worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - started < 2.0
    assert len(outcome) == 1 and isinstance(outcome[0], net.NetError)
    assert str(outcome[0]).startswith("cancelled while fetching http://127.0.0.1:")


def test_normal_fetch_is_not_cut_by_the_watchdog(loopback_server: LoopbackServer) -> None:
    body = "<html><head><title>t</title></head><body><p>مرحبا بكم</p></body></html>".encode()
    url = loopback_server.route("/ok", Response(body, content_type="text/html; charset=utf-8"))
    for _ in range(3):  # the watchdog thread is shared: later fetches work the same
        assert bytes(fetch.fetch_url(url, timeout=5.0)) == body


def test_cli_models_available_stops_at_its_timeout(tmp_path: Path, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/idx/index.json", dribble_headers())
    env = QariEnv.create(tmp_path / "env")
    result = env.run("models", "available", "--index", loopback_server.url("/idx/"), "--timeout", "1", timeout=30, **CHECKOUT)
    assert_one_line_error(result, 1, "could not reach the Argos package index", "(timed out)")
    assert result.seconds < 10  # interpreter start-up + 1 s; the server would go on for 60 s


# --- HTTPS: the TLS socket is watched from before its handshake --------------------------------

@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class TlsServer:
    """A one-thread HTTPS server on 127.0.0.1 that answers each connection with ``answer(sock)``;
    it stops (and closes its sockets) when the test ends."""

    def __init__(self, cert: Path, key: Path, answer) -> None:
        import socket
        import ssl

        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.answer = answer
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    self.answer(tls, self.stopping)
            except OSError:
                pass

    def url(self, path: str = "/") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def tls_server(tls_cert, monkeypatch: pytest.MonkeyPatch):
    cert, key = tls_cert
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL's default trust store for this test
    servers: list[TlsServer] = []

    def start(answer) -> TlsServer:
        servers.append(TlsServer(cert, key, answer))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_https_page_is_fetched_through_the_watched_tls_socket(tls_server) -> None:
    body = "<html><body><p>مرحبا</p></body></html>".encode()

    def answer(tls, stopping) -> None:
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)

    server = tls_server(answer)
    assert bytes(fetch.fetch_url(server.url("/page"), timeout=5.0)) == body


def test_https_headers_dribbled_after_the_handshake_time_out_on_time(tls_server) -> None:
    def answer(tls, stopping) -> None:
        tls.sendall(b"HTTP/1.1 200 OK\r\n")
        ends = time.monotonic() + 60
        while time.monotonic() < ends and not stopping.wait(0.05):
            tls.sendall(b"X")

    server = tls_server(answer)
    started = time.monotonic()
    with pytest.raises(fetch.FetchError, match=r"^timed out after 1 s waiting for https://127\.0\.0\.1:\d+/page$"):
        fetch.fetch_url(server.url("/page"), timeout=1.0)
    assert time.monotonic() - started < 3.0
