"""Run the real `qari` command line in a subprocess, isolated from the user's files: HOME, the
XDG dirs and ARGOS_PACKAGES_DIR point at temporary dirs (Argos reads them at import time, so
a subprocess is the honest way to test them). Shared by test_cli.py and test_hostile_inputs.py."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURE_MODEL  # one definition (and QARI_TEST_MODEL_SEED)
from paths import REPO, SAMPLE

__all__ = ["FIXTURE_MODEL", "REPO", "SAMPLE", "QariEnv", "Result", "assert_error_after_warnings",
           "assert_no_traceback", "assert_one_line_error", "jsonl", "unprivileged_prefix"]


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float = 0.0

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, err={self.err[-2000:]!r}, out={self.out[:500]!r})"


@dataclass
class QariEnv:
    """One isolated set of user dirs (and an Argos packages dir)."""

    root: Path
    packages: Path

    @classmethod
    def create(cls, root: Path, packages: Path | None = None) -> QariEnv:
        root.mkdir(parents=True, exist_ok=True)
        for sub in ("home", "config", "cache", "data"):
            (root / sub).mkdir(exist_ok=True)
        packages = packages or root / "argos-packages"
        packages.mkdir(parents=True, exist_ok=True)
        return cls(root, packages)

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def cache_db(self) -> Path:
        return self.root / "cache" / "qari" / "translations.sqlite3"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("QARI_", "XDG_", "ARGOS_")) and k not in ("HOME", "NLTK_DATA", "COLUMNS")}
        env.update(
            HOME=str(self.root / "home"),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_CACHE_HOME=str(self.cache_dir),
            XDG_DATA_HOME=str(self.root / "data"),
            ARGOS_PACKAGES_DIR=str(self.packages),
            NLTK_DATA=str(self.root / "no-nltk-data"),
            PYTHONIOENCODING="utf-8",
            COLUMNS="100",
        )
        env.update(extra)
        return env

    def run(self, *args: str | os.PathLike, input: bytes | str | None = None, timeout: float = 120,
            cwd: Path | None = None, unprivileged: bool = False, max_file_size: int | None = None,
            **extra_env: str) -> Result:
        """Run ``qari ARGS``. ``unprivileged``: subject to file permissions even when the suite
        runs as root (see :func:`unprivileged_prefix`; skips the test where that is impossible).
        ``max_file_size``: RLIMIT_FSIZE for the process, so that any write past that many bytes
        fails in the kernel (EFBIG) like a disk that fills up mid-write, without root."""
        import time

        if isinstance(input, str):
            input = input.encode("utf-8")
        prefix: tuple[str, ...] = ()
        if unprivileged:
            prefix = unprivileged_prefix()
        preexec = None
        if max_file_size is not None:
            def preexec() -> None:
                import resource
                import signal

                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
                resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))
        started = time.perf_counter()
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "reader", *map(str, args)],
            input=input if input is not None else b"",
            capture_output=True,
            timeout=timeout,
            cwd=cwd or self.root,
            env=self.env(**extra_env),
            preexec_fn=preexec,
        )
        return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"), time.perf_counter() - started)

    def install_model(self) -> None:
        result = self.run("models", "install", FIXTURE_MODEL)
        assert result.code == 0, result
        assert "Traceback" not in result.err


# Root ignores file permissions (CAP_DAC_OVERRIDE), so a test of "permission denied" must run
# the one process that is to be refused without root's privileges. setpriv empties the
# capability bounding set: the command still runs as uid 0 (it can use the interpreter under
# /root and the test's 0700 temp dirs, which it owns) but an exec gains no capability, so the
# permission bits apply to it exactly as to a normal user.
DROP_CAPABILITIES = ("setpriv", "--bounding-set=-all", "--inh-caps=-all", "--")


@functools.lru_cache(maxsize=1)
def _probe_unprivileged() -> tuple[tuple[str, ...] | None, str]:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return (), "not root: file permissions apply already"
    with tempfile.TemporaryDirectory(prefix="qari-privdrop-") as tmp:
        secret = Path(tmp) / "secret"
        secret.write_text("x")
        secret.chmod(0)
        code = "import sys, reader\ntry:\n    open(sys.argv[1])\nexcept PermissionError:\n    sys.exit(77)\n"
        try:
            done = subprocess.run([*DROP_CAPABILITIES, sys.executable, "-c", code, str(secret)],
                                  capture_output=True, text=True, timeout=60)
        except OSError as exc:
            return None, f"cannot drop root's privileges: {exc}"
    if done.returncode != 77:
        return None, f"cannot drop root's privileges with setpriv: {done.stderr.strip()[-300:] or done.returncode}"
    return DROP_CAPABILITIES, "root: capabilities dropped with setpriv"


def unprivileged_prefix() -> tuple[str, ...]:
    """The command prefix under which a subprocess is refused what file permissions forbid:
    nothing for a normal user, :data:`DROP_CAPABILITIES` for root (checked once: a chmod-0 file
    must be refused). Skips the calling test where neither works."""
    prefix, why = _probe_unprivileged()
    if prefix is None:
        import pytest

        pytest.skip(why)
    return prefix


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err and "Traceback" not in result.out, result


def assert_one_line_error(result: Result, code: int, *phrases: str) -> str:
    """A failure the user caused: exit `code`, nothing on stdout, one `qari: ...` line on stderr."""
    assert_no_traceback(result)
    assert result.code == code, result
    assert result.out == "", result
    lines = result.err_lines
    assert len(lines) == 1 and lines[0].startswith("qari: "), result
    for phrase in phrases:
        assert phrase in lines[0], (phrase, result)
    return lines[0]


def assert_error_after_warnings(result: Result, code: int, *phrases: str) -> str:
    """A failure after the run's warnings (e.g. no model): the last stderr line is the error."""
    assert_no_traceback(result)
    assert result.code == code, result
    assert result.out == "", result
    *before, last = result.err_lines
    assert last.startswith("qari: ") and not last.startswith("qari: warning:"), result
    assert all(line.startswith(("qari: warning: ", "  ")) for line in before), result
    for phrase in phrases:
        assert phrase in last, (phrase, result)
    return last


def jsonl(text: str) -> list[dict]:
    import json

    return [json.loads(line) for line in text.splitlines() if line.strip()]


MEASURED_MAIN = """
import sys
from reader.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
sys.stderr.flush()
# VmHWM: this process's own peak resident size. (getrusage's ru_maxrss is not: on Linux it
# starts from the parent's size at fork, so under a large pytest process it reads ~400 MB.)
with open("/proc/self/status", encoding="ascii") as status:
    print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
sys.exit(code)
"""
"""Python source for ``python -c MEASURED_MAIN ARGS``: ``qari ARGS`` that prints its own peak
resident memory (bytes) as the last line of stdout."""
