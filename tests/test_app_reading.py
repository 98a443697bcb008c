"""Pilot tests of the reading view (widgets/reading_view.py) as a reader uses it: the English
level with its Arabic at every step, paging like `less`, sentences taller than the pane, the
word cursor and lookup, copy, search highlights, and what the reader is told.

The English comes from the deterministic stand-in translator (tests/standin.py) in two
lengths, so both cases of alignment are exercised: English taller than its Arabic, and shorter.
"""

from __future__ import annotations

import pytest
from pilot_helpers import Recording, Told, wait_for
from standin import StandInTranslator, standin_english
from textual import events
from textual.geometry import Offset
from textual.selection import Selection

from reader.app import QariApp
from reader.article import parse_text
from widgets.lookup_panel import LookupScreen


class ShortEnglish(StandInTranslator):
    """English much shorter than its Arabic: the English pane must be padded."""

    def translate_batches(self, sentences, *, first=(), use_cache=True):
        for batch in super().translate_batches(sentences, first=first, use_cache=use_cache):
            yield [(i, " ".join(text.split()[:2]) + ".") for i, text in batch]


class LongEnglish(StandInTranslator):
    """English much taller than its Arabic: the Arabic pane must be padded."""

    def translate_batches(self, sentences, *, first=(), use_cache=True):
        for batch in super().translate_batches(sentences, first=first, use_cache=use_cache):
            yield [(i, " ".join([text] * 3)) for i, text in batch]


def paragraph_tops(app: QariApp) -> list[tuple[int, int]]:
    """(Arabic row, English row) of the first sentence of every paragraph, on screen."""
    arabic, english = app.reader.arabic_pane, app.reader.english_pane
    tops = []
    for paragraph in app.reader.article.paragraphs:
        number = paragraph.sentences[0].number
        a, e = arabic.sentence_rows(number), english.sentence_rows(number)
        tops.append((a[0] - int(arabic.scroll_y), e[0] - int(english.scroll_y)))
    return tops


def cursor_screen_rows(app: QariApp) -> tuple[list[int], list[int]]:
    """The screen rows (0 = the pane's top row) of the cursor sentence that are in view, in
    the Arabic pane and in the English pane."""
    seen = []
    for pane in (app.reader.arabic_pane, app.reader.english_pane):
        top, height = int(pane.scroll_y), pane.view_height
        seen.append([y - top for y in pane.sentence_rows(app.reader.cursor) if top <= y < top + height])
    return seen[0], seen[1]


def is_level(app: QariApp) -> bool:
    """Side by side: the panes move together, and either every paragraph's first Arabic row is
    level with its first English row, or (the cursor in a paragraph too tall to show its
    sentence in both panes at once) the cursor sentence's first rows are level instead."""
    arabic, english = app.reader.arabic_pane, app.reader.english_pane
    offset = arabic.scroll_link_offset
    clamped = english.scroll_y in (0, english.max_scroll_y) or arabic.scroll_y in (0, arabic.max_scroll_y)
    if english.scroll_y - arabic.scroll_y != offset and not (offset and clamped):
        return False
    if offset == 0:
        return all(a == e for a, e in paragraph_tops(app))
    a_rows, e_rows = arabic.sentence_rows(app.reader.cursor), english.sentence_rows(app.reader.cursor)
    together = max(a_rows[-1], e_rows[-1]) - min(a_rows[0], e_rows[0]) + 1
    level = a_rows[0] - int(arabic.scroll_y) == e_rows[0] - int(english.scroll_y)
    return together > arabic.view_height and (level or clamped)


def assert_level(app: QariApp, where: str) -> None:
    assert is_level(app), (where, app.reader.arabic_pane.scroll_y, app.reader.english_pane.scroll_y, paragraph_tops(app))


def assert_cursor_in_both(app: QariApp, where: str) -> None:
    arabic, english = cursor_screen_rows(app)
    assert arabic and english, (where, app.reader.cursor, arabic, english)


async def translated(pilot, app) -> None:
    await wait_for(pilot, lambda: app.reader.translation_done)
    await pilot.pause()


