"""Words in the reader: the word cursor's moves, word lookup and the vocabulary.

`WordLookup` is a widget with no area of its own: it owns what looking a word up needs (the
lookup worker, the `widgets.lookup_panel.LookupScreen` it opens with `a` save / `k` known, the
"underline unknown words" toggle and its worker, `V` saved words, warming the lexicon after the
first paint), so the screen keeps only the cursor. The lexicon and wordfreq load in workers;
saved words and known lemmas live in the library (`reader.store.vocabulary.Vocabulary`) through the
article's `reader.store.library.ReadingState`. Workers post messages handled here; what the panes
must draw goes up as `WordLookup.Underline`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from textual import work
from textual.message import Message
from textual.widget import Widget

from widgets.messages import LookupReady, UnknownWordsReady

if TYPE_CHECKING:
    from reader.store.library import ReadingState
    from reader.model import Article, Sentence
    from reader.store.vocabulary import Vocabulary

Span = tuple[int, int]


def next_word(sentences: Sequence[Sentence], cursor: int, word: Span | None, step: int) -> tuple[int, Span] | None:
    """Where `w` (`step` 1) / `W` (-1) takes the word cursor: the next word in reading order
    (leftwards on screen); past the sentence's last (first) word, the first (last) word of the
    next (previous) sentence that has one, like `w` in vi. None: nowhere to go."""
    from reader.text.morphology import word_spans

    spans = word_spans(sentences[cursor].text)
    if word in spans and 0 <= spans.index(word) + step < len(spans):
        return cursor, spans[spans.index(word) + step]
    if spans and word not in spans:
        return cursor, spans[0] if step > 0 else spans[-1]
    number = cursor + step
    while 0 <= number < len(sentences):
        spans = word_spans(sentences[number].text)
        if spans:
            return number, spans[0] if step > 0 else spans[-1]
        number += step
    return None


class WordLookup(Widget):
    """Word lookup and vocabulary for one article (see the module docstring)."""

    DEFAULT_CSS = "WordLookup { display: none; }"

    @dataclass
    class Underline(Message):
        """Underline these words: {sentence number: [(start, end)]} ({}: none)."""

        spans: dict

    def __init__(self, article: Article, *, common_words: int, shape: bool = True, reorder: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.article = article
        self.common_words = common_words
        self.shape, self.reorder = shape, reorder
        self._translations: Mapping[int, str] = {}
        self.underline_unknown = False
        self._origin: tuple[int, Span] | None = None
        self._state: ReadingState | None = None

    @property
    def sentences(self) -> list[Sentence]:
        return self.article.sentences

    def _vocabulary(self) -> Vocabulary | None:
        """The vocabulary in the session's library (None until the article is recorded there)."""
        if self._state is None:
            return None
        from reader.store.vocabulary import Vocabulary

        return Vocabulary(self._state.library)

    # ------------------------------------------------------------------ lookup

    def look_up(self, cursor: int, word: Span, translations: Mapping[int, str], state: ReadingState | None) -> None:
        """Look the word at `word` in sentence `cursor` up, off the UI thread."""
        self._state = state
        start, end = word
        self._origin = (cursor, (start, end))
        self._translations = translations  # the article's, still filling: read when a word is saved
        self._lookup(self.sentences[cursor].text[start:end], translations.get(cursor))

    @work(thread=True, group="lookup", exclusive=True, exit_on_error=False)
    def _lookup(self, word: str, context: str | None) -> None:
        from reader.text.morphology import LexiconUnavailable, lookup_word

        try:
            self.post_message(LookupReady(lookup_word(word, context)))
        except LexiconUnavailable as error:
            self.post_message(LookupReady(None, str(error)))

    def on_lookup_ready(self, message: LookupReady) -> None:
        message.stop()
        if message.result is None:
            self.notify(message.error or "No lexicon.", title="Word lookup", severity="error")
            return
        from widgets.lookup_panel import LookupScreen

        result = message.result
        vocabulary = self._vocabulary()
        if vocabulary is not None:
            vocabulary.count_lookup(result.word)  # type: ignore[attr-defined]
        on_add = partial(self._save_word, self._origin) if self._origin else None
        self.app.push_screen(LookupScreen(result, shape=self.shape, reorder=self.reorder,  # type: ignore[arg-type]
                                          on_add=on_add, on_known=self._mark_known))

    def _save_word(self, origin: tuple[int, Span], analysis) -> str:
        """`a` in the lookup: save the word with `analysis` and its sentence (and English)."""
        vocabulary = self._vocabulary()
        if vocabulary is None or self._state is None:
            return "The library is not open: the word cannot be saved."
        number, (start, end) = origin
        sentence = self.sentences[number].text
        word = sentence[start:end]
        saved = vocabulary.add(word, analysis, sentence=sentence, sentence_en=self._translations.get(number),
                               article_id=self._state.article_id, title=self.article.title or "",
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
        if self.underline_unknown:
            self._find_unknown_words()
        return f"Known: {analysis.lemma} (every form of it)"

    # ------------------------------------------------------------------ unknown words

    def toggle_unknown(self, state: ReadingState | None) -> None:
        """`u`: underline the words that are neither known nor frequent, or stop."""
        self._state = state
        if self.underline_unknown:
            self.underline_unknown = False
            self.post_message(self.Underline({}))
            self.notify("Unknown words: not underlined", timeout=2)
            return
        self.underline_unknown = True
        self._find_unknown_words()

    @work(thread=True, group="unknown-words", exclusive=True, exit_on_error=False)
    def _find_unknown_words(self) -> None:
        from reader.text.morphology import LexiconUnavailable
        from reader.store.vocabulary import unknown_spans

        vocabulary = self._vocabulary()
        known = vocabulary.known() if vocabulary is not None else frozenset()
        try:
            spans = unknown_spans([s.text for s in self.sentences], known, self.common_words)
        except LexiconUnavailable as error:
            self.post_message(UnknownWordsReady(None, str(error)))
            return
        self.post_message(UnknownWordsReady(spans, common=self.common_words, library=vocabulary is not None))

    def on_unknown_words_ready(self, message: UnknownWordsReady) -> None:
        message.stop()
        if message.spans is None:
            self.underline_unknown = False
            self.notify(message.error or "No lexicon.", title="Unknown words", severity="error")
            return
        if not self.underline_unknown:
            return
        self.post_message(self.Underline(message.spans))
        count = sum(len(v) for v in message.spans.values())
        note = "" if message.library else " (the library is not open: no known words)"
        self.notify(f"Underlined {count} words neither known nor among the {message.common:,} most frequent"
                    f"{note} · u: stop", timeout=3)

    # ------------------------------------------------------------------ saved words

    def saved_words(self, state: ReadingState | None, chosen: Callable[[int | None], None]) -> None:
        """`V`: this article's saved words; Enter jumps to the sentence (`chosen`)."""
        self._state = state
        vocabulary = self._vocabulary()
        if vocabulary is None or state is None:
            self.notify("The library is not open (saved words need it).", severity="warning", timeout=3)
            return
        from widgets.words_screen import WordsScreen

        words = vocabulary.words(article_id=state.article_id)
        self.app.push_screen(WordsScreen(words, self.sentences, shape=self.shape, reorder=self.reorder), chosen)

    @work(thread=True, group="lexicon", exit_on_error=False)
    def warm_lexicon(self) -> None:
        """Load the lexicon after the first paint, so the first lookup answers at once."""
        from reader.text.morphology import LexiconUnavailable, load_lexicon

        try:
            load_lexicon()
        except LexiconUnavailable:
            pass  # said when the reader asks for a word
