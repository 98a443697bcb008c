"""Pilot tests for the reader TUI (reader/app.py, widgets/): every key binding, the translation
worker with the real tiny fixture model, the no-model state, saving, search, resizing."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from widgets.reader_screen import ModelState, ReaderScreen
from pilot_helpers import Told, make_app, wait_for
from textual.geometry import Offset
from textual.selection import Selection

from reader.app import QariApp
from reader.text.arabic import search_key, strip_tashkeel
from widgets.article_pane import ArticlePane
from widgets.help_screen import HelpScreen
from widgets.save_dialog import SaveDialog
from widgets.section_list import SectionList

SIZE = (160, 48)
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
ARABIC = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")






def settled(app: QariApp) -> bool:
    """Translations arrived and were drawn (the App batches them on a short timer)."""
    return app.reader.translation_done and all(not pane.layout_pending for pane in (app.reader.arabic_pane, app.reader.english_pane))


def rows_of(pane: ArticlePane) -> list[str]:
    return [pane.visual_row(y) for y in range(pane.row_count)]


# ------------------------------------------------------------------ opening and layout


async def test_three_titled_panes_and_header(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.reader.arabic_pane.border_title.startswith("Arabic · 2/32 · §1/21")  # the headline
        assert app.reader.english_pane.border_title.startswith("English")
        assert app.reader.summary_pane.border_title.startswith("Summary")
        for pane in (app.reader.arabic_pane, app.reader.english_pane, app.reader.summary_pane):
            assert pane.display and pane.region.width > 20 and pane.region.height > 5
        # Arabic and English side by side, the summary below them.
        assert app.reader.arabic_pane.region.y == app.reader.english_pane.region.y
        assert app.reader.arabic_pane.region.x < app.reader.english_pane.region.x
        assert app.reader.summary_pane.region.y > app.reader.arabic_pane.region.bottom - 1
        assert Path(sample_article.source).name in app.reader.sub_title and "model: off" in app.reader.sub_title
        assert app.reader.title and ARABIC.search(app.reader.title)


async def test_arabic_painted_before_translation_starts(sample_article, app_config):
    """The translator factory (and so any model loading) runs only after the first paint."""
    seen: dict[str, object] = {}
    painted_rows: list[int] = []

    def factory():
        seen["first_paint"] = app.reader.first_paint
        seen["thread"] = threading.current_thread().name
        painted_rows.append(app.reader.arabic_pane.row_count)
        from reader.translation.translate import NoModelError

        raise NoModelError("no model for this test")

    app = make_app(sample_article, app_config, factory)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.model_state is ModelState.MISSING)
        assert seen["first_paint"] is not None
        assert seen["thread"] != threading.main_thread().name
        assert painted_rows and painted_rows[0] > len(sample_article.paragraphs)


async def test_layout_cycle_and_toggles(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.reader.effective_layout == "side"
        await pilot.press("l")
        assert app.view.layout == "stacked" and app.reader.effective_layout == "stacked"
        # Arabic above English; the summary moved beside them.
        await pilot.pause()
        assert app.reader.arabic_pane.region.x == app.reader.english_pane.region.x
        assert app.reader.english_pane.region.y > app.reader.arabic_pane.region.y
        assert app.reader.summary_pane.region.x > app.reader.arabic_pane.region.right - 1
        await pilot.press("l")
        await pilot.pause()
        assert app.reader.effective_layout == "interleaved"
        assert not app.reader.english_pane.display
        assert app.reader.arabic_pane.border_title.startswith("Arabic · English")
        assert app.reader.arabic_pane.region.width > app.reader.summary_pane.region.width
        await pilot.press("l")
        assert app.view.layout == "side"
        # t hides the English pane and the Arabic pane takes the freed width.
        width_before = app.reader.arabic_pane.region.width
        await pilot.press("t")
        await pilot.pause()
        assert not app.reader.english_pane.display
        assert app.reader.arabic_pane.region.width > width_before
        await pilot.press("t")
        await pilot.pause()
        assert app.reader.english_pane.display
        height_before = app.reader.arabic_pane.region.height
        await pilot.press("s")
        await pilot.pause()
        assert not app.reader.summary_pane.display
        assert app.reader.arabic_pane.region.height > height_before
        await pilot.press("s")
        await pilot.pause()
        assert app.reader.summary_pane.display


async def test_config_sets_initial_layout_and_panes(sample_article, app_config):
    app_config.layout = "interleaved"
    app_config.show_summary = False
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.reader.effective_layout == "interleaved"
        assert not app.reader.summary_pane.display


async def test_narrow_terminal_falls_back_to_stacked(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        assert app.view.layout == "side"
        assert app.reader.effective_layout == "stacked"
        assert app.reader.english_pane.region.y > app.reader.arabic_pane.region.y
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert app.reader.effective_layout == "side"


async def test_tiny_terminal_does_not_crash(sample_article, app_config):
    """40x12 (and smaller): every layout (cycled with l), modal screens, toggles."""
    app = make_app(sample_article, app_config)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert app.reader.effective_layout == "stacked"  # side by side does not fit in 40 columns
        seen = set()
        for key in ["j", "j", "l", "G", "k", "t", "s", "l", "c", "escape", "question_mark", "escape",
                    "g", "right_square_bracket", "l", "t", "s"]:
            await pilot.press(key)
            seen.add(app.reader.effective_layout)
        await pilot.pause()
        assert {"stacked", "interleaved"} <= seen
        assert app.is_running
        assert app.reader.arabic_pane.region.height >= 2 and app.reader.arabic_pane.row_count > 0
        assert app.reader.cursor is not None
        for width, height in [(20, 6), (40, 12), (41, 13)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
        assert app.is_running


async def test_resize_rewraps_and_keeps_cursor_visible(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        wide_width = pane.content_width
        wide_rows = pane.row_count
        await pilot.press("G")
        await pilot.resize_terminal(110, 40)
        await pilot.pause()
        await pilot.pause()
        assert pane.content_width < wide_width
        assert pane.row_count > wide_rows
        for y in range(pane.row_count):
            row = pane.visual_row(y)
            assert len(row) - sum(1 for c in row if strip_tashkeel(c) == "") <= pane.content_width
        rows = pane.sentence_rows(app.reader.cursor)
        top = int(pane.scroll_y)
        assert rows and top <= rows[0] and rows[-1] < top + pane.scrollable_content_region.height


async def test_rtl_rows_are_right_aligned_and_shaped(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        from rich.cells import cell_len

        # Every drawn row ends at the same column, one cell before the scrollbar: right-aligned.
        # (A left-aligned pane would end each row where its text ends, at many columns.)
        drawn = [pane.visual_row(y) for y in range(pane.row_count) if pane.visual_row(y).strip()]
        assert len(drawn) > 20
        right_edge = pane.scrollable_content_region.width - pane.END_MARGIN
        assert {cell_len(r) for r in drawn} == {right_edge}
        assert len({cell_len(r) - cell_len(r.lstrip(" ")) for r in drawn}) > 5  # lines of many lengths
        # ...and shaped: presentation forms appear (shape=True).
        assert any(PRESENTATION_FORMS.search(r) for r in drawn)


async def test_terminal_bidi_mode_emits_logical_text(sample_article, app_config):
    app_config.bidi = "terminal"
    app_config.shape = False
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        rows = [r.strip() for r in rows_of(pane) if r.strip()]
        assert rows
        assert not any(PRESENTATION_FORMS.search(r) for r in rows)
        # Logical order: every row is a substring of the article's logical text.
        assert all(r in sample_article.text for r in rows)


# ------------------------------------------------------------------ navigation


async def test_sentence_cursor_keys(sample_article, app_config):
    app = make_app(sample_article, app_config)
    n = len(sample_article.sentences)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.reader.cursor == 1  # the headline, not the site name above it
        await pilot.press("g")
        assert app.reader.cursor == 0
        await pilot.press("j")
        assert app.reader.cursor == 1
        await pilot.press("down")
        assert app.reader.cursor == 2
        await pilot.press("k")
        assert app.reader.cursor == 1
        await pilot.press("up")
        assert app.reader.cursor == 0
        await pilot.press("up")
        assert app.reader.cursor == 0
        await pilot.press("G")
        assert app.reader.cursor == n - 1
        await pilot.press("j")
        assert app.reader.cursor == n - 1
        await pilot.press("g")
        assert app.reader.cursor == 0
        await pilot.press("end")
        assert app.reader.cursor == n - 1
        await pilot.press("home")
        assert app.reader.cursor == 0
        # The highlight follows in every pane.
        await pilot.press("j")
        for pane in (app.reader.arabic_pane, app.reader.english_pane):
            assert pane.cursor == 1


async def test_cursor_scrolls_into_view(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        pane = app.reader.arabic_pane
        rows = pane.sentence_rows(app.reader.cursor)
        assert pane.scroll_y > 0
        assert int(pane.scroll_y) <= rows[0] and rows[-1] < pane.scroll_y + pane.scrollable_content_region.height


async def test_section_keys(sample_article, app_config):
    sections = [s for s in sample_article.sections if s.sentences]
    if len(sections) < 2:
        pytest.skip("sample article has one section")
    starts = [s.sentences[0].number for s in sections]
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("right_square_bracket")
        assert app.reader.cursor == starts[1]
        await pilot.press("j", "left_square_bracket")
        assert app.reader.cursor == starts[1]
        await pilot.press("left_square_bracket")
        assert app.reader.cursor == starts[0]


async def test_section_list(sample_article, app_config):
    sections = [s for s in sample_article.sections if s.sentences]
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, SectionList)
        target = len(sections) - 1
        for _ in range(target):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SectionList)
        assert app.reader.cursor == sections[target].sentences[0].number
        await pilot.press("c", "escape")
        assert not isinstance(app.screen, SectionList)


async def test_click_moves_cursor(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        target = 3
        row = pane.sentence_rows(target)[0]
        visual = pane.visual_row(row)
        # Click on a character of that row that belongs to the target sentence.
        x = next(
            i for i in range(len(visual)) if visual[i] != " " and pane.sentence_at(i, row) == target
        )
        offset = pane.content_region.offset - pane.region.offset
        await pilot.click("#arabic", offset=(offset.x + x, offset.y + row - int(pane.scroll_y)))
        await pilot.pause()
        assert app.reader.cursor == target


async def test_tab_moves_focus_between_panes(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused is app.reader.arabic_pane
        await pilot.press("tab")
        assert app.focused is app.reader.english_pane
        await pilot.press("tab")
        assert app.focused is app.reader.summary_pane
        await pilot.press("shift+tab")
        assert app.focused is app.reader.english_pane


async def test_selection_copies_logical_text(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.reader.arabic_pane
        first = sample_article.paragraphs[1]
        rows = [y for y in range(pane.row_count) if pane.visual_row(y)]
        # Select the whole first two drawn rows of the second paragraph.
        y0 = pane.sentence_rows(first.sentences[0].number)[0]
        text, _ = pane.get_selection(Selection(Offset(0, y0), Offset(pane.content_width, y0 + 1)))
        assert text
        assert text in sample_article.text
        assert not PRESENTATION_FORMS.search(text)
        assert text.split("\n")[0] == first.text[: len(text.split("\n")[0])]
        # A partial selection inside one visual line is still a logical substring.
        visual = pane.visual_row(y0)
        start = len(visual) - len(visual.lstrip())
        part, _ = pane.get_selection(Selection(Offset(start + 3, y0), Offset(start + 15, y0)))
        assert part and part in first.text
        assert rows


# ------------------------------------------------------------------ search


async def test_search_ignores_tashkeel_and_alef_variants(sample_article, app_config):
    # Pick a word with hamza-alef from the article and search it with a bare alef.
    words = re.findall(r"\S*[أإآ]\S*", sample_article.text)
    word = max(words, key=len).strip(".,،؛:«»()\"'")
    query = word.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    assert query != word
    expected = {s.number for s in sample_article.sentences if search_key(query) in search_key(s.text)}
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("G")
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused.id == "search"
        await pilot.press(*list(query))
        await pilot.press("enter")
        await pilot.pause()
        assert {m[0] for m in app.reader.search_bar.matches if m[1] == "ar"} == expected
        # Every match maps back to the original (unfolded) word in the article.
        for number, lang, start, end in app.reader.search_bar.matches:
            original = sample_article.sentences[number].text[start:end]
            assert search_key(original) == search_key(query)
        ordered = sorted(expected)
        await pilot.press("n")
        first_after = app.reader.cursor
        assert first_after in expected
        if len(ordered) > 1:
            await pilot.press("n")
            assert app.reader.cursor != first_after
            await pilot.press("N")
            assert app.reader.cursor == first_after
        assert app.focused is app.reader.arabic_pane


async def test_search_no_match_and_escape(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "z", "q", "x", "enter")
        await pilot.pause()
        assert app.reader.search_bar.matches == []
        assert app.reader.cursor == 1
        await pilot.press("slash", "escape")
        assert app.focused is app.reader.arabic_pane
        await pilot.press("n")
        assert app.reader.cursor == 1


# ------------------------------------------------------------------ help, palette, quit


async def test_help_lists_every_key(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        descriptions = {d for _, d in app.screen.keys}
        for binding in [*QariApp.BINDINGS, *ReaderScreen.BINDINGS]:
            assert binding.description in descriptions
        keys = " ".join(k for k, _ in app.screen.keys)
        for key in ["q", "j", "k", "]", "[", "g", "G", "l", "t", "s", "c", "/", "n", "N", "r", "i", "a",
                    "+", "-", "^s", "?", "tab", "enter", "f"]:
            assert key in keys, key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_lists_actions(sample_article, app_config):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for wanted in ["Layout", "Search", "Save", "Next section", "Re-translate sentence", "Install model",
                       "Summary algorithm", "Longer summary", "Page down", "Go to sentence N"]:
            assert wanted in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Next sentence")
        command.callback()
        await pilot.pause()
        assert app.reader.cursor == 2  # from the headline (1)


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
async def test_quit_keys(sample_article, app_config, key):
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


# ------------------------------------------------------------------ translation worker


class GatedTranslator:
    """Wraps a real translator: records calls, and can hold `translate_iter` after `hold_after`
    results until the test opens the gate (so keys can be pressed mid-translation)."""

    def __init__(self, inner, hold_after: int | None = None) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.calls: list[tuple[str, list[str], dict]] = []
        self.yielded: list[int] = []
        self.hold_after = hold_after
        self.gate = threading.Event()
        self.held = threading.Event()

    def translate(self, sentences, **kwargs):
        self.calls.append(("translate", list(sentences), kwargs))
        return self.inner.translate(sentences, **kwargs)

    def translate_iter(self, sentences, **kwargs):
        self.calls.append(("iter", list(sentences), kwargs))
        for index, text in self.inner.translate_iter(sentences, **kwargs):
            if self.hold_after is not None and len(self.yielded) == self.hold_after:
                self.held.set()
                self.gate.wait(30)
            self.yielded.append(index)
            yield index, text


class RecordingApp(QariApp):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.progress_log: list[tuple[int, int, str]] = []
        self.translated_log: list[int] = []
        self.install_log: list[str] = []

    def on_translation_batch(self, message) -> None:  # runs before QariApp's handler
        update = message.update
        self.progress_log.append((update.done, update.total, update.eta))
        self.translated_log.extend(update.translations)

    def on_install_progress(self, message) -> None:
        self.install_log.append(message.text)


async def test_translation_worker_progress_priority_and_responsiveness(sample_article, app_config, app_tiny_model):
    loaded = threading.Event()
    proceed = threading.Event()
    holder: dict[str, GatedTranslator] = {}

    def factory():
        translator = GatedTranslator(app_tiny_model(), hold_after=3)
        holder["t"] = translator
        loaded.set()
        proceed.wait(30)  # the user moves the cursor while the model loads
        return translator

    def release() -> None:  # never leave the worker thread blocked if an assertion fails
        proceed.set()
        if "t" in holder:
            holder["t"].gate.set()

    app = RecordingApp(sample_article, app_config, factory, start_summary=False)
    sections = [s for s in sample_article.sections if s.sentences]
    total = len(sample_article.sentences)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await wait_for(pilot, loaded.is_set)
            assert app.reader.model_state is ModelState.LOADING and "loading" in app.reader.sub_title
            await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
            target = sections[3]
            assert app.reader.cursor == target.sentences[0].number
            proceed.set()
            translator = holder["t"]
            await wait_for(pilot, translator.held.is_set)
            # The section under the cursor was asked for first, and came first.
            wanted = [s.number for s in target.sentences]
            kind, sentences, kwargs = translator.calls[0]
            assert kind == "iter" and [sentences[i] for i in kwargs["first"]] == [sample_article.sentences[n].text for n in wanted]
            assert translator.yielded[: len(wanted)] == wanted
            # Keys still work while the worker is mid-translation.
            before = app.reader.cursor
            await pilot.press("j", "j")
            assert app.reader.cursor == before + 2
            await pilot.press("k")
            assert app.reader.cursor == before + 1
            assert not app.reader.translation_done
            await wait_for(pilot, lambda: app.progress_log)
            # Moving to another section mid-translation re-plans: the next model call asks for
            # that section first.
            later = sections[6]
            for _ in range(len(sections)):
                if app.reader.cursor >= later.sentences[0].number:
                    break
                await pilot.press("right_square_bracket")
            assert app.reader.cursor == later.sentences[0].number
            translator.gate.set()
            await wait_for(pilot, lambda: sum(c[0] == "iter" for c in translator.calls) >= 2)
            kind, sentences, kwargs = [c for c in translator.calls if c[0] == "iter"][1]
            assert [sentences[i] for i in kwargs["first"]] == [sample_article.sentences[s.number].text
                                                                for s in later.sentences]
            def tops_aligned() -> bool:
                return all(app.reader.arabic_pane.sentence_rows(p.sentences[0].number)[0]
                           == app.reader.english_pane.sentence_rows(p.sentences[0].number)[0]
                           for p in sample_article.paragraphs)

            await wait_for(pilot, lambda: settled(app) and app.progress_log and app.progress_log[-1][0] == total
                           and app.reader.english_pane.border_title == f"English · {total}/{total} translated"
                           and app.reader.english_pane.row_count == app.reader.arabic_pane.row_count and tops_aligned())
            # Progress: done counts up to the total, with an estimate once the rate is known.
            dones = [d for d, t, _ in app.progress_log]
            assert dones == sorted(dones) and dones[-1] == total and all(t == total for _, t, _ in app.progress_log)
            assert any(eta is not None for _, _, eta in app.progress_log)
            assert app.reader.english_pane.border_title == f"English · {total}/{total} translated"
            assert sorted(app.translated_log) == list(range(total))
            assert app.reader.model_name == translator.model_name and translator.model_name in app.reader.sub_title
            # The English pane shows each translation inside its paragraph's block, aligned.
            english_text = app.reader.english_pane.plain_text()
            for number in (0, total - 1):
                assert " ".join(app.reader.translations[number].split()) in english_text
            heights_ar = app.reader.arabic_pane.natural_heights()
            for group, height in app.reader.english_pane.natural_heights().items():
                ar_rows = app.reader.arabic_pane.sentence_rows(sample_article.paragraphs[group].sentences[0].number)
                en_rows = app.reader.english_pane.sentence_rows(sample_article.paragraphs[group].sentences[0].number)
                assert ar_rows[0] == en_rows[0], group  # paragraph tops line up
            assert heights_ar
            assert app.reader.english_pane.row_count == app.reader.arabic_pane.row_count

            # r re-translates the current sentence, bypassing the cache.
            await pilot.press("r")
            await wait_for(pilot, lambda: any(c[0] == "translate" for c in translator.calls))
            kind, sentences, kwargs = next(c for c in translator.calls if c[0] == "translate")
            assert sentences == [sample_article.sentences[app.reader.cursor].text]
            assert kwargs.get("use_cache") is False
            await wait_for(pilot, lambda: app.translated_log.count(app.reader.cursor) == 2)

            # Interleaved: each Arabic paragraph is followed by its English.
            await pilot.press("l", "l")
            assert app.reader.effective_layout == "interleaved"
            langs = [b.lang for b in app.reader.arabic_pane.blocks]
            assert langs[:4] == ["ar", "en", "ar", "en"]
            assert " ".join(app.reader.translations[0].split()) in app.reader.arabic_pane.plain_text()
            await pilot.press("q")
        finally:
            release()
    assert app.return_code == 0


async def test_english_search_is_casefolded(sample_article, app_config, app_tiny_model):
    app = make_app(sample_article, app_config, app_tiny_model)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: settled(app) and len(app.reader.translations) == len(sample_article.sentences))
        words = [w for w in re.findall(r"[A-Za-z]{4,}", app.reader.translations[len(sample_article.sentences) - 1])]
        if not words:
            pytest.skip("the tiny model gave no Latin word to search for")
        word = words[0]
        expected = {n for n, t in app.reader.translations.items() if word.casefold() in t.casefold()}
        await pilot.press("slash", *list(word.upper()), "enter")
        await pilot.pause()
        assert {m[0] for m in app.reader.search_bar.matches if m[1] == "en"} == expected
        assert app.reader.cursor in expected


async def test_ctrl_c_during_translation_quits_and_keeps_cache(sample_article, app_config, app_tiny_model, tmp_path):
    holder = {}

    def factory():
        holder["t"] = GatedTranslator(app_tiny_model(), hold_after=2)
        return holder["t"]

    app = make_app(sample_article, app_config, factory)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "t" in holder and holder["t"].held.is_set())
        holder["t"].gate.set()
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0
    # Whatever finished before quitting is in the cache: a new translator answers it from there.
    from reader.translation.cache import TranslationCache

    cache = TranslationCache(tmp_path / "translations.sqlite")
    assert cache.count() >= 2


# ------------------------------------------------------------------ no model, install


async def test_no_model_state(sample_article, app_config, app_translator_factory, app_save_dir):
    app = make_app(sample_article, app_config, app_translator_factory, start_summary=True, save_dir=app_save_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.model_state is ModelState.MISSING)
        await pilot.pause()
        text = app.reader.english_pane.plain_text()
        assert text.startswith("No Arabic→English translation model is installed.")
        assert "Press i" in text and "qari models install ar en" in text
        from argostranslate import settings

        assert f"Models live in {settings.package_data_dir}" in text  # the real folder
        assert "model: none installed" in app.reader.sub_title
        assert "no model" in app.reader.english_pane.border_title
        # Reading, navigation, summary and saving all still work.
        await pilot.press("j", "right_square_bracket")
        assert app.reader.cursor > 1
        await pilot.press("r")
        assert app.reader.translations == {}
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        saved = app.reader.default_save_path()
        assert saved.exists() and "(no translation)" in saved.read_text(encoding="utf-8")


async def test_install_flow_then_translates(sample_article, app_config, app_translator_factory, monkeypatch):
    import json
    import zipfile

    from argostranslate import settings
    from loopback import LoopbackServer, Response

    from conftest import FIXTURE_MODEL

    with zipfile.ZipFile(FIXTURE_MODEL) as archive:
        top = archive.namelist()[0].split("/")[0]
        metadata = json.loads(archive.read(f"{top}/metadata.json"))
    with LoopbackServer() as server:
        server.route("/pkg.argosmodel", Response.file(FIXTURE_MODEL, content_type="application/zip"))
        entry = dict(metadata, links=[server.url("/pkg.argosmodel")])
        server.route("/index.json", Response.json([entry]))
        monkeypatch.setattr(settings, "package_index", server.url("/index.json"))
        app = RecordingApp(sample_article, app_config, app_translator_factory, start_summary=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.reader.model_state is ModelState.MISSING)
            await pilot.press("i")
            await wait_for(pilot, lambda: app.reader.model_state is ModelState.READY, timeout=30)
            await wait_for(pilot, lambda: app.reader.translation_done, timeout=30)
            assert any("MB" in text for text in app.install_log)
            assert app.reader.install_state is None
            assert len(app.reader.translations) == len(sample_article.sentences)
            await pilot.press("i")  # already installed: just says so
            assert app.reader.model_state is ModelState.READY


async def test_install_failure_is_reported(sample_article, app_config, app_translator_factory, monkeypatch):
    from argostranslate import settings
    from loopback import LoopbackServer

    with LoopbackServer() as server:  # no routes: the index answers 404
        monkeypatch.setattr(settings, "package_index", server.url("/index.json"))
        app = make_app(sample_article, app_config, app_translator_factory)
        notes: list[str] = []
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            original = app.notify

            def notify(message, **kwargs):
                notes.append(message)
                return original(message, **kwargs)

            app.notify = notify
            await wait_for(pilot, lambda: app.reader.model_state is ModelState.MISSING)
            await pilot.press("i")
            await wait_for(pilot, lambda: any("404" in n for n in notes), timeout=30)
            assert app.reader.install_state is None and app.reader.model_state is ModelState.MISSING
            assert app.is_running


# ------------------------------------------------------------------ summary


async def test_summary_pane_keys(sample_article, app_config):
    app = make_app(sample_article, app_config, start_summary=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        numbers = list(app.reader.summary_pane.summary_numbers)
        assert numbers and numbers == sorted(numbers)
        title = app.reader.summary_pane.border_title
        assert "news" in title and f"{len(numbers)} sentences" in title
        # Each summary sentence is shown in Arabic with its marker.
        text = app.reader.summary_pane.plain_text()
        for number in numbers:
            assert sample_article.sentences[number].text in text
            assert f"[{number + 1}]" in text
        # + (or =) / - change the length.
        await pilot.press("plus")
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None and len(app.reader.summary_pane.summary_numbers) == len(numbers) + 1)
        await pilot.press("equals_sign")
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None and len(app.reader.summary_pane.summary_numbers) == len(numbers) + 2)
        await pilot.press("minus", "minus", "minus")
        await wait_for(pilot, lambda: len(app.reader.summary_pane.summary_numbers) == len(numbers) - 1)
        assert f"{len(numbers) - 1} sentences" in app.reader.summary_pane.border_title
        # a cycles the algorithm.
        await pilot.press("a")
        await wait_for(pilot, lambda: "lexrank" in app.reader.summary_pane.border_title and app.reader.summary_pane.summary_numbers is not None)
        assert app.reader.summary_pane.algorithm == "lexrank"
        await wait_for(pilot, lambda: not app.reader.summary_pane.summary_pending and app.reader.summary_pane.numbers == app.reader.summary_pane.summary_numbers)
        # Enter on a summary sentence moves the article cursor there.
        numbers = list(app.reader.summary_pane.summary_numbers)
        app.reader.summary_pane.focus()
        await pilot.press("j")
        await pilot.press("enter")
        assert app.reader.cursor == numbers[1]
        assert app.focused is app.reader.arabic_pane
        assert app.reader.summary_pane.cursor == numbers[1]  # highlighted in the summary too


# ------------------------------------------------------------------ saving


async def test_save_dialog_overwrite_and_failure(sample_article, app_config, app_save_dir):
    app = make_app(sample_article, app_config, start_summary=True, save_dir=app_save_dir)
    told = Told()
    async with app.run_test(size=SIZE, notifications=True, message_hook=told) as pilot:
        await wait_for(pilot, lambda: app.reader.summary_pane.summary_numbers is not None)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SaveDialog)
        path = app.reader.default_save_path()
        assert path.parent == app_save_dir and path.suffix == ".md"
        assert dialog.query_one("#save-path").value == str(path)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SaveDialog)
        content = path.read_text(encoding="utf-8")
        for number in app.reader.summary_pane.summary_numbers:
            assert sample_article.sentences[number].text in content  # logical text
        assert not PRESENTATION_FORMS.search(content)
        assert any(str(path) in n.message for n in told.notifications)
        # Existing file: asks; n keeps it, y overwrites.
        path.write_text("keep me", encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.confirming
        await pilot.press("n")
        assert path.read_text(encoding="utf-8") == "keep me"
        assert isinstance(app.screen, SaveDialog) and not app.screen.confirming
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, SaveDialog)
        assert path.read_text(encoding="utf-8") == content
        # A path that cannot be written: error shown, dialog stays, nothing written.
        blocker = app_save_dir / "not-a-dir"
        blocker.write_text("x", encoding="utf-8")
        bad = blocker / "summary.md"
        await pilot.press("ctrl+s")
        await pilot.pause()
        field = app.screen.query_one("#save-path")
        field.value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveDialog)
        assert "Could not save" in str(app.screen.query_one("#save-message").render())
        assert any(str(bad) in n.message and n.severity == "error" for n in told.notifications)
        await pilot.press("escape")
        assert not isinstance(app.screen, SaveDialog)


@pytest.mark.parametrize("hide_tashkeel", [False, True])
async def test_plain_rows_draw_what_the_general_path_draws(sample_article, app_config, monkeypatch, hide_tashkeel):
    """Rows with nothing drawn over their text but side-by-side decorations (the pending
    "…" of an untranslated sentence) take a path of their own; it must draw every cell as
    Rich's span path does (text, colours, padding, offsets), in every pane."""
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.first_paint is not None)
        await pilot.pause()
        panes = [app.reader.arabic_pane, app.reader.english_pane, app.reader.summary_pane]
        for pane in panes:
            pane.hide_tashkeel = hide_tashkeel

        def drawn() -> list:
            out = []
            for pane in panes:
                layout, base = pane._layout, pane.rich_style
                for y, row in enumerate(layout.rows):
                    strip = pane._render_row(y, row, pane._blocks[row.block], pane._sentence_spans[row.block],
                                             None, None, layout.view_width, 0, base)
                    out.append([(seg.text, seg.style) for seg in strip])
            return out

        def simple_rows(decorated: bool) -> int:
            count = 0
            for pane in panes:
                for row in pane._layout.rows:
                    if row.line is not None:
                        runs = pane._simple_runs(pane._blocks[row.block], pane._sentence_spans[row.block], None,
                                                 row.line, row.pad)
                        count += runs is not None and bool(runs) == decorated
            return count

        # Half the English pending ("…"), then a note with an empty line (an empty row).
        view = app.reader.reading_view
        for translations, note in (({n: f"Sentence {n}." for n in range(0, 40, 2)}, None),
                                   ({}, "No model.\n\nPress i to install one.")):
            view.show_translations(translations, note=note)
            await pilot.pause()
            fast, plain, decorated = drawn(), simple_rows(False), simple_rows(True)
            with monkeypatch.context() as general:
                general.setattr(ArticlePane, "_simple_runs", lambda self, *args: None)
                assert drawn() == fast
            assert plain > 20 and (decorated > 5 or note is not None)


