"""End to end, read as a reader reads it: the real `qari` in tmux, the screen with its colours.

`tests/screen.py` turns `capture-pane -p -e` into cells (pyte). The tiny fixture model is
installed so the English pane has text; nothing here depends on its wording, only on where
text is and what colour it is drawn in. TERM is xterm-256color (tmux's default), so colours are
checked after Textual's reduction to the 256-colour palette.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter

import pytest
from screen import (
    Screen,
    Terminal,
    has_text,
    paragraph_starts,
    qari_command,
    require_tmux,
    terminal_env,
)

pytestmark = [pytest.mark.e2e, pytest.mark.tmux, pytest.mark.fixture_model]

POSITION = re.compile(r"(\d+)/(\d+) · §\d+/\d+")

@pytest.fixture(scope="module")
def model_env(tmp_path_factory) -> dict[str, str]:
    """HOME, XDG dirs and an Argos packages dir with the tiny fixture model, for this module."""
    from conftest import FIXTURE_MODEL

    env = terminal_env(tmp_path_factory.mktemp("e2e-screen"))
    installed = subprocess.run(qari_command("models", "install", str(FIXTURE_MODEL)), env=env,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr
    return env


@pytest.fixture
def terminal(model_env, request, tmp_path):
    terminals: list[Terminal] = []

    def open_terminal(width: int, height: int, theme: str = "textual-dark", article: str | None = None) -> Terminal:
        config = tmp_path / f"config-{len(terminals)}.toml"
        config.write_text(f'theme = "{theme}"\n', encoding="utf-8")
        env = {**model_env, "QARI_CONFIG": str(config)}
        term = Terminal(env, width, height, f"qari-screen-{os.getpid()}-{tmp_path.name}-{len(terminals)}")
        terminals.append(term)
        term.start(qari_command(*([article] if article else [])))
        return term

    try:
        require_tmux()
        yield open_terminal
    finally:
        for term in terminals:
            term.close()


def translated(screen: Screen) -> bool:
    return bool(re.search(r"(\d+)/\1 translated", screen.plain))


def level(screen: Screen) -> tuple[list[int], list[int]]:
    arabic = screen.region_rows(screen.pane_box("Arabic"))
    english = screen.region_rows(screen.pane_box("English"))
    return paragraph_starts(arabic), paragraph_starts(english)


def position(screen: Screen) -> int:
    match = POSITION.search(screen.plain)
    assert match, screen.plain
    return int(match.group(1))


@pytest.mark.parametrize("size", [(160, 45), (100, 30)])
def test_side_by_side_paragraphs_level_at_every_step(terminal, size):
    """Every Arabic paragraph's first row is on the same screen row as its English, at each
    `j` over the whole sample, after paging and after a mouse-wheel scroll on either pane."""
    term = terminal(*size)
    term.wait_for(translated, timeout=90)
    term.keys("g")
    screen = term.wait_for(lambda s: position(s) == 1)
    total = int(POSITION.search(screen.plain).group(2))
    checked, seen = 0, []
    for step in range(3 * total):  # j scrolls through a sentence taller than the pane first
        # A short pause: the key's frame has already started to show (the wait below), so
        # two identical captures 0.1 s apart mean it is whole.
        screen = term.settle(pause=0.1)
        seen.append(position(screen))
        arabic, english = level(screen)
        assert arabic == english, f"step {step}, sentence {seen[-1]}:\n{screen.plain}"
        checked += bool(arabic)
        if seen[-1] == total:
            break
        term.keys("j")
        term.wait_for(lambda s, before=screen: s.rows != before.rows)  # the key was handled
    assert seen[-1] == total and seen == sorted(seen) and set(seen) == set(range(1, total + 1))
    assert checked >= total // 2  # paragraph starts were on screen most of the way
    for keys in (["g"], ["NPage"], ["NPage"], ["Space"], ["C-d"], ["PPage"], ["b"]):
        term.keys(*keys)
        screen = term.settle()
        arabic, english = level(screen)
        assert arabic == english, f"after {keys}:\n{screen.plain}"
    # The mouse wheel over the English pane (SGR mouse report: button 65 = wheel down).
    top, left, bottom, right = screen.pane_box("English")
    for _ in range(3):
        term.keys("-l", f"\x1b[<65;{left + 5};{top + 3}M")
    moved = term.settle()
    arabic, english = level(moved)
    assert arabic == english, moved.plain
    term.keys("q")


def pane_colours(screen: Screen, title: str) -> Counter:
    return Counter(cell.bg for row in screen.region_rows(screen.pane_box(title)) for cell in row)


@pytest.mark.parametrize("size", [(160, 45), (100, 30)])
def test_cursor_sentence_highlighted_in_both_panes_through_one_long_paragraph(terminal, tmp_path, size):
    """Side by side, one paragraph of 19 sentences (taller than the pane in one language or
    both): at every `j` the cursor sentence's highlight is on screen in the Arabic pane AND in
    the English pane."""
    from reader.article import load_article, sample_article_path

    sentences = load_article(sample_article_path()).sentences[1:20]
    article = tmp_path / "one-paragraph.txt"
    article.write_text("عنوان المقال\n\n" + " ".join(s.text for s in sentences) + "\n", encoding="utf-8")
    term = terminal(*size, article=str(article))
    term.wait_for(translated, timeout=90)
    term.keys("g")
    screen = term.wait_for(lambda s: position(s) == 1)
    screen = term.settle()
    colours = {}
    for title in ("Arabic", "English"):
        counts = pane_colours(screen, title)
        base = counts.most_common(1)[0][0]
        highlight = {bg for bg in counts if bg != base}
        assert len(highlight) == 1, (title, highlight)  # the cursor sentence, one colour
        colours[title] = (base, highlight.pop())
    total = int(POSITION.search(screen.plain).group(2))
    seen = []
    for step in range(3 * total):
        screen = term.settle(pause=0.1)
        seen.append(position(screen))
        for title, (base, cursor_bg) in colours.items():
            assert pane_colours(screen, title)[cursor_bg] > 0, f"step {step}, sentence {seen[-1]}: no highlight in {title}:\n{screen.plain}"
        if seen[-1] == total:
            break
        term.keys("j")
        term.wait_for(lambda s, before=screen: s.rows != before.rows)
    assert seen[-1] == total and set(seen) == set(range(1, total + 1))
    term.keys("q")



def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_every_cell_of_every_pane_on_the_theme(terminal, theme):
    term = terminal(160, 45, theme)
    screen = term.wait_for(translated, timeout=90)
    screen = term.settle()
    for title in ("Arabic", "English", "Summary"):
        top, left, bottom, right = screen.pane_box(title)
        rows = screen.region_rows((top, left, bottom, right))
        assert any(has_text(row) for row in rows)
        defaults = [(y, x) for y, row in enumerate(rows) for x, cell in enumerate(row)
                    if cell.bg == "default" or (cell.char.strip() and cell.fg == "default")]
        assert not defaults, f"{title}: {len(defaults)} cells in the terminal's default colours"
        base = pane_colours(screen, title).most_common(1)[0][0]
        if theme == "textual-light":
            assert luminance(base) > 0.6, (title, base)
        else:
            assert luminance(base) < 0.3, (title, base)


def test_cursor_matches_and_summary_selection_look_different(terminal):
    term = terminal(160, 45)
    term.wait_for(translated, timeout=90)
    before = term.settle()
    base = pane_colours(before, "Arabic").most_common(1)[0][0]
    cursor = {bg for bg in pane_colours(before, "Arabic") if bg != base}
    assert len(cursor) == 1, cursor  # the cursor sentence, one colour
    (cursor_bg,) = cursor
    term.keys("/")
    term.wait_for(lambda s: "Search Arabic or English" in s.plain)
    term.keys("-l", "ترامب")
    # Typed Arabic is shown shaped, in visual order (ﺐﻣﺍﺮﺗ), like the panes.
    term.wait_for(lambda s: "\ufe90\ufee3\ufe8d\ufeae\ufe97" in s.plain)
    term.keys("Enter")
    after = term.wait_for(lambda s: "match 1/" in s.plain)
    after = term.settle()
    colours = {bg for bg in pane_colours(after, "Arabic") if bg != base}
    # The cursor, a match, and a match inside the cursor sentence: three different backgrounds.
    assert cursor_bg in colours and len(colours) >= 3, colours
    # Esc clears the highlights; only the cursor stays.
    term.keys("Escape")
    cleared = term.wait_for(lambda s: "match 1/" not in s.plain)
    cleared = term.settle()
    assert {bg for bg in pane_colours(cleared, "Arabic") if bg != base} == {cursor_bg}
    # Tab into the summary: the chosen summary sentence is a visible bar of its own colour.
    term.keys("Tab", "Tab")
    focused = term.settle()
    summary = pane_colours(focused, "Summary")
    summary_base = summary.most_common(1)[0][0]
    assert {bg for bg in summary if bg not in (summary_base, cursor_bg)}, summary
    term.keys("q")


def test_small_window_keeps_position_progress_and_help(terminal):
    term = terminal(40, 12)
    screen = term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain, timeout=60)
    term.keys("G")
    screen = term.wait_for(lambda s: POSITION.search(s.plain) and position(s) == 32)
    assert "? Help" in screen.plain
    term.resize(80, 24)
    screen = term.wait_for(lambda s: POSITION.search(s.plain) and translated(s), timeout=90)
    assert "? Help" in screen.plain
    term.keys("q")


def test_look_up_a_word_of_the_sample(terminal):
    """`w` picks the headline's first word (highlighted in a colour of its own), `Enter` shows
    its analyses with English glosses, `Esc` closes them."""
    term = terminal(120, 40)
    before = term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain, timeout=60)
    before = term.settle()
    base = pane_colours(before, "Arabic").most_common(1)[0][0]
    cursor = {bg for bg in pane_colours(before, "Arabic") if bg != base}
    term.keys("w")
    picked = term.wait_for(lambda s: {bg for bg in pane_colours(s, "Arabic") if bg != base} - cursor)
    term.keys("Enter")
    shown = term.wait_for(lambda s: "Esc to close" in s.plain and "face; be faced with" in s.plain, timeout=60)
    assert "verb (perfect)" in shown.plain
    term.keys("Escape")
    term.wait_for(lambda s: "Esc to close" not in s.plain)
    assert picked
    term.keys("q")