@pytest.mark.parametrize("size", [(160, 45), (100, 30)])
@pytest.mark.parametrize("translator", [ShortEnglish, LongEnglish])
async def test_paragraph_tops_level_at_every_step_paging_and_wheel(sample_article, app_config, size, translator):
    app = Recording(sample_article, app_config, translator)
    total = len(sample_article.sentences)
    async with app.run_test(size=size) as pilot:
        await translated(pilot, app)
        await pilot.press("g")
        steps = 0
        while app.reader.cursor < total - 1 and steps < 4 * total:
            await pilot.press("j")
            await pilot.pause()
            assert_level(app, f"j to {app.reader.cursor}")
            assert_cursor_in_both(app, f"j to {app.reader.cursor}")
            steps += 1
        assert app.reader.cursor == total - 1
        assert app.reader.arabic_pane.scroll_y > 0
        for key in ("g", "pagedown", "space", "ctrl+d", "ctrl+f", "pageup", "b", "ctrl+u", "ctrl+b"):
            await pilot.press(key)
            await pilot.pause()
            assert_level(app, key)
            assert app.reader.cursor in app.reader.arabic_pane.sentences_in_view(), key
        # The wheel over either pane moves both.
        for pane in (app.reader.english_pane, app.reader.arabic_pane):
            before = pane.scroll_y
            for _ in range(2):
                pane.post_message(events.MouseScrollDown(pane, 5, 5, 0, 1, 0, False, False, False))
            await wait_for(pilot, lambda p=pane, b=before: (p.scroll_y > b or p.scroll_y == p.max_scroll_y)
                           and is_level(app))
            assert_level(app, f"wheel on {pane.id}")
        # A resize keeps them level too.
        await pilot.resize_terminal(size[0] + 20, size[1] - 5)
        await wait_for(pilot, lambda: app.reader.arabic_pane.size.width > 0 and app.size.width == size[0] + 20
                       and not app.reader.arabic_pane.layout_pending and not app.reader.english_pane.layout_pending
                       and is_level(app))
        assert_level(app, "resize")


def one_long_paragraph(sample_article, sentences: int = 19):
    """A title and ONE paragraph of `sentences` sentences of the sample (varied lengths)."""
    body = " ".join(s.text for s in sample_article.sentences[1:sentences + 1])
    article = parse_text(f"عنوان المقال\n\n{body}", source="one-paragraph.txt")
    assert len(article.paragraphs) == 2 and len(article.paragraphs[1].sentences) >= 15
    return article


@pytest.mark.parametrize(("translator", "size"), [(ShortEnglish, (160, 45)), (LongEnglish, (100, 30))])
async def test_cursor_sentence_in_both_panes_through_one_long_paragraph(sample_article, app_config, size,
                                                                        translator):
    """Side by side, a paragraph taller than the pane: at every `j` (and `k` back) the cursor
    sentence is on screen in the Arabic AND the English pane, its first rows level; the
    paragraph tops level again once the cursor is back where both fit."""
    article = one_long_paragraph(sample_article)
    app = Recording(article, app_config, translator)
    total = len(article.sentences)
    async with app.run_test(size=size) as pilot:
        await translated(pilot, app)
        await pilot.press("g")
        await pilot.pause()
        apart = 0
        for key, end in (("j", total - 1), ("k", 0)):
            steps = 0
            while app.reader.cursor != end and steps < 4 * total:
                await pilot.press(key)
                await pilot.pause()
                assert_cursor_in_both(app, f"{key} to {app.reader.cursor}")
                assert_level(app, f"{key} to {app.reader.cursor}")
                apart += app.reader.arabic_pane.scroll_y != app.reader.english_pane.scroll_y
                steps += 1
            assert app.reader.cursor == end
        assert apart, "the paragraph never needed the panes apart: the test does not test it"
        assert app.reader.arabic_pane.scroll_y == app.reader.english_pane.scroll_y == 0  # back at the title: level


