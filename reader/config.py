"""User settings: a TOML file in the user config dir (platformdirs; honours XDG_CONFIG_HOME).

A missing file means defaults; a broken file or a bad value is reported as a warning and
replaced by the default, never a crash. :func:`set_setting` changes one key in place
(``qari models use`` writes ``model``), keeping the user's other lines and comments.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

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

DEFAULT_COMMON_WORDS = 5000
"""How many of the most frequent Arabic written forms (wordfreq) count as easy for the
difficulty of an article and the underline of unknown words (`reader.store.vocabulary`).

Why 5,000 for an intermediate reader: a learner at CEFR B1-B2 knows roughly the 2,000-4,000
most frequent lemmas, and wordfreq ranks *written forms*, where one lemma is spread over many
(كتاب، الكتاب، كتب، والكتاب): the 5,000 most frequent forms cover fewer distinct lemmas than
that, and a word counts as frequent when its form, its stem or its lemma's citation form is
among them. Fewer (1,000-2,000) suits a beginner; 10,000-20,000 an advanced reader."""
COMMON_WORDS_MAX = 50_000
"""`reader.store.vocabulary.RANK_LIMIT`: wordfreq ranks beyond it are not kept."""


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
common_words = 5000        # words this frequent count as easy (difficulty, key u); 1 to 50000
model = ""                 # the Arabic→English package to translate with (qari models use NAME); "" = the newest installed
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
    common_words: int = DEFAULT_COMMON_WORDS
    model: str = ""
    warnings: list[str] = field(default_factory=list, compare=False, repr=False)

    def with_overrides(self, **values: Any) -> Config:
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
        text = _read_settings_text(path)
    except FileNotFoundError:
        return config
    except OSError as exc:  # str(exc) would name the path a second time
        config.warnings.append(f"{path}: ignored, cannot read settings ({exc.strerror or type(exc).__name__})")
        return config
    except UnicodeDecodeError as exc:
        config.warnings.append(f"{path}: ignored, cannot read settings ({exc})")
        return config
    import tomllib  # here, not at the top: most readers have no settings file (start-up time)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
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
        if key == "common_words" and not 1 <= value <= COMMON_WORDS_MAX:
            config.warnings.append(f"{path}: common_words must be 1 to {COMMON_WORDS_MAX}; using {default!r}")
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


class ConfigError(Exception):
    """The settings file cannot be changed; the message is one line for the user."""


def _default_line(key: str) -> str | None:
    """The line of DEFAULT_CONFIG_TEXT that sets ``key`` (for its comment), if any."""
    match = re.search(rf"^{re.escape(key)}[ \t]*=.*$", DEFAULT_CONFIG_TEXT, re.M)
    return match.group(0) if match else None


def set_setting(key: str, value: str | bool | int, path: Path | None = None) -> Path:
    """Set one top-level key of the settings file, atomically, keeping every other line.

    The key's line is replaced (with the default file's comment for it), or added before the
    first table header (or at the end); a missing file is created from the commented defaults.
    A file that is not valid TOML is left alone (:class:`ConfigError`): rewriting it could lose
    what the user meant. Returns the path written."""
    from reader.export import ExportError, write_text_atomic

    if key not in {f.name for f in fields(Config)} or key == "warnings":
        raise ConfigError(f"unknown setting {key!r}")
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = DEFAULT_CONFIG_TEXT
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path} ({getattr(exc, 'strerror', None) or exc})") from None
    import json
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix or delete it first") from None
    rendered = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value).lower()
    line = f"{key} = {rendered}"
    default = _default_line(key)
    if default is not None and "#" in default:
        comment = default[default.index("#"):]
        line = f"{line:<26} {comment}"
    pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=.*$", re.M)
    if pattern.search(text):
        new_text = pattern.sub(lambda _m: line, text, count=1)
    else:
        table = re.search(r"^[ \t]*\[", text, re.M)
        if table:
            new_text = text[:table.start()] + line + "\n" + text[table.start():]
        else:
            new_text = text + ("" if not text or text.endswith("\n") else "\n") + line + "\n"
    try:
        written = tomllib.loads(new_text).get(key)
    except tomllib.TOMLDecodeError:  # a multi-line value the line edit broke: leave the file alone
        written = None
    if written != value:
        raise ConfigError(f"cannot set {key} in {path}: the file's {key} line could not be replaced safely; edit it by hand")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text_atomic(path, new_text, force=True)
    except (OSError, ExportError) as exc:
        raise ConfigError(f"cannot write {path} ({getattr(exc, 'strerror', None) or exc})") from None
