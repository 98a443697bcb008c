"""One session, many articles (reader/app.py, widgets/reader_screen.py): opening another
article pushes a new `ReaderScreen` in the same App; the translator is loaded once for the
whole session, the reader's view (layout, pane toggles, tashkeel, theme) carries over, and
backspace goes back to the previous article as it was left."""

from __future__ import annotations

from pilot_helpers import make_app, wait_for

from reader.article import parse_text
from widgets.reader_screen import ModelState, ReaderScreen

SIZE = (160, 48)
OTHER = ("خبر آخر\n\nقال الوزير إن المحادثات مستمرة. وأضاف أن الوفد سيعود غدا.\n\n"
         "وذكرت الصحيفة أن الاجتماع سيعقد في العاصمة.")


async def test_a_second_article_shares_the_model_and_the_view(sample_article, app_config, app_tiny_model):
    calls: list[int] = []

    def factory():
        calls.append(1)
        return app_tiny_model()

    app = make_app(sample_article, app_config, factory)
    other = parse_text(OTHER, source="other.txt")
    async with app.run_test(size=SIZE) as pilot:
        first = app.reader
        await wait_for(pilot, lambda: first.model_state is ModelState.READY)
        # The reader's view: stacked, no summary, tashkeel hidden, another theme.
        await pilot.press("l", "s", "v")
        app.theme = "textual-light"
        assert app.view.layout == "stacked" and first.effective_layout == "stacked"
        first.move_cursor(5)
        app.open_article(other)
        await wait_for(pilot, lambda: app.reader is not first and app.reader.is_mounted)
        second = app.reader
        # The model is the session's: ready from the start, never "loading model" again.
        assert second.model_state is ModelState.READY
        assert "loading" not in second.english_pane.border_title and "loading" not in str(second.sub_title)
        assert isinstance(app.screen, ReaderScreen) and app.screen is second
        assert second.effective_layout == "stacked" and not second.summary_pane.display
        assert second.arabic_pane.hide_tashkeel and app.theme == "textual-light"
        await wait_for(pilot, lambda: second.translation_done)
        assert len(calls) == 1, "the model was loaded again"
        assert second.model_name == first.model_name
        # The English is the model's own, for this article's sentences.
        expected = app_tiny_model().translate([s.text for s in other.sentences])
        assert [second.translations[n] for n in range(len(other.sentences))] == expected
        # A change made on the second article holds when going back to the first.
        await pilot.press("l")
        assert app.view.layout == "interleaved"
        await pilot.press("backspace")
        await wait_for(pilot, lambda: app.screen is first)
        assert app.reader is first and first.cursor == 5
        assert first.effective_layout == "interleaved" and first.arabic_pane.hide_tashkeel
        assert len(app.readers()) == 1
        await wait_for(pilot, lambda: first.translation_done)
        assert len(calls) == 1
        # On the first article there is nothing to go back to: the App stays.
        await pilot.press("backspace")
        await pilot.pause()
        assert app.is_running and app.screen is first


async def test_the_help_names_the_back_key(sample_article, app_config):
    from widgets.help_screen import HelpScreen

    app = make_app(sample_article, app_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = dict((description, keys) for keys, description in app.screen.keys)
        assert rows["Back to the previous article or list"] == "backspace"


async def test_quitting_with_two_articles_open_keeps_both_positions(sample_article, app_config, app_tiny_model,
                                                                    tmp_path, monkeypatch):
    """`q` on the second article ends the session at once (both translation jobs stop) and the
    library keeps where each article was left."""
    from reader.store.library import Library, article_id

    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = make_app(sample_article, app_config, app_tiny_model, use_library=True)
    other = parse_text(OTHER, source="other.txt")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        app.reader.move_cursor(7)
        app.open_article(other)
        await wait_for(pilot, lambda: len(app.readers()) == 2 and app.reader.reading_state is not None)
        app.reader.move_cursor(2)
        await pilot.press("q")
    assert app.return_code == 0
    with Library.open() as library:
        assert library.get(article_id(sample_article.text)).position == 7
        assert library.get(article_id(other.text)).position == 2