async def test_a_sentence_taller_than_the_pane_is_read_with_j_and_space(app_config):
    words = " ".join(f"كلمة{i}" for i in range(700))
    article = parse_text(f"عنوان قصير\n\nجملة أولى قصيرة. {words}. جملة أخيرة قصيرة.", source="tall.txt")
    tall = next(s.number for s in article.sentences if len(s.text) > 1000)
    app = Recording(article, app_config, None)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        app.reader.move_cursor(tall)
        await pilot.pause()
        pane = app.reader.arabic_pane
        first, last = pane.sentence_extent(tall)
        assert last - first + 1 > pane.view_height
        seen_rows = set()
        presses = 0
        while app.reader.cursor == tall and presses < 50:
            top = int(pane.scroll_y)
            seen_rows.update(range(top, top + pane.view_height))
            await pilot.press("j")
            await pilot.pause()
            presses += 1
        assert app.reader.cursor == tall + 1
        assert set(range(first, last + 1)) <= seen_rows  # every row of it was on screen
        assert presses > 2
        # k goes back through it, from its end to its start, before leaving it.
        await pilot.press("k")
        await pilot.pause()
        assert app.reader.cursor == tall
        while int(pane.scroll_y) > first:
            await pilot.press("k")
            await pilot.pause()
            assert app.reader.cursor == tall
        # Space pages through it too, and z recenters.
        await pilot.press("space")
        await pilot.pause()
        assert int(pane.scroll_y) > first
        await pilot.press("z")
        await pilot.pause()


