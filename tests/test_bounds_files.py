"""Local files as hostile input or hostile output targets: a settings file nested thousands of
levels deep or put as a FIFO, and ``-o`` pointing at a FIFO or a character device, plus the
modes of written files (the umask, an existing file's mode)."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from clirun import QariEnv
from paths import REPO, SAMPLE

from reader.config import Config, load_config
from reader.export import ExportError, write_text_atomic

CHECKOUT = {"PYTHONPATH": str(REPO)}  # subprocesses run this checkout's code, whatever is installed
DEFAULTS = {k: v for k, v in vars(Config()).items() if k != "warnings"}


def settings_of(config: Config) -> dict:
    return {k: v for k, v in vars(config).items() if k != "warnings"}


def test_deeply_nested_config_is_a_warning_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 5000 + "\n", encoding="utf-8")
    config = load_config(path)
    assert config.warnings == [f"{path}: ignored, cannot read settings (nested too deeply)"]
    assert settings_of(config) == DEFAULTS


def test_cli_with_a_deeply_nested_config_still_works(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 5000 + "\n", encoding="utf-8")
    env = QariEnv.create(tmp_path / "env")
    result = env.run("summarize", SAMPLE, "--no-translate", QARI_CONFIG=str(path), **CHECKOUT)
    assert result.code == 0, result
    assert result.out.strip()
    shown = env.run("config", QARI_CONFIG=str(path), **CHECKOUT)
    assert shown.code == 0, shown
    assert shown.err_lines == [f"qari: warning: {path}: ignored, cannot read settings (nested too deeply)"]


def test_config_that_is_a_fifo_is_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    os.mkfifo(path)
    env = QariEnv.create(tmp_path / "env")
    result = env.run("config", QARI_CONFIG=str(path), timeout=60, **CHECKOUT)
    assert result.code == 0, result
    assert f"qari: warning: {path}: ignored, cannot read settings (not a regular file)" in result.err_lines


def test_oversized_config_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    config = load_config(path)
    assert config.warnings == [f"{path}: ignored, cannot read settings (larger than 1024 KiB)"]


def test_output_into_a_fifo_writes_into_it(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _write_when_read(fifo, "نص\n")
    reader.join(10)
    assert received == ["نص\n".encode()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def _write_when_read(fifo: Path, text: str) -> None:
    """write_text_atomic into ``fifo`` once its reader has opened it (refused before that)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            write_text_atomic(fifo, text, force=True)
            return
        except ExportError as err:
            if "nobody reads" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def test_output_into_a_fifo_nobody_reads_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match=r"pipe: is a FIFO that nobody reads; not written$"):
        write_text_atomic(fifo, "x\n", force=True)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_cli_output_to_a_character_device_with_force_keeps_the_device(tmp_path: Path) -> None:
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
        with open(null, "wb") as handle:
            handle.write(b"x")
    except (PermissionError, OSError) as err:
        pytest.skip(f"cannot make or use a device node here ({err})")
    env = QariEnv.create(tmp_path / "env")
    result = env.run("summarize", SAMPLE, "--no-translate", "-o", null, "--force", **CHECKOUT)
    assert result.code == 0, result
    assert stat.S_ISCHR(null.stat().st_mode)
    assert os.major(null.stat().st_rdev) == 1 and os.minor(null.stat().st_rdev) == 3


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_new_output_follows_the_umask(tmp_path: Path, umask_027) -> None:
    path = write_text_atomic(tmp_path / "out.md", "x\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o664])
def test_overwritten_output_keeps_its_mode(tmp_path: Path, mode: int, umask_027) -> None:
    path = tmp_path / "out.md"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(mode)
    write_text_atomic(path, "new\n", force=True)
    assert path.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == mode
