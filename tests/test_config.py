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


def test_theme_list_matches_textuals_built_in_themes() -> None:
    """reader.config cannot import Textual, so it writes the names out; this keeps them true."""
    from textual.theme import BUILTIN_THEMES

    from reader.config import THEMES

    assert sorted(THEMES) == sorted(BUILTIN_THEMES)
    assert Config().theme in THEMES


def test_unknown_theme_is_a_warning_and_the_default_file_lists_the_themes(tmp_path: Path) -> None:
    from reader.config import DEFAULT_CONFIG_TEXT, THEMES

    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\n', encoding="utf-8")
    assert load_config(path).theme == "nord" and load_config(path).warnings == []
    path.write_text('theme = "solarised"\n', encoding="utf-8")
    config = load_config(path)
    assert config.theme == Config().theme
    (warning,) = config.warnings
    assert "'solarised'" in warning and all(name in warning for name in THEMES)
    comments = "\n".join(line for line in DEFAULT_CONFIG_TEXT.splitlines() if line.startswith("#"))
    assert all(name in comments for name in THEMES)


def test_default_file_is_replaced_only_with_force(isolated_dirs: Path) -> None:
    import pytest

    from reader.export import ExportExists

    path = write_default_config()
    path.write_text('layout = "stacked"\n', encoding="utf-8")
    with pytest.raises(ExportExists):
        write_default_config()
    assert load_config().layout == "stacked"
    write_default_config(force=True)
    assert load_config() == Config()


def test_unreadable_settings_name_the_path_once(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.mkdir()  # reading a directory fails with an OSError that names the path itself
    (warning,) = load_config(path).warnings
    assert warning.count(str(path)) == 1
