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


def require_tmux() -> None:
    """Skip the calling test when tmux is missing, except under CI (``CI`` set), where that
    fails: CI installs tmux, so a skip there would hide the end-to-end tests."""
    import pytest

    if shutil.which("tmux") is None:
        message = "tmux is not installed (apt-get install tmux)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it")
        pytest.skip(message)


PASSED_THROUGH = ("PATH", "PYTHONPATH", "QARI_TEST_MODEL_SEED")
"""What the clean terminal environment keeps from the test's: the programs, the Python tree
under test (tests/mutation/run_mutants.py runs a mutated copy through PYTHONPATH) and the
fixture model's seed."""


def terminal_env(root: Path) -> dict[str, str]:
    """A clean environment for qari in tmux: HOME, XDG dirs and an Argos packages dir under
    `root` (empty: no model), 256 colours, UTF-8; PATH, PYTHONPATH and the model seed from
    the test's environment."""
    home = root / "home"
    env = {
        **{key: os.environ[key] for key in PASSED_THROUGH if os.environ.get(key)},
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


def wait_until(condition, timeout: float = 30.0, interval: float = 0.05):
    """Poll `condition()` until it returns something truthy (returned); AssertionError after
    `timeout` seconds. An assertion, index or value error inside it counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except (AssertionError, IndexError, ValueError):
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


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
        # Interior: inside the border and its one-cell padding left and right (none above or
        # below: `bottom` is the bottom border's row); the last column holds the scrollbar.
        return y + 1, left + 2, bottom, right - 2

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
        self.socket_path: Path | None = None
        """Where tmux made the server's socket (asked from tmux itself once it runs)."""

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              env=self.env, check=check, timeout=20)

    def start(self, command: list[str]) -> None:
        script = " ".join(f"'{part}'" for part in command) + "; echo QARI_EXIT=$?; sleep 30"
        self.tmux("new-session", "-d", "-s", "qari", "-x", str(self.width), "-y", str(self.height), script)
        shown = self.tmux("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
        self.socket_path = Path(shown) if shown else None

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
        """The first captured screen for which `predicate(screen)` holds."""
        last: list[Screen] = []

        def matched() -> Screen | None:
            last[:] = [self.capture()]
            return last[0] if predicate(last[0]) else None

        try:
            return wait_until(matched, timeout)
        except AssertionError:
            raise AssertionError("screen never matched; last screen:\n" + (last[0].plain if last else "")) from None

    def quit(self, key: str = "q", timeout: float = 30.0) -> Screen:
        """Press `key` until the app has exited (the first press may come before the app
        reads its input); the screen that shows the exit status."""
        deadline = time.monotonic() + timeout
        while True:
            self.keys(key)
            try:
                return self.wait_for(lambda s: "QARI_EXIT=" in s.plain, timeout=min(5.0, max(0.1, deadline - time.monotonic())))
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise

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
        """Stop the tmux server and remove its socket (tmux leaves it behind when killed)."""
        self.tmux("kill-server", check=False)
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
