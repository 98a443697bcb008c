"""User settings: a TOML file in the user config dir (platformdirs; honours XDG_CONFIG_HOME).

A missing file means defaults; a broken file or a bad value is reported as a warning and
replaced by the default, never a crash.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

LAYOUTS = ("side", "stacked", "interleaved")
BIDI_MODES = ("app", "terminal")
ALGORITHMS = ("news", "lexrank", "lsa", "textrank", "luhn", "kl", "sumbasic", "reduction")
# Textual's built-in theme names (`textual.theme.BUILTIN_THEMES`), written out so that reading
# the settings never imports Textual; tests/test_config.py checks the list against Textual's.
THEMES = (
    "textual-dark", "textual-light", "nord", "gruvbox", "catppuccin-mocha", "dracula", "tokyo-night",
    "monokai", "flexoki", "catppuccin-latte", "catppuccin-frappe", "catppuccin-macchiato",
    "solarized-light", "solarized-dark", "rose-pine", "rose-pine-moon", "rose-pine-dawn",
    "atom-one-dark", "atom-one-light", "ansi-dark", "ansi-light",
)


def _themes_comment() -> str:
    """The theme names as comment lines of at most about 90 characters."""
    import textwrap

    return "\n".join("#   " + line for line in textwrap.wrap(" | ".join(THEMES), 86, break_on_hyphens=False))


DEFAULT_CONFIG_TEXT = """\
# qari settings. Delete a line to get the default back.
layout = "side"            # side | stacked | interleaved
show_translation = true    # the English pane (key: t)
show_summary = true        # the summary pane (key: s)
algorithm = "news"         # news | lexrank | lsa | textrank | luhn | kl | sumbasic | reduction
summary_sentences = 0      # 0 = choose by article length
bidi = "app"               # app: qari orders RTL text; terminal: your terminal does (Konsole, mlterm, GNOME Terminal)
shape = true               # join Arabic letters (turn off if your terminal shapes by itself)
# theme: one of
{themes}
theme = "textual-dark"
max_width = 100            # widest line in the reading panes, in cells (0 = the whole pane)
show_tashkeel = true       # draw harakat in the Arabic pane (key: v)
""".format(themes=_themes_comment())


@dataclass
class Config:
    layout: str = "side"
    show_translation: bool = True
    show_summary: bool = True
    algorithm: str = "news"
    summary_sentences: int = 0
    bidi: str = "app"
    shape: bool = True
    theme: str = "textual-dark"
    max_width: int = 100
    show_tashkeel: bool = True
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    def with_overrides(self, **values: object) -> Config:
        """A copy with the given non-None values applied (command-line flags win)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_CHOICES = {"layout": LAYOUTS, "bidi": BIDI_MODES, "algorithm": ALGORITHMS}


def config_path() -> Path:
    override = os.environ.get("QARI_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("qari")) / "config.toml"


MAX_CONFIG_BYTES = 1024 * 1024  # the settings are a dozen lines


def _read_settings_text(path: Path) -> str:
    """The settings file's text, read with a bound: a FIFO or device there is not waited on and
    a huge file is not read (both raise OSError with a strerror for the warning)."""
    import errno
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_CONFIG_BYTES // 1024} KiB")
    return data.decode("utf-8")


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    config = Config()
    try:
        data = tomllib.loads(_read_settings_text(path))
    except FileNotFoundError:
        return config
    except OSError as exc:  # str(exc) would name the path a second time
        config.warnings.append(f"{path}: ignored, cannot read settings ({exc.strerror or type(exc).__name__})")
        return config
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        config.warnings.append(f"{path}: ignored, cannot read settings ({exc})")
        return config
    except RecursionError:  # thousands of nested [ or {: tomllib recurses once per level
        config.warnings.append(f"{path}: ignored, cannot read settings (nested too deeply)")
        return config
    known = {f.name: f for f in fields(Config) if f.name != "warnings"}
    for key, value in data.items():
        if key not in known:
            config.warnings.append(f"{path}: unknown setting {key!r} ignored")
            continue
        default = getattr(config, key)
        if type(value) is not type(default):
            config.warnings.append(f"{path}: {key} must be a {type(default).__name__}; using {default!r}")
            continue
        if key in _CHOICES and value not in _CHOICES[key]:
            config.warnings.append(f"{path}: {key} must be one of {', '.join(_CHOICES[key])}; using {default!r}")
            continue
        if key == "max_width" and value != 0 and value < 20:
            config.warnings.append(f"{path}: max_width must be 0 (no limit) or at least 20; using {default!r}")
            continue
        if key == "theme" and value not in THEMES:
            config.warnings.append(f"{path}: unknown theme {value!r}; using {default!r} "
                                   f"(themes: {', '.join(THEMES)})")
            continue
        if key == "summary_sentences" and value < 0:
            config.warnings.append(f"{path}: summary_sentences must be 0 or more; using 0")
            continue
        setattr(config, key, value)
    return config


def write_default_config(path: Path | None = None, *, force: bool = False) -> Path:
    """Create the settings file with commented defaults; an existing file is replaced only
    with `force` (raises reader.export.ExportExists otherwise)."""
    from reader.export import write_text_atomic

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, DEFAULT_CONFIG_TEXT, force=force)