async def test_go_to_sentence_and_sections(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("colon")
        await pilot.pause()
        await pilot.press("2", "0", "enter")
        await pilot.pause()
        assert app.reader.cursor == 19
        await pilot.press("colon")
        await pilot.press("9", "9", "9", "enter")
        await pilot.pause()
        assert app.reader.cursor == len(sample_article.sentences) - 1


async def test_cursor_starts_on_the_headline_not_the_site_name(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert sample_article.sentences[app.reader.cursor].text == sample_article.title


async def test_ctrl_c_copies_a_selection_and_quits_without_one(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        row = next(y for y in range(pane.row_count) if pane.visual_row(y).strip())
        app.screen.selections = {pane: Selection(Offset(0, row), Offset(pane.size.width, row))}
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard and app.clipboard in sample_article.text  # logical order
        assert any(t.startswith("Copied ") for t in app.told)
        assert not app.screen.selections
        assert app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0


async def test_search_counter_wrap_and_escape_clears(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"ترامب", "enter")
        await pilot.pause()
        assert app.reader.search_bar.matches and "match 1/" in app.reader.arabic_pane.border_title
        assert any("matches in" in t and "sentences" in t for t in app.told)
        numbers = sorted({m[0] for m in app.reader.search_bar.matches})
        app.reader.move_cursor(numbers[-1])
        await pilot.press("n")
        await pilot.pause()
        assert app.reader.cursor == numbers[0]
        assert any("wrapped to the top" in t for t in app.told)
        await pilot.press("escape")
        await pilot.pause()
        assert app.reader.search_bar.matches == [] and "match" not in app.reader.arabic_pane.border_title
        assert app.reader.arabic_pane.search_marks == {"ar": {}, "en": {}}


async def test_search_matches_are_drawn_in_their_own_colour(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane

        def backgrounds() -> set:
            colours = set()
            for y in range(pane.size.height):
                for segment in pane.render_line(y):
                    if segment.style and segment.style.bgcolor and segment.text.strip():
                        colours.add(segment.style.bgcolor)
            return colours

        before = backgrounds()
        await pilot.press("slash", *"ماسك", "enter")
        await pilot.pause()
        after = backgrounds()
        assert len(after - before) >= 2  # matches elsewhere and a match inside the cursor


async def test_word_cursor_and_lookup(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        sentence = sample_article.sentences[app.reader.cursor].text
        await pilot.press("w")
        assert app.reader.word is not None and sentence[slice(*app.reader.word)] == sentence.split()[0]
        await pilot.press("w")
        assert sentence[slice(*app.reader.word)] == sentence.split()[1]
        await pilot.press("W")
        assert sentence[slice(*app.reader.word)] == sentence.split()[0]
        assert app.reader.arabic_pane.word == app.reader.word
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupScreen))
        assert app.screen.result.word == sentence.split()[0]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LookupScreen)
        await pilot.press("j")
        assert app.reader.word is None  # a new sentence starts without a word


async def test_click_in_the_summary_moves_the_cursor_but_not_the_keys(sample_article, app_config):
    app = Recording(sample_article, app_config, None, start_summary=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        await pilot.pause()
        summary = app.reader.summary_pane
        row = next(y for y in range(summary.row_count) if summary.visual_row(y).strip())
        await pilot.click(summary, offset=(summary.size.width - 12, row + 1))  # + the top border
        await pilot.pause()
        assert app.reader.cursor in app.reader.summary_pane.summary_numbers
        assert app.focused is app.reader.arabic_pane
        before = app.reader.cursor
        await pilot.press("j")
        assert app.reader.cursor == before + 1  # j moves the article, not a hidden summary selection


async def test_summary_changes_are_told(sample_article, app_config, monkeypatch):
    from widgets.summary_pane import SummaryPane

    refresh = SummaryPane.refresh_summary

    def told_refresh(pane: SummaryPane) -> None:  # what the pane shows the moment it starts over
        refresh(pane)
        app.told.append(f"title: {pane.border_title} stale={pane.has_class('-stale')}")

    monkeypatch.setattr(SummaryPane, "refresh_summary", told_refresh)
    app = Recording(sample_article, app_config, None, start_summary=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        await pilot.press("a")
        assert "title: Summary · lexrank · 6 sentences · summarizing… stale=True" in app.told
        await wait_for(pilot, lambda: not app.reader.summary_pane.summary_pending)
        assert not app.reader.summary_pane.has_class("-stale")
        for _ in range(12):
            await pilot.press("minus")
            await wait_for(pilot, lambda: not app.reader.summary_pane.summary_pending)
        assert len(app.reader.summary_pane.summary_numbers) == 1
        assert sum("at its shortest: 1 sentence" in t for t in app.told) >= 1
        await pilot.press("s")
        await pilot.press("a")
        assert any("summary pane is hidden" in t for t in app.told)


async def test_non_arabic_paragraph_reads_left_to_right_and_english_article_warns(app_config):
    from reader.article import parse_text as parse

    article = parse("عنوان الخبر\n\nقال الوزير إن المحادثات مستمرة.\n\nThe minister said talks continue.",
                    source="mixed.txt")
    app = Recording(article, app_config, None)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        blocks = app.reader.arabic_pane.blocks
        assert [b.rtl for b in blocks] == [True, True, False]
    english = parse("A headline\n\nThe minister said on Monday that talks would continue.", source="en.txt")
    assert english.warnings
    app = Recording(english, app_config, None)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert any("Arabic script" in t for t in app.told)


async def test_arabic_in_notifications_is_in_visual_order(sample_article, app_config):
    app = Recording(sample_article, app_config, None)
    told = Told()
    async with app.run_test(size=(120, 40), message_hook=told) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"ترامب", "enter")
        await wait_for(pilot, lambda: any("matches in" in t for t in app.told) and told.messages)
        shown = told.messages
        assert any("\ufe90\ufee3\ufe8d\ufeae\ufe97" in m for m in shown)  # ﺐﻣﺍﺮﺗ, shaped, reversed
        assert not any("ترامب" in m for m in shown)


def test_standin_english_is_deterministic():
    assert standin_english("قال الوزير") == standin_english("قال الوزير")
    assert standin_english("") == ""


async def test_y_copies_the_sentence_and_Y_with_its_english(sample_article, app_config):
    app = Recording(sample_article, app_config, StandInTranslator)
    async with app.run_test(size=(120, 40)) as pilot:
        await translated(pilot, app)
        sentence = sample_article.sentences[app.reader.cursor]
        await pilot.press("y")
        assert app.clipboard == sentence.text  # logical order, as in the source
        await pilot.press("Y")
        assert app.clipboard == f"{sentence.text}\n{app.reader.translations[sentence.number]}"
        assert any(t.startswith("Copied the sentence and its English") for t in app.told)


async def test_ctrl_e_saves_the_bilingual_article(sample_article, app_config, app_save_dir):
    from reader.export import translation_document

    app = Recording(sample_article, app_config, StandInTranslator, save_dir=app_save_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await translated(pilot, app)
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        saved = app.reader.default_export_path()
        assert saved.name.endswith(".bilingual.md") and saved.parent == app_save_dir
        english = [app.reader.translations.get(s.number) for s in sample_article.sentences]
        assert saved.read_text(encoding="utf-8") == translation_document(
            sample_article, english, format="markdown", model=app.reader.model_name)
        # Again: the dialog asks before overwriting; Escape keeps the file.
        before = saved.stat().st_mtime_ns
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert saved.stat().st_mtime_ns == before


async def test_an_arabic_file_name_in_the_save_dialog_is_drawn_in_visual_order(sample_article, app_config,
                                                                               app_save_dir):
    app = Recording(sample_article, app_config, None, save_dir=app_save_dir, start_summary=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        await pilot.press("ctrl+s")
        await pilot.pause()
        field = app.screen.query_one("#save-path")
        field.value = str(app_save_dir / "ملخص.md")
        await pilot.pause()
        drawn = "".join(segment.text for segment in field.render_line(0))
        assert "\ufeba\ufea8\ufee0\ufee3" in drawn  # ﺺﺨﻠﻣ: shaped, right-to-left
        assert field.value.endswith("ملخص.md")  # the value itself stays logical
        await pilot.press("enter")
        await pilot.pause()
        assert (app_save_dir / "ملخص.md").exists()


async def test_an_article_closed_at_once_is_still_in_the_library(sample_article, app_config, tmp_path, monkeypatch):
    """Quitting before the library worker has run (it starts after the first paint) still
    records the article: the reader's history never misses what was opened."""
    from reader.store.library import Library, article_id
    from widgets.reader_screen import ReaderScreen

    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = Recording(sample_article, app_config, None, use_library=True)
    monkeypatch.setattr(ReaderScreen, "_start_library", lambda self: None)  # the worker has not run yet
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
    with Library.open() as library:
        assert [e.id for e in library.recent()] == [article_id(sample_article.text)]


async def test_position_is_kept_in_the_library_and_resumed(sample_article, app_config, tmp_path, monkeypatch):
    from reader.store.library import Library, resume_article

    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = Recording(sample_article, app_config, None, use_library=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        await pilot.press("colon", "1", "7", "enter")
        await pilot.pause()
        assert app.reader.cursor == 16
    library = Library.open()
    article, position = resume_article(library)
    assert position == 16 and article.text == sample_article.text
    # Reopened at that sentence (what `qari --resume` does).
    again = Recording(article, app_config, None, start_at=position)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert again.reader.cursor == 16
        assert 16 in again.reader.arabic_pane.sentences_in_view()


async def test_library_screen_reopens_an_article(sample_article, app_config, tmp_path, monkeypatch):
    from reader.article import parse_text as parse
    from reader.store.library import Library
    from widgets.library_screen import LibraryScreen

    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    other = parse("خبر آخر\n\nقال الوزير إن المحادثات مستمرة. وأضاف أن الوفد سيعود.", source="other.txt")
    Library.open().record(other)
    app = Recording(sample_article, app_config, None, use_library=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        first = app.reader
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await pilot.press(*"خبر", "enter")
        await wait_for(pilot, lambda: app.reader is not first)
        assert app.reader.article.text == other.text
        await pilot.press("backspace")  # back to the first article, in the same App
        await wait_for(pilot, lambda: app.screen is first)
        assert app.is_running


async def test_o_opens_another_article_and_says_why_it_cannot(sample_article, app_config, tmp_path, monkeypatch):
    from widgets.open_prompt import OpenPrompt

    monkeypatch.chdir(tmp_path)  # paths typed relative to it: a key per character is slow
    good = tmp_path / "news.txt"
    good.write_text("عنوان\n\nقال الوزير إن المحادثات مستمرة.", encoding="utf-8")
    from textual.suggester import SuggestionReady

    app = Recording(sample_article, app_config, None)
    told = Told()
    async with app.run_test(size=(120, 40), message_hook=told) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OpenPrompt))
        await pilot.press(*"missing.txt", "enter")
        await wait_for(pilot, lambda: any("no such file" in t for t in app.told))
        assert app.is_running and len(app.readers()) == 1
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OpenPrompt))
        await pilot.press(*"ne")
        await wait_for(pilot, lambda: any(isinstance(m, SuggestionReady) and m.value == "ne"
                                          and m.suggestion == "news.txt" for m in told.seen))
        await pilot.pause()
        await pilot.press("right", "enter")  # → accepts the completion: news.txt
        await wait_for(pilot, lambda: len(app.readers()) == 2)
        assert app.reader.article.source.endswith("news.txt")


async def test_v_hides_tashkeel_on_screen_only(app_config):
    from reader.article import parse_text as parse

    article = parse("عنوان\n\nوَقَالَ الرَّئِيسُ إِنَّ الحُكُومَةَ سَتَعْمَلُ.", source="vowels.txt")
    app = Recording(article, app_config, None)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane

        def drawn() -> str:
            return "".join(seg.text for y in range(pane.size.height) for seg in pane.render_line(y))

        assert "\u064e" in drawn()
        await pilot.press("v")
        await pilot.pause()
        assert "\u064e" not in drawn() and "\u0651" not in drawn()
        assert "\u064e" in article.sentences[1].text  # the text itself keeps them
        await pilot.press("slash", *"الرئيس", "enter")  # search still ignores them
        await pilot.pause()
        assert app.reader.search_bar.matches
        await pilot.press("v")
        await pilot.pause()
        assert "\u064e" in drawn()


async def test_marks_are_kept_listed_and_exported(sample_article, app_config, tmp_path, monkeypatch, app_save_dir):
    from textual.widgets import OptionList

    from widgets.marks_screen import MarkNote, MarksScreen

    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = Recording(sample_article, app_config, None, use_library=True, save_dir=app_save_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        await pilot.press("colon", "9", "enter")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MarkNote))
        await pilot.press(*"key quote", "enter")
        await pilot.pause()
        await pilot.press("G", "m")
        await wait_for(pilot, lambda: isinstance(app.screen, MarkNote))
        await pilot.press("enter")
        await pilot.pause()
        assert [(m.number, m.note) for m in app.reader.article_marks()] == [(8, "key quote"), (31, "")]
        await pilot.press("apostrophe")
        await wait_for(pilot, lambda: isinstance(app.screen, MarksScreen))
        await wait_for(pilot, lambda: app.screen.query_one(OptionList).highlighted == 0)
        await pilot.press("enter")  # the first mark
        await pilot.pause()
        assert app.reader.cursor == 8
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        path = app.reader.default_export_path()
    saved = path.read_text(encoding="utf-8")
    assert "## Marks" in saved and "- Sentence 9 — key quote:" in saved and "- Sentence 32:" in saved
    assert sample_article.sentences[8].text in saved.split("## Marks")[1]


async def test_z_puts_the_cursor_sentence_in_the_middle_and_pagedown_keeps_two_rows(sample_article, app_config):
    """`z` centres the cursor sentence (its middle row on the view's middle row, give or take
    one); PageDown moves a screen less two rows, so the last lines stay in sight, like `less`."""
    app = Recording(sample_article, app_config, None)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.reader.arabic_pane
        await wait_for(pilot, lambda: pane.sentence_extent(0) is not None and app.reader.cursor in pane.sentences_in_view())
        height = pane.view_height
        # A sentence far enough from both ends to be centred.
        number = next(n for n in range(len(sample_article.sentences))
                      if pane.sentence_extent(n)[0] > height and pane.sentence_extent(n)[1] < pane.max_scroll_y)
        await pilot.press("colon", *str(number + 1), "enter")  # go to the sentence, as a reader does
        await wait_for(pilot, lambda: app.reader.cursor == number and number in pane.sentences_in_view())
        first, last = pane.sentence_extent(number)
        middle = (first + last) // 2
        before = int(pane.scroll_y)
        assert abs(middle - before - height // 2) > 1  # not centred yet
        await pilot.press("z")
        await wait_for(pilot, lambda: int(pane.scroll_y) != before)
        assert app.reader.cursor == number
        assert abs(middle - int(pane.scroll_y) - height // 2) <= 1

        await pilot.press("g")
        await wait_for(pilot, lambda: int(pane.scroll_y) == 0 and app.reader.cursor in pane.sentences_in_view())
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: int(pane.scroll_y) != 0)
        assert int(pane.scroll_y) == height - 2
        await pilot.press("pageup")
        await wait_for(pilot, lambda: int(pane.scroll_y) == 0)


class OneByOne(StandInTranslator):
    """One sentence per batch, English three times its stand-in length: as many updates as
    sentences, each making its paragraph taller (so the rows below it move)."""

    def translate_batches(self, sentences, *, first=(), use_cache=True):
        for batch in super().translate_batches(sentences, first=first, use_cache=use_cache):
            for i, text in batch:
                yield [(i, " ".join([text] * 3))]


async def test_many_batches_are_drawn_in_few_updates_and_the_view_stays(sample_article, app_config, monkeypatch):
    """However many batches arrive, the panes apply them together (`ReadingView.UPDATE_INTERVAL`
    apart; a long interval here, so the count is exact): the first at once, the rest in one
    update when the job finishes, and the row at the top of the view stays where it was while
    text above it grows."""
    from widgets.reading_view import ReadingView

    monkeypatch.setattr(ReadingView, "UPDATE_INTERVAL", 3600.0)
    total = len(sample_article.sentences)
    middle = total // 2
    app = Recording(sample_article, app_config, OneByOne, start_at=middle)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_view.updates_applied >= 1)
        view = app.reader.reading_view
        anchor = app.reader.arabic_pane.view_anchor()
        assert anchor is not None and app.reader.arabic_pane.scroll_y > 0
        await wait_for(pilot, lambda: app.reader.translation_done)
        await pilot.pause()
        # The first batch at once; every later one (an hour's interval) with the last batch.
        assert view.updates_applied == 2 and view.pending_translations == 0
        assert app.reader.arabic_pane.view_anchor() == anchor
        assert_level(app, "after the coalesced update")
        english = app.reader.english_pane.plain_text()
        assert "…" not in english
        assert all(standin_english(s.text) in english for s in sample_article.sentences)


async def test_interleaved_english_arrives_under_its_own_paragraph(sample_article, app_config):
    """Interleaved, translations arriving batch by batch replace each paragraph's English block
    by its key: every English block ends up under its own Arabic paragraph with that
    paragraph's sentences, nothing pending, no Arabic block touched."""
    from widgets.blocks import PENDING

    app_config.layout = "interleaved"
    app = Recording(sample_article, app_config, OneByOne)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.reader.translation_done)
        await pilot.pause()
        blocks = app.reader.arabic_pane.blocks
        paragraphs = sample_article.paragraphs
        assert [b.key for b in blocks] == [(lang, i) for i in range(len(paragraphs)) for lang in ("ar", "en")]
        for i, paragraph in enumerate(paragraphs):
            arabic, english = blocks[2 * i], blocks[2 * i + 1]
            assert arabic.text == paragraph.text
            assert [n for n, _, _ in english.sentences] == [s.number for s in paragraph.sentences]
            for sentence in paragraph.sentences:
                assert standin_english(sentence.text) in english.text
            assert PENDING not in english.text
        with pytest.raises(ValueError):  # a block given under another block's key
            app.reader.arabic_pane.replace_blocks({("en", 0): blocks[0]})
