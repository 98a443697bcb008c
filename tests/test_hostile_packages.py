"""Hostile package indexes and package files (loopback only, through the real `qari models`
command): escapes in an index entry's `code`/`package_version`, an index that answers
`503 ESC]2;…`, and a package whose `metadata.json` holds escapes in `code`, `package_version`
or `from_code`. stdout and stderr must hold no control character (tests/hostile.py), and no
traceback."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from clirun import FIXTURE_MODEL, QariEnv, assert_one_line_error
from hostile import ESCAPES, OSC_TITLE, run_clean
from loopback import LoopbackServer, Response



def hostile_package(path: Path, **meta: str) -> Path:
    """The fixture package with ``meta`` written over its metadata.json."""
    with zipfile.ZipFile(FIXTURE_MODEL) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/metadata.json") and info.filename.count("/") == 1:
                metadata = json.loads(data)
                metadata.update(meta)
                data = json.dumps(metadata).encode("utf-8")
            out.writestr(info, data)
    return path


@pytest.fixture
def env(tmp_path: Path) -> QariEnv:
    return QariEnv.create(tmp_path / "env")


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def hostile_entry(link: str) -> dict:
    return {"type": "translate", "from_code": "ar", "to_code": "en", "from_name": "Arabic" + OSC_TITLE,
            "to_name": "English", "code": "translate-ar_en" + ESCAPES, "package_version": "1.0" + OSC_TITLE,
            "argos_version": "1.9", "links": [link]}


def test_index_fields_with_escapes_are_listed_clean(env: QariEnv, server: LoopbackServer) -> None:
    entries = [hostile_entry("http://127.0.0.1:9/x.argosmodel"),
               {**hostile_entry("http://127.0.0.1:9/y.argosmodel"), "from_code": "x" + ESCAPES}]
    server.route("/idx/index.json", Response.json(entries))
    result = run_clean(env, "models", "available", "--index", server.url("/idx/"))
    assert result.code == 0, result
    assert "translate-ar_en^[" in result.out and len(result.out.splitlines()) == 2


def test_install_from_a_hostile_index_says_it_in_one_clean_line(env: QariEnv, server: LoopbackServer) -> None:
    server.route("/idx/index.json", Response.json([hostile_entry("ftp://127.0.0.1/pkg.argosmodel")]))
    result = run_clean(env, "models", "install", "ar", "en", "--index", server.url("/idx/"), "--retries", "1")
    assert_one_line_error(result, 1, "translate-ar_en^[", "no http(s) download link")


def test_index_answering_503_with_escapes(env: QariEnv, server: LoopbackServer) -> None:
    def answer(req, srv) -> None:
        req.wfile.write(b"HTTP/1.1 503 " + OSC_TITLE.encode() + b"\x1b]52;c;cHduZWQ=\x07\r\n"
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        req.close_connection = True

    server.route("/idx/index.json", answer)
    for args in (("available",), ("install", "ar", "en", "--retries", "1")):
        result = run_clean(env, "models", *args, "--index", server.url("/idx/"))
        assert_one_line_error(result, 1, "503")


def test_package_file_with_escapes_in_its_metadata(env: QariEnv, tmp_path: Path) -> None:
    package = hostile_package(tmp_path / "evil.argosmodel", code="translate-ar_en" + ESCAPES,
                              package_version="1.0" + OSC_TITLE)
    installed = run_clean(env, "models", "install", str(package))
    assert installed.code == 0, installed
    listed = run_clean(env, "models", "list")
    assert listed.code == 0 and "translate-ar_en^[" in listed.out, listed


def test_package_file_with_escapes_in_from_code(env: QariEnv, tmp_path: Path) -> None:
    package = hostile_package(tmp_path / "evil.argosmodel", from_code="ar" + ESCAPES)
    result = run_clean(env, "models", "install", str(package))
    assert_one_line_error(result, 1, "is a package for", "not ar→en")
