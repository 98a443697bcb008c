"""Pilot tests of the vocabulary in the reader: `a` / `k` in the word lookup (with the reading
the reader moved to), `u` underlining unknown words without moving a cell, and `V` listing
this article's saved words. A temporary library (QARI_LIBRARY); the real lexicon and wordfreq."""

from __future__ import annotations

from pilot_helpers import Recording, wait_for

from reader.app import QariApp
from reader.store.library import Library
from reader.text.morphology import lookup, word_spans
from reader.store.vocabulary import Vocabulary
from widgets.lookup_panel import LookupScreen
from widgets.words_screen import WordsScreen


def pane_rows(app: QariApp) -> list[tuple[str, bool]]:
    """(text, has an underlined cell) of every drawn row of the Arabic pane."""
    pane = app.reader.arabic_pane
    rows = []
    for y in range(pane.size.height):
        strip = pane.render_line(y)
        rows.append((strip.text, any(seg.style is not None and seg.style.underline for seg in strip)))
    return rows


async def test_save_the_chosen_reading_mark_it_known_and_list_it(sample_article, app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = Recording(sample_article, app_config, None, use_library=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        sentence = sample_article.sentences[app.reader.cursor].text
        words = [sentence[s:e] for s, e in word_spans(sentence)]
        index = next(i for i, w in enumerate(words) if len({a.lemma_id for a in lookup(w)}) > 1)
        await pilot.press(*["w"] * (index + 1), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupScreen))
        second = app.screen.result.analyses[1]
        await pilot.press("down", "a")
        await wait_for(pilot, lambda: any(t.startswith("Saved") for t in app.told))
        await pilot.press("k")
        await wait_for(pilot, lambda: any(t.startswith("Known") for t in app.told))
        await pilot.press("escape")
        vocabulary = Vocabulary(app.library)
        [saved] = vocabulary.words()
        assert (saved.word, saved.lemma_id, saved.vocalised) == (words[index], second.lemma_id, second.vocalised)
        assert saved.context == " ".join(sentence.split()) and saved.sentence == app.reader.cursor
        assert saved.state == "known" and second.lemma_id in vocabulary.known()
        number = app.reader.cursor
        await pilot.press("j", "j", "V")
        await wait_for(pilot, lambda: isinstance(app.screen, WordsScreen))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, WordsScreen))
        assert app.reader.cursor == number


async def test_underlining_unknown_words_moves_no_cell(sample_article, app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("QARI_LIBRARY", str(tmp_path / "library.sqlite3"))
    app = Recording(sample_article, app_config, None, use_library=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.reading_state is not None)
        await pilot.pause()
        before = pane_rows(app)
        assert not any(underlined for _, underlined in before)
        await pilot.press("u")
        await wait_for(pilot, lambda: bool(app.reader.arabic_pane.underlined))
        await pilot.pause()
        after = pane_rows(app)
        assert [text for text, _ in after] == [text for text, _ in before]  # the same cells
        assert any(underlined for _, underlined in after)
        spans = app.reader.arabic_pane.underlined
        # Marking one underlined word's lemma known takes every form of it off.
        number, [(start, end), *_] = next(iter(spans.items()))
        word = sample_article.sentences[number].text[start:end]
        Vocabulary(app.library).set_known([(a.lemma_id, a.lemma) for a in lookup(word)])
        await pilot.press("u", "u")
        await wait_for(pilot, lambda: app.reader.arabic_pane.underlined and app.reader.arabic_pane.underlined != spans)
        remaining = {sample_article.sentences[n].text[s:e] for n, found in app.reader.arabic_pane.underlined.items()
                     for s, e in found}
        assert word not in remaining
        await pilot.press("u")
        await pilot.pause()
        assert app.reader.arabic_pane.underlined == {} and pane_rows(app) == before


async def test_the_library_screen_shows_each_article_s_difficulty(tmp_path):
    from textual.app import App
    from textual.widgets import OptionList

    from reader.article import parse_text
    from widgets.library_screen import LibraryScreen

    library = Library.open(tmp_path / "library.sqlite3")
    hard = library.record(parse_text("قال الكاتب إن الكتاب الجديد يتناول ترميم المخطوطات النادرة."), now=1.0)
    easy = library.record(parse_text("قال إن في هذا من على"), now=2.0)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(LibraryScreen(library, common_words=5000))

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.difficulty) == 2, timeout=30)
        await pilot.pause()
        options = screen.query_one(OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        expected = Vocabulary(library).difficulties([hard.id, easy.id], 5000, compute=False)
        assert expected[easy.id] == 0 and 0 < expected[hard.id] < 1
        assert f"{expected[hard.id]:.0%}" in rows[1] and " 0%" in rows[0]
    library.close()