async def test_first_frame_of_an_article_has_its_text(sample_article, app_config, monkeypatch):
    """The Arabic pane lays its text out in the layout pass that gives it a size: the first
    rows it ever draws are the article's, not blank rows waiting for the Resize event."""
    first: list[str] = []
    original = ArticlePane.render_line

    def render_line(self, y):
        strip = original(self, y)
        if self.id == "arabic" and not first:
            first.append(strip.text)
        return strip

    monkeypatch.setattr(ArticlePane, "render_line", render_line)
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.first_paint is not None)
    assert first and first[0].strip()


async def test_footer_keys_come_after_the_article(sample_article, app_config):
    """The footer (a widget per key) is mounted once the article is on screen, in the row
    kept for it, and shows its keys without waiting for a focus change."""
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.first_paint is not None)
        panes_bottom = app.screen.query_one("#panes").region.bottom
        await wait_for(pilot, lambda: "Quit" in _footer_text(app))
        assert app.screen.query_one("#panes").region.bottom == panes_bottom  # nothing moved
        assert "? Help" in _footer_text(app) and "q Quit" in _footer_text(app)


def _footer_text(app) -> str:
    from widgets.fitting_footer import FittingFooter

    footers = list(app.screen.query(FittingFooter))
    if not footers:
        return ""
    return " ".join(f"{key.key_display} {key.description}" for key in footers[0].query("FooterKey") if key.display)


