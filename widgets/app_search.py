"""Search, as part of the App: `/` (text, tashkeel- and alef-insensitive; `/=word` by lemma),
`n`/`N` with a counter and a wrap notice, `Esc` clears. Mixed into `reader.app.QariApp`.

`n`/`N` step match by match, not sentence by sentence: a sentence may hold several matches,
and the counter (`match 3/23`) counts matches, so every index is visited in order. The current
match is drawn in a colour of its own."""

from __future__ import annotations

from textual import work

from reader.search import Match, SentenceIndex
from widgets.messages import plural
from widgets.search_bar import SearchBar


class SearchActions:
    """Search state and keys for `QariApp`."""

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.add_class("-open")
        if self.search_query:
            bar.value = self.search_query
        bar.focus()

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        self._close_search()

    def _close_search(self) -> None:
        self.query_one(SearchBar).remove_class("-open")
        self.arabic_pane.focus()

    def on_input_submitted(self, event: SearchBar.Submitted) -> None:
        if not isinstance(event.input, SearchBar):
            return
        event.stop()
        query = event.value.strip()
        self._close_search()
        if not query:
            self.action_clear_search()
            return
        self._run_search(query, jump=True)

    def action_clear_search(self) -> None:
        """`Esc`: forget the search and its highlights."""
        if self.screen.get_selected_text():
            self.screen.clear_selection()
        if not self.search_query:
            return
        self.search_query, self.matches, self.match_index = None, [], None
        self._show_marks()
        self._update_titles()

    def _run_search(self, query: str, *, jump: bool) -> None:
        if query.startswith("=") and not query[1:].strip():
            self.notify("/=word finds every form of a word's lemma: type the word after =", timeout=3)
            return
        self.search_query = query
        if query.startswith("=") and query[1:].strip():
            self._lemma_search(query, query[1:].strip(), jump)
            return
        if self._search_index is None:
            self._search_index = SentenceIndex([s.text for s in self.sentences])
        self._show_matches(query, self._search_index.find(query, self.translations), jump)

    @work(thread=True, group="search", exclusive=True, exit_on_error=False)
    def _lemma_search(self, query: str, word: str, jump: bool) -> None:
        """`/=word`: every form of the word's lemma(s), found by the morphological analyser."""
        from reader.morphology import LexiconUnavailable, lemma_matches

        try:
            hits = lemma_matches([s.text for s in self.sentences], word)
        except LexiconUnavailable as error:
            self.call_from_thread(self.notify, str(error), severity="error")
            return
        matches = [(number, "ar", start, end) for number, start, end in hits]
        self.call_from_thread(self._show_matches, query, matches, jump)

    def _show_matches(self, query: str, matches: list[Match], jump: bool) -> None:
        if query != self.search_query:
            return  # a newer search replaced this one
        index = self.match_index
        current = self.matches[index] if index is not None and 0 <= index < len(self.matches) else None
        self.matches = matches
        if not jump and current is not None:
            # New English arrived: stay on the same match (its index may have moved).
            self.match_index = next((i for i, m in enumerate(matches) if m == current),
                                    next((i for i, m in enumerate(matches) if m[0] >= current[0]), None))
        if self.match_index is not None and self.match_index >= len(matches):
            self.match_index = None
        if jump:
            if not self.matches:
                self.match_index = None
                self.notify(f"No match for “{query}”", severity="warning", timeout=3)
            else:
                current = self.cursor or 0
                self.match_index = next((i for i, m in enumerate(self.matches) if m[0] >= current), 0)
                self.move_cursor(self.matches[self.match_index][0])
                sentences = len({m[0] for m in self.matches})
                self.notify(f"{plural(len(self.matches), 'match', 'matches')} in "
                            f"{plural(sentences, 'sentence')} for “{query}”", timeout=3)
        self._show_marks()
        self._update_titles()

    def _show_marks(self) -> None:
        marks: dict[str, dict[int, list[tuple[int, int]]]] = {"ar": {}, "en": {}}
        for number, lang, start, end in self.matches:
            marks[lang].setdefault(number, []).append((start, end))
        current = None
        if self.match_index is not None and 0 <= self.match_index < len(self.matches):
            number, lang, start, end = self.matches[self.match_index]
            current = (lang, number, start, end)
        self.reading_view.set_marks(marks, current)
        self.summary_pane.set_marks(marks, current)

    def _step_match(self, step: int) -> None:
        """Move to the next (`step` 1) or previous (-1) match. On the current match's sentence
        this is the neighbouring match (the next one may be in the same sentence); after the
        cursor moved elsewhere it is the first match after (or last before) the cursor."""
        if not self.matches:
            self.notify("No search results (press / to search)", timeout=2)
            return
        count = len(self.matches)
        current = self.cursor or 0
        index = self.match_index
        if index is not None and 0 <= index < count and self.matches[index][0] == current:
            target = index + step
        elif step > 0:
            target = next((i for i, m in enumerate(self.matches) if m[0] > current), count)
        else:
            target = next((i for i in range(count - 1, -1, -1) if self.matches[i][0] < current), -1)
        if not 0 <= target < count:
            target %= count
            self.notify("Search wrapped to the " + ("top" if step > 0 else "bottom"), timeout=2)
        self.match_index = target
        self.move_cursor(self.matches[target][0])
        self._show_marks()
        self._update_titles()

    def action_search_next(self) -> None:
        self._step_match(+1)

    def action_search_prev(self) -> None:
        self._step_match(-1)

