"""reader.web.net, the one HTTP helper: what pages and package downloads now share (loopback only).

tests/test_fetch.py and tests/test_packages.py check each caller's messages; these check that
the two callers really go through the same rules: one user agent, redirects kept to http(s)
for package downloads too, the whole-transfer deadline for the index, the caps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from loopback import LoopbackServer, Response, drip, redirect

from reader.web import fetch, net
from reader.translation import packages as pkgs
from reader.translation.packages import ModelError


@pytest.fixture(autouse=True)
def packages_dir(offline_packages: Path) -> Path:
    return offline_packages


@pytest.fixture
def server(loopback_server):
    return loopback_server


def _recording(body: bytes, content_type: str, seen: list[str]):
    def handler(req, server) -> None:
        seen.append(req.headers.get("User-Agent", ""))
        Response(body, content_type=content_type)(req, server)

    return handler


def _index(url: str) -> list[dict]:
    return [{"package_version": "1.0", "from_code": "ar", "to_code": "en", "code": "translate-ar_en",
             "links": [url]}]


def test_pages_and_packages_send_one_user_agent(server: LoopbackServer) -> None:
    seen: list[str] = []
    page = server.route("/page.html", _recording("<p>مرحبا</p>".encode(), "text/html; charset=utf-8", seen))
    server.route("/idx/index.json", _recording(b'[]', "application/json", seen))
    fetch.fetch_url(page, timeout=5)
    assert pkgs.available(server.url("/idx/"), timeout=5) == []
    assert seen == [net.USER_AGENT, net.USER_AGENT]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/pkg.argosmodel"])
def test_package_download_refuses_redirect_to_other_schemes(server: LoopbackServer, packages_dir: Path,
                                                            location: str) -> None:
    trap = server.route("/pkg.argosmodel", redirect(location))
    server.route("/idx/index.json", Response.json(_index(trap)))
    with pytest.raises(ModelError, match=r"download of .* failed \(redirect to a non-http\(s\) URL\)"):
        pkgs.install_pair(index_url=server.url("/idx/"), timeout=5, retries=0)
    assert list(packages_dir.iterdir()) == []


def test_index_download_has_a_whole_transfer_deadline(server: LoopbackServer) -> None:
    # every read succeeds well within the timeout, but the whole index takes ~4 s
    server.route("/slow/index.json", drip(b"[" + b" " * 18 + b"]", chunk=1, delay=0.2, content_type="application/json"))
    with pytest.raises(ModelError, match=r"could not reach the Argos package index at .* \(timed out\)"):
        pkgs.available(server.url("/slow/"), timeout=1)  # without the deadline, it would succeed


def test_read_chunks_caps_the_body(server: LoopbackServer) -> None:
    url = server.route("/big", Response(b"x" * 5000, content_type="application/octet-stream"))
    with net.open_url(url, timeout=5) as response, \
            pytest.raises(net.TooLarge, match=r"^download is larger than the 4 KiB limit"):
        b"".join(net.read_chunks(response, url=url, timeout=5, max_bytes=4096, chunk=1024, what="download"))


def test_http_errors_carry_status_and_a_short_reason(server: LoopbackServer) -> None:
    url = server.url("/missing")
    with pytest.raises(net.NetError) as info:
        net.open_url(url, timeout=5)
    assert info.value.status == 404
    assert info.value.reason == "HTTP 404 Not Found"
    assert str(info.value) == f"HTTP 404 Not Found from {url}"


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", " "])
def test_only_http_urls_with_a_host_are_opened(url: str) -> None:
    with pytest.raises(net.NetError) as info:
        net.open_url(url, timeout=1)
    assert "\n" not in str(info.value) and info.value.status is None
