"""Settings file: defaults, values, and bad files that must never crash."""

from __future__ import annotations

from pathlib import Path

from reader.config import Config, config_path, load_config, write_default_config


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == Config()


def test_values_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('layout = "stacked"\nshow_summary = false\nbidi = "sideways"\nshape = "yes"\ncolour = 1\n')
    config = load_config(path)
    assert config.layout == "stacked" and config.show_summary is False
    assert config.bidi == "app" and config.shape is True
    assert len(config.warnings) == 3


def test_broken_toml_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"layout = [unclosed\n\xff")
    config = load_config(path)
    assert config == Config() and config.warnings


def test_default_file_round_trips(isolated_dirs: Path) -> None:
    path = write_default_config()
    assert path == config_path()
    assert str(path).startswith(str(isolated_dirs))
    config = load_config()
    assert config == Config() and config.warnings == []


def test_overrides() -> None:
    assert Config().with_overrides(layout="interleaved", bidi=None).layout == "interleaved"
