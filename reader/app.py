"""The qari Textual App: a thin shell that composes the panes and runs the background work.

Everything heavy (ctranslate2, sumy, numpy) is imported inside thread workers, after the Arabic
text has been painted. Workers never touch widgets: they post messages (`widgets.messages`).
"""

from __future__ import annotations

import queue
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.reactive import reactive
from textual.screen import Screen
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Header
from textual.worker import Worker, get_current_worker

import reader.assets
from reader.model import Article
from reader.search import Match, SentenceIndex
from widgets.article_pane import ArticlePane, Block, paragraph_block, visual_one_line
from widgets.help_screen import HelpScreen
from widgets.messages import (
    InstallFinished,
    InstallProgress,
    NoModel,
    SentenceTranslated,
    SummaryFailed,
    SummaryReady,
    TranslationFailed,
    TranslationFinished,
    TranslationProgress,
    TranslatorReady,
)
from widgets.save_dialog import SaveDialog
from widgets.search_bar import SearchBar
from widgets.section_list import SectionList
from widgets.summary_pane import SummaryPane
from widgets.translation_pane import TranslationPane, english_block, note_blocks

if TYPE_CHECKING:
    from reader.config import Config
    from reader.translate import Translator

LAYOUTS = ("side", "stacked", "interleaved")
LAYOUT_NAMES = {"side": "side by side", "stacked": "stacked", "interleaved": "interleaved"}
WIDE = 100
"""Below this many columns, panes that would sit side by side are stacked instead."""

VTE_EXPLICIT = "\x1b[8l"
"""BDSM reset: the terminal must not reorder (qari already laid the text out visually)."""
VTE_IMPLICIT = "\x1b[8h"
"""BDSM set: the terminal reorders by itself (its default)."""

COMPACT = 20
"""Below this many rows, panes keep only their top border (the title)."""