async def test_progressive_layout_of_a_long_article(sample_article, app_config, monkeypatch):
    """Past SYNC_LAYOUT_BLOCKS blocks, the view is laid out first and the rest in the
    background; the final rows equal a full synchronous layout."""
    with monkeypatch.context() as sync:
        sync.setattr(ArticlePane, "SYNC_MISSING_BLOCKS", 10**9)  # every block laid out at once
        app = make_app(sample_article, app_config)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not app.reader.arabic_pane.layout_pending
            reference = rows_of(app.reader.arabic_pane)
    monkeypatch.setattr(ArticlePane, "SYNC_LAYOUT_BLOCKS", 4)
    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.reader.arabic_pane
        await wait_for(pilot, lambda: app.reader.first_paint is not None)
        await wait_for(pilot, lambda: not pane.layout_pending and not app.reader.english_pane.layout_pending)
        await pilot.pause()
        assert rows_of(pane) == reference
        await pilot.resize_terminal(120, 40)
        await pilot.press("G")  # jump into a part that may not be laid out yet
        rows = pane.sentence_rows(app.reader.cursor)
        assert rows and int(pane.scroll_y) <= rows[0] < pane.scroll_y + pane.scrollable_content_region.height
        await wait_for(pilot, lambda: not pane.layout_pending)
        await pilot.pause()
        rows = pane.sentence_rows(app.reader.cursor)
        assert rows and int(pane.scroll_y) <= rows[0] < pane.scroll_y + pane.scrollable_content_region.height
