"""Shared test setup. Every test session runs with its own empty HOME, XDG dirs and Argos
packages dir, so no test reads or writes the user's real config, cache or models (Argos reads
these variables when it is first imported, so they are set before any test module loads).

The one definition of the repository paths and of the fixture model every test uses
(tests/clirun.py and the test modules import them from here). ``QARI_TEST_MODEL_SEED=N``
(N > 0) replaces the committed model by one built from seed N, once per session, in the
session's temp dir: its English differs, so a test that depends on the fixture model's wording
fails with it (run the model tests with two seeds, as .ci/run does)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from paths import FIXTURES, REPO, SAMPLE  # noqa: F401 - REPO, SAMPLE: also the names older helpers import from here

COMMITTED_MODEL = FIXTURES / "translate-ar_en-tiny.argosmodel"
MODEL_SEED_VAR = "QARI_TEST_MODEL_SEED"

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="qari-tests-home-"))


def model_seed() -> int:
    """The seed of the fixture model in use (0: the committed file)."""
    raw = os.environ.get(MODEL_SEED_VAR, "").strip() or "0"
    try:
        seed = int(raw)
    except ValueError:
        raise pytest.UsageError(f"{MODEL_SEED_VAR} must be an integer, not {raw!r}") from None
    if seed < 0:
        raise pytest.UsageError(f"{MODEL_SEED_VAR} must be 0 or more, not {seed}")
    return seed


def _fixture_model() -> Path:
    """The committed tiny model, or (QARI_TEST_MODEL_SEED=N) the tiny model built from seed N.

    A tiny build takes under a second, so it is built at import, once per session."""
    seed = model_seed()
    if seed == 0:
        return COMMITTED_MODEL
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_argosmodel", REPO / "tests" / "fixtures" / "make_argosmodel.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator.build_argosmodel(_SESSION_HOME / f"model-seed-{seed}", size="tiny", seed=seed)


FIXTURE_MODEL = _fixture_model()


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


# Fixtures that hold or use the fixture model: a test that requests one (or names
# FIXTURE_MODEL in its body) is marked `fixture_model`, so a CI step can run exactly these
# tests again with another seed: QARI_TEST_MODEL_SEED=1 python -m pytest -m fixture_model
MODEL_FIXTURES = frozenset({"with_model", "translated", "app_tiny_model", "packages_dir", "argos_dir",
                            "translator", "fixture_package", "fixture_files"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        code = getattr(getattr(item, "function", None), "__code__", None)
        names = set(code.co_names) if code is not None else set()
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or names & {"FIXTURE_MODEL", "FIXTURE"}:
            item.add_marker(pytest.mark.fixture_model)


def pytest_report_header(config: pytest.Config) -> str:
    seed = model_seed()
    return f"qari fixture model: seed {seed} ({'committed file' if seed == 0 else FIXTURE_MODEL})"


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


# --- TUI tests (reader/app.py, widgets/): fixtures are namespaced app_* / sample_article -------

@pytest.fixture(scope="session")
def sample_article():
    """The bundled sample article, loaded once."""
    from reader.article import load_article

    return load_article(SAMPLE)


@pytest.fixture
def app_config():
    """A fixed Config for TUI tests (not read from any file)."""
    from reader.config import Config

    return Config(layout="side", show_translation=True, show_summary=True, algorithm="news",
                  summary_sentences=0, bidi="app", shape=True, theme="textual-dark")


@pytest.fixture
def app_save_dir(tmp_path: Path) -> Path:
    """Where the save dialog proposes files in TUI tests (instead of the real cwd)."""
    path = tmp_path / "saves"
    path.mkdir()
    return path


@pytest.fixture
def offline_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Argos packages dir (argostranslate.settings patched) and no proxy variables, for
    the loopback tests of downloads and installs (a proxy would take their requests elsewhere)."""
    from argostranslate import settings

    directory = tmp_path / "argos-data" / "packages"
    directory.mkdir(parents=True)
    monkeypatch.setattr(settings, "package_data_dir", directory)
    monkeypatch.setattr(settings, "package_dirs", [directory])
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return directory


@pytest.fixture
def loopback_server():
    """A local HTTP server on 127.0.0.1 (tests/loopback.py), stopped after the test."""
    from loopback import LoopbackServer

    with LoopbackServer() as server:
        yield server


@pytest.fixture
def app_packages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Argos packages dir for one TUI test (argostranslate.settings patched)."""
    from argostranslate import settings

    path = tmp_path / "argos-packages"
    path.mkdir()
    monkeypatch.setattr(settings, "package_data_dir", path)
    monkeypatch.setattr(settings, "package_dirs", [path])
    return path


@pytest.fixture
def app_translator_factory(app_packages_dir: Path, tmp_path: Path):
    """A translator factory as cli.py builds it, with a temporary cache (nothing installed
    unless the test installs a model: then it raises NoModelError)."""

    def factory():
        from reader.translation.cache import TranslationCache
        from reader.translation.translate import load_translator

        return load_translator("ar", "en", cache=TranslationCache(tmp_path / "translations.sqlite"))

    return factory


@pytest.fixture
def app_tiny_model(app_packages_dir: Path, app_translator_factory):
    """The real tiny fixture model installed in the temporary packages dir; returns the factory."""
    from reader.translation import packages as models

    models.install_file(FIXTURE_MODEL)
    return app_translator_factory


# --- CLI subprocess environments (tests/clirun.py): isolated HOME, XDG dirs and packages ----

@pytest.fixture(scope="module")
def with_model(tmp_path_factory: pytest.TempPathFactory):
    """A CLI environment with the tiny fixture model installed (once per test module)."""
    from clirun import QariEnv

    env = QariEnv.create(tmp_path_factory.mktemp("cli-model"))
    env.install_model()
    return env


@pytest.fixture(scope="module")
def no_model(tmp_path_factory: pytest.TempPathFactory):
    """A CLI environment with no translation model."""
    from clirun import QariEnv

    return QariEnv.create(tmp_path_factory.mktemp("cli-no-model"))


# --- UAX #9 conformance count (tests/test_bidi_conformance.py) ---------------------------

def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print how many BidiCharacterTest.txt cases pass, when the conformance test ran."""
    results = getattr(config, "qari_bidi_conformance", None)
    if not results:
        return
    passed = sum(p for p, _ in results.values())
    total = sum(t for _, t in results.values())
    directions = ", ".join(
        f"{name} {results[d][0]:,}/{results[d][1]:,}" for d, name in ((0, "LTR"), (1, "RTL"), (2, "auto")) if d in results
    )
    terminalreporter.write_line(f"BidiCharacterTest.txt: {passed:,} of {total:,} cases pass ({directions})")
