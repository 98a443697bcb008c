"""The layering rule: the core (`reader/`, all but the App shell `reader.app`) never imports
Textual or `widgets`, so scripts and batch work never pay for the UI and the core can be tested
without it. Each module is imported in a fresh interpreter, where nothing else has loaded."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import reader

# Every module of the core, in its subpackages too (the subpackages themselves included).
CORE = sorted(
    info.name for info in pkgutil.walk_packages(reader.__path__, "reader.")
    if info.name not in ("reader.app", "reader.__main__")
)

PROBE = (
    "import importlib, sys; importlib.import_module(sys.argv[1]); "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'widgets')); "
    "print(','.join(bad))"
)


def test_the_core_has_modules():
    assert {"reader.model", "reader.translation.translation_job", "reader.text.bidi", "reader.cli"} <= set(CORE)


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_textual(module):
    result = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} pulled in: {result.stdout.strip()}"


def test_the_static_import_contract_holds():
    """The same rule read from the source (import-linter, configured in pyproject.toml): an
    import inside a function counts too, so a lazy `import textual` in the core is caught
    before any code path runs it."""
    from pathlib import Path

    from paths import REPO

    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 kept, 0 broken" in result.stdout  # the four contracts of [tool.importlinter]


def test_each_layer_is_a_subpackage():
    """The core's layers are subpackages of reader/ (named in the layers contract of
    pyproject.toml), and each is in the walk above, so every module in them is checked."""
    for layer in ("reader.text", "reader.web", "reader.store", "reader.translation", "reader.summary",
                  "reader.batch"):
        assert layer in CORE
        assert any(name.startswith(layer + ".") for name in CORE), layer
