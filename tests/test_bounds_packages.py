"""Hostile packages and package indexes against reader.translation.packages' bounds (loopback only).

* a 1 MB ``.argosmodel`` whose ``metadata.json`` inflates to 400 MB: refused before it is
  inflated (peak memory of the whole ``qari models install`` measured in a subprocess), and
  nothing installed;
* an index of 100,000 nested ``[``: one line, no "internal error";
* a package whose top folder is the name of a directory of the user's in the packages dir:
  refused, the directory untouched;
* an install killed (SIGKILL) after unpacking: nothing listed, and the next install works;
* a truncated installed ``model.bin``: ``translate``/``summarize``/``batch`` say so in one
  line, exit 1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from clirun import FIXTURE_MODEL, MEASURED_MAIN, QariEnv, assert_one_line_error
from loopback import LoopbackServer, Response
from paths import REPO, SAMPLE

from reader.translation import packages as pkgs
from reader.translation.packages import ModelError

TOP = "translate-ar_en-qari-tiny"  # the fixture package's top folder
BOMB_BYTES = 400 * 1024 * 1024

CHECKOUT = {"PYTHONPATH": str(REPO)}  # subprocesses run this checkout's code, whatever is installed


def _repack(source: Path, dest: Path, replace: dict[str, object]) -> Path:
    """``source`` with some members replaced: bytes, or a callable writing into the member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in replace:
                continue
            new.writestr(info, old.read(info.filename))
        for name, content in replace.items():
            if callable(content):
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with new.open(info, "w", force_zip64=True) as member:
                    content(member)
            else:
                new.writestr(name, content)
    return dest


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture package with a metadata.json of 400 MB (valid JSON: a long string)."""
    def write(member) -> None:
        member.write(b'{"from_code": "ar", "to_code": "en", "pad": "')
        block = b" " * (4 * 1024 * 1024)
        for _ in range(BOMB_BYTES // len(block)):
            member.write(block)
        member.write(b'"}')

    path = _repack(FIXTURE_MODEL, tmp_path_factory.mktemp("bomb") / "bomb.argosmodel", {f"{TOP}/metadata.json": write})
    assert path.stat().st_size < 2 * 1024 * 1024
    return path


def _run_measured(env: QariEnv, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """``qari ARGS`` in a subprocess that reports its own peak RSS (bytes)."""
    proc = subprocess.run([sys.executable, "-c", MEASURED_MAIN, *args], capture_output=True, text=True, timeout=120,
                          cwd=env.root, env=env.env(**CHECKOUT))
    return proc, int(proc.stdout.split()[-1])


def test_zip_bomb_metadata_is_refused_with_bounded_memory(tmp_path: Path, bomb: Path) -> None:
    env = QariEnv.create(tmp_path / "env")
    proc, peak = _run_measured(env, "models", "install", str(bomb))
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("qari: "), proc.stderr
    assert f"{TOP}/metadata.json unpacks to 400 MiB" in lines[0] and "refused" in lines[0]
    assert peak < 300 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB"
    assert list(env.packages.iterdir()) == []
    listed = env.run("models", "list", **CHECKOUT)
    assert TOP not in listed.out


def test_member_larger_than_declared_is_not_read_past_its_cap(offline_packages: Path, tmp_path: Path) -> None:
    # a config.json over its cap is refused from its declared size, before inflating
    big = _repack(FIXTURE_MODEL, tmp_path / "big-config.argosmodel",
                  {f"{TOP}/model/config.json": lambda m: [m.write(b" " * 2**20) for _ in range(20)]})
    with pytest.raises(ModelError, match=r"model/config\.json unpacks to 20 MiB, more than the 16 MiB"):
        pkgs.install_file(big)
    assert list(offline_packages.iterdir()) == []


@pytest.fixture
def index_server(loopback_server: LoopbackServer) -> LoopbackServer:
    loopback_server.route("/idx/index.json", Response(b"[" * 100_000, content_type="application/json"))
    return loopback_server


def test_deeply_nested_index_is_one_error(index_server: LoopbackServer, offline_packages: Path) -> None:
    with pytest.raises(ModelError, match=r"^the Argos package index at .* is not valid JSON \(nested too deeply\)$"):
        pkgs.available(index_server.url("/idx/"), timeout=5)


def test_cli_deeply_nested_index_is_one_line(index_server: LoopbackServer, tmp_path: Path) -> None:
    env = QariEnv.create(tmp_path / "env")
    result = env.run("models", "available", "--index", index_server.url("/idx/"), "--timeout", "5", timeout=60, **CHECKOUT)
    assert_one_line_error(result, 1, "is not valid JSON (nested too deeply)")


def test_deeply_nested_metadata_is_refused(offline_packages: Path, tmp_path: Path) -> None:
    nested = _repack(FIXTURE_MODEL, tmp_path / "nested.argosmodel", {f"{TOP}/metadata.json": b"[" * 100_000})
    with pytest.raises(ModelError, match="metadata.json is nested too deeply"):
        pkgs.install_file(nested)
    assert list(offline_packages.iterdir()) == []


def test_users_directory_with_the_package_name_is_not_deleted(offline_packages: Path) -> None:
    mine = offline_packages / TOP
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes", encoding="utf-8")
    with pytest.raises(ModelError, match=rf"{TOP} already exists and is not an installed package .*move it away first"):
        pkgs.install_file(FIXTURE_MODEL)
    assert sorted(p.name for p in offline_packages.iterdir()) == [TOP]
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert pkgs.list_installed() == []


def test_reinstall_over_an_installed_package_still_works(offline_packages: Path) -> None:
    first = pkgs.install_file(FIXTURE_MODEL)
    (first.path / "marker").write_text("old copy", encoding="utf-8")
    second = pkgs.install_file(FIXTURE_MODEL)
    assert second.path == first.path and not (second.path / "marker").exists()
    assert [m.path for m in pkgs.list_installed()] == [second.path]


def test_install_killed_after_unpacking_leaves_nothing_listed(tmp_path: Path) -> None:
    env = QariEnv.create(tmp_path / "env")
    marker = tmp_path / "unpacked"
    # The install unpacks (argostranslate's way or qari's: both use ZipFile.extractall), says so,
    # and waits to be killed before it can finish.
    script = textwrap.dedent(f"""
        import sys, time, zipfile
        from pathlib import Path
        real = zipfile.ZipFile.extractall
        def extract_then_wait(self, *args, **kwargs):
            real(self, *args, **kwargs)
            Path({str(marker)!r}).write_text("unpacked")
            time.sleep(60)
        zipfile.ZipFile.extractall = extract_then_wait
        from reader.cli import main
        sys.exit(main(["models", "install", {str(FIXTURE_MODEL)!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=env.root, env=env.env(**CHECKOUT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the install never unpacked"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert list(env.packages.iterdir()) == []
    listed = env.run("models", "list", **CHECKOUT)
    assert TOP not in listed.out
    leftovers = [p for p in env.packages.parent.rglob("unpack-*") if p.is_dir()]
    assert len(leftovers) == 1  # the killed install's staging dir, outside the packages dir
    env.install_model()  # it does not get in the way, and is swept: its process is gone
    assert sorted(p.name for p in env.packages.iterdir()) == [TOP]
    assert not leftovers[0].exists()


@pytest.fixture(scope="module")
def broken_model_env(tmp_path_factory: pytest.TempPathFactory) -> QariEnv:
    env = QariEnv.create(tmp_path_factory.mktemp("broken-model"))
    env.install_model()
    model_bin = env.packages / TOP / "model" / "model.bin"
    with open(model_bin, "r+b") as handle:
        handle.truncate(model_bin.stat().st_size // 2)
    return env


@pytest.mark.parametrize("command", ["translate", "summarize", "batch"])
def test_truncated_model_is_one_line_not_an_internal_error(broken_model_env: QariEnv, command: str,
                                                           tmp_path: Path) -> None:
    args = [command, str(SAMPLE)] + (["-o", str(tmp_path / "out")] if command == "batch" else [])
    result = broken_model_env.run(*args, **CHECKOUT)
    line = assert_one_line_error(result, 1, "could not be loaded", "reinstall it")
    assert "internal error" not in line
    assert f"{TOP}/model" in line


def test_oversized_installed_metadata_is_not_read(offline_packages: Path) -> None:
    installed = pkgs.install_file(FIXTURE_MODEL)
    meta = installed.path / "metadata.json"
    original = json.loads(meta.read_text(encoding="utf-8"))
    with open(meta, "w", encoding="utf-8") as handle:  # grown past the cap after install
        handle.write(json.dumps({**original, "pad": " " * (2 * 1024 * 1024)}))
    assert pkgs.list_installed() == []


def test_pack_with_deeply_nested_config_is_one_error(offline_packages: Path, tmp_path: Path) -> None:
    from reader.translation import packing

    with zipfile.ZipFile(FIXTURE_MODEL) as archive:
        archive.extractall(tmp_path / "unpacked")
    model = tmp_path / "unpacked" / TOP / "model"
    (model / "config.json").write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(ModelError, match=r"config\.json is not valid JSON \(nested too deeply\)$"):
        packing.pack(model, tmp_path / "unpacked" / TOP / "sentencepiece.model", from_code="ar", to_code="en",
                     out=tmp_path / "out.argosmodel")
    (model / "config.json").unlink()
    (model / "shared_vocabulary.json").write_text("[" * 100_000, encoding="utf-8")  # unknown vocabulary: skipped
    packed = packing.pack(model, tmp_path / "unpacked" / TOP / "sentencepiece.model", from_code="ar", to_code="en",
                          out=tmp_path)
    assert pkgs.validate_package(packed, expect=("ar", "en")).top
