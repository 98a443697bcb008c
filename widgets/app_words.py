"""The reader's word cursor, word lookup and vocabulary (`w`/`W`, `Enter`, and in the lookup
`a` save / `k` known; `u` underlines the words the reader may not know; `V` lists this
article's saved words), as part of the App.

The lexicon loads in a worker after the first paint; a lookup runs in a worker and shows
`widgets.lookup_panel.LookupScreen`. Saved words and known lemmas live in the library
(`reader.vocabulary.Vocabulary`); wordfreq is loaded only when `u` is first pressed (in a
worker). Mixed into `reader.app.QariApp`."""

from __future__ import annotations

from textual import work

from widgets.messages import LookupReady, UnknownWordsReady


class WordActions:
    """Word cursor and lookup for `QariApp` (uses its `cursor`, `word`, `sentences`)."""

    def action_word(self, step: int) -> None:
        """`w`/`W`: move the word cursor through the cursor sentence (logical order: `w` goes
        to the next word in reading order, leftwards on screen); past its last (first) word it
        goes on to the first (last) word of the next (previous) sentence, like `w` in vi."""
        if self.cursor is None:
            return
        from reader.morphology import word_spans

        spans = word_spans(self.sentences[self.cursor].text)
        if self.word in spans and 0 <= spans.index(self.word) + step < len(spans):
            self.word = spans[spans.index(self.word) + step]
            return
        if spans and self.word not in spans:
            self.word = spans[0] if step > 0 else spans[-1]
            return
        number = self.cursor + step
        while 0 <= number < len(self.sentences):
            spans = word_spans(self.sentences[number].text)
            if spans:
                self.move_cursor(number)  # clears the word cursor
                self.word = spans[0] if step > 0 else spans[-1]
                return
            number += step

    def action_lookup(self) -> None:
        """`Enter`: look the word under the word cursor up (off the UI thread)."""
        if self.cursor is None or self.word is None:
            self.notify("Choose a word first: w / W (or click it), then Enter.", timeout=3)
            return
        start, end = self.word
        self.lookup_origin = (self.cursor, (start, end))
        self._lookup(self.sentences[self.cursor].text[start:end], self.translations.get(self.cursor))

    @work(thread=True, group="lookup", exclusive=True, exit_on_error=False)
    def _lookup(self, word: str, context: str | None) -> None:
        from reader.morphology import LexiconUnavailable, lookup_word

        try:
            self.post_message(LookupReady(lookup_word(word, context)))
        except LexiconUnavailable as error:
            self.post_message(LookupReady(None, str(error)))

    def on_lookup_ready(self, message: LookupReady) -> None:
        if message.result is None:
            self.notify(message.error or "No lexicon.", title="Word lookup", severity="error")
            return
        from functools import partial

        from widgets.lookup_panel import LookupScreen

        origin = getattr(self, "lookup_origin", None)
        vocabulary = self._vocabulary()
        if vocabulary is not None:
            vocabulary.count_lookup(message.result.word)
        self.push_screen(LookupScreen(message.result, shape=self.shape, reorder=self.reorder,
                                      on_add=partial(self._save_word, origin) if origin else None,
                                      on_known=self._mark_known))

    # -- vocabulary -------------------------------------------------------------------------

    def _vocabulary(self):
        """The vocabulary in this reader's library (None until the library is open)."""
        if getattr(self, "reading_state", None) is None:
            return None
        from reader.vocabulary import Vocabulary

        return Vocabulary(self.library)

    def _save_word(self, origin, analysis) -> str:
        """`a` in the lookup: save the word with `analysis` and its sentence (and English)."""
        vocabulary = self._vocabulary()
        if vocabulary is None:
            return "The library is not open: the word cannot be saved."
        number, (start, end) = origin
        sentence = self.sentences[number].text
        word = sentence[start:end]
        saved = vocabulary.add(word, analysis, sentence=sentence, sentence_en=self.translations.get(number),
                               article_id=self.reading_state.article_id, title=self.article.title or "",
                               source=str(self.article.source or ""), number=number, span=(start, end))
        if saved is None:
            return "Could not save the word (see the library warning)."
        gloss = analysis.glosses[0] if analysis.glosses else analysis.pos_label
        return f"Saved {word} ({analysis.lemma}: {gloss}) to your words · V lists them"

    def _mark_known(self, analysis) -> str:
        """`k` in the lookup: mark the reading's lemma known (all its forms)."""
        vocabulary = self._vocabulary()
        if vocabulary is None:
            return "The library is not open: known words cannot be kept."
        if not vocabulary.set_known([(analysis.lemma_id, analysis.lemma)]):
            return "Could not save the known word (see the library warning)."
        if self.reading_view.arabic.underlined:
            self._find_unknown_words()
        return f"Known: {analysis.lemma} (every form of it)"

    def action_toggle_unknown(self) -> None:
        """`u`: underline the words that are neither known nor frequent, or stop."""
        if getattr(self, "underline_unknown", False):
            self.underline_unknown = False
            self.reading_view.set_underlined({})
            self.notify("Unknown words: not underlined", timeout=2)
            return
        self.underline_unknown = True
        self._find_unknown_words()

    @work(thread=True, group="unknown-words", exclusive=True, exit_on_error=False)
    def _find_unknown_words(self) -> None:
        from reader.morphology import LexiconUnavailable
        from reader.vocabulary import unknown_spans

        vocabulary = self._vocabulary()
        known = vocabulary.known() if vocabulary is not None else frozenset()
        common = self.config.common_words
        try:
            spans = unknown_spans([s.text for s in self.sentences], known, common)
        except LexiconUnavailable as error:
            self.post_message(UnknownWordsReady(None, str(error)))
            return
        self.post_message(UnknownWordsReady(spans, common=common, library=vocabulary is not None))

    def on_unknown_words_ready(self, message: UnknownWordsReady) -> None:
        if message.spans is None:
            self.underline_unknown = False
            self.notify(message.error or "No lexicon.", title="Unknown words", severity="error")
            return
        if not getattr(self, "underline_unknown", False):
            return
        self.reading_view.set_underlined(message.spans)
        count = sum(len(v) for v in message.spans.values())
        note = "" if message.library else " (the library is not open: no known words)"
        self.notify(f"Underlined {count} words neither known nor among the {message.common:,} most frequent"
                    f"{note} · u: stop", timeout=3)

    def action_saved_words(self) -> None:
        """`V`: this article's saved words; Enter jumps to the sentence."""
        vocabulary = self._vocabulary()
        if vocabulary is None:
            self.notify("The library is not open (saved words need it).", severity="warning", timeout=3)
            return
        from widgets.words_screen import WordsScreen

        def chosen(number: int | None) -> None:
            if number is not None:
                self.move_cursor(number)

        words = vocabulary.words(article_id=self.reading_state.article_id)
        self.push_screen(WordsScreen(words, self.sentences, shape=self.shape, reorder=self.reorder), chosen)

    @work(thread=True, group="lexicon", exit_on_error=False)
    def _warm_lexicon(self) -> None:
        """Load the lexicon after the first paint, so the first lookup answers at once."""
        from reader.morphology import LexiconUnavailable, load_lexicon

        try:
            load_lexicon()
        except LexiconUnavailable:
            pass  # said when the reader asks for a word

