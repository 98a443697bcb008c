"""The reader's word cursor and word lookup (`w`/`W`, `Enter`), as part of the App.

The lexicon loads in a worker after the first paint; a lookup runs in a worker and shows
`widgets.lookup_panel.LookupScreen`. Mixed into `reader.app.QariApp`."""

from __future__ import annotations

from textual import work

from widgets.messages import LookupReady


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
        from widgets.lookup_panel import LookupScreen

        self.push_screen(LookupScreen(message.result, shape=self.shape, reorder=self.reorder))

    @work(thread=True, group="lexicon", exit_on_error=False)
    def _warm_lexicon(self) -> None:
        """Load the lexicon after the first paint, so the first lookup answers at once."""
        from reader.morphology import LexiconUnavailable, load_lexicon

        try:
            load_lexicon()
        except LexiconUnavailable:
            pass  # said when the reader asks for a word

