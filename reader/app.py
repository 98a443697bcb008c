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

import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

import reader.assets
from reader.config import LAYOUTS
from reader.model import Article
from reader.search import Match, SentenceIndex
from reader.translation_job import format_eta
from widgets.article_pane import ArticlePane, visual_inline, visual_one_line
from widgets.goto_prompt import GotoPrompt
from widgets.help_screen import HelpScreen
from widgets.messages import (
    InstallFinished,
    InstallProgress,
    NoModel,
    SummaryFailed,
    SummaryReady,
    TranslationBatch,
    TranslationFailed,
    TranslatorReady,
)
from widgets.reading_view import ReadingView
from widgets.save_dialog import SaveDialog
from widgets.search_bar import SearchBar
from widgets.section_list import SectionList
from widgets.summary_pane import SummaryPane
from widgets.translation_pane import TranslationPane

if TYPE_CHECKING:
    from reader.config import Config
    from reader.translate import Translator
    from reader.translation_job import JobUpdate, TranslationJob

LAYOUT_NAMES = {"side": "side by side", "stacked": "stacked", "interleaved": "interleaved"}
WIDE = 100
"""Below this many columns, panes that would sit side by side are stacked instead."""
COMPACT = 20
"""Below this many rows, panes keep only their top border (the title, which holds the position)."""

