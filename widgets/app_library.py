"""The library of what you read, as part of the App: the open article is recorded, its
position and translation progress kept (`reader.library.ReadingState`: noted on every move,
written every few seconds and on quit); `h` lists the library, `o` opens a path or URL. Opening
another article ends this App with `reopen` set; `reader.app.run_app` starts the next one in
the same terminal. Mixed into `reader.app.QariApp`.
"""

from __future__ import annotations

from textual import work

from widgets.messages import ArticleOpened


class LibraryActions:
    """Library, resume position and opening from inside for `QariApp`."""

    FLUSH_SECONDS = 5.0

    @work(thread=True, group="library", exit_on_error=False)
    def _start_library(self) -> None:
        """After the first paint: open the library, record this article, start noting."""
        from reader.library import Library, ReadingState

        library = Library.open()
        entry = library.record(self.article)
        self.library = library
        self.reading_state = ReadingState(library, entry.id, entry.position, entry.translated)
        self.call_from_thread(self._library_ready)

    def _library_ready(self) -> None:
        for warning in self.library.warnings:
            self.notify(warning, title="Library", severity="warning", timeout=8)
        self._note_position()
        self.set_interval(self.FLUSH_SECONDS, self._flush_library)

    def _record_before_exit(self) -> None:
        """Quitting before `_start_library` has run (a reader who opens and closes at once)
        still leaves the article in the library: record it here, on the way out. Recording is
        an upsert, so a worker recording at the same moment does no harm."""
        if not self.use_library or getattr(self, "reading_state", None) is not None:
            return
        from reader.library import Library

        try:
            library = Library.open()
            try:
                library.record(self.article)
            finally:
                library.close()
        except Exception:  # noqa: BLE001 - quitting never fails because of the history
            pass

    def _note_position(self) -> None:
        state = getattr(self, "reading_state", None)
        if state is not None:
            state.note(position=self.cursor if self.cursor is not None else 0,
                       translated=len(self.translations))

    def _flush_library(self) -> None:
        state = getattr(self, "reading_state", None)
        if state is not None:
            try:
                state.flush()
            except Exception:  # noqa: BLE001 - the reader keeps working without history
                pass

    def action_library(self) -> None:
        from reader.library import Library
        from widgets.library_screen import LibraryScreen

        library = getattr(self, "library", None) or Library.open()

        def chosen(article_id: str | None) -> None:
            if article_id is not None:
                self._reopen_from_library(library, article_id)

        self.push_screen(LibraryScreen(library, shape=self.shape, reorder=self.reorder,
                                       common_words=self.config.common_words), chosen)

    def _reopen_from_library(self, library, article_id: str) -> None:
        from reader.library import resume_article

        resumed = resume_article(library, article_id)
        if resumed is None:
            self.notify("That article is no longer in the library.", severity="warning")
            return
        self.reopen = resumed
        self.exit(0)

    def _library_or_none(self):
        state = getattr(self, "reading_state", None)
        if state is None:
            self.notify("The library is not open (marks need it).", severity="warning", timeout=3)
            return None
        return state

    def action_mark(self) -> None:
        """`m`: mark the current sentence, with an optional note (stored in the library)."""
        state = self._library_or_none()
        if state is None or self.cursor is None:
            return
        from widgets.marks_screen import MarkNote

        number = self.cursor

        def noted(note: str | None) -> None:
            if note is not None:
                self.library.add_mark(state.article_id, number, note)
                self.notify(f"Marked sentence {number + 1}" + (f": {note}" if note else ""), timeout=2)

        self.push_screen(MarkNote(number, shape=self.shape, reorder=self.reorder), noted)

    def action_marks(self) -> None:
        """`'`: the marks of this article; Enter jumps to one."""
        state = self._library_or_none()
        if state is None:
            return
        from widgets.marks_screen import MarksScreen

        def chosen(number: int | None) -> None:
            if number is not None:
                self.move_cursor(number)

        marks = self.library.marks(state.article_id)
        self.push_screen(MarksScreen(marks, self.sentences, shape=self.shape, reorder=self.reorder), chosen)

    def article_marks(self) -> list:
        """This article's marks (for exports), [] without a library."""
        state = getattr(self, "reading_state", None)
        return self.library.marks(state.article_id) if state is not None else []

    def action_open(self) -> None:
        from widgets.open_prompt import OpenPrompt

        def chosen(source: str | None) -> None:
            if source:
                self._load_other(source)

        self.push_screen(OpenPrompt(), chosen)

    @work(thread=True, group="open", exclusive=True, exit_on_error=False)
    def _load_other(self, source: str) -> None:
        from reader.article import ArticleError, load_article

        try:
            article = load_article(source)
        except ArticleError as error:
            self.post_message(ArticleOpened(None, str(error)))
            return
        self.post_message(ArticleOpened(article))

    def on_article_opened(self, message: ArticleOpened) -> None:
        if message.article is None:
            self.notify(message.error or "Could not open it.", title="Open", severity="error")
            return
        self.reopen = (message.article, message.article.headline_sentence())
        self.exit(0)
