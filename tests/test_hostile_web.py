"""Hostile web servers (loopback only): terminal escapes in a page's <title>, in an HTTP reason
phrase, in a status line that is not HTTP at all, and in a Content-Type header; `javascript:`
and `data:` "URLs". Whatever the server sends, the bytes `qari` writes to stdout and stderr
hold no control character (tests/hostile.py: no C0 but tab and newline, no DEL, no C1), the
failure is one line, and no traceback.

Each server answers a fixed response and closes; nothing loops unbounded (the reads are bounded
by qari's own caps and the subprocess timeout)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from clirun import QariEnv, assert_one_line_error
from hostile import ESCAPES, OSC_CLIPBOARD, OSC_TITLE, run_clean
from loopback import LoopbackServer, Response
from paths import SAMPLE



def hostile_page() -> bytes:
    """An Arabic article whose only title is a <title> full of escapes, written as character
    references (as a page would), with no <h1>."""
    paragraphs = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if len(line) > 60][:6]
    refs = "".join(f"&#{ord(ch)};" if ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f else html.escape(ch)
                   for ch in f"عنوان {OSC_TITLE}{OSC_CLIPBOARD} {ESCAPES} خبر")
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang=ar><head><meta charset=utf-8><title>{refs}</title></head>"
            f"<body><article>{body}</article></body></html>").encode("utf-8")


def raw_response(head: bytes, body: bytes = b"") -> callable:
    """A handler that writes ``head`` (a status line and headers, as given) and ``body``."""

    def handler(req, server) -> None:
        req.wfile.write(head + b"\r\n" + body)
        req.wfile.flush()
        req.close_connection = True

    return handler


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> QariEnv:
    return QariEnv.create(tmp_path_factory.mktemp("hostile-web"))


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def test_title_with_escapes_is_clean_in_summary_and_markdown(env: QariEnv, server: LoopbackServer) -> None:
    url = server.route("/news.html", Response(hostile_page()))
    summary = run_clean(env, "summarize", url, "--no-translate", "-n", "2")
    assert summary.code == 0, summary
    title = summary.out.split("# ", 1)[1].splitlines()[0]
    assert "عنوان" in title and "PWNED-TITLE" in title  # the title is kept, its escapes are not
    markdown = run_clean(env, "translate", url, "--format", "markdown")
    assert markdown.code == 0, markdown
    assert "PWNED-TITLE" in markdown.out


def test_title_with_escapes_is_clean_in_jsonl(env: QariEnv, server: LoopbackServer) -> None:
    url = server.route("/news.html", Response(hostile_page()))
    result = run_clean(env, "translate", url)
    assert result.code == 0, result


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 404 " + OSC_TITLE.encode() + OSC_CLIPBOARD.encode() + b"\x1bc",
    b"HTTP/1.1 503 \xc2\x9b31m\xc2\x9d2;x\xc2\x9c",  # C1 controls, UTF-8 encoded
    b"HTTP/1.1 500 \x9b31m\x9d2;x\x9c",  # C1 controls as raw bytes (latin-1)
], ids=["escapes", "c1-utf8", "c1-raw"])
def test_reason_phrase_with_escapes(env: QariEnv, server: LoopbackServer, head: bytes) -> None:
    url = server.route("/gone.html", raw_response(head + b"\r\nContent-Length: 0\r\nConnection: close\r\n"))
    result = run_clean(env, "summarize", url)
    assert_one_line_error(result, 2, "HTTP")


def test_status_line_that_is_not_http(env: QariEnv, server: LoopbackServer) -> None:
    url = server.route("/junk", raw_response(OSC_TITLE.encode() + b"garbage " + ESCAPES.encode() + b"\r\n"))
    result = run_clean(env, "translate", url)
    assert_one_line_error(result, 2)


def test_content_type_with_escapes(env: QariEnv, server: LoopbackServer) -> None:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/x-evil\x1b[8m\x1bc" + OSC_TITLE.encode()
            + b"\r\nContent-Length: 4\r\nConnection: close\r\n")
    url = server.route("/file.bin", raw_response(head, b"abcd"))
    result = run_clean(env, "summarize", url)
    line = assert_one_line_error(result, 2, "application/x-evil", "not a web page")
    assert "^[" in line  # shown, not obeyed


@pytest.mark.parametrize("source", ["javascript:alert(document.cookie)", "data:text/html,<title>x</title>",
                                    "JavaScript:void(0)", "mailto:someone@example.org"])
def test_non_http_schemes_are_unsupported_urls(env: QariEnv, source: str) -> None:
    result = run_clean(env, "summarize", source)
    assert_one_line_error(result, 2, "unsupported URL scheme", source.split(":")[0].lower())


def test_a_file_named_like_a_scheme_is_still_a_file(env: QariEnv, tmp_path: Path) -> None:
    (tmp_path / "data:notes.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    result = env.run("summarize", "data:notes.txt", "--no-translate", "-n", "1", cwd=tmp_path)
    assert result.code == 0, result
