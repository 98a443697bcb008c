"""Read a real terminal screen with its colours, as a reader sees it.

`capture-pane -p -e` gives tmux's screen with SGR escapes; pyte (a VT100 emulator) turns them
into cells with a character, a foreground, a background and attributes. Tests then ask what a
reader would: is this row's text on the theme background, do two highlights look different,
do the Arabic and English paragraphs start on the same row.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyte

SCROLLBAR = set("▁▂▃▄▅▆▇█▔▕▏▎▍▌▋▊▉")
"""Glyphs Textual draws scrollbar thumbs with (not text)."""
ARABIC = re.compile("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefc]")


QARI = Path(sys.executable).with_name("qari")


def qari_command(*args: str) -> list[str]:
    """The installed `qari` console script (or `python -m reader` without one)."""
    return ([str(QARI)] if QARI.exists() else [sys.executable, "-m", "reader"]) + list(args)


def terminal_env(root: Path) -> dict[str, str]:
    """A clean environment for qari in tmux: HOME, XDG dirs and an Argos packages dir under
    `root` (empty: no model), 256 colours, UTF-8."""
    home = root / "home"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "ARGOS_PACKAGES_DIR": str(root / "argos-packages"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    for key in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "ARGOS_PACKAGES_DIR"):
        Path(env[key]).mkdir(parents=True, exist_ok=True)
    return env


@dataclass(frozen=True)
class Cell:
    char: str
    fg: str
    bg: str
    bold: bool


class Screen:
    """A captured screen: `rows[y][x]` is a `Cell`."""

    def __init__(self, ansi: str, width: int, height: int) -> None:
        screen = pyte.Screen(width, height)
        stream = pyte.Stream(screen)
        # tmux writes an attribute only where it changes, across line ends too: feed the lines
        # as one stream (never reset between them), each starting at its own row.
        for y, line in enumerate(ansi.split("\n")[:height]):
            stream.feed(f"\x1b[{y + 1};1H" + line)
        self.width, self.height = width, height
        self.rows = [
            [Cell(screen.buffer[y][x].data, screen.buffer[y][x].fg, screen.buffer[y][x].bg,
                  screen.buffer[y][x].bold) for x in range(width)]
            for y in range(height)
        ]

    def text(self, y: int, x0: int = 0, x1: int | None = None) -> str:
        return "".join(c.char for c in self.rows[y][x0:x1])

    @property
    def plain(self) -> str:
        return "\n".join(self.text(y) for y in range(self.height))

    def find_title(self, title: str) -> tuple[int, int]:
        """(row, column) of a pane title in the top border."""
        for y in range(self.height):
            x = self.text(y).find(title)
            if x >= 0:
                return y, x
        raise AssertionError(f"{title!r} not on screen:\n{self.plain}")

    def pane_box(self, title: str) -> tuple[int, int, int, int]:
        """(top, left, bottom, right) of the interior of the bordered pane titled `title`
        (found by walking its border from the title)."""
        y, x = self.find_title(title)
        row = self.text(y)
        left = row.rfind("╭", 0, x)
        right = row.find("╮", x)
        bottom = y + 1
        while bottom < self.height and self.rows[bottom][left].char in "│┃":
            bottom += 1
        # Interior: inside the border and its one-cell padding; the last column holds the scrollbar.
        return y + 1, left + 2, bottom - 1, right - 2

    def region_rows(self, box: tuple[int, int, int, int]) -> list[list[Cell]]:
        top, left, bottom, right = box
        return [self.rows[y][left:right] for y in range(top, bottom)]


def has_text(cells: list[Cell]) -> bool:
    return any(c.char.strip() and c.char not in SCROLLBAR for c in cells)


def paragraph_starts(rows: list[list[Cell]]) -> list[int]:
    """Rows (relative to the box) where a paragraph begins: text after a blank row. The first
    row is left out (it may be the middle of a paragraph scrolled off the top)."""
    return [y for y in range(1, len(rows)) if has_text(rows[y]) and not has_text(rows[y - 1])]


class Terminal:
    """qari running in a detached tmux session of a fixed size."""

    def __init__(self, env: dict[str, str], width: int, height: int, name: str) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("tmux is not installed")
        self.env, self.width, self.height = env, width, height
        self.socket = name

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              env=self.env, check=check, timeout=20)

    def start(self, command: list[str]) -> None:
        script = " ".join(f"'{part}'" for part in command) + "; echo QARI_EXIT=$?; sleep 30"
        self.tmux("new-session", "-d", "-s", "qari", "-x", str(self.width), "-y", str(self.height), script)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "qari", *keys)

    def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.tmux("resize-window", "-t", "qari", "-x", str(width), "-y", str(height))

    def text(self) -> str:
        """The screen as plain text (no colours, wrapped lines joined as tmux shows them)."""
        return self.tmux("capture-pane", "-p", "-N", "-t", "qari").stdout

    def capture(self) -> Screen:
        # -N keeps trailing cells: without it tmux trims a line's last blank cells and their colours.
        raw = self.tmux("capture-pane", "-p", "-e", "-N", "-t", "qari").stdout
        return Screen(raw, self.width, self.height)

    def wait_for(self, predicate, timeout: float = 30.0) -> Screen:
        deadline = time.monotonic() + timeout
        screen = None
        while time.monotonic() < deadline:
            screen = self.capture()
            try:
                if predicate(screen):
                    return screen
            except (AssertionError, IndexError, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError("screen never matched; last screen:\n" + (screen.plain if screen else ""))

    def settle(self, pause: float = 0.25, timeout: float = 10.0) -> Screen:
        """The screen once two captures `pause` apart are identical (the app drew the frame)."""
        deadline = time.monotonic() + timeout
        last = self.capture()
        while time.monotonic() < deadline:
            time.sleep(pause)
            now = self.capture()
            if now.rows == last.rows:
                return now
            last = now
        return last

    def close(self) -> None:
        self.tmux("kill-server", check=False)
        folder = Path(self.env.get("TMUX_TMPDIR") or os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)
