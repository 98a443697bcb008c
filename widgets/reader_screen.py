"""The reader's screen: ONE article, with everything that belongs to it.

A `ReaderScreen` owns its article's cursor and word cursor, its translations and the worker
that runs its `reader.translation.translation_job.TranslationJob`, the model state (`ModelState`), its
reading position and marks in the library, copy and export, section moves and goto, and the
titles that carry its bearings. The summary (`widgets.summary_pane.SummaryPane`), search
(`widgets.search_bar.SearchBar`) and word lookup (`widgets.word_lookup.WordLookup`) are widgets
it composes, each with its own state and worker.

What outlives an article belongs to the App (`reader.app.QariApp`, "the session"): the config,
the translator (loaded once, shared by every screen: `QariApp.load_translator`), the library,
the view the reader chose (`QariApp.view`: layout, pane toggles, tashkeel; the theme is the
App's own), global keys. Every new screen starts from that view, and a screen that comes back
to the top applies it again, so `l` on one article holds on the next.

Workers never touch widgets: they post messages (`widgets.messages`), handled here on the UI
thread.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.reactive import reactive
from textual.timer import Timer
from textual.screen import Screen
from textual.widgets import Header, Input
from textual.worker import get_current_worker

from reader.config import LAYOUTS
from reader.model import Article
from reader.translation.translation_job import format_eta
from reader.untrusted import one_line
from reader.status_text import install_progress_text, plural
from reader.text.visual_text import visual_one_line
from widgets.article_pane import ArticlePane
from widgets.footer_slot import FooterSlot
from widgets.messages import (
    ArticleRecorded,
    InstallFinished,
    InstallProgress,
    NoModel,
    TranslationBatch,
    TranslationFailed,
    TranslatorReady,
)
from widgets.reading_view import ReadingView
from widgets.search_bar import SearchBar
from widgets.summary_pane import SummaryPane
from widgets.translation_pane import TranslationPane
from widgets.word_lookup import WordLookup, next_word

if TYPE_CHECKING:
    from reader.app import QariApp
    from reader.store.library import Library, ReadingState
    from reader.translation.translate import Translator
    from reader.translation.translation_job import JobUpdate, TranslationJob

LAYOUT_NAMES = {"side": "side by side", "stacked": "stacked", "interleaved": "interleaved"}
WIDE = 100
"""Below this many columns, panes that would sit side by side are stacked instead."""
COMPACT = 20
"""Below this many rows, panes keep only their top border (the title, which holds the position)."""
SUMMARY_MIN_ROWS = 30
"""Below this many rows the summary (when it would sit under the article) starts hidden: the
article gets the room (at 80×24 it had 5 rows, at 40×12 two). `s` shows it all the same."""
HEADER_MARGIN = 20
"""Header cells that hold neither title nor subtitle: the icon (8), the clock space (10), margins."""
TITLE_DROP_ORDER = ("section", "label", "english")
"""What the Arabic pane's title gives up first when it does not fit: the position and the
search counter stay whole at every width (a cut `match 1/…` tells nothing)."""
FLUSH_SECONDS = 5.0
"""How often the reading position is written to the library (and on leaving)."""


class ModelState(Enum):
    """Where this article's translation stands."""

    OFF = "off"
    """No translation asked for (`--no-translate`, or no factory)."""
    LOADING = "loading"
    READY = "ready"
    MISSING = "missing"
    """No model installed (`i` installs one)."""
    ERROR = "error"


def middle_cut(text: str, room: int) -> str:
    """`text` in at most `room` characters, its middle replaced by an ellipsis (a file name
    keeps its beginning and its extension)."""
    if len(text) <= room:
        return text
    head = room // 2
    return text[:head] + "…" + text[len(text) - (room - 1 - head):]


def fit_title(parts: dict[str, str], room: int) -> str:
    """The parts (label, position, section, search, english; empty ones skipped) joined with
    " · ", dropping parts in `TITLE_DROP_ORDER` until the title fits in `room` cells."""
    order = ("label", "position", "section", "search", "english")
    kept = dict(parts)

    def joined() -> str:
        return " · ".join(kept[key] for key in order if kept.get(key))

    for key in TITLE_DROP_ORDER:
        if len(joined()) <= room:
            break
        kept[key] = ""
    return joined()


