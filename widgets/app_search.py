"""Search, as part of the App: `/` (text, tashkeel- and alef-insensitive; `/=word` by lemma),
`n`/`N` with a counter and a wrap notice, `Esc` clears. Mixed into `reader.app.QariApp`."""

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
        self.matches = matches
        self._show_marks()
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
        self._update_titles()

    def _show_marks(self) -> None:
        marks: dict[str, dict[int, list[tuple[int, int]]]] = {"ar": {}, "en": {}}
        for number, lang, start, end in self.matches:
            marks[lang].setdefault(number, []).append((start, end))
        self.reading_view.set_marks(marks)
        self.summary_pane.set_marks(marks)

    def _step_match(self, step: int) -> None:
        if not self.matches:
            self.notify("No search results (press / to search)", timeout=2)
            return
        numbers = sorted({m[0] for m in self.matches})
        current = self.cursor or 0
        ahead = [n for n in numbers if (n > current if step > 0 else n < current)]
        target = (ahead[0] if step > 0 else ahead[-1]) if ahead else (numbers[0] if step > 0 else numbers[-1])
        if not ahead:
            self.notify("Search wrapped to the " + ("top" if step > 0 else "bottom"), timeout=2)
        self.match_index = next(i for i, m in enumerate(self.matches) if m[0] == target)
        self.move_cursor(target)
        self._update_titles()

    def action_search_next(self) -> None:
        self._step_match(+1)

    def action_search_prev(self) -> None:
        self._step_match(-1)

