"""End to end: run the real `qari` console script in a terminal, as a person would.

tmux gives the terminal (`new-session -d -x 160 -y 48`); keys go in with `send-keys` and the
screen comes back with `capture-pane -p -N`. HOME and the XDG dirs are temporary; the Argos
packages dir is temporary and empty (no model: the English pane explains how to get one) or
holds the tiny fixture model. A pty test checks the VTE bidi-mode escapes on start and exit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from paths import REPO
from screen import Terminal, qari_command, require_tmux, terminal_env, wait_until

pytestmark = pytest.mark.e2e

ARABIC = re.compile("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefc]")
QARI = Path(sys.executable).with_name("qari")


@pytest.fixture
def e2e_env(tmp_path: Path) -> dict[str, str]:
    return terminal_env(tmp_path)


class Tmux(Terminal):
    """The 160x48 terminal of these tests, read as plain text."""

    def __init__(self, socket: str, env: dict[str, str]) -> None:
        super().__init__(env, 160, 48, socket)

    run = Terminal.tmux

    def screen(self) -> str:
        return self.text()

    def wait_for(self, predicate, timeout: float = 20.0) -> str:
        last = [""]

        def matched() -> str | None:
            last[0] = self.screen()
            return last[0] if predicate(last[0]) else None

        try:
            return wait_until(matched, timeout)
        except AssertionError:
            raise AssertionError("screen never matched; last screen:\n" + last[0]) from None


@pytest.fixture
def tmux(e2e_env, tmp_path):
    require_tmux()
    session = Tmux(f"qari-test-{os.getpid()}-{tmp_path.name}", e2e_env)
    yield session
    session.close()


def pane_lines(screen: str, column: slice) -> list[str]:
    return [line[column] for line in screen.splitlines()]


def highlighted_rows(tmux: Tmux) -> set[int]:
    """Rows of the Arabic pane whose text carries a background colour (the cursor sentence)."""
    raw = tmux.run("capture-pane", "-p", "-e", "-N", "-t", "qari").stdout
    rows = set()
    for y, line in enumerate(raw.splitlines()):
        left = line.split("││", 1)[0] if "││" in line else line
        # A background escape followed by Arabic text on the same row.
        if re.search(r"\x1b\[[0-9;]*48;5;(?!233|234|235|16\b)\d+m[^\x1b]*[\u0621-\u064a\ufb50-\ufefc]", left):
            rows.add(y)
    return rows


def arabic_pane(screen: str) -> str:
    """The left pane of the side-by-side layout (left of the double border `││`)."""
    return "\n".join(line.split("││")[0] for line in screen.splitlines() if "││" in line)


@pytest.mark.tmux
def test_reader_in_tmux_without_model(tmux):
    tmux.start(qari_command())
    screen = tmux.wait_for(
        lambda s: all(t in s for t in ("Arabic", "English", "Summary", "No Arabic")) and ARABIC.search(arabic_pane(s))
    )
    assert "No Arabic→English translation model is installed" in screen
    assert "Press i to download and install it" in screen and "qari models install" in screen
    # Arabic is drawn right-aligned: its lines end at the pane's right border.
    rows = [line.split("││")[0] for line in screen.splitlines() if "││" in line and ARABIC.search(line.split("││")[0])]
    ends = {len(row.rstrip(" │▁▂▃▄▅▆▇█")) for row in rows}
    assert len(rows) > 5 and len(ends) == 1, rows
    assert "Arabic · 2/32 · §1/21" in screen  # the position, in the Arabic pane's title: the headline
    first = highlighted_rows(tmux)
    assert first
    tmux.keys("j", "j", "j")
    tmux.wait_for(lambda s: "Arabic · 5/32 ·" in s)
    after = wait_until(lambda: (rows := highlighted_rows(tmux)) and rows != first and rows)  # the new frame
    assert after and after != first
    tmux.keys("l")
    tmux.wait_for(lambda s: "Layout: stacked" in s)
    tmux.keys("q")
    final = tmux.wait_for(lambda s: "QARI_EXIT=" in s)
    assert "QARI_EXIT=0" in final


@pytest.mark.tmux
def test_reader_in_tmux_with_tiny_model(tmux, e2e_env):
    from conftest import FIXTURE_MODEL

    installed = subprocess.run(qari_command() + ["models", "install", str(FIXTURE_MODEL)], env=e2e_env,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    tmux.start(qari_command())
    screen = tmux.wait_for(lambda s: "translated" in s, timeout=60)
    total = re.search(r"(\d+)/\1 translated", screen)
    assert total, screen
    assert "model: translate-ar_en" in screen
    tmux.keys("C-c")
    final = tmux.wait_for(lambda s: "QARI_EXIT=" in s)
    assert "QARI_EXIT=0" in final


def test_vte_bidi_mode_escapes(e2e_env):
    """In a real terminal qari asks for explicit bidi mode (ESC[8l) and restores ESC[8h."""
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(qari_command()[0], qari_command(), {**e2e_env, "COLUMNS": "100", "LINES": "30"})
    output = b""
    deadline = time.monotonic() + 30
    sent_quit = False
    quit_at = 0.0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            # Once the app has drawn and switched the bidi mode, quit; press again if the
            # first press came before it read its input.
            if b"Arabic" in output and b"\x1b[8l" in output and time.monotonic() - quit_at > 2:
                os.write(fd, b"q")
                sent_quit, quit_at = True, time.monotonic()
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert sent_quit, output[-2000:]
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[8l" in output
    assert output.rfind(b"\x1b[8h") > output.find(b"\x1b[8l")


def long_article(path: Path, copies: int = 60) -> Path:
    """The sample article repeated, every sentence made distinct (a number before its full
    stop), so the fixture model has several seconds of work and nothing repeats."""
    from reader.article import sample_article_path

    lines = sample_article_path().read_text(encoding="utf-8").splitlines()
    out = []
    for copy in range(copies):
        out.extend(re.sub(r"([.!?؟])(\s|$)", rf" {copy}\1\2", line) + f" {copy}" if line.strip() else ""
                   for line in lines)
        out.append("")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def start_long_article(tmux, e2e_env, tmp_path) -> None:
    from conftest import FIXTURE_MODEL

    installed = subprocess.run(qari_command() + ["models", "install", str(FIXTURE_MODEL)], env=e2e_env,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    article = long_article(tmp_path / "long.txt")
    tmux.start(qari_command(str(article)))
    tmux.wait_for(lambda s: re.search(r"English · \d+/\d+ · ETA", s) is not None, timeout=60)


@pytest.mark.tmux
def test_q_quits_mid_translation(tmux, e2e_env, tmp_path):
    """`q` while a long article translates ends the reader with status 0 (the timeout is only
    a hang guard, not a speed check: bench_translating.py measures the time)."""
    start_long_article(tmux, e2e_env, tmp_path)
    tmux.keys("j", "j")
    screen = tmux.wait_for(lambda s: "Arabic · " in s and re.search(r"English · (\d+)/(\d+)", s) is not None)
    done, total = map(int, re.search(r"English · (\d+)/(\d+)", screen).groups())
    assert done < total, "still translating when q is pressed"
    tmux.keys("q")
    final = tmux.wait_for(lambda s: "QARI_EXIT=" in s, timeout=30)
    assert "QARI_EXIT=0" in final