def source_name(article: Article) -> str:
    """How the header names the article's source: a URL or `<stdin>` whole, a path by its name."""
    source = article.source or ""
    return source if "://" in source or source.startswith("<") else Path(source).name or source


class ReaderScreen(Screen[None]):
    """One article with its English translation and summary."""

    BINDINGS = [
        # Session keys (the App's actions) sit in this list too, so the footer and the help
        # keep the order a reader knows.
        Binding("question_mark,f1", "app.help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("ctrl+c", "app.copy_or_quit", "Copy selection / quit", show=False, priority=True),
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
        Binding("h", "app.library", "Library", show=False),
        Binding("o", "app.open", "Open another article", show=False),
        Binding("backspace", "app.close_article", "Back to the previous article or list", show=False, key_display="backspace"),
        Binding("f", "app.feeds", "Feeds"),
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

    cursor: reactive[int | None] = reactive(None, init=False)
    word: reactive[tuple[int, int] | None] = reactive(None, init=False)
    """The word cursor: a (start, end) span in the cursor sentence, or None."""

    def __init__(self, article: Article, *, start_at: int | None = None) -> None:
        super().__init__()
        self.article = article
        self.sentences = article.sentences
        self.start_at = start_at
        """The sentence to open at (a resumed article's position); None: the headline."""
        self.source_name = source_name(article)
        self.translations: dict[int, str] = {}
        self.model_name: str | None = None
        self.model_state = ModelState.OFF
        self.model_message: str | None = None
        self.progress: tuple[int, int, float | None] | None = None
        self.translation_done = False
        self.install_state: str | None = None
        self.reading_state: ReadingState | None = None
        """This article's place in the library (None until the library is open)."""
        self.first_paint: float | None = None
        self._translator: Translator | None = None
        self._job: TranslationJob | None = None
        self._shown_warnings: set[str] = set()
        self._header_key: tuple | None = None
        self._article_closed = False
        self._paused = False
        self._secondary_started = False
        self._titles_timer: Timer | None = None

    @property
    def session(self) -> QariApp:
        """The App this screen reads in: config, view, translator, library."""
        return cast("QariApp", self.app)

    @property
    def library(self) -> Library | None:
        return self.session.library

    # ------------------------------------------------------------------ compose

    def compose(self) -> ComposeResult:
        config = self.session.config
        shape, reorder = config.shape, config.bidi != "terminal"
        yield Header(show_clock=False)
        with Container(id="panes"):
            yield ReadingView(self.article, shape=shape, reorder=reorder, max_width=config.max_width or None,
                              id="reading").data_bind(ReaderScreen.cursor, ReaderScreen.word)
            yield SummaryPane(self.article, algorithm=config.algorithm, count=config.summary_sentences,
                              save_dir=self.session.save_dir, id="summary", classes="pane", shape=shape,
                              reorder=reorder)
        yield SearchBar(self.article, id="search", shape=shape, reorder=reorder)
        yield WordLookup(self.article, common_words=config.common_words, shape=shape, reorder=reorder)
        yield FooterSlot()  # the footer itself once the article is on screen

    @property
    def shape(self) -> bool:
        return self.session.config.shape

    @property
    def reorder(self) -> bool:
        return self.session.config.bidi != "terminal"

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

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one(SearchBar)

    @property
    def word_lookup(self) -> WordLookup:
        return self.query_one(WordLookup)

    def on_mount(self) -> None:
        session = self.session
        if session.translator_factory is not None and session.start_translation:
            self._model_pending()
        self._apply_view()
        self._show_english()
        self.summary_pane.show_message("Summarizing…" if session.start_summary else "Summary is off.")
        self._update_titles()
        self.arabic_pane.focus()
        if self.sentences:
            start = self.start_at if self.start_at is not None else self.article.headline_sentence()
            self.cursor = max(0, min(len(self.sentences) - 1, start))
        for warning in self.article.warnings:
            self.notify(warning, title="Article", severity="warning", timeout=8)
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Runs once the Arabic is on screen: only now start the heavy work."""
        session = self.session
        self.first_paint = session.clock()
        self.run_worker(self.query_one(FooterSlot).fill(), group="footer")
        if session.use_library:
            # At once (a small sqlite read): saving a word or a mark needs it from the first key.
            self._start_library()
        if self.model_state in (ModelState.LOADING, ModelState.READY):
            self._start_translation()
            # The summary and the lexicon wait for the first English (or FIRST_ENGLISH_WAIT s):
            # their threads would share the interpreter with the model loading and the first batch.
            self.set_timer(self.FIRST_ENGLISH_WAIT, self.start_secondary_work)
        else:
            self.start_secondary_work()

    FIRST_ENGLISH_WAIT = 2.0

    def start_secondary_work(self) -> None:
        """Start the summary and the lexicon workers (once). Each waits at its checkpoints
        while the reader presses keys (reader.background), its first one before its imports."""
        if self._secondary_started:
            return
        self._secondary_started = True
        if self.session.start_summary:
            self.summary_pane.refresh_summary()
        self.word_lookup.warm_lexicon()

    def on_screen_resume(self) -> None:
        """Back on top (a later article was closed, or a dialog): the session's view may have
        changed meanwhile, and a paused translation goes on."""
        if self.is_mounted and self.first_paint is not None:
            self._apply_view()
            if self._paused:
                self._paused = False
                self._start_translation()

    def pause_translation(self) -> None:
        """Another article opens over this one: this one's translation waits (the translator
        serves one job at a time; finished batches are cached, so going on later is quick)."""
        self._note_position()
        self._flush_library()
        if self.model_state is not ModelState.LOADING and (self.model_state is not ModelState.READY
                                                           or self.translation_done):
            return
        self._paused = True
        if self._job is not None:
            self._job.stop()
            self._job = None

    def on_unmount(self) -> None:
        """Closed (back, or the App ends): stop the job, keep the position."""
        self.close()

    def stop_translation(self) -> None:
        """Stop this article's job (it ends after the batch in progress; finished ones are cached)."""
        if self._job is not None:
            self._job.stop()

    def close(self) -> None:
        """End this article's work: the translation job (idle, it waits for commands and
        would hold the exit), and write the position. Safe to call twice."""
        if self._article_closed:
            return
        self._article_closed = True
        if self._job is not None:
            self._job.stop()
        self._record_before_exit()
        self._note_position()
        self._flush_library()

    # ------------------------------------------------------------------ layout

    def on_resize(self, event) -> None:
        self._apply_layout(event.size.width, event.size.height)

    def _apply_view(self) -> None:
        """Apply the session's view (layout, toggles, tashkeel) to this article's panes."""
        pane = self.arabic_pane
        hide = not self.session.view.show_tashkeel
        if pane.hide_tashkeel != hide:
            pane.hide_tashkeel = hide
            pane.refresh()
        self._apply_layout()

    @property
    def effective_layout(self) -> str:
        """The layout on screen: the session's, except side by side in a narrow window
        (stacked there). The reading view keeps it (`ReadingView.layout_mode`)."""
        return self.reading_view.layout_mode if self.is_mounted else self.session.view.layout

    def _apply_layout(self, width: int | None = None, height: int | None = None) -> None:
        if not self.is_mounted:
            return
        view = self.session.view
        width = self.app.size.width if width is None else width
        height = self.app.size.height if height is None else height
        self._update_title(width)
        wide = width >= WIDE
        effective = view.layout
        if effective == "side" and not wide and view.show_translation:
            effective = "stacked"
        panes = self.query_one("#panes")
        beside = wide and effective in ("stacked", "interleaved") and view.show_summary
        panes.set_class(beside, "-beside")
        panes.set_class(height < COMPACT, "-compact")
        room = beside or height >= SUMMARY_MIN_ROWS or view.summary_asked
        self.summary_pane.display = view.show_summary and room
        if not self.summary_pane.display and self.summary_pane.has_focus:
            self.arabic_pane.focus()
        self.reading_view.configure(effective, view.show_translation)
        self._update_titles()
        self.call_after_refresh(self._update_titles)  # the title fits the pane's new width

    def _has_english(self) -> bool:
        """Whether English is (or will be) available: not when there is no model."""
        return self.model_state in (ModelState.LOADING, ModelState.READY)

    def _show_english(self) -> None:
        self.summary_pane.show_translations(self.translations, self._has_english(), self.cursor)
        note = {ModelState.MISSING: self.model_message or "No translation model installed.",
                ModelState.OFF: "Translation is off.",
                ModelState.ERROR: f"Translation failed: {self.model_message}"}.get(self.model_state)
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

        from widgets.goto_prompt import GotoPrompt  # here: dialogs are not needed for the first frame

        self.app.push_screen(GotoPrompt(len(self.sentences)), chosen)

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

    def action_sections(self) -> None:
        if not self.article.sections:
            return
        current = self.article.section_of(self.cursor) if self.cursor is not None else 0

        def chosen(index: int | None) -> None:
            if index is not None:
                self.move_cursor(self.article.section_start(index))

        from widgets.section_list import SectionList

        self.app.push_screen(SectionList(self.article, current, shape=self.shape, reorder=self.reorder), chosen)

    def on_article_pane_sentence_clicked(self, event: ArticlePane.SentenceClicked) -> None:
        self.move_cursor(event.number)
        if isinstance(event.pane, SummaryPane):
            self.arabic_pane.focus()  # a click is not a move into the summary
        elif event.pane is self.arabic_pane and event.offset is not None:
            from reader.text.morphology import word_at

            self.word = word_at(self.sentences[event.number].text, event.offset)

    def on_summary_pane_jump(self, event: SummaryPane.Jump) -> None:
        self.move_cursor(event.number)
        self.arabic_pane.focus()

    # ------------------------------------------------------------------ view actions (session-wide)

    def action_cycle_layout(self) -> None:
        view = self.session.view
        view.layout = LAYOUTS[(LAYOUTS.index(view.layout) + 1) % len(LAYOUTS)]
        self._apply_layout()
        message = f"Layout: {LAYOUT_NAMES[view.layout]}"
        if self.effective_layout != view.layout:
            message += f" (shown {LAYOUT_NAMES[self.effective_layout]}: the window is narrow)"
        self.notify(message, timeout=2)

    def action_toggle_translation(self) -> None:
        view = self.session.view
        view.show_translation = not view.show_translation
        if not view.show_translation and self.english_pane.has_focus:
            self.arabic_pane.focus()
        self._apply_layout()

    def action_toggle_tashkeel(self) -> None:
        """`v`: draw the Arabic with or without its harakat (display only)."""
        view = self.session.view
        view.show_tashkeel = not view.show_tashkeel
        self._apply_view()
        self.notify("Tashkeel shown" if view.show_tashkeel else "Tashkeel hidden (v shows it)", timeout=2)

    def action_toggle_summary(self) -> None:
        view = self.session.view
        view.show_summary = view.summary_asked = not bool(self.summary_pane.display)
        self._apply_layout()
        self.call_after_refresh(self.summary_pane.follow, self.cursor)

    # ------------------------------------------------------------------ the pieces' messages

    def on_search_bar_closed(self, event: SearchBar.Closed) -> None:
        self.arabic_pane.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not isinstance(event.input, SearchBar):
            return
        event.stop()
        self.arabic_pane.focus()
        self._show_found(self.search_bar.search_value(event.value, self.cursor or 0, self.translations))

    def on_search_bar_found(self, message: SearchBar.Found) -> None:
        self._show_found(message)

    def _show_found(self, found: SearchBar.Found | None) -> None:
        """Search results changed: highlight them, move to the current one if asked."""
        if found is None:
            return
        if found.move_to is not None:
            self.move_cursor(found.move_to)
        self.reading_view.set_marks(found.marks, found.current)
        self.summary_pane.set_marks(found.marks, found.current)
        self._update_titles()

    # ------------------------------------------------------------------ search and words

    def action_search(self) -> None:
        self.search_bar.open()

    def action_search_next(self) -> None:
        self._show_found(self.search_bar.step(+1, self.cursor or 0))

    def action_search_prev(self) -> None:
        self._show_found(self.search_bar.step(-1, self.cursor or 0))

    def action_clear_search(self) -> None:
        """`Esc`: forget the search and its highlights (and a mouse selection)."""
        if self.get_selected_text():
            self.clear_selection()
        self._show_found(self.search_bar.forget())

    def action_word(self, step: int) -> None:
        """`w`/`W`: move the word cursor (see `widgets.word_lookup.next_word`)."""
        if self.cursor is None:
            return
        target = next_word(self.sentences, self.cursor, self.word, step)
        if target is not None:
            number, word = target
            self.move_cursor(number)  # clears the word cursor when the sentence changes
            self.word = word

    def action_lookup(self) -> None:
        """`Enter`: look the word under the word cursor up (off the UI thread)."""
        if self.cursor is None or self.word is None:
            self.notify("Choose a word first: w / W (or click it), then Enter.", timeout=3)
            return
        self.word_lookup.look_up(self.cursor, self.word, self.translations, self.reading_state)

    def action_toggle_unknown(self) -> None:
        self.word_lookup.toggle_unknown(self.reading_state)

    def action_saved_words(self) -> None:
        def chosen(number: int | None) -> None:
            if number is not None:
                self.move_cursor(number)

        self.word_lookup.saved_words(self.reading_state, chosen)

    def on_word_lookup_underline(self, message: WordLookup.Underline) -> None:
        self.reading_view.set_underlined(message.spans)

    # ------------------------------------------------------------------ summary keys

    def action_cycle_algorithm(self) -> None:
        self.summary_pane.cycle_algorithm()

    def action_summary_longer(self) -> None:
        self.summary_pane.change_length(+1)

    def action_summary_shorter(self) -> None:
        self.summary_pane.change_length(-1)

    def action_save(self) -> None:
        self.summary_pane.save(self.translations, self.model_name)

    def default_save_path(self) -> Path:
        return self.summary_pane.default_save_path()

    # ------------------------------------------------------------------ copy and export

    def action_copy_sentence(self, with_english: bool = False) -> None:
        """`y` copies the cursor sentence (Arabic, logical order), `Y` with its English, through
        the terminal's clipboard (OSC 52, so it works over SSH)."""
        if self.cursor is None:
            return
        text = self.sentences[self.cursor].text
        english = self.translations.get(self.cursor)
        if with_english:
            text = f"{text}\n{english}" if english else text
        self.app.copy_to_clipboard(text)
        what = "sentence and its English" if with_english and english else "sentence"
        self.notify(f"Copied the {what} ({plural(len(text), 'character')})", timeout=2)

    def default_export_path(self) -> Path:
        """`./<article-stem>.bilingual.md`, beside the summary's default."""
        summary = self.default_save_path()
        return summary.with_name(summary.name.replace(".summary.md", ".bilingual.md"))

    def save_article(self, path: Path, force: bool = False) -> Path:
        """Write the article with its English (untranslated sentences say so) as Markdown, with
        the renderer of `qari translate --format markdown` and the same atomic write."""
        from reader.export import translation_document, write_text_atomic

        english = [self.translations.get(s.number) for s in self.sentences]
        marks = [(m.number, m.note) for m in self.article_marks()]
        text = translation_document(self.article, english, format="markdown", model=self.model_name, marks=marks)
        return write_text_atomic(path, text, force=force)

    def action_export_article(self) -> None:
        from widgets.save_dialog import SaveDialog

        self.app.push_screen(SaveDialog(self.default_export_path(), self.save_article, what="bilingual article"))

    # ------------------------------------------------------------------ library: position and marks

    @work(thread=True, group="library", exit_on_error=False)
    def _start_library(self) -> None:
        """After the first paint: open the session's library, record this article, start noting."""
        from reader.store.library import ReadingState

        library = self.session.open_library()
        entry = library.record(self.article)
        self.post_message(ArticleRecorded(ReadingState(library, entry.id, entry.position, entry.translated)))

    def on_article_recorded(self, message: ArticleRecorded) -> None:
        self.reading_state = cast("ReadingState", message.state)
        self.session.tell_library_warnings()
        self._note_position()
        self.set_interval(FLUSH_SECONDS, self._flush_library)

    def _record_before_exit(self) -> None:
        """Quitting before `_start_library` has run (a reader who opens and closes at once)
        still leaves the article in the library: record it here, on the way out. Recording is
        an upsert, so a worker recording at the same moment does no harm."""
        if not self.session.use_library or self.reading_state is not None:
            return
        try:
            self.session.open_library().record(self.article)
        except Exception:  # noqa: BLE001 - quitting never fails because of the history
            pass

    def _note_position(self) -> None:
        if self.reading_state is not None:
            self.reading_state.note(position=self.cursor if self.cursor is not None else 0,
                                    translated=len(self.translations))

    def _flush_library(self) -> None:
        if self.reading_state is not None:
            try:
                self.reading_state.flush()
            except Exception:  # noqa: BLE001 - the reader keeps working without history
                pass

    def _reading_state_or_none(self) -> ReadingState | None:
        if self.reading_state is None:
            self.notify("The library is not open (marks need it).", severity="warning", timeout=3)
        return self.reading_state

    def action_mark(self) -> None:
        """`m`: mark the current sentence, with an optional note (stored in the library)."""
        state = self._reading_state_or_none()
        if state is None or self.cursor is None:
            return
        from widgets.marks_screen import MarkNote

        number = self.cursor

        def noted(note: str | None) -> None:
            if note is not None:
                state.library.add_mark(state.article_id, number, note)
                self.notify(f"Marked sentence {number + 1}" + (f": {note}" if note else ""), timeout=2)

        self.app.push_screen(MarkNote(number, shape=self.shape, reorder=self.reorder), noted)

    def action_marks(self) -> None:
        """`'`: the marks of this article; Enter jumps to one."""
        state = self._reading_state_or_none()
        if state is None:
            return
        from widgets.marks_screen import MarksScreen

        def chosen(number: int | None) -> None:
            if number is not None:
                self.move_cursor(number)

        marks = state.library.marks(state.article_id)
        self.app.push_screen(MarksScreen(marks, self.sentences, shape=self.shape, reorder=self.reorder), chosen)

    def article_marks(self) -> list:
        """This article's marks (for exports), [] without a library."""
        state = self.reading_state
        return state.library.marks(state.article_id) if state is not None else []

    # ------------------------------------------------------------------ translation

    def _model_pending(self) -> None:
        """Translation is about to start: the model loads, or, when an earlier article of
        the session loaded it, it is ready at once (no "loading model" for this article)."""
        translator = self.session.translator
        if translator is None:
            self.model_state = ModelState.LOADING
            return
        self.model_state = ModelState.READY
        self.model_name = str(getattr(translator, "model_name", "?"))
        self.progress = (len(self.translations), len(self.sentences), None)

    def _start_translation(self) -> None:
        self._model_pending()
        self._update_titles()
        self._translate()

    @work(thread=True, group="translate", exit_on_error=False)
    def _translate(self) -> None:
        """A thin loop: get the session's translator (loaded once per process), then run this
        article's job, posting one message per batch."""
        from reader.translation.translation_job import TranslationJob

        try:
            from reader.translation.translate import NoModelError

            try:
                translator = self.session.load_translator()
            except NoModelError:
                from argostranslate import settings

                self.post_message(NoModel(no_model_note(str(settings.package_data_dir))))
                return
            self._translator = translator
            first = self.article.section_numbers(self.article.section_of(self.cursor or 0)) if self.sentences else []
            worker = get_current_worker()
            job = TranslationJob(translator, [s.text for s in self.sentences], first=first,
                                 clock=self.session.clock)
            self.post_message(TranslatorReady(str(getattr(translator, "model_name", "?")), len(self.sentences)))
            self._job = job
            if self._article_closed or self._paused or worker.is_cancelled:
                return  # the screen closed (or another article opened) while the model loaded

            def emit(update: JobUpdate) -> None:
                self.post_message(TranslationBatch(update))

            job.run(emit)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(TranslationFailed(f"{type(error).__name__}: {error}"))

    def on_translator_ready(self, message: TranslatorReady) -> None:
        self.model_state = ModelState.READY
        self.model_name = message.model_name
        self.progress = (len(self.translations), message.total, None)
        self._show_english()
        self._update_titles()
        self._show_cache_warnings()

    def on_no_model(self, message: NoModel) -> None:
        self.start_secondary_work()
        self.model_state = ModelState.MISSING
        self.model_message = message.text
        self._update_titles()
        self._show_english()

    def on_translation_failed(self, message: TranslationFailed) -> None:
        self.start_secondary_work()
        self.model_state = ModelState.ERROR
        self.model_message = message.text
        self._job = None
        self._update_titles()
        self._show_english()
        self.notify(message.text, title="Translation failed", severity="error")

    def on_translation_batch(self, message: TranslationBatch) -> None:
        self.start_secondary_work()  # the first English is on its way: the rest may start
        update: JobUpdate = message.update
        self.translations.update(update.translations)
        numbers = set(update.translations)
        if update.fresh:
            for number in numbers:
                self.notify(f"Re-translated sentence {number + 1}", timeout=2)
        self.progress = (update.done, update.total, update.eta)
        if update.finished:
            self.translation_done = True
            self._show_cache_warnings()
        self.reading_view.update_translations(numbers)
        if update.finished:  # the last English is drawn with the title that says so
            self.reading_view.apply_pending_translations()
        self.summary_pane.update_translations(self.translations, numbers)
        self.search_bar.english_changed(self.translations)
        if update.finished or update.fresh:
            self._update_titles()
        else:
            self._update_titles_soon()

    TITLE_INTERVAL = 0.1

    def _update_titles_soon(self) -> None:
        """The progress in the titles at most every `TITLE_INTERVAL` s: a title change re-sends
        its whole pane to the terminal, and batches can come many times a second."""
        if self._titles_timer is None:
            self._titles_timer = self.set_timer(self.TITLE_INTERVAL, self._titles_due)

    def _titles_due(self) -> None:
        self._titles_timer = None
        self._update_titles()

    def _show_cache_warnings(self) -> None:
        """A locked, corrupt or unwritable cache never stops translation; say what happened."""
        cache = getattr(self._translator, "cache", None)
        for warning in getattr(cache, "warnings", None) or ():
            if warning not in self._shown_warnings:
                self._shown_warnings.add(warning)
                self.notify(warning, title="Translation cache", severity="warning", timeout=8)

    def action_retranslate(self) -> None:
        if self.cursor is None:
            return
        if self.model_state is not ModelState.READY or self._job is None:
            if self.model_state is ModelState.MISSING:
                self.notify("No model installed: press i to install it.", severity="warning", timeout=3)
            else:
                self.notify("The translator is not ready yet.", severity="warning", timeout=3)
            return
        self._job.retranslate(self.cursor)

    def action_install_model(self) -> None:
        if self.model_state is ModelState.READY:
            self.notify(f"Model already installed: {self.model_name}", timeout=3)
            return
        if self.install_state is not None:
            return
        self.install_state = "installing model…"
        self._update_titles()
        self._install()

    @work(thread=True, group="install", exit_on_error=False)
    def _install(self) -> None:
        try:
            from reader.translation.packages import install_pair

            worker = get_current_worker()

            def progress(*args) -> None:
                if worker.is_cancelled:
                    raise InterruptedError("install cancelled")  # install_pair cleans up
                self.post_message(InstallProgress(*install_progress_text(args)))

            install_pair("ar", "en", progress=progress)
        except Exception as error:  # noqa: BLE001 - reported to the user
            self.post_message(InstallFinished(False, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__))
            return
        self.post_message(InstallFinished(True, "Installed the Arabic→English model."))

    def on_install_progress(self, message: InstallProgress) -> None:
        text = message.text
        if message.fraction is not None:
            text = f"{text} {message.fraction:.0%}"
        self.install_state = text
        self._update_titles()

    def on_install_finished(self, message: InstallFinished) -> None:
        self.install_state = None
        if message.ok:
            self.notify(message.text, title="Model installed")
            if self.session.translator_factory is not None:
                self._start_translation()
        else:
            self.notify(message.text, title="Install failed", severity="error", timeout=10)
            self._update_titles()

    # ------------------------------------------------------------------ titles

    def _update_title(self, width: int) -> None:
        """The header: the article title in visual order and the subtitle (source, model),
        fitted together to the width. The headline comes first: a long file name is shortened
        (in its middle) before the title is cut, and the title is cut at its logical end, so
        the header never crops its beginning."""
        # The title and the source came from outside (a page, a file name, the library): one safe line.
        title = self.article.title or (self.article.paragraphs[0].text if self.article.paragraphs else "")
        title = one_line(" ".join(title.split()))
        available = max(24, width - HEADER_MARGIN)
        tail = one_line(f" · model: {self._model_label()}")  # a package's name
        source = one_line(self.source_name)
        wanted = min(len(title), available // 2)  # the title's share when room is short
        if available - len(source) - len(tail) - 3 < wanted:
            source = middle_cut(source, max(12, available - wanted - 3 - len(tail)))
        subtitle = source + tail
        key = (title, subtitle, available)
        if self._header_key == key:
            return
        self._header_key = key
        room = max(12, available - len(subtitle) - 3)
        self.sub_title = subtitle
        self.title = visual_one_line(title, room, rtl=True, shape=self.shape, reorder=self.reorder) or "qari"

    def _model_label(self) -> str:
        return {ModelState.READY: self.model_name or "?", ModelState.LOADING: "loading…",
                ModelState.MISSING: "none installed", ModelState.ERROR: "error"}.get(self.model_state, "off")

    def _position_text(self) -> str:
        if self.cursor is None:
            return "empty article"
        section = self.article.section_of(self.cursor)
        return f"{self.cursor + 1}/{len(self.sentences)} · §{section + 1}/{len(self.article.sections)}"

    def _english_status(self) -> str:
        if self.install_state:
            return self.install_state
        if self.model_state is ModelState.READY and self.progress is not None:
            done, total, eta = self.progress
            return f"{total}/{total} translated" if done >= total else f"{done}/{total} · {format_eta(eta)}"
        return {ModelState.MISSING: "no model · i: install", ModelState.LOADING: "loading model…",
                ModelState.ERROR: "translation failed"}.get(self.model_state, "")

    def _update_titles(self) -> None:
        """Pane titles carry the reader's bearings (position, translation progress, search):
        they stay on screen at every size, down to 40×12 (short windows keep the top border).
        This is their one writer (the summary pane titles itself)."""
        if not self.is_mounted:
            return
        self._update_title(self.app.size.width)
        english = self._english_status()
        interleaved = self.effective_layout == "interleaved" and self.session.view.show_translation
        arabic_title = "Arabic · English" if interleaved else "Arabic"
        position = self._position_text()
        parts = {"label": arabic_title, "position": position.split(" · ")[0],
                 "section": " · ".join(position.split(" · ")[1:]), "search": self.search_bar.counter(),
                 "english": english if (interleaved or not self.english_pane.display) else ""}
        self.arabic_pane.border_title = fit_title(parts, self._title_room())
        self.english_pane.border_title = "English" + (f" · {english}" if english else "")

    def _title_room(self) -> int:
        """Cells the Arabic pane's title may use (its border's corners and title padding off)."""
        width = self.arabic_pane.outer_size.width or self.app.size.width
        return max(10, width - 4)


def no_model_note(packages_dir: str) -> str:
    """What the English pane says without a model: one paragraph per line (the pane wraps).
    Each command is a line of its own, so wrapping never splits one (down to 40 columns)."""
    return (
        "No Arabic→English translation model is installed.\n\n"
        "Press i to download and install it now (needs internet), or run:\n"
        "qari models install ar en\n\n"
        "Offline: copy a translate-ar_en .argosmodel file (FILE) to this machine and run:\n"
        "qari models install FILE\n\n"
        f"Models live in {packages_dir}\n\n"
        "Reading, searching, summaries and saving work without it."
    )

