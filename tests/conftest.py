"""Shared test setup. Every test session runs with its own empty HOME, XDG dirs and Argos
packages dir, so no test reads or writes the user's real config, cache or models (Argos reads
these variables when it is first imported, so they are set before any test module loads)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "assets" / "articles" / "zad-jordan-musk-trump-interview.ar.txt"
FIXTURE_MODEL = REPO / "tests" / "fixtures" / "translate-ar_en-tiny.argosmodel"

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="qari-tests-home-"))


def pytest_configure(config: pytest.Config) -> None:
    for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                      ("XDG_DATA_HOME", ".local/share")):
        path = _SESSION_HOME / sub
        path.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(path)
    packages = _SESSION_HOME / "argos-packages"
    packages.mkdir(exist_ok=True)
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages)
    os.environ.pop("QARI_CONFIG", None)
    os.environ["NLTK_DATA"] = str(_SESSION_HOME / "no-nltk-data")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fresh config and cache dirs for one test."""
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    return tmp_path
