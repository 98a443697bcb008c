"""End to end, in a real terminal (tmux): one session reads several articles. The layout
chosen with `l` holds for the next article opened with `o`, the model is not loaded again for
it (its English pane never says "loading model"), and backspace comes back to the first."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
from screen import Terminal, qari_command, require_tmux, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.tmux]

OTHER = ("خبر آخر عن المحادثات\n\nقال الوزير إن المحادثات مستمرة. وأضاف أن الوفد سيعود غدا.\n\n"
         "وذكرت الصحيفة أن الاجتماع سيعقد في العاصمة. ولم يحدد موعده بعد.")


def stacked(screen) -> bool:
    """The Arabic pane above the English one (not beside it)."""
    arabic_y, _ = screen.find_title("Arabic")
    english_y, _ = screen.find_title("English")
    return english_y > arabic_y


def test_the_next_article_keeps_the_layout_and_the_loaded_model(tmp_path):
    from conftest import FIXTURE_MODEL

    from reader.article import parse_text

    require_tmux()
    count = len(parse_text(OTHER, source="other.txt").sentences)
    env = terminal_env(tmp_path)
    installed = subprocess.run(qari_command("models", "install", str(FIXTURE_MODEL)), env=env,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    other = tmp_path / "other.txt"
    other.write_text(OTHER, encoding="utf-8")
    term = Terminal(env, 160, 48, f"qari-session-{os.getpid()}-{tmp_path.name}")
    try:
        term.start(qari_command())
        first = term.wait_for(lambda s: re.search(r"(\d+)/\1 translated", s.plain), timeout=60)
        total = re.search(r"(\d+)/\1 translated", first.plain).group(1)
        assert not stacked(first)
        term.keys("l")
        term.wait_for(lambda s: "English" in s.plain and stacked(s))
        term.keys("o")
        term.wait_for(lambda s: "Open" in s.plain)
        term.keys("-l", str(other))
        term.keys("Enter")
        # Watch every frame until the new article is translated: never "loading model".
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            screen = term.capture()
            seen.append(screen.plain)
            if f"/{count} · §" in screen.plain and f"{count}/{count} translated" in screen.plain:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the second article never showed its English:\n" + seen[-1])
        opened = [s for s in seen if f"/{count} · §" in s]
        assert opened, "the second article never appeared"
        assert not any("loading model" in s or "loading…" in s for s in seen), \
            next(s for s in seen if "loading model" in s or "loading…" in s)
        assert stacked(screen), screen.plain
        # Backspace: the first article again, still stacked and translated.
        term.keys("BSpace")
        back = term.wait_for(lambda s: f"{total}/{total} translated" in s.plain and f"/{total} · §" in s.plain)
        assert stacked(back)
        final = term.quit()
        assert "QARI_EXIT=0" in final.plain
    finally:
        term.close()
