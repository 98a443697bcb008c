"""The qari Textual App: bindings, composition, thin workers and message routing.

What a reader sees lives in widgets: `widgets.reading_view.ReadingView` keeps the Arabic and
English panes level and does the paging, `widgets.summary_pane.SummaryPane` the summary. What
takes time lives in the core: `reader.translation_job.TranslationJob` schedules translation,
`reader.summarize` summarizes. The App holds the reading state (cursor, translations, summary
choice, search), binds the cursor to the panes, and turns worker results into widget updates.

Everything heavy (ctranslate2, sumy, numpy) is imported inside thread workers, after the Arabic
text has been painted. Workers never touch widgets: they post messages (`widgets.messages`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import Header

import reader.assets
from reader.config import LAYOUTS
from reader.model import Article
from reader.untrusted import one_line, visible
from widgets.app_export import ExportActions
from widgets.app_feeds import FeedActions
from widgets.app_help import KeyHelp
from widgets.app_library import LibraryActions
from widgets.app_search import SearchActions
from widgets.app_status import StatusLines
from widgets.app_summary import SummaryActions, default_save_path  # noqa: F401 - part of the App's API
from widgets.app_terminal import TerminalModes, restore_bidi_mode
from widgets.app_translation import TranslationActions
from widgets.app_words import WordActions
from widgets.article_pane import ArticlePane, visual_inline
from widgets.fitting_footer import FittingFooter
from widgets.goto_prompt import GotoPrompt
from widgets.messages import plural
from widgets.reading_view import ReadingView
from widgets.search_bar import SearchBar
from widgets.section_list import SectionList
from widgets.summary_pane import SummaryPane
from widgets.translation_pane import TranslationPane

if TYPE_CHECKING:
    from reader.config import Config
    from reader.translate import Translator
    from reader.translation_job import TranslationJob

LAYOUT_NAMES = {"side": "side by side", "stacked": "stacked", "interleaved": "interleaved"}
WIDE = 100
"""Below this many columns, panes that would sit side by side are stacked instead."""
COMPACT = 20
"""Below this many rows, panes keep only their top border (the title, which holds the position)."""
SUMMARY_MIN_ROWS = 30
"""Below this many rows the summary (when it would sit under the article) starts hidden: the
article gets the room (at 80×24 it had 5 rows, at 40×12 two). `s` shows it all the same."""



class QariApp(TerminalModes, KeyHelp, StatusLines, ExportActions, LibraryActions, FeedActions, TranslationActions, SummaryActions, SearchActions, WordActions, App[int]):
    """Read an Arabic article with its English translation and summary."""

    CSS_PATH = str(Path(reader.assets.__file__).with_name("qari.tcss"))
    TITLE = "qari"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "copy_or_quit", "Copy selection / quit", show=False, priority=True),
        Binding("j,down", "cursor_next", "Next sentence", key_display="j"),
        Binding("k,up", "cursor_prev", "Previous sentence", key_display="k"),
        Binding("space,pagedown,ctrl+f", "page(1)", "Page down", key_display="spc"),
        Binding("b,pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("ctrl+d", "page(0.5)", "Half page down", show=False),
        Binding("ctrl+u", "page(-0.5)", "Half page up", show=False),
        Binding("z", "recenter", "Center the cursor sentence", show=False),
        Binding("colon", "goto", "Go to sentence N", show=False),
        Binding("right_square_bracket", "section_next", "Next section", show=False),
        Binding("left_square_bracket", "section_prev", "Previous section", show=False),
        Binding("g,home", "cursor_first", "First sentence", show=False),
        Binding("G,end", "cursor_last", "Last sentence", show=False),
        Binding("w", "word(1)", "Next word", key_display="w"),
        Binding("W", "word(-1)", "Previous word", show=False),
        Binding("enter", "lookup", "Look up word", show=False),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next", "Next match", show=False),
        Binding("N", "search_prev", "Previous match", show=False),
        Binding("escape", "clear_search", "Clear search highlights", show=False),
        Binding("t", "toggle_translation", "English"),
        Binding("s", "toggle_summary", "Summary"),
        Binding("l", "cycle_layout", "Layout"),
        Binding("c", "sections", "Sections"),
        Binding("v", "toggle_tashkeel", "Show / hide tashkeel", show=False),
        Binding("m", "mark", "Mark the sentence", show=False),
        Binding("apostrophe", "marks", "Marks (jump to one)", show=False),
        Binding("u", "toggle_unknown", "Underline unknown words", show=False),
        Binding("V", "saved_words", "Saved words of this article (jump to one)", show=False),
        Binding("h", "library", "Library", show=False),
        Binding("o", "open", "Open another article", show=False),
        Binding("f", "feeds", "Feeds"),
        Binding("r", "retranslate", "Re-translate sentence", show=False),
        Binding("i", "install_model", "Install model", show=False),
        Binding("a", "cycle_algorithm", "Summary algorithm", show=False),
        Binding("plus,equals_sign", "summary_longer", "Longer summary", show=False),
        Binding("minus", "summary_shorter", "Shorter summary", show=False),
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+e", "export_article", "Save the bilingual article", show=False),
        Binding("y", "copy_sentence(False)", "Copy the sentence", show=False),
        Binding("Y", "copy_sentence(True)", "Copy the sentence and its English", show=False),
    ]

    EXTRA_KEYS = [
        ("tab / shift+tab", "Move focus between panes (j/k choose a summary sentence there)"),
        ("enter (Summary)", "Move the cursor to the chosen summary sentence"),
        ("f, then enter", "Feeds: read the item's article (fetched now, or offline from the library); f comes back to it"),
        ("u (Feeds)", "Feeds: update every feed (with progress)"),
        ("typing (Feeds)", "Feeds: filter the items (Arabic or English headline, feed name); Esc clears, Esc again goes back"),
        ("mouse click", "Move the cursor to the clicked sentence (and pick the clicked word)"),
        ("a (word lookup)", "Save the word with the chosen reading (↑/↓ choose), with its sentence"),
        ("k (word lookup)", "Mark the reading's lemma known: every form of it counts as known"),
        ("/=word", "Search every form of the word's lemma (e.g. /=مرشح finds المرشح, لمرشح)"),
        ("mouse wheel", "Scroll (side by side, both panes together)"),
        ("mouse drag", "Select text; ctrl+c copies it (logical order)"),
        ("ctrl+p", "Command palette (every action)"),
        ("ctrl+q", "Quit"),
    ]

    cursor: reactive[int | None] = reactive(None, init=False)
    word: reactive[tuple[int, int] | None] = reactive(None, init=False)
    """The word cursor: a (start, end) span in the cursor sentence, or None."""

    def __init__(
        self,
        article: Article,
        config: "Config",
        translator_factory: Callable[[], "Translator"] | None,
        *,
        start_translation: bool = True,
        start_summary: bool = True,
        clock: Callable[[], float] = time.monotonic,
        save_dir: Path | None = None,
        start_at: int | None = None,
        use_library: bool = False,
        feed_place: tuple[int, str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.article = article
        self.config = config
        self.translator_factory = translator_factory
        self.start_translation = start_translation and translator_factory is not None
        self.start_summary = start_summary
        self.clock = clock
        self.save_dir = save_dir
        self.start_at = start_at
        """The sentence to open at (a resumed article's position); None: the headline."""
        self.use_library = use_library
        self.feed_place = feed_place
        """Where the feed screen was left (item id, filter) when this article was opened from it."""
        self.reopen: tuple[Article, int] | None = None
        """Set when the reader opens another article: (article, sentence) for `run_app`."""
        self.reorder = config.bidi != "terminal"
        self.shape = config.shape
        self.sentences = article.sentences
        source = article.source or ""
        self.source_name = source if "://" in source or source.startswith("<") else Path(source).name or source
        # Translation state.
        self.translations: dict[int, str] = {}
        self.model_name: str | None = None
        self.model_state = "off" if not self.start_translation else "loading"
        self.model_message: str | None = None
        self.progress: tuple[int, int, float | None] | None = None
        self.translation_done = False
        self._translator: Translator | None = None
        self._job: TranslationJob | None = None
        self.install_state: str | None = None
        # Summary state.
        self.algorithm = config.algorithm
        self.summary_count = config.summary_sentences
        self.summary_numbers: list[int] | None = None
        self.summary_pending = False
        self._summary_generation = 0
        # Layout state.
        self.layout_mode = config.layout
        self.show_translation = config.show_translation
        self.show_summary = config.show_summary
        self.summary_asked = False
        """`s` showed the summary: it stays shown in a short window too."""
        self.effective_layout = self.layout_mode
        # Search state.
        self.search_query: str | None = None
        self.matches: list = []  # reader.search.Match tuples
        self.match_index: int | None = None
        self._search_index = None  # reader.search.SentenceIndex, built on the first search
        self._shown_warnings: set[str] = set()
        self._bdsm_stream = None
        self._closing = False
        self._secondary_started = False
        self.first_paint: float | None = None

    # ------------------------------------------------------------------ compose

    def compose(self) -> ComposeResult:
        max_width = self.config.max_width or None
        yield Header(show_clock=False)
        with Container(id="panes"):
            yield ReadingView(self.article, shape=self.shape, reorder=self.reorder, max_width=max_width,
                              id="reading").data_bind(QariApp.cursor, QariApp.word)
            yield SummaryPane(id="summary", classes="pane", shape=self.shape, reorder=self.reorder)
        yield SearchBar(id="search", shape=self.shape, reorder=self.reorder)
        yield FittingFooter()

    @property
    def reading_view(self) -> ReadingView:
        return self.query_one(ReadingView)

    @property
    def arabic_pane(self) -> ArticlePane:
        return self.query_one("#arabic", ArticlePane)

    @property
    def english_pane(self) -> TranslationPane:
        return self.query_one("#english", TranslationPane)

    @property
    def summary_pane(self) -> SummaryPane:
        return self.query_one("#summary", SummaryPane)

    def on_mount(self) -> None:
        theme = self.config.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        self._update_title(self.size.width)
        self._apply_layout()
        self.arabic_pane.hide_tashkeel = not self.config.show_tashkeel
        self._show_english()
        self.summary_pane.show_message("Summarizing…" if self.start_summary else "Summary is off.")
        self._update_titles()
        self.arabic_pane.focus()
        if self.sentences:
            start = self.start_at if self.start_at is not None else self.article.headline_sentence()
            self.cursor = max(0, min(len(self.sentences) - 1, start))
        for warning in self.article.warnings:
            self.notify(warning, title="Article", severity="warning", timeout=8)
        # Also printed on stderr before the reader starts, where the alternate screen hides them.
        for warning in self.config.warnings:
            self.notify(warning, title="Settings", severity="warning", timeout=8)
        self._write_bidi_mode()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Runs once the Arabic is on screen: only now start the heavy work."""
        self.first_paint = self.clock()
        if self.start_translation:
            self._start_translation()
            # The summary, the lexicon and the library wait for the first English (or
            # FIRST_ENGLISH_WAIT s): their threads would share the interpreter with the model
            # loading and the first batch.
            self.set_timer(self.FIRST_ENGLISH_WAIT, self.start_secondary_work)
        else:
            self.start_secondary_work()

    FIRST_ENGLISH_WAIT = 2.0

    def start_secondary_work(self) -> None:
        """Start the summary, the lexicon and the library workers (once)."""
        if self._secondary_started:
            return
        self._secondary_started = True
        if self.start_summary:
            self.refresh_summary()
        self._warm_lexicon()
        if self.use_library:
            self._start_library()

    # ------------------------------------------------------------------ layout

    def on_resize(self, event) -> None:
        self._update_title(event.size.width)
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int | None = None, height: int | None = None) -> None:
        if not self.is_mounted:
            return
        width = self.size.width if width is None else width
        height = self.size.height if height is None else height
        wide = width >= WIDE
        effective = self.layout_mode
        if effective == "side" and not wide and self.show_translation:
            effective = "stacked"
        self.effective_layout = effective
        panes = self.query_one("#panes")
        beside = wide and effective in ("stacked", "interleaved") and self.show_summary
        panes.set_class(beside, "-beside")
        panes.set_class(height < COMPACT, "-compact")
        self.set_class(height < COMPACT, "-compact")  # notifications too (assets/qari.tcss)
        room = beside or height >= SUMMARY_MIN_ROWS or self.summary_asked
        self.summary_pane.display = self.show_summary and room
        if not self.summary_pane.display and self.summary_pane.has_focus:
            self.arabic_pane.focus()
        self.reading_view.configure(effective, self.show_translation)
        self._update_titles()
        self.call_after_refresh(self._update_titles)  # the title fits the pane's new width

    def _has_english(self) -> bool:
        """Whether English is (or will be) available: not when there is no model."""
        return self.model_state in ("loading", "ready")

    def _show_english(self) -> None:
        if self.summary_numbers is not None:
            self.summary_pane.set_summary(self.article, self.summary_numbers, self.translations,
                                          show_translation=self._has_english())
            self.summary_pane.follow(self.cursor)
        note = {"missing": self.model_message or "No translation model installed.",
                "off": "Translation is off.",
                "error": f"Translation failed: {self.model_message}"}.get(self.model_state)
        self.reading_view.show_translations(self.translations, note)

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        self.word = None
        self._note_position()
        self.summary_pane.follow(new)
        self._update_titles()
        if new is None or old is None or self._job is None:
            return
        section = self.article.section_of(new)
        if section != self.article.section_of(old):
            self._job.prioritise(self.article.section_numbers(section))

    def move_cursor(self, number: int | None) -> None:
        if number is None or not self.sentences:
            return
        self.cursor = max(0, min(len(self.sentences) - 1, number))

    def action_cursor_next(self) -> None:
        if self.cursor is not None and not self.reading_view.overflow(+1):
            self.move_cursor(self.cursor + 1)

    def action_cursor_prev(self) -> None:
        if self.cursor is not None and not self.reading_view.overflow(-1):
            self.move_cursor(self.cursor - 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self.sentences) - 1)

    def action_page(self, pages: float) -> None:
        self.move_cursor(self.reading_view.page(pages))

    def action_recenter(self) -> None:
        self.reading_view.recenter()

    def action_goto(self) -> None:
        def chosen(number: int | None) -> None:
            if number is not None:
                self.move_cursor(number - 1)

        self.push_screen(GotoPrompt(len(self.sentences)), chosen)

    def action_section_next(self) -> None:
        if self.cursor is None:
            return
        for index in range(self.article.section_of(self.cursor) + 1, len(self.article.sections)):
            start = self.article.section_start(index)
            if start is not None and start > self.cursor:
                self.move_cursor(start)
                return
        self.notify("Last section", timeout=2)

    def action_section_prev(self) -> None:
        if self.cursor is None:
            return
        current = self.article.section_of(self.cursor)
        start = self.article.section_start(current)
        if start is not None and self.cursor != start:
            self.move_cursor(start)
            return
        for index in range(current - 1, -1, -1):
            numbers = self.article.section_numbers(index)
            if numbers:
                self.move_cursor(numbers[0])
                return
        self.notify("First section", timeout=2)

    def on_article_pane_sentence_clicked(self, event: ArticlePane.SentenceClicked) -> None:
        self.move_cursor(event.number)
        if isinstance(event.pane, SummaryPane):
            self.arabic_pane.focus()  # a click is not a move into the summary
        elif event.pane is self.arabic_pane and event.offset is not None:
            from reader.morphology import word_at

            self.word = word_at(self.sentences[event.number].text, event.offset)

    def on_summary_pane_jump(self, event: SummaryPane.Jump) -> None:
        self.move_cursor(event.number)
        self.arabic_pane.focus()

    # ------------------------------------------------------------------ layout actions

    def action_cycle_layout(self) -> None:
        self.layout_mode = LAYOUTS[(LAYOUTS.index(self.layout_mode) + 1) % len(LAYOUTS)]
        self._apply_layout()
        message = f"Layout: {LAYOUT_NAMES[self.layout_mode]}"
        if self.effective_layout != self.layout_mode:
            message += f" (shown {LAYOUT_NAMES[self.effective_layout]}: the window is narrow)"
        self.notify(message, timeout=2)

    def action_toggle_translation(self) -> None:
        self.show_translation = not self.show_translation
        if not self.show_translation and self.english_pane.has_focus:
            self.arabic_pane.focus()
        self._apply_layout()

    def action_toggle_tashkeel(self) -> None:
        """`v`: draw the Arabic with or without its harakat (display only)."""
        pane = self.arabic_pane
        pane.hide_tashkeel = not pane.hide_tashkeel
        pane.refresh()
        self.notify("Tashkeel hidden (v shows it)" if pane.hide_tashkeel else "Tashkeel shown", timeout=2)

    def action_toggle_summary(self) -> None:
        shown = bool(self.summary_pane.display)
        self.show_summary = self.summary_asked = not shown
        self._apply_layout()
        self.call_after_refresh(self.summary_pane.follow, self.cursor)

    def action_sections(self) -> None:
        if not self.article.sections:
            return
        current = self.article.section_of(self.cursor) if self.cursor is not None else 0

        def chosen(index: int | None) -> None:
            if index is not None:
                self.move_cursor(self.article.section_start(index))

        self.push_screen(SectionList(self.article, current, shape=self.shape, reorder=self.reorder), chosen)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """The reader's one notify path (`Widget.notify` on every screen calls this one, with
        ``markup=True``: ignored). Notifications show text from outside (server errors, package
        fields, file names, queries) literally: never as markup, with no control character
        (`reader.untrusted.visible`), and Arabic in visual order (shaped) like the panes."""
        message = visual_inline(visible(str(message)), shape=self.shape, reorder=self.reorder)
        super().notify(message, title=one_line(title), severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------------ copy and quit

    async def action_copy_or_quit(self) -> None:
        """`ctrl+c` copies a mouse selection (and clears it) or, with none, quits."""
        text = self.screen.get_selected_text()
        if text:
            self.copy_to_clipboard(text)
            self.screen.clear_selection()
            self.notify(f"Copied {plural(len(text), 'character')}", timeout=2)
            return
        await self.action_quit()

    async def action_quit(self) -> None:
        """Quit. Tearing down a long article's reader takes a few hundred milliseconds after
        the key: the screen says so at once, and the App exits once that frame is drawn
        (`QUIT_FRAME` s later: Textual paints nothing after `exit`)."""
        if self._job is not None:
            self._job.stop()
        self.arabic_pane.border_subtitle = "quitting…"
        self.set_timer(self.QUIT_FRAME, self._quit_now)

    QUIT_FRAME = 0.05

    def _quit_now(self) -> None:
        self.exit(0)

    def exit(self, *args, **kwargs) -> None:
        """Stop the translation job as soon as the reader quits (it ends after the batch in
        progress; finished batches are cached), not only when the App is torn down."""
        if self._job is not None:
            self._job.stop()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        """However the app ends, end the translation job: idle, it waits for commands, and the
        event loop cannot close while its thread runs (finished batches are already cached)."""
        self._closing = True
        if self._job is not None:
            self._job.stop()
        from reader.net import abort_transfers

        abort_transfers()  # a page or package download in a worker must not hold the exit
        self._record_before_exit()
        self._note_position()
        self._flush_library()
        self.workers.cancel_all()


def run_app(article: Article, config: "Config", translator_factory: Callable[[], "Translator"] | None,
            *, start_at: int | None = None) -> int:
    """Run the reader until the user quits; returns the exit code (0 on a normal quit). When the
    reader opens another article (`h`, `o`, `f`), the next App starts on it in the same terminal
    (with the feed screen's place, so `f` returns to the same row)."""
    feed_place = None
    while True:
        app = QariApp(article, config, translator_factory, start_at=start_at, use_library=True,
                      feed_place=feed_place)
        try:
            result = app.run()
        finally:
            restore_bidi_mode(app)
        if app.return_code not in (None, 0):
            return int(app.return_code)
        if app.reopen is None:
            return int(result or 0)
        article, start_at = app.reopen
        feed_place = app.feed_place