VTE_EXPLICIT = "\x1b[8l"
"""BDSM reset: the terminal must not reorder (qari already laid the text out visually)."""
VTE_IMPLICIT = "\x1b[8h"
"""BDSM set: the terminal reorders by itself (its default)."""


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 sentence`, `2 sentences` (`words` for irregular plurals)."""
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def no_model_note(packages_dir: str) -> str:
    """What the English pane says without a model: one paragraph per line (the pane wraps)."""
    return (
        "No Arabic→English translation model is installed.\n\n"
        "Press i to download and install it now (needs internet), or run: qari models install ar en\n\n"
        "Offline: copy a translate-ar_en .argosmodel file to this machine and run: "
        "qari models install FILE.argosmodel\n\n"
        f"Models live in {packages_dir}\n\n"
        "Reading, searching, summaries and saving work without it."
    )


def default_save_path(article: Article, cwd: Path | None = None) -> Path:
    """`./<article-stem>.summary.md` in the current directory."""
    cwd = Path.cwd() if cwd is None else cwd
    source = article.source or ""
    stem = ""
    if source and source not in ("-", "<stdin>", "<text>") and "://" not in source:
        stem = Path(source).stem
    elif "://" in source:
        stem = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-.") or "article"
    return cwd / f"{stem}.summary.md"


class QariApp(App[int]):
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
        Binding("slash", "search", "Search"),
        Binding("n", "search_next", "Next match", show=False),
        Binding("N", "search_prev", "Previous match", show=False),
        Binding("escape", "clear_search", "Clear search highlights", show=False),
        Binding("t", "toggle_translation", "English"),
        Binding("s", "toggle_summary", "Summary"),
        Binding("l", "cycle_layout", "Layout"),
        Binding("c", "sections", "Sections"),
        Binding("r", "retranslate", "Re-translate sentence", show=False),
        Binding("i", "install_model", "Install model", show=False),
        Binding("a", "cycle_algorithm", "Summary algorithm", show=False),
        Binding("plus,equals_sign", "summary_longer", "Longer summary", show=False),
        Binding("minus", "summary_shorter", "Shorter summary", show=False),
        Binding("ctrl+s", "save", "Save"),
    ]

    EXTRA_KEYS = [
        ("tab / shift+tab", "Move focus between panes (j/k choose a summary sentence there)"),
        ("enter (Summary)", "Move the cursor to the chosen summary sentence"),
        ("mouse click", "Move the cursor to the clicked sentence"),
        ("mouse wheel", "Scroll (side by side, both panes together)"),
        ("mouse drag", "Select text; ctrl+c copies it (logical order)"),
        ("ctrl+p", "Command palette (every action)"),
        ("ctrl+q", "Quit"),
    ]

    cursor: reactive[int | None] = reactive(None, init=False)

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
        self.reorder = getattr(config, "bidi", "app") != "terminal"
        self.shape = bool(getattr(config, "shape", True))
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
        self.algorithm = getattr(config, "algorithm", "news") or "news"
        self.summary_count = int(getattr(config, "summary_sentences", 0) or 0)
        self.summary_numbers: list[int] | None = None
        self.summary_pending = False
        self._summary_generation = 0
        # Layout state.
        layout = getattr(config, "layout", "side")
        self.layout_mode = layout if layout in LAYOUTS else "side"
        self.show_translation = bool(getattr(config, "show_translation", True))
        self.show_summary = bool(getattr(config, "show_summary", True))
        self.effective_layout = self.layout_mode
        # Search state.
        self.search_query: str | None = None
        self.matches: list[Match] = []
        self.match_index: int | None = None
        self._search_index: SentenceIndex | None = None
        self._shown_warnings: set[str] = set()
        self._bdsm_stream = None
        self._closing = False
        self.first_paint: float | None = None

    # ------------------------------------------------------------------ compose

    def compose(self) -> ComposeResult:
        max_width = int(getattr(self.config, "max_width", 0) or 0) or None
        yield Header(show_clock=False)
        with Container(id="panes"):
            yield ReadingView(self.article, shape=self.shape, reorder=self.reorder, max_width=max_width,
                              id="reading").data_bind(QariApp.cursor)
            yield SummaryPane(id="summary", classes="pane", shape=self.shape, reorder=self.reorder)
        yield SearchBar(id="search", shape=self.shape, reorder=self.reorder)
        yield Footer()

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
        theme = getattr(self.config, "theme", None)
        if theme and theme in self.available_themes:
            self.theme = theme
        self._update_title(self.size.width)
        self._apply_layout()
        self._show_english()
        self.summary_pane.show_message("Summarizing…" if self.start_summary else "Summary is off.")
        self._update_titles()
        self.arabic_pane.focus()
        if self.sentences:
            self.cursor = self.article.headline_sentence()
        for warning in self.article.warnings:
            self.notify(warning, title="Article", severity="warning", timeout=8)
        self._write_bidi_mode()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """Runs once the Arabic is on screen: only now start the heavy work."""
        self.first_paint = self.clock()
        if self.start_summary:
            self._start_summary()
        if self.start_translation:
            self._start_translation()

    def _write_bidi_mode(self) -> None:
        """Ask VTE terminals not to reorder our (already visual) lines (BDSM reset, explicit
        mode), or, in `--bidi terminal` mode, to reorder our logical lines (BDSM set, implicit
        mode). Only when the driver writes to a real terminal; `run_app` restores it on exit."""
        if self.is_headless or self._driver is None:
            return
        stream = getattr(self._driver, "_file", None) or sys.__stderr__
        try:
            if stream is None or not stream.isatty():
                return
            self._driver.write(VTE_EXPLICIT if self.reorder else VTE_IMPLICIT)
            self._driver.flush()
            self._bdsm_stream = stream
        except Exception:  # pragma: no cover - a terminal that cannot take it
            pass

    # ------------------------------------------------------------------ titles

    def _update_title(self, width: int) -> None:
        """The article title in visual order, cut to the room the header has (at its logical
        end, so the header never crops its beginning)."""
        title = self.article.title or (self.article.paragraphs[0].text if self.article.paragraphs else "")
        room = max(12, width - len(self._subtitle()) - 12)
        self.title = visual_one_line(title, room, rtl=True, shape=self.shape, reorder=self.reorder) or "qari"

    def _subtitle(self) -> str:
        model = {"ready": self.model_name or "?", "loading": "loading…", "missing": "none installed",
                 "error": "error"}.get(self.model_state, "off")
        return f"{self.source_name} · model: {model}"

    def _position_text(self) -> str:
        if self.cursor is None:
            return "empty article"
        section = self.article.section_of(self.cursor)
        return f"{self.cursor + 1}/{len(self.sentences)} · §{section + 1}/{len(self.article.sections)}"

    def _english_status(self) -> str:
        if self.install_state:
            return self.install_state
        if self.model_state == "ready" and self.progress is not None:
            done, total, eta = self.progress
            return f"{total}/{total} translated" if done >= total else f"{done}/{total} · {format_eta(eta)}"
        return {"missing": "no model · i: install", "loading": "loading model…",
                "error": "translation failed"}.get(self.model_state, "")

    def _update_titles(self) -> None:
        """Pane titles carry the reader's bearings (position, translation progress, search):
        they stay on screen at every size, down to 40×12 (short windows keep the top border)."""
        self.sub_title = self._subtitle()
        english = self._english_status()
        interleaved = self.effective_layout == "interleaved" and self.show_translation
        search = ""
        if self.search_query and self.matches:
            index = (self.match_index or 0) + 1
            search = f" · match {index}/{len(self.matches)}"
        arabic_title = "Arabic · English" if interleaved else "Arabic"
        parts = [arabic_title, self._position_text() + search]
        if (interleaved or not self.english_pane.display) and english:
            parts.append(english)
        self.arabic_pane.border_title = " · ".join(parts)
        self.english_pane.border_title = "English" + (f" · {english}" if english else "")
        self._update_summary_title()

    def _update_summary_title(self) -> None:
        count = len(self.summary_numbers) if self.summary_numbers is not None else self.summary_count
        length = plural(count, "sentence") if count else "auto length"
        state = " · summarizing…" if self.summary_pending else ""
        self.summary_pane.border_title = f"Summary · {self.algorithm} · {length}{state}"

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
        panes.set_class(wide and effective in ("stacked", "interleaved") and self.show_summary, "-beside")
        panes.set_class(height < COMPACT, "-compact")
        self.summary_pane.display = self.show_summary
        self.reading_view.configure(effective, self.show_translation)
        self._update_titles()

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

    def action_toggle_summary(self) -> None:
        self.show_summary = not self.show_summary
        if not self.show_summary and self.summary_pane.has_focus:
            self.arabic_pane.focus()
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

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_table()))

    def key_table(self) -> list[tuple[str, str]]:
        rows, seen = [], set()
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in seen:
                continue
            seen.add(binding.action)
            keys = ", ".join(self.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
            rows.append((keys, binding.description))
        rows.extend(self.EXTRA_KEYS)
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = {"quit", "copy_or_quit"}
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.get_key_display(Binding(binding.key.split(",")[0], binding.action))
            yield SystemCommand(binding.description, f"{binding.description} (key: {key})",
                                partial(self.call_later, self.run_action, binding.action))

    # ------------------------------------------------------------------ translation

    def _start_translation(self) -> None:
        self.model_state = "loading"
        self._update_titles()
        self._translate()

    @work(thread=True, group="translate", exit_on_error=False)
    def _translate(self) -> None:
        """A thin loop: load the translator, then run the job, posting one message per batch."""
        from reader.translation_job import TranslationJob

        try:
            from reader.translate import NoModelError

            try:
                translator = self.translator_factory()
            except NoModelError:
                from argostranslate import settings

                self.post_message(NoModel(no_model_note(str(settings.package_data_dir))))
                return
            self._translator = translator
            first = self.article.section_numbers(self.article.section_of(self.cursor or 0)) if self.sentences else []
            job = TranslationJob(translator, [s.text for s in self.sentences], first=first, clock=self.clock)
            self.post_message(TranslatorReady(str(getattr(translator, "model_name", "?")), len(self.sentences)))
            self._job = job
            if self._closing or get_current_worker().is_cancelled:
                return  # the app closed while the model loaded (see on_unmount)
            job.run(lambda update: self.post_message(TranslationBatch(update)))
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(TranslationFailed(f"{type(error).__name__}: {error}"))

    def on_translator_ready(self, message: TranslatorReady) -> None:
        self.model_state = "ready"
        self.model_name = message.model_name
        self.progress = (len(self.translations), message.total, None)
        self._update_title(self.size.width)
        self._show_english()
        self._update_titles()
        self._show_cache_warnings()

    def on_no_model(self, message: NoModel) -> None:
        self.model_state = "missing"
        self.model_message = message.text
        self._update_titles()
        self._show_english()

    def on_translation_failed(self, message: TranslationFailed) -> None:
        self.model_state = "error"
        self.model_message = message.text
        self._job = None
        self._update_titles()
        self._show_english()
        self.notify(message.text, title="Translation failed", severity="error")

    def on_translation_batch(self, message: TranslationBatch) -> None:
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
        self.summary_pane.update_translations(self.translations, numbers)
        if self.search_query:
            self._run_search(self.search_query, jump=False)
        self._update_titles()

    def _show_cache_warnings(self) -> None:
        """A locked, corrupt or unwritable cache never stops translation; say what happened."""
        cache = getattr(self._translator, "cache", None)
        for warning in getattr(cache, "warnings", None) or ():
            if warning not in self._shown_warnings:
                self._shown_warnings.add(warning)
                self.notify(warning, title="Translation cache", severity="warning", timeout=8)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications show user text (queries, paths, errors) literally, never as markup, and
        Arabic in them in visual order (shaped) like the panes."""
        message = visual_inline(message, shape=self.shape, reorder=self.reorder)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_retranslate(self) -> None:
        if self.cursor is None:
            return
        if self.model_state != "ready" or self._job is None:
            if self.model_state == "missing":
                self.notify("No model installed: press i to install it.", severity="warning", timeout=3)
            else:
                self.notify("The translator is not ready yet.", severity="warning", timeout=3)
            return
        self._job.retranslate(self.cursor)

    # ------------------------------------------------------------------ model install

    def action_install_model(self) -> None:
        if self.model_state == "ready":
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
            from reader.models import install_pair

            worker = get_current_worker()

            def progress(*args) -> None:
                if worker.is_cancelled:
                    raise InterruptedError("install cancelled")  # install_pair cleans up
                self.post_message(InstallProgress(*_install_progress_text(args)))

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
            if self.translator_factory is not None:
                self._start_translation()
        else:
            self.notify(message.text, title="Install failed", severity="error", timeout=10)
            self._update_titles()

    # ------------------------------------------------------------------ summary

    def _start_summary(self) -> None:
        self._summary_generation += 1
        self.summary_pending = True
        self.summary_pane.set_class(self.summary_numbers is not None, "-stale")
        self._update_summary_title()
        self._summarize(self._summary_generation, self.algorithm, self.summary_count or None)

    @work(thread=True, group="summary", exit_on_error=False)
    def _summarize(self, generation: int, algorithm: str, count: int | None) -> None:
        try:
            from reader import summarize

            # count None: summarize_article picks the default length from the body sentences.
            sentences = summarize.summarize_article(self.article, algorithm=algorithm, count=count)
            self.post_message(SummaryReady(generation, algorithm, len(sentences), [s.number for s in sentences],
                                           tuple(summarize.ALGORITHMS)))
        except Exception as error:  # noqa: BLE001
            self.post_message(SummaryFailed(generation, f"{type(error).__name__}: {error}"))

    def on_summary_ready(self, message: SummaryReady) -> None:
        if message.generation != self._summary_generation:
            return
        self.summary_pending = False
        self.summary_pane.remove_class("-stale")
        self.summary_numbers = list(message.numbers)
        self.summary_count = message.count
        self.summary_pane.set_summary(self.article, self.summary_numbers, self.translations,
                                      show_translation=self._has_english())
        self.summary_pane.follow(self.cursor)
        self._update_summary_title()

    def on_summary_failed(self, message: SummaryFailed) -> None:
        if message.generation != self._summary_generation:
            return
        self.summary_pending = False
        self.summary_pane.remove_class("-stale")
        self.summary_pane.show_message(f"Summary failed: {message.text}")
        self.notify(message.text, title="Summary failed", severity="error")

    def _summary_changed(self, what: str) -> None:
        self._start_summary()
        if not self.show_summary:
            self.notify(f"{what} (the summary pane is hidden: s shows it)", timeout=3)

    def action_cycle_algorithm(self) -> None:
        from reader.config import ALGORITHMS

        index = ALGORITHMS.index(self.algorithm) if self.algorithm in ALGORITHMS else -1
        self.algorithm = ALGORITHMS[(index + 1) % len(ALGORITHMS)]
        self._summary_changed(f"Summary algorithm: {self.algorithm}")

    def _change_length(self, step: int) -> None:
        current = self.summary_count or (len(self.summary_numbers) if self.summary_numbers else 0)
        limit = max(1, sum(len(p.sentences) for p in self.article.paragraphs if not p.is_heading))
        new = max(1, min(limit, (current or 3) + step))
        if new == current:
            self.clear_notifications()
            edge = "shortest" if step < 0 else "longest"
            self.notify(f"The summary is at its {edge}: {plural(new, 'sentence')}", timeout=2)
            return
        self.summary_count = new
        self._summary_changed(f"Summary length: {plural(new, 'sentence')}")

    def action_summary_longer(self) -> None:
        self._change_length(+1)

    def action_summary_shorter(self) -> None:
        self._change_length(-1)

    # ------------------------------------------------------------------ search

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
        if self._search_index is None:
            self._search_index = SentenceIndex([s.text for s in self.sentences])
        self.matches = self._search_index.find(query, self.translations)
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

    # ------------------------------------------------------------------ saving

    def default_save_path(self) -> Path:
        return default_save_path(self.article, self.save_dir)

    def save_summary(self, path: Path, force: bool = False) -> Path:
        """Write the shown summary as Markdown (logical text) with `reader.export`."""
        from reader.export import summary_document, write_text_atomic

        sentences = [self.sentences[n] for n in self.summary_numbers or ()]
        translations = {s.id: self.translations.get(s.number) for s in sentences}
        text = summary_document(self.article, sentences, translations, algorithm=self.algorithm, model=self.model_name)
        return write_text_atomic(path, text, force=force)

    def action_save(self) -> None:
        if self.summary_numbers is None:
            self.notify("The summary is still being computed; save again in a moment.", timeout=3)
            return
        self.push_screen(SaveDialog(self.default_save_path(), self.save_summary))

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
        self.exit(0)

    def on_unmount(self) -> None:
        """However the app ends, end the translation job: idle, it waits for commands, and the
        event loop cannot close while its thread runs (finished batches are already cached)."""
        self._closing = True
        if self._job is not None:
            self._job.stop()
        self.workers.cancel_all()


def _install_progress_text(args: tuple) -> tuple[str, float | None]:
    """Turn whatever `install_pair` reports into (text, fraction)."""
    if len(args) == 2 and isinstance(args[0], (int, float)) and isinstance(args[1], (int, float, type(None))):
        done, total = args
        if total:
            return f"downloading {done / 1e6:.1f}/{total / 1e6:.1f} MB", done / total
        return f"downloading {done / 1e6:.1f} MB", None
    if len(args) == 1 and isinstance(args[0], str):
        return args[0], None
    return " ".join(str(a) for a in args), None


def restore_bidi_mode(app: QariApp) -> None:
    """Put a VTE terminal back in its default implicit bidi mode if we changed it."""
    stream = app._bdsm_stream
    if stream is None:
        return
    try:
        stream.write(VTE_IMPLICIT)
        stream.flush()
    except Exception:  # pragma: no cover - the terminal went away
        pass
    app._bdsm_stream = None


def run_app(article: Article, config: "Config", translator_factory: Callable[[], "Translator"] | None) -> int:
    """Run the reader until the user quits; returns the exit code (0 on a normal quit)."""
    app = QariApp(article, config, translator_factory)
    try:
        result = app.run()
    finally:
        restore_bidi_mode(app)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)
