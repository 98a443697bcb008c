"""Run the real `qari` command line in a subprocess, isolated from the user's files: HOME, the
XDG dirs and ARGOS_PACKAGES_DIR point at temporary dirs (Argos reads them at import time, so
a subprocess is the honest way to test them). Shared by test_cli.py and test_hostile_inputs.py."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURE_MODEL, REPO, SAMPLE  # one definition (and QARI_TEST_MODEL_SEED)

__all__ = ["FIXTURE_MODEL", "REPO", "SAMPLE", "QariEnv", "Result", "assert_error_after_warnings",
           "assert_no_traceback", "assert_one_line_error", "jsonl"]


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
            cwd: Path | None = None, **extra_env: str) -> Result:
        import time

        if isinstance(input, str):
            input = input.encode("utf-8")
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "reader", *map(str, args)],
            input=input if input is not None else b"",
            capture_output=True,
            timeout=timeout,
            cwd=cwd or self.root,
            env=self.env(**extra_env),
        )
        return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                      proc.stderr.decode("utf-8", "replace"), time.perf_counter() - started)

    def install_model(self) -> None:
        result = self.run("models", "install", FIXTURE_MODEL)
        assert result.code == 0, result
        assert "Traceback" not in result.err


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