INSTALL_HINT = "Press i to download and install the Arabic→English model."


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA …"
    seconds = max(0, int(round(seconds)))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"ETA {hours}:{minutes:02d}:{seconds:02d}"
    return f"ETA {minutes}:{seconds:02d}"


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
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=False),
        Binding("j,down", "cursor_next", "Next sentence", show=True, key_display="j/↓"),
        Binding("k,up", "cursor_prev", "Previous sentence", show=True, key_display="k/↑"),
        Binding("right_square_bracket", "section_next", "Next section", show=False),
        Binding("left_square_bracket", "section_prev", "Previous section", show=False),
        Binding("g,home", "cursor_first", "First sentence", show=False),
        Binding("G,end", "cursor_last", "Last sentence", show=False),
        Binding("l", "cycle_layout", "Layout"),
        Binding("t", "toggle_translation", "English"),
        Binding("s", "toggle_summary", "Summary"),
        Binding("c", "sections", "Sections"),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next", "Next match", show=False),
        Binding("N", "search_prev", "Previous match", show=False),
        Binding("r", "retranslate", "Re-translate sentence", show=False),
        Binding("i", "install_model", "Install model", show=False),
        Binding("a", "cycle_algorithm", "Algorithm", show=False),
        Binding("plus,equals_sign", "summary_longer", "Longer summary", show=False),
        Binding("minus", "summary_shorter", "Shorter summary", show=False),
        Binding("ctrl+s", "save", "Save"),
        Binding("question_mark,f1", "help", "Help"),
    ]

    EXTRA_KEYS = [
        ("tab / shift+tab", "Move focus between panes"),
        ("enter (Summary)", "Move the cursor to the chosen summary sentence"),
        ("j/k (Summary focused)", "Choose a summary sentence"),
        ("mouse click", "Move the cursor to the clicked sentence"),
        ("mouse drag", "Select text (copied in logical order with ctrl+c)"),
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
        self.paragraphs = article.paragraphs
        self._paragraph_of: dict[int, int] = {}
        for index, paragraph in enumerate(self.paragraphs):
            for sentence in paragraph.sentences:
                self._paragraph_of[sentence.number] = index
        self._section_of = {s.number: sec.index for sec in article.sections for s in sec.sentences}
        # Translation state.
        self.translations: dict[int, str] = {}
        self.model_name: str | None = None
        self.model_state = "off" if not self.start_translation else "loading"
        self.model_message: str | None = None
        self.progress: tuple[int, int, float | None] | None = None
        self.translation_done = False
        self._translator: Translator | None = None
        self._commands: queue.Queue[tuple[str, object]] = queue.Queue()
        self._translation_worker: Worker | None = None
        self._pending_updates: set[int] = set()
        self._flush_scheduled = False
        self._last_section: int | None = None
        # Summary state.
        self.algorithm = getattr(config, "algorithm", "news") or "news"
        self.algorithms: tuple[str, ...] | None = None
        self.summary_count = int(getattr(config, "summary_sentences", 0) or 0)
        self.summary_numbers: list[int] | None = None
        self._summary_generation = 0
        # Layout state.
        layout = getattr(config, "layout", "side")
        self.layout_mode = layout if layout in LAYOUTS else "side"
        self.show_translation = bool(getattr(config, "show_translation", True))
        self.show_summary = bool(getattr(config, "show_summary", True))
        self.effective_layout = self.layout_mode
        self._interleaved_built: bool | None = None
        # Search state.
        self.search_query: str | None = None
        self.matches: list[Match] = []
        self.match_index: int | None = None
        self._search_index: SentenceIndex | None = None
        self._shown_warnings: set[str] = set()
        self._bdsm_stream = None
        self.first_paint: float | None = None
        self.install_state: str | None = None

    # ------------------------------------------------------------------ compose

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Container(id="panes"):
            with Container(id="reading"):
                yield ArticlePane(id="arabic", classes="pane", shape=self.shape, reorder=self.reorder)
                yield TranslationPane(id="english", classes="pane", shape=self.shape, reorder=self.reorder)
            yield SummaryPane(id="summary", classes="pane", shape=self.shape, reorder=self.reorder)
        yield SearchBar(id="search")
        yield Footer()

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
        self.arabic_pane.border_title = "Arabic"
        self.english_pane.border_title = "English"
        self._update_subtitle()
        self._apply_layout()
        self._show_english()
        self.summary_pane.show_message("Summarizing…" if self.start_summary else "Summary is off.")
        self._update_summary_title()
        self.arabic_pane.focus()
        if self.sentences:
            self.cursor = 0
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
        """The article title in visual order, cut to fit (at its logical end) so the header
        never crops its beginning."""
        title = self.article.title or (self.paragraphs[0].text if self.paragraphs else "")
        room = max(12, min(60, (width - 8) // 2))
        self.title = visual_one_line(title, room, rtl=True, shape=self.shape, reorder=self.reorder) or "qari"

    def _update_subtitle(self) -> None:
        if self.model_state == "ready":
            model = self.model_name or "?"
        elif self.model_state == "loading":
            model = "loading…"
        elif self.model_state == "missing":
            model = "none installed"
        elif self.model_state == "error":
            model = "error"
        else:
            model = "off"
        self.sub_title = f"{self.source_name} · model: {model}"

    def _update_english_title(self) -> None:
        pane = self.english_pane
        if self.model_state == "ready" and self.progress is not None:
            done, total, eta = self.progress
            if done >= total:
                pane.border_subtitle = f"{total}/{total} translated"
            else:
                pane.border_subtitle = f"{done}/{total} · {format_eta(eta)}"
        elif self.model_state == "missing":
            pane.border_subtitle = "no model · i: install"
        elif self.model_state == "loading":
            pane.border_subtitle = "loading model…"
        else:
            pane.border_subtitle = ""
        if self.install_state:
            pane.border_subtitle = self.install_state
        if self.effective_layout == "interleaved":
            self.arabic_pane.border_subtitle = self._position_text() + (
                f" · {pane.border_subtitle}" if pane.border_subtitle else ""
            )

    def _position_text(self) -> str:
        if self.cursor is None:
            return "empty article"
        section = self._section_of.get(self.cursor, 0)
        return f"{self.cursor + 1}/{len(self.sentences)} · §{section + 1}/{len(self.article.sections)}"

    def _update_summary_title(self) -> None:
        count = len(self.summary_numbers) if self.summary_numbers is not None else self.summary_count
        length = f"{count} sentences" if count else "auto length"
        self.summary_pane.border_title = f"Summary · {self.algorithm} · {length}"

    # ------------------------------------------------------------------ layout

    def on_resize(self, event) -> None:
        self._update_title(event.size.width)
        self._apply_layout(event.size.width, event.size.height)

    def _apply_layout(self, width: int | None = None, height: int | None = None) -> None:
        if not self.is_mounted:
            return
        width = self.size.width if width is None else width
        height = self.size.height if height is None else height
        mode = self.layout_mode
        wide = width >= WIDE
        panes = self.query_one("#panes")
        reading = self.query_one("#reading")
        effective = mode
        if mode == "side" and not wide and self.show_translation:
            effective = "stacked"
        self.effective_layout = effective
        panes.set_class(wide and mode in ("stacked", "interleaved") and self.show_summary, "-beside")
        panes.set_class(height < COMPACT, "-compact")
        reading.set_class(effective == "stacked", "-stack")
        english = self.english_pane
        english.display = self.show_translation and effective != "interleaved"
        self.summary_pane.display = self.show_summary
        self.arabic_pane.border_title = (
            "Arabic · English" if effective == "interleaved" and self.show_translation else "Arabic"
        )
        self._build_arabic()
        self._sync_alignment()
        self._update_english_title()
        self.arabic_pane.border_subtitle = self._position_text()
        if self.effective_layout == "interleaved":
            self._update_english_title()

    def _has_english(self) -> bool:
        """Whether English is (or will be) available: not when there is no model."""
        return self.model_state in ("loading", "ready")

    def _interleaving(self) -> bool:
        return self.effective_layout == "interleaved" and self.show_translation

    def _build_arabic(self, force: bool = False) -> None:
        interleave = self._interleaving()
        if not force and interleave == self._interleaved_built:
            return
        self._interleaved_built = interleave
        blocks: list[Block] = []
        if interleave:
            if self.model_state == "missing" and self.model_message:
                blocks.extend(note_blocks(self.model_message + "\n\n" + INSTALL_HINT + "\n"))
            for index, paragraph in enumerate(self.paragraphs):
                blocks.append(paragraph_block(paragraph, group=index, gap_after=0))
                if self.model_state not in ("missing", "off", "error"):
                    blocks.append(english_block(paragraph, self.translations, group=index))
                else:
                    blocks[-1] = paragraph_block(paragraph, group=index)
        else:
            blocks = [paragraph_block(p, group=i) for i, p in enumerate(self.paragraphs)]
        self.arabic_pane.set_blocks(blocks)
        self.arabic_pane.set_min_heights({})

    def _show_english(self) -> None:
        if self.summary_numbers is not None:
            self.summary_pane.set_summary(
                self.article, self.summary_numbers, self.translations, show_translation=self._has_english()
            )
            self.summary_pane.follow(self.cursor)
        pane = self.english_pane
        if self.model_state == "missing":
            pane.show_note((self.model_message or "No translation model installed.") + "\n\n" + INSTALL_HINT)
        elif self.model_state == "off":
            pane.show_note("Translation is off.")
        elif self.model_state == "error":
            pane.show_note(f"Translation failed: {self.model_message}")
        else:
            pane.show_article(self.article, self.translations)
        pane.cursor = self.cursor
        self._build_arabic(force=True)
        self._sync_alignment()

    def _sync_alignment(self) -> None:
        arabic, english = self.arabic_pane, self.english_pane
        if self.effective_layout == "side" and self.show_translation and english.display:
            english.set_min_heights(arabic.natural_heights())
            arabic.set_min_heights(english.natural_heights())
        else:
            english.set_min_heights({})
            arabic.set_min_heights({})

    def on_article_pane_layout_changed(self, event: ArticlePane.LayoutChanged) -> None:
        if event.pane.id in ("arabic", "english"):
            self._sync_alignment()

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        for pane in (self.arabic_pane, self.english_pane):
            pane.cursor = new
            pane.scroll_to_sentence(new)
        self.summary_pane.follow(new)
        self.arabic_pane.border_subtitle = self._position_text()
        if self.effective_layout == "interleaved":
            self._update_english_title()
        section = self._section_of.get(new) if new is not None else None
        if section is not None and section != self._last_section:
            if self._last_section is not None and self._translation_worker is not None:
                self._commands.put(("first", self._section_numbers(section)))
            self._last_section = section

    def move_cursor(self, number: int | None) -> None:
        if number is None or not self.sentences:
            return
        self.cursor = max(0, min(len(self.sentences) - 1, number))

    def _section_numbers(self, section: int) -> list[int]:
        return [s.number for s in self.article.sections[section].sentences]

    def action_cursor_next(self) -> None:
        if self.cursor is not None:
            self.move_cursor(self.cursor + 1)

    def action_cursor_prev(self) -> None:
        if self.cursor is not None:
            self.move_cursor(self.cursor - 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        self.move_cursor(len(self.sentences) - 1)

    def _section_start(self, index: int) -> int | None:
        sections = self.article.sections
        while 0 <= index < len(sections):
            numbers = self._section_numbers(index)
            if numbers:
                return numbers[0]
            index += 1
        return None

    def action_section_next(self) -> None:
        if self.cursor is None:
            return
        current = self._section_of.get(self.cursor, 0)
        for index in range(current + 1, len(self.article.sections)):
            start = self._section_start(index)
            if start is not None:
                self.move_cursor(start)
                return
        self.notify("Last section", timeout=2)

    def action_section_prev(self) -> None:
        if self.cursor is None:
            return
        current = self._section_of.get(self.cursor, 0)
        start = self._section_start(current)
        if start is not None and self.cursor != start:
            self.move_cursor(start)
            return
        for index in range(current - 1, -1, -1):
            numbers = self._section_numbers(index)
            if numbers:
                self.move_cursor(numbers[0])
                return
        self.notify("First section", timeout=2)

    def on_article_pane_sentence_clicked(self, event: ArticlePane.SentenceClicked) -> None:
        self.move_cursor(event.number)

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
        self.call_after_refresh(self._scroll_all)

    def _scroll_all(self) -> None:
        for pane in (self.arabic_pane, self.english_pane):
            pane.scroll_to_sentence(self.cursor)
        self.summary_pane.follow(self.cursor)

    def action_toggle_translation(self) -> None:
        self.show_translation = not self.show_translation
        self._apply_layout()
        self.call_after_refresh(self._scroll_all)

    def action_toggle_summary(self) -> None:
        self.show_summary = not self.show_summary
        if not self.show_summary and self.summary_pane.has_focus:
            self.arabic_pane.focus()
        self._apply_layout()
        self.call_after_refresh(self._scroll_all)

    def action_sections(self) -> None:
        if not self.article.sections:
            return
        current = self._section_of.get(self.cursor, 0) if self.cursor is not None else 0

        def chosen(index: int | None) -> None:
            if index is not None:
                start = self._section_start(index)
                if start is not None:
                    self.move_cursor(start)

        self.push_screen(SectionList(self.article, current, shape=self.shape, reorder=self.reorder), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_table()))

    def key_table(self) -> list[tuple[str, str]]:
        rows = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            keys = ", ".join(self.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
            rows.append((keys, binding.description))
        rows.extend(self.EXTRA_KEYS)
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = set()
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in seen or binding.action == "quit":
                continue
            seen.add(binding.action)
            key = self.get_key_display(Binding(binding.key.split(",")[0], binding.action))
            yield SystemCommand(
                binding.description,
                f"{binding.description} (key: {key})",
                partial(self.call_later, self.run_action, binding.action),
            )

    # ------------------------------------------------------------------ translation

    def _start_translation(self) -> None:
        first: list[int] = []
        if self.cursor is not None:
            first = self._section_numbers(self._section_of.get(self.cursor, 0))
        self.model_state = "loading"
        self._update_subtitle()
        self._update_english_title()
        self._translation_worker = self._translate(first)

    @work(thread=True, group="translate", exit_on_error=False)
    def _translate(self, first: list[int]) -> None:
        worker = get_current_worker()
        texts = [s.text for s in self.sentences]
        total = len(texts)
        try:
            from reader.translate import NoModelError

            try:
                translator = self.translator_factory()
            except NoModelError as error:
                self.post_message(NoModel(str(error)))
                return
            self._translator = translator
            self.post_message(TranslatorReady(str(getattr(translator, "model_name", "?")), total))
            done: set[int] = set()
            started = self.clock()
            fresh = 0
            if total == 0:
                self.post_message(TranslationFinished(0, 0.0))
            while not worker.is_cancelled:
                # Drain the commands: re-translations in order; the latest priority wins.
                retranslate: list[int] = []
                while True:
                    try:
                        kind, value = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    if kind == "stop":
                        return
                    if kind == "retranslate":
                        retranslate.append(int(value))  # type: ignore[arg-type]
                    elif kind == "first":
                        first = list(value)  # type: ignore[arg-type]
                for number in retranslate:
                    result = translator.translate([texts[number]], use_cache=False)
                    done.add(number)
                    self.post_message(SentenceTranslated(number, result[0], fresh=True))
                    self.post_message(TranslationProgress(len(done), total, None))
                    if len(done) == total:
                        self.post_message(TranslationFinished(total, self.clock() - started))
                remaining = [i for i in range(total) if i not in done]
                if not remaining:
                    # Idle: wait for `r` requests until the app exits.
                    try:
                        self._commands.put(self._commands.get(timeout=0.1))
                    except queue.Empty:
                        pass
                    continue
                position = {number: k for k, number in enumerate(remaining)}
                first_local = [position[n] for n in first if n in position]
                for k, text in translator.translate_iter([texts[i] for i in remaining], first=first_local):
                    number = remaining[k]
                    done.add(number)
                    fresh += 1
                    elapsed = self.clock() - started
                    left = total - len(done)
                    eta = elapsed / fresh * left if fresh >= 2 else None
                    self.post_message(SentenceTranslated(number, text))
                    self.post_message(TranslationProgress(len(done), total, eta))
                    if len(done) == total:
                        self.post_message(TranslationFinished(total, elapsed))
                    if worker.is_cancelled:
                        return
                    if not self._commands.empty():
                        break  # abandon the iterator: finished ones are cached
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(TranslationFailed(f"{type(error).__name__}: {error}"))

    def on_translator_ready(self, message: TranslatorReady) -> None:
        self.model_state = "ready"
        self.model_name = message.model_name
        self.progress = (len(self.translations), message.total, None)
        self._update_subtitle()
        self._update_english_title()
        if self.english_pane._article is None:
            self._show_english()
        self._show_cache_warnings()

    def on_no_model(self, message: NoModel) -> None:
        self.model_state = "missing"
        self.model_message = message.text
        self._translation_worker = None
        self._update_subtitle()
        self._update_english_title()
        self._show_english()

    def on_translation_failed(self, message: TranslationFailed) -> None:
        self.model_state = "error"
        self.model_message = message.text
        self._translation_worker = None
        self._update_subtitle()
        self._update_english_title()
        self._show_english()
        self.notify(message.text, title="Translation failed", severity="error")

    def on_sentence_translated(self, message: SentenceTranslated) -> None:
        self.translations[message.number] = message.text
        if message.fresh:
            self.notify(f"Re-translated sentence {message.number + 1}", timeout=2)
        self._pending_updates.add(message.number)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.set_timer(0.05, self._flush_translations)

    def _flush_translations(self) -> None:
        self._flush_scheduled = False
        numbers, self._pending_updates = self._pending_updates, set()
        if not numbers:
            return
        self.english_pane.update_sentences(numbers)
        if self._interleaving():
            changes = {}
            offset = len(self.arabic_pane.blocks) - 2 * len(self.paragraphs)
            for number in numbers:
                index = self._paragraph_of.get(number)
                if index is not None and offset >= 0:
                    changes[offset + 2 * index + 1] = english_block(
                        self.paragraphs[index], self.translations, group=index
                    )
            if changes:
                self.arabic_pane.replace_blocks(changes)
        self.summary_pane.update_translations(self.translations, numbers)
        if self.search_query:
            self._run_search(self.search_query, jump=False)
        if self.cursor in numbers:
            self.english_pane.scroll_to_sentence(self.cursor)

    def on_translation_progress(self, message: TranslationProgress) -> None:
        self.progress = (message.done, message.total, message.eta)
        self._update_english_title()

    def on_translation_finished(self, message: TranslationFinished) -> None:
        self.translation_done = True
        self.progress = (message.total, message.total, 0.0)
        self._update_english_title()
        self._show_cache_warnings()

    def _show_cache_warnings(self) -> None:
        """A locked, corrupt or unwritable cache never stops translation; say what happened."""
        cache = getattr(self._translator, "cache", None)
        for warning in getattr(cache, "warnings", None) or ():
            if warning not in self._shown_warnings:
                self._shown_warnings.add(warning)
                self.notify(warning, title="Translation cache", severity="warning", timeout=8)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications show user text (queries, paths, errors) literally: never as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_retranslate(self) -> None:
        if self.cursor is None:
            return
        if self.model_state != "ready" or self._translation_worker is None:
            if self.model_state == "missing":
                self.notify(self.model_message or "No model installed.", title="No model", severity="warning")
            else:
                self.notify("The translator is not ready yet.", severity="warning")
            return
        self._commands.put(("retranslate", self.cursor))

    # ------------------------------------------------------------------ model install

    def action_install_model(self) -> None:
        if self.model_state == "ready":
            self.notify(f"Model already installed: {self.model_name}", timeout=3)
            return
        if self.install_state is not None:
            return
        self.install_state = "installing model…"
        self._update_english_title()
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
        self._update_english_title()

    def on_install_finished(self, message: InstallFinished) -> None:
        self.install_state = None
        if message.ok:
            self.notify(message.text, title="Model installed")
            if self.translator_factory is not None:
                self._start_translation()
        else:
            self.notify(message.text, title="Install failed", severity="error", timeout=10)
            self._update_english_title()

    # ------------------------------------------------------------------ summary

    def _start_summary(self) -> None:
        self._summary_generation += 1
        self._update_summary_title()
        self._summarize(self._summary_generation, self.algorithm, self.summary_count or None)

    @work(thread=True, group="summary", exit_on_error=False)
    def _summarize(self, generation: int, algorithm: str, count: int | None) -> None:
        try:
            from reader import summarize

            # count None: summarize_article picks the default length from the body sentences.
            sentences = summarize.summarize_article(self.article, algorithm=algorithm, count=count)
            self.post_message(
                SummaryReady(generation, algorithm, len(sentences), [s.number for s in sentences],
                             tuple(summarize.ALGORITHMS))
            )
        except Exception as error:  # noqa: BLE001
            self.post_message(SummaryFailed(generation, f"{type(error).__name__}: {error}"))

    def on_summary_ready(self, message: SummaryReady) -> None:
        self.algorithms = message.algorithms
        if message.generation != self._summary_generation:
            return
        self.summary_numbers = list(message.numbers)
        self.summary_count = message.count
        self.summary_pane.set_summary(
            self.article, self.summary_numbers, self.translations, show_translation=self._has_english()
        )
        self.summary_pane.follow(self.cursor)
        self._update_summary_title()

    def on_summary_failed(self, message: SummaryFailed) -> None:
        if message.generation != self._summary_generation:
            return
        self.summary_pane.show_message(f"Summary failed: {message.text}")
        self.notify(message.text, title="Summary failed", severity="error")

    def action_cycle_algorithm(self) -> None:
        algorithms = self.algorithms
        if algorithms is None:
            from reader.summarize import ALGORITHMS

            algorithms = self.algorithms = tuple(ALGORITHMS)
        index = algorithms.index(self.algorithm) if self.algorithm in algorithms else -1
        self.algorithm = algorithms[(index + 1) % len(algorithms)]
        self._start_summary()

    def _change_length(self, step: int) -> None:
        current = self.summary_count or (len(self.summary_numbers) if self.summary_numbers else 0)
        limit = max(1, sum(len(p.sentences) for p in self.paragraphs if not p.is_heading))
        new = max(1, min(limit, (current or 3) + step))
        if new == current:
            self.notify("Summary length limit reached", timeout=2)
            return
        self.summary_count = new
        self._start_summary()

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
        bar = self.query_one(SearchBar)
        bar.remove_class("-open")
        self.arabic_pane.focus()

    def on_input_submitted(self, event: SearchBar.Submitted) -> None:
        if not isinstance(event.input, SearchBar):
            return
        event.stop()
        query = event.value.strip()
        self._close_search()
        if not query:
            self.search_query = None
            self.matches = []
            self._show_marks()
            return
        self._run_search(query, jump=True)

    def _run_search(self, query: str, *, jump: bool) -> None:
        self.search_query = query
        if self._search_index is None:
            self._search_index = SentenceIndex([s.text for s in self.sentences])
        matches = self._search_index.find(query, self.translations)
        self.matches = matches
        self._show_marks()
        if not jump:
            return
        if not matches:
            self.match_index = None
            self.notify(f"No match for “{query}”", severity="warning", timeout=3)
            return
        current = self.cursor or 0
        self.match_index = next((i for i, m in enumerate(matches) if m[0] >= current), 0)
        self.move_cursor(matches[self.match_index][0])
        sentences = len({m[0] for m in matches})
        self.notify(f"{len(matches)} matches in {sentences} sentences for “{query}”", timeout=3)

    def _show_marks(self) -> None:
        marks: dict[str, dict[int, list[tuple[int, int]]]] = {"ar": {}, "en": {}}
        for number, lang, start, end in self.matches:
            marks[lang].setdefault(number, []).append((start, end))
        for pane in (self.arabic_pane, self.english_pane, self.summary_pane):
            pane.set_marks(marks)

    def _step_match(self, step: int) -> None:
        if not self.matches:
            self.notify("No search results (press / to search)", timeout=2)
            return
        numbers = sorted({m[0] for m in self.matches})
        current = self.cursor or 0
        if step > 0:
            target = next((n for n in numbers if n > current), numbers[0])
        else:
            target = next((n for n in reversed(numbers) if n < current), numbers[-1])
        self.match_index = next(i for i, m in enumerate(self.matches) if m[0] == target)
        self.move_cursor(target)

    def action_search_next(self) -> None:
        self._step_match(+1)

    def action_search_prev(self) -> None:
        self._step_match(-1)

    # ------------------------------------------------------------------ saving

    def default_save_path(self) -> Path:
        return default_save_path(self.article, self.save_dir)

    def save_summary(self, path: Path, force: bool = False) -> Path:
        """Write the current summary as Markdown (logical text) with `reader.export`."""
        from reader.export import summary_markdown, write_text_atomic

        numbers = self.summary_numbers
        if numbers is None:
            from reader import summarize

            chosen = summarize.summarize_article(self.article, algorithm=self.algorithm, count=self.summary_count or None)
            numbers = [s.number for s in chosen]
        sentences = [self.sentences[n] for n in numbers]
        translations = {s.id: self.translations.get(s.number) for s in sentences}
        text = summary_markdown(
            self.article,
            sentences,
            translations,
            algorithm=self.algorithm,
            length=f"{len(sentences)} sentences",
            model=self.model_name,
        )
        return write_text_atomic(path, text, force=force)

    def action_save(self) -> None:
        self.push_screen(SaveDialog(self.default_save_path(), self.save_summary))

    # ------------------------------------------------------------------ quitting

    async def action_quit(self) -> None:
        self._commands.put(("stop", None))
        self.workers.cancel_all()
        self.exit(0)


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


def run_app(
    article: Article,
    config: "Config",
    translator_factory: Callable[[], "Translator"] | None,
) -> int:
    """Run the reader until the user quits; returns the exit code (0 on a normal quit)."""
    app = QariApp(article, config, translator_factory)
    try:
        result = app.run()
    finally:
        restore_bidi_mode(app)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)
