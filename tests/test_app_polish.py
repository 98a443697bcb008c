"""Pilot tests for issue 22's reader defects, read from what the panes draw (their strips) and
from the pane titles, never from the App's private state."""

from __future__ import annotations

import re

from pilot_helpers import make_app, wait_for

from reader.app import QariApp

COUNTER = re.compile(r"match (\d+)/(\d+)")


def row_backgrounds(pane, rows) -> set:
    """The background colours of the drawn (non-blank) cells in these virtual rows."""
    colours = set()
    top = int(pane.scroll_offset.y)
    for row in rows:
        if not 0 <= row - top < pane.size.height:
            continue
        for segment in pane.render_line(row - top):
            if segment.style and segment.style.bgcolor and segment.text.strip():
                colours.add(segment.style.bgcolor)
    return colours


async def test_current_match_differs_from_the_other_matches_of_its_sentence(sample_article, app_config):
    app = make_app(sample_article, app_config, None, start_summary=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        plain = row_backgrounds(pane, pane.sentence_rows(app.reader.cursor))  # the cursor sentence alone
        await pilot.press("g", "slash", *"ماسك", "enter")
        await wait_for(pilot, lambda: COUNTER.search(pane.border_title))
        # Walk to a match that shares its sentence with another one.
        for _ in range(int(COUNTER.search(pane.border_title).group(2))):
            before = app.reader.cursor
            await pilot.press("n")
            await pilot.pause()
            if app.reader.cursor == before:
                break
        else:
            raise AssertionError("no sentence of the sample holds two matches")
        await pilot.pause()
        colours = row_backgrounds(pane, pane.sentence_rows(app.reader.cursor)) - plain
        # The current match and the other match of the sentence: two colours besides the cursor.
        assert len(colours) >= 2, colours


async def test_library_keys_work_from_where_the_user_is(tmp_path):
    """`ctrl+d` removes while the filter has the focus (the Input's own ctrl+d deletes a
    character); `↓` goes into the list, where `d` removes instead of typing into the filter."""
    from test_library import _library, _screen_app, _seed_many, _shown

    from widgets.library_screen import ConfirmRemove, LibraryScreen

    lib = _library(tmp_path)
    a, b, c = _seed_many(lib)
    app = _screen_app(lib)
    async with _shown(app) as pilot:
        await pilot.press("ctrl+d")  # the filter has the focus
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert app.screen.query_one("#library-filter").value == ""
        assert [e.id for e in app.screen.entries] == [c, a]  # the second one went
        # Typing in the list goes on filtering (the letter lands in the filter).
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.query_one("#library-filter").value == "x"


def drawn_rows(pane) -> list[str]:
    return ["".join(segment.text for segment in pane.render_line(y)) for y in range(pane.size.height)]


async def test_a_new_summary_shows_its_first_line(sample_article, app_config):
    """`Tab Tab j j Enter` then `-` down to one sentence (the issue had `a a` too): the summary's first line (its
    `[N]` marker) is on screen, not scrolled off the top by the longer summary before it."""
    app = make_app(sample_article, app_config, None, start_summary=True)
    async with app.run_test(size=(50, 14)) as pilot:
        pane = app.reader.summary_pane
        await pilot.press("s")  # a short window starts without the summary

        def summarized() -> bool:
            return "summarizing" not in pane.border_title and re.search(r"\[\d+\]", pane.plain_text())

        await wait_for(pilot, summarized)
        await pilot.press("tab", "tab", "j", "j", "enter")
        for key in ["minus"] * 6:
            await pilot.press(key)
            await pilot.pause()
            await wait_for(pilot, summarized)
        assert "· 1 sentence" in pane.border_title
        await pilot.pause()
        rows = drawn_rows(pane)
        assert re.search(r"\[\d+\]", rows[0]), rows


class Told(QariApp):
    """Records what the reader is told (notifications), as plain text."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.told: list[str] = []

    def notify(self, message: str, **kwargs) -> None:
        self.told.append(message)
        super().notify(message, **kwargs)


async def test_prompts_say_what_they_need(sample_article, app_config):
    """`/=` alone asks for a word (not "No match for ="); letters typed at `:` are answered."""
    app = Told(sample_article, app_config, None, start_summary=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "equals_sign", "enter")
        await pilot.pause()
        assert not any("No match" in t for t in app.told), app.told
        assert any("/=word" in t for t in app.told), app.told
        await pilot.press("colon", "x")
        await pilot.pause()
        assert any("number" in t.lower() for t in app.told[-1:]), app.told
        await pilot.press("1", "0", "enter")
        await pilot.pause()
        assert app.reader.arabic_pane.border_title.startswith("Arabic · 10/")


async def test_w_goes_on_to_the_next_sentence(sample_article, app_config):
    app = make_app(sample_article, app_config, None, start_summary=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        first = app.reader.cursor
        words = len(sample_article.sentences[first].text.split())
        await pilot.press(*["w"] * words)
        await pilot.pause()
        assert app.reader.arabic_pane.border_title.startswith(f"Arabic · {first + 1}/")
        await pilot.press("w")  # past the last word: the next sentence's first word
        await pilot.pause()
        assert app.reader.arabic_pane.border_title.startswith(f"Arabic · {first + 2}/")
        sentence = sample_article.sentences[first + 1].text
        assert app.reader.word is not None and sentence[slice(*app.reader.word)] == sentence.split()[0]
        await pilot.press("W")  # and back
        await pilot.pause()
        assert app.reader.arabic_pane.border_title.startswith(f"Arabic · {first + 1}/")


async def test_config_warnings_show_inside_the_reader(sample_article, tmp_path):
    """A bad setting is said inside the reader too, not only on stderr before it starts
    (where the alternate screen hides it at once)."""
    from reader.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('layout = "diagonal"\ncolour = 3\n', encoding="utf-8")
    config = load_config(path)
    assert len(config.warnings) == 2
    app = Told(sample_article, config, None, start_summary=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert all(any(w in told for told in app.told) for w in config.warnings), app.told


async def test_header_gives_the_headline_room_at_100_columns(sample_article, app_config, app_tiny_model):
    """With a model's name in the subtitle, the headline still gets most of a 100-column
    header (it had one word); the source name is shortened instead."""
    app = make_app(sample_article, app_config, app_tiny_model, start_summary=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "model: translate" in app.reader.sub_title)
        await pilot.pause()
        words = len(app.reader.title.split())
        assert words >= 5, (app.reader.title, app.reader.sub_title)
        assert len(app.reader.title) + 3 + len(app.reader.sub_title) <= 100 - 18, (app.reader.title, app.reader.sub_title)  # icon, clock space
        assert "model: " + app.reader.model_name in app.reader.sub_title


async def test_short_windows_give_the_article_the_room(sample_article, app_config):
    """Below 30 rows the summary starts hidden (the article got 5 rows of 24, 2 of 12), and
    `s` still shows it; tall windows show it as before."""
    for size in ((80, 24), (40, 12)):
        app = make_app(sample_article, app_config, None, start_summary=False)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert not app.reader.summary_pane.display
            assert app.reader.arabic_pane.size.height >= (size[1] - 6) // 2, app.reader.arabic_pane.size
            await pilot.press("s")
            await pilot.pause()
            assert app.reader.summary_pane.display and app.reader.summary_pane.size.height > 0
            await pilot.press("s")
            await pilot.pause()
            assert not app.reader.summary_pane.display
    app = make_app(sample_article, app_config, None, start_summary=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert app.reader.summary_pane.display


async def test_open_prompt_completes_to_the_common_prefix_and_lists_the_matches(tmp_path):
    from textual.app import App
    from textual.widgets import Label

    from widgets.open_prompt import OpenPrompt

    for name in ("report-a.txt", "report-b.txt", "other.txt"):
        (tmp_path / name).write_text("نص", encoding="utf-8")

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(OpenPrompt(tmp_path))

    app = Host()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        field = app.screen.query_one("#open-path")
        await pilot.press(*"rep")
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        assert field.value == f"{tmp_path}/report-"  # as far as both names agree
        listed = str(app.screen.query_one("#open-matches", Label).render())
        assert "report-a.txt" in listed and "report-b.txt" in listed and "other" not in listed
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        assert field.value == f"{tmp_path}/report-b.txt"


async def test_no_model_note_never_splits_a_command(sample_article, app_config):
    """The English pane's how-to-get-a-model note keeps each command on one row, at every
    width down to 40 columns (it split `qari models install ar en` across lines)."""
    from reader.translation.translate import NoModelError

    def no_model():
        raise NoModelError()

    for size in ((40, 30), (64, 30), (80, 30), (100, 30), (130, 30)):
        app = make_app(sample_article, app_config, no_model, start_summary=False)
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: "no model" in app.reader.english_pane.border_title)
            await pilot.pause()
            pane = app.reader.english_pane
            rows = [pane.visual_row(y) for y in range(pane.row_count)]
            text = "\n".join(rows)
            for command in ("qari models install ar en", "qari models install FILE"):
                assert any(command in row for row in rows), (size, text)


async def test_stacked_english_follows_the_arabic_through_a_tall_sentence(sample_article, app_config,
                                                                         app_tiny_model):
    """Stacked, `j` on a sentence whose English is taller than its pane scrolls through that
    English before moving on (it showed the first rows and `j` went to the next sentence)."""
    app = make_app(sample_article, app_config, app_tiny_model, start_summary=False)
    async with app.run_test(size=(60, 16)) as pilot:
        await wait_for(pilot, lambda: re.search(r"(\d+)/\1 translated", app.reader.english_pane.border_title),
                       timeout=60)
        await pilot.pause()
        arabic, english = app.reader.arabic_pane, app.reader.english_pane

        def tall(number: int) -> bool:  # its English is taller than the English pane
            e = english.sentence_extent(number)
            return e is not None and e[1] - e[0] + 1 > english.view_height + 1

        number = next(n for n in range(len(sample_article.sentences)) if tall(n))
        app.reader.move_cursor(number)
        await pilot.pause()
        first, last = english.sentence_extent(number)
        bottoms = []
        while app.reader.cursor == number and len(bottoms) < 20:
            bottoms.append(int(english.scroll_y) + english.view_height - 1)
            await pilot.press("j")
            await pilot.pause()
        assert app.reader.cursor == number + 1
        assert max(bottoms) >= last, (bottoms, first, last)  # its last row was shown before moving on
