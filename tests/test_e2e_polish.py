"""End to end, read off the real screen (tmux + pyte, colours included): what a new user met
walking every key (issue 22). Each test drives the installed `qari` in a fixed-size terminal
with temporary HOME/XDG dirs."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from screen import Screen, Terminal, qari_command, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.tmux]

BASE_ARABIC = re.compile("[\u0621-\u064a]")
"""Arabic letters in their base (logical, unshaped) form: on an app-bidi screen every Arabic
letter is drawn as a presentation form, so any of these is Arabic that skipped the pipeline."""
POSITION = re.compile(r"(\d+)/(\d+) · §\d+/\d+")


@pytest.fixture
def terminal(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    terminals: list[Terminal] = []

    def open_terminal(width: int, height: int, *args: str, env_extra: dict | None = None) -> Terminal:
        env = {**terminal_env(tmp_path), **(env_extra or {})}
        term = Terminal(env, width, height, f"qari-polish-{os.getpid()}-{tmp_path.name}-{len(terminals)}")
        terminals.append(term)
        term.start(qari_command(*args))
        return term

    yield open_terminal
    for term in terminals:
        term.close()


def base_letters(screen: Screen) -> list[str]:
    return [f"row {y}: {screen.text(y)!r}" for y in range(screen.height) if BASE_ARABIC.search(screen.text(y))]


def test_no_unshaped_arabic_on_any_screen(terminal):
    """The help screen, the mark-note box, the marks list and the library filter draw Arabic
    shaped and in visual order, like the panes (`--bidi app`, the default)."""
    term = terminal(120, 40)
    term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain)
    screens = {"reader": term.settle()}
    term.keys("?")
    term.wait_for(lambda s: "Esc to close" in s.plain)
    term.keys("End")  # the /=word row is near the end of the table
    screens["help"] = term.wait_for(lambda s: "/=word" in s.plain)
    term.keys("Escape")
    term.wait_for(lambda s: "Esc to close" not in s.plain)
    term.keys("m")
    term.wait_for(lambda s: "A short note" in s.plain)
    term.keys("-l", "ملاحظة مهمة")
    screens["mark note"] = term.wait_for(lambda s: "\ufee3" in s.plain or BASE_ARABIC.search(s.plain))
    screens["mark note"] = term.settle()
    term.keys("Enter")
    term.wait_for(lambda s: "Marked sentence" in s.plain)
    term.keys("'")
    screens["marks"] = term.wait_for(lambda s: "Enter: go to the sentence" in s.plain)
    screens["marks"] = term.settle()
    term.keys("Escape")
    term.wait_for(lambda s: "Enter: go to the sentence" not in s.plain)
    term.keys("h")
    term.wait_for(lambda s: "filter:" in s.plain)
    term.keys("-l", "ترامب")
    screens["library filter"] = term.wait_for(lambda s: "filter:" not in s.plain)
    screens["library filter"] = term.settle()
    term.keys("Escape")
    found = {name: base_letters(screen) for name, screen in screens.items()}
    assert not any(found.values()), found


COUNTER = re.compile(r"match (\d+)/(\d+)")


def test_n_steps_through_every_match_in_order(terminal):
    """`/ماسك` then `n`: the counter shows every index from 1 to the total, in order, and wraps
    back to 1; `N` walks back."""
    term = terminal(160, 45)
    term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain)
    term.keys("g", "/")
    term.wait_for(lambda s: "Search Arabic or English" in s.plain)
    term.keys("-l", "ماسك")
    term.keys("Enter")
    screen = term.wait_for(lambda s: COUNTER.search(s.plain))
    index, total = map(int, COUNTER.search(screen.plain).groups())
    assert total > 13  # more matches than sentences: the case the old `n` skipped
    seen = [index]
    for _ in range(total):
        term.keys("n")
        screen = term.wait_for(lambda s, last=seen[-1]: COUNTER.search(s.plain)
                               and int(COUNTER.search(s.plain).group(1)) != last)
        seen.append(int(COUNTER.search(screen.plain).group(1)))
    assert seen == list(range(1, total + 1)) + [1], seen
    term.keys("N")
    screen = term.wait_for(lambda s: COUNTER.search(s.plain) and COUNTER.search(s.plain).group(1) == str(total))
    term.keys("N")
    term.wait_for(lambda s: COUNTER.search(s.plain) and COUNTER.search(s.plain).group(1) == str(total - 1))


def backgrounds(screen: Screen, title: str) -> set[str]:
    return {cell.bg for row in screen.region_rows(screen.pane_box(title)) for cell in row if cell.char.strip()}


@pytest.mark.parametrize("theme,colorterm", [("textual-dark", ""), ("textual-light", ""),
                                             ("textual-dark", "truecolor")])
def test_word_cursor_has_its_own_colour(terminal, tmp_path, theme, colorterm):
    """With search matches on screen (the current one in the cursor sentence), `w` paints the
    word in a background none of them uses: in dark and light, 256 colours and truecolor."""
    config = tmp_path / "config.toml"
    config.write_text(f'theme = "{theme}"\n', encoding="utf-8")
    extra = {"QARI_CONFIG": str(config)}
    if colorterm:
        extra["COLORTERM"] = colorterm
    term = terminal(160, 45, env_extra=extra)
    term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain)
    term.keys("/")
    term.wait_for(lambda s: "Search Arabic or English" in s.plain)
    term.keys("-l", "ماسك")
    term.keys("Enter")
    term.wait_for(lambda s: COUNTER.search(s.plain))
    searched = term.settle()
    before = backgrounds(searched, "Arabic")
    assert len(before) >= 3, before  # the cursor, the matches, the current match
    term.keys("w")
    try:  # a new colour appears (when the word shares a colour with a match, none does)
        term.wait_for(lambda s: backgrounds(s, "Arabic") - before, timeout=5)
    except AssertionError:
        pass
    picked = term.settle()
    assert backgrounds(picked, "Arabic") - before, (before, backgrounds(picked, "Arabic"))


def test_small_window_keeps_the_search_counter_and_the_pane_titles(terminal):
    """At 40×12 the counter is whole in the Arabic pane's title (even with the English pane
    hidden, when that title carries the translation status too), and the notice of the search
    covers none of the pane titles."""
    term = terminal(40, 12)
    term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain)
    term.keys(":")
    term.wait_for(lambda s: "number" in s.plain)
    term.keys("2", "0", "Enter")
    term.wait_for(lambda s: re.search(r"\b20/32", s.plain))
    term.keys("/")
    term.wait_for(lambda s: "Search Arabic or English" in s.plain)
    term.keys("-l", "ماسك")
    term.keys("Enter")
    screen = term.wait_for(lambda s: "matches in" in s.plain)
    screen = term.settle(pause=0.1)
    assert "matches in" in screen.plain  # the notice is still up
    titles = [screen.text(y) for y in range(screen.height) if screen.text(y).startswith(("─", "╭"))]
    # Arabic and English (the summary starts hidden below 30 rows), none covered.
    assert len(titles) == 2 and all("▌" not in row and row.rstrip().endswith(("─", "╮")) for row in titles), \
        screen.plain
    assert re.search(r"match \d+/\d+ ?─", titles[0]), screen.plain
    term.keys("t")  # English hidden: the Arabic title carries the translation status too
    screen = term.wait_for(lambda s: "English" not in s.plain)
    assert re.search(r"match \d+/\d+\b", screen.plain) and "…" not in screen.text(1), screen.plain


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two `rrggbb` colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_light_theme_borders_are_visible(terminal, tmp_path):
    """Unfocused and focused pane borders stand out from the background (WCAG's 3:1 for
    graphics) in the light theme."""
    config = tmp_path / "config.toml"
    config.write_text('theme = "textual-light"\n', encoding="utf-8")
    term = terminal(160, 45, env_extra={"QARI_CONFIG": str(config)})
    screen = term.wait_for(lambda s: POSITION.search(s.plain) and "? Help" in s.plain)
    screen = term.settle()
    for title in ("Arabic", "English", "Summary"):  # the Arabic pane has the focus
        y, x = screen.find_title(title)
        corner = screen.rows[y][screen.text(y).rfind("╭", 0, x)]
        ratio = contrast(corner.fg, corner.bg)
        assert ratio >= 3, (title, corner, ratio)


@pytest.mark.parametrize("width", [40, 64, 100])
def test_footer_shows_whole_keys_only(terminal, width):
    """The footer never cuts a key's description (`/ Sea`): keys that do not fit are left out."""
    from widgets.reader_screen import ReaderScreen

    descriptions = [b.description for b in ReaderScreen.BINDINGS if b.show]
    term = terminal(width, 24)
    screen = term.wait_for(lambda s: "? Help" in s.plain and POSITION.search(s.plain))
    screen = term.settle()
    footer = screen.text(screen.height - 1)
    left = footer.split("▏")[0].rstrip()
    assert any(left.endswith(" " + description) for description in descriptions), footer
    term.resize(width + 40, 24)  # wider: the keys left out come back, still whole
    wider = term.wait_for(lambda s: len(s.text(s.height - 1).split("▏")[0].rstrip()) > len(left))
    left = wider.text(wider.height - 1).split("▏")[0].rstrip()
    assert any(left.endswith(" " + description) for description in descriptions), left
