"""Search: the input (`/`, docked at the bottom while open) and the search it runs.

The bar owns the search: the query, its matches and the current one, the sentence index (built
on the first search), and the `/=word` worker (every form of the word's lemma, found by the
morphological analyser off the UI thread). Text search is tashkeel- and alef-insensitive, over
the Arabic and the English that has arrived; when more English arrives the matches are found
again and the current one kept.

`n`/`N` step match by match, not sentence by sentence: a sentence may hold several matches,
and the counter (`match 3/23`) counts matches, so every index is visited in order. What the
reader should see is reported as a `SearchBar.Found` message: the highlights, the current
match, and the sentence to move to (the screen owns the cursor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from textual import work
from textual.binding import Binding
from textual.message import Message

from widgets.bidi_input import BidiInput
from reader.status_text import plural

if TYPE_CHECKING:
    from reader.model import Article
    from reader.text.search import Match, SentenceIndex

Marks = dict[str, dict[int, list[tuple[int, int]]]]


class SearchBar(BidiInput):
    """Type a query, Enter searches, Esc closes. An Arabic query is drawn shaped and in visual
    order, like the panes; the value stays logical."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False)]

    class Closed(Message):
        pass

    @dataclass
    class Found(Message):
        """The search's highlights changed: `marks` by language and sentence, `current`
        (lang, sentence, start, end) or None, and the sentence to move the cursor to."""

        marks: Marks
        current: tuple[str, int, int, int] | None
        move_to: int | None = None

    @dataclass
    class LemmaHits(Message):
        """The `/=word` worker's matches (posted to the bar itself)."""

        query: str
        matches: list = field(default_factory=list)
        jump: bool = False
        cursor: int = 0
        error: str | None = None

    def __init__(self, article: Article, **kwargs) -> None:
        super().__init__(placeholder="Search Arabic or English (Enter: search, Esc: close; /=word: by lemma)",
                         **kwargs)
        self.article = article
        self.search_query: str | None = None
        self.matches: list[Match] = []
        self.match_index: int | None = None
        self._index: SentenceIndex | None = None
        self._translations: Mapping[int, str] = {}

    # ------------------------------------------------------------------ the input

    def open(self) -> None:
        self.add_class("-open")
        if self.search_query:
            self.value = self.search_query
        self.focus()

    def action_close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    def search_value(self, value: str, cursor: int, translations: Mapping[int, str]) -> Found | None:
        """Enter: close the bar and search `value` (empty: forget the search)."""
        self.remove_class("-open")
        query = value.strip()
        if not query:
            return self.forget()
        return self.search(query, cursor, translations, jump=True)

    # ------------------------------------------------------------------ searching

    def counter(self) -> str:
        """`match 3/23` for the pane title, or "" without matches."""
        if not (self.search_query and self.matches):
            return ""
        return f"match {(self.match_index or 0) + 1}/{len(self.matches)}"

    def forget(self) -> Found | None:
        """Forget the search and its highlights (None when there was none)."""
        if not self.search_query:
            return None
        self.search_query, self.matches, self.match_index = None, [], None
        return self._found()

    def search(self, query: str, cursor: int, translations: Mapping[int, str], *, jump: bool) -> Found | None:
        """Search `query`; a lemma search answers later (a `Found` message)."""
        self._translations = translations
        if query.startswith("=") and not query[1:].strip():
            self.notify("/=word finds every form of a word's lemma: type the word after =", timeout=3)
            return None
        self.search_query = query
        if query.startswith("="):
            self._lemma_search(query, query[1:].strip(), jump, cursor)
            return None
        if self._index is None:
            from reader.text.search import SentenceIndex

            self._index = SentenceIndex([s.text for s in self.article.sentences])
        return self._show(query, self._index.find(query, translations), jump, cursor)

    def english_changed(self, translations: Mapping[int, str]) -> None:
        """More English arrived: find a text search's matches again (lemma hits stay valid)."""
        self._translations = translations
        if self.search_query and not self.search_query.startswith("=") and self._index is not None:
            found = self._show(self.search_query, self._index.find(self.search_query, translations), False, 0)
            if found is not None:
                self.post_message(found)

    @work(thread=True, group="search", exclusive=True, exit_on_error=False)
    def _lemma_search(self, query: str, word: str, jump: bool, cursor: int) -> None:
        """`/=word`: every form of the word's lemma(s), found by the morphological analyser."""
        from reader.text.morphology import LexiconUnavailable, lemma_matches

        try:
            hits = lemma_matches([s.text for s in self.article.sentences], word)
        except LexiconUnavailable as error:
            self.post_message(self.LemmaHits(query, [], jump, cursor, error=str(error)))
            return
        matches = [(number, "ar", start, end) for number, start, end in hits]
        self.post_message(self.LemmaHits(query, matches, jump, cursor))

    def on_search_bar_lemma_hits(self, message: LemmaHits) -> None:
        message.stop()
        if message.error is not None:
            self.notify(message.error, severity="error")
            return
        found = self._show(message.query, message.matches, message.jump, message.cursor)
        if found is not None:
            self.post_message(found)

    def _show(self, query: str, matches: list[Match], jump: bool, cursor: int) -> Found | None:
        if query != self.search_query:
            return None  # a newer search replaced this one
        index = self.match_index
        current = self.matches[index] if index is not None and 0 <= index < len(self.matches) else None
        self.matches = matches
        if not jump and current is not None:
            # New English arrived: stay on the same match (its index may have moved).
            self.match_index = next((i for i, m in enumerate(matches) if m == current),
                                    next((i for i, m in enumerate(matches) if m[0] >= current[0]), None))
        if self.match_index is not None and self.match_index >= len(matches):
            self.match_index = None
        move_to = None
        if jump:
            if not self.matches:
                self.match_index = None
                self.notify(f"No match for “{query}”", severity="warning", timeout=3)
            else:
                self.match_index = next((i for i, m in enumerate(self.matches) if m[0] >= cursor), 0)
                move_to = self.matches[self.match_index][0]
                sentences = len({m[0] for m in self.matches})
                self.notify(f"{plural(len(self.matches), 'match', 'matches')} in "
                            f"{plural(sentences, 'sentence')} for “{query}”", timeout=3)
        return self._found(move_to)

    def step(self, step: int, cursor: int) -> Found | None:
        """Move to the next (`step` 1) or previous (-1) match. On the current match's sentence
        this is the neighbouring match (the next one may be in the same sentence); after the
        cursor moved elsewhere it is the first match after (or last before) the cursor."""
        if not self.matches:
            self.notify("No search results (press / to search)", timeout=2)
            return None
        count = len(self.matches)
        index = self.match_index
        if index is not None and 0 <= index < count and self.matches[index][0] == cursor:
            target = index + step
        elif step > 0:
            target = next((i for i, m in enumerate(self.matches) if m[0] > cursor), count)
        else:
            target = next((i for i in range(count - 1, -1, -1) if self.matches[i][0] < cursor), -1)
        if not 0 <= target < count:
            target %= count
            self.notify("Search wrapped to the " + ("top" if step > 0 else "bottom"), timeout=2)
        self.match_index = target
        return self._found(self.matches[target][0])

    def _found(self, move_to: int | None = None) -> Found:
        marks: Marks = {"ar": {}, "en": {}}
        for number, lang, start, end in self.matches:
            marks[lang].setdefault(number, []).append((start, end))
        current = None
        if self.match_index is not None and 0 <= self.match_index < len(self.matches):
            number, lang, start, end = self.matches[self.match_index]
            current = (lang, number, start, end)
        return self.Found(marks, current, move_to)
