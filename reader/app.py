"""The qari Textual App: the reading session.

One App runs for the whole session; each article is a `widgets.reader_screen.ReaderScreen`
(its cursor, translations, summary, search, marks). The App keeps what outlives an article:

- the config, and the reader's view (`SessionView`: layout, pane toggles, tashkeel; the theme is
  the App's own `theme`), which every new screen starts from;
- the translator, loaded once and shared by every screen (`load_translator`: the model is never
  loaded twice in one process);
- the library (opened once, in a worker), the feed list's place, the terminal's bidi mode;
- the global keys, the help screen and the command palette (from the App's and the active
  screen's bindings), and the one notify path (`notify`: sanitised, never markup).

Opening another article (`o`, the library `h`, a feed item `f`) pushes a new screen on top;
`backspace` closes it and the previous article (or the feed list) is back as it was.
Everything heavy is imported inside workers, after the Arabic text has been painted.
"""

from __future__ import annotations

import importlib.resources
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, cast

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from reader.background import set_checkpoint
from reader.model import Article
from reader.status_text import plural
from reader.untrusted import one_line, visible
from reader.text.visual_text import visual_inline
from widgets.activity import checkpoint_wait, release_waits
from widgets.help_screen import HelpScreen, bindings_once, key_rows
from widgets.messages import ArticleOpened, FeedItemOpened
from widgets.reader_screen import COMPACT, ReaderScreen
from widgets.terminal_mode import restore_bidi_mode, write_bidi_mode

if TYPE_CHECKING:
    from reader.config import Config
    from reader.store.feeds import Item
    from reader.store.library import Library
    from reader.translation.translate import Translator
    from widgets.feed_screen import FeedScreen


@dataclass
class SessionView:
    """How the reader chose to see articles; it carries from one article to the next."""

    layout: str
    show_translation: bool
    show_summary: bool
    show_tashkeel: bool
    summary_asked: bool = False
    """`s` showed the summary: it stays shown in a short window too."""


class QariApp(App[int]):
    """Read Arabic articles with their English translation and summary."""

    CSS_PATH = str(importlib.resources.files("reader.assets").joinpath("qari.tcss"))
    TITLE = "qari"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "copy_or_quit", "Copy selection / quit", show=False, priority=True),
    ]
    """The session's keys on every screen (the reader's screen lists them too, in its order)."""

    def __init__(
        self,
        article: Article,
        config: Config,
        translator_factory: Callable[[], Translator] | None,
        *,
        start_translation: bool = True,
        start_summary: bool = True,
        clock: Callable[[], float] = time.monotonic,
        save_dir: Path | None = None,
        start_at: int | None = None,
        use_library: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.translator_factory = translator_factory
        self.start_translation = start_translation and translator_factory is not None
        self.start_summary = start_summary
        self.clock = clock
        self.save_dir = save_dir
        self.use_library = use_library
        self.shape = config.shape
        self.reorder = config.bidi != "terminal"
        self.view = SessionView(config.layout, config.show_translation, config.show_summary, config.show_tashkeel)
        self.library: Library | None = None
        self.feed_place: tuple[int, str] | None = None
        """(item id, filter text) of the last item opened from the feed list: `f` comes back there."""
        self.translator: Translator | None = None
        self._translator_lock = threading.Lock()
        self._library_lock = threading.Lock()
        self._library_warned = False
        self._first = (article, start_at)
        self.bdsm_stream: Any = None
        """The terminal whose bidi mode this App changed (`widgets.terminal_mode`)."""

    def get_default_screen(self) -> Screen:
        article, start_at = self._first
        return ReaderScreen(article, start_at=start_at)

    @property
    def reader(self) -> ReaderScreen:
        """The article being read: the top-most reader screen (under any dialog on top)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ReaderScreen):
                return screen
        raise LookupError("no article is open")

    def readers(self) -> list[ReaderScreen]:
        return [screen for screen in self.screen_stack if isinstance(screen, ReaderScreen)]

    def on_mount(self) -> None:
        # Long background loops (summary, lexicon, translation between batches) yield to the
        # reader's keys while this App runs (reader/background.py, widgets/activity.py).
        release_waits(False)
        set_checkpoint(checkpoint_wait)
        theme = self.config.theme
        if theme and theme in self.available_themes:
            self.theme = theme
        # Also printed on stderr before the reader starts, where the alternate screen hides them.
        for warning in self.config.warnings:
            self.notify(warning, title="Settings", severity="warning", timeout=8)
        self.set_class(self.size.height < COMPACT, "-compact")
        if not self.is_headless:
            self.bdsm_stream = write_bidi_mode(self._driver, reorder=self.reorder)

    def on_resize(self, event: Any) -> None:
        self.set_class(event.size.height < COMPACT, "-compact")  # notifications (assets/qari.tcss)

    # ------------------------------------------------------------------ shared by every article

    def load_translator(self) -> Translator:
        """The session's translator, loaded on first use (in a worker thread): every screen and
        the feed headlines share it. A missing model (NoModelError) is asked again next time."""
        with self._translator_lock:
            if self.translator is None:
                if self.translator_factory is None:
                    raise RuntimeError("translation is off")
                self.translator = self.translator_factory()
            return self.translator

    def open_library(self) -> Library:
        """The session's library, opened on first use (workers call it)."""
        from reader.store.library import Library

        with self._library_lock:
            if self.library is None:
                self.library = Library.open()
            return self.library

    def tell_library_warnings(self) -> None:
        """Say once per session what went wrong with the library file (it keeps working)."""
        if self.library is None or self._library_warned:
            return
        self._library_warned = True
        for warning in self.library.warnings:
            self.notify(warning, title="Library", severity="warning", timeout=8)

    # ------------------------------------------------------------------ opening articles

    def open_article(self, article: Article, start_at: int | None = None) -> None:
        """Read `article` next (at sentence `start_at`, else its headline); `backspace` returns."""
        for screen in self.readers():
            screen.pause_translation()
        self.push_screen(ReaderScreen(article, start_at=start_at))

    def action_close_article(self) -> None:
        """Close this article: back to the previous one (or the feed list it was opened from)."""
        if isinstance(self.screen, ReaderScreen) and len(self.screen_stack) > 1:
            self.pop_screen()
            return
        self.notify("This is the first article of the session.", timeout=2)

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
        if not isinstance(message.article, Article):
            self.notify(message.error or "Could not open it.", title="Open", severity="error")
            return
        self.open_article(message.article)

    def action_library(self) -> None:
        from widgets.library_screen import LibraryScreen

        library = self.open_library()

        def chosen(article_id: str | None) -> None:
            if article_id is None:
                return
            from reader.store.library import resume_article

            resumed = resume_article(library, article_id)
            if resumed is None:
                self.notify("That article is no longer in the library.", severity="warning")
                return
            self.open_article(*resumed)

        self.push_screen(LibraryScreen(library, shape=self.shape, reorder=self.reorder,
                                       common_words=self.config.common_words), chosen)

    def action_feeds(self) -> None:
        from reader.store.feeds import FeedStore
        from widgets.feed_screen import FeedScreen

        stack = self.screen_stack
        if isinstance(self.screen, ReaderScreen) and len(stack) > 1 and isinstance(stack[-2], FeedScreen):
            # Read from the list under it: back to that list as it was, not a second one on top.
            self.pop_screen()
            return
        store = FeedStore(self.open_library())
        item_id, filter_text = self.feed_place or (None, "")
        screen = FeedScreen(store, open_item=lambda item, text: self._open_feed_item(screen, item, text),
                            translator=self._headline_translator, shape=self.shape, reorder=self.reorder,
                            select_item=item_id, filter_text=filter_text, common_words=self.config.common_words)
        self.push_screen(screen)

    def _headline_translator(self) -> Translator | None:
        """The session's translator for headlines (called in the feed screen's worker thread),
        or None without one: headlines stay Arabic."""
        if not self.start_translation:
            return None
        try:
            return self.load_translator()
        except Exception:  # noqa: BLE001 - no model (or a broken one)
            return None

    def _open_feed_item(self, screen: FeedScreen, item: Item, filter_text: str) -> None:
        self.feed_place = (item.id, filter_text)
        self._load_feed_item(screen, item)

    @work(thread=True, group="feed-open", exclusive=True, exit_on_error=False)
    def _load_feed_item(self, screen: FeedScreen, item: Item) -> None:
        """The item's article: from the library when it is there (offline), else fetched and
        extracted now. Success marks the item read and opens it over the list."""
        from reader.article import ArticleError, load_article
        from reader.store.feeds import FeedStore
        from reader.store.library import article_id, resume_article

        try:
            library = self.open_library()
            store = FeedStore(library)
            offline = store.offline_article(item)
            opened = resume_article(library, offline) if offline is not None else None
            if opened is None:
                try:
                    article = load_article(item.link)
                except ArticleError as error:
                    self.post_message(FeedItemOpened(screen, error=str(error)))
                    return
                if not article.title:
                    article.title = item.title
                offline = article_id(article.text)
                store.set_article(item.id, offline)
                opened = (article, article.headline_sentence())
            store.mark_read(item.id)
        except Exception as error:  # noqa: BLE001 - said on the list, which stays usable
            self.post_message(FeedItemOpened(screen, error=f"{type(error).__name__}: {error}"))
            return
        self.post_message(FeedItemOpened(screen, opened, item=item._replace(read=True, article_id=offline)))

    def on_feed_item_opened(self, message: FeedItemOpened) -> None:
        screen = cast("FeedScreen", message.screen)
        if message.opened is None:
            screen.open_failed(message.error or "Could not open it.")
            return
        screen.opened(cast("Item", message.item))
        self.open_article(*message.opened)

    # ------------------------------------------------------------------ keys: help and palette

    def _key_bindings(self, screen: Screen | None = None) -> list[tuple[Binding, Any]]:
        """(binding, namespace) of the active reader's screen, then the App's, each action once."""
        reader_screen = screen if isinstance(screen, ReaderScreen) else next(iter(self.readers()[-1:]), None)
        sources = [(reader_screen, ReaderScreen.BINDINGS)] if reader_screen is not None else []
        return bindings_once([*sources, (self, self.BINDINGS)])

    def key_table(self) -> list[tuple[str, str]]:
        return key_rows(self, [binding for binding, _ in self._key_bindings()])

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_table(), shape=self.shape, reorder=self.reorder))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding, namespace in self._key_bindings(screen):
            if binding.action.removeprefix("app.") in ("quit", "copy_or_quit"):
                continue
            key = self.get_key_display(Binding(binding.key.split(",")[0], binding.action))
            yield SystemCommand(binding.description, f"{binding.description} (key: {key})",
                                partial(self.call_later, self.run_action, binding.action, namespace))

    # ------------------------------------------------------------------ the one notify path

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
        release_waits()
        readers = self.readers()
        for screen in readers:
            screen.stop_translation()
        if readers and readers[-1].is_mounted:
            readers[-1].arabic_pane.border_subtitle = "quitting…"
        self.set_timer(self.QUIT_FRAME, self._quit_now)

    QUIT_FRAME = 0.05

    def _quit_now(self) -> None:
        self.exit(0)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Stop every article's translation job as soon as the reader quits (each ends after
        the batch in progress; finished batches are cached), not only at teardown; no worker
        waits for the reader's keys any more."""
        release_waits()
        for screen in self.readers():
            screen.stop_translation()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        """However the app ends, close every article (its job: idle, it waits for commands, and
        the event loop cannot close while its thread runs) and keep their positions."""
        for screen in self.readers():
            screen.close()
        from reader.web.net import abort_transfers

        abort_transfers()  # a page or package download in a worker must not hold the exit
        self.workers.cancel_all()
        set_checkpoint(None)


THREAD_SWITCH_SECONDS = 0.001
"""How long a thread running Python keeps the interpreter when another thread wants it (Python's
default: 5 ms). The reader's threads hand the interpreter back and forth all the time: the UI
thread at every terminal read and write, the translation job at every CTranslate2,
SentencePiece and sqlite call, each of which releases it. Each hand-back cost up to 5 ms while
the background layout of a long article ran Python: a batch's few milliseconds of Python took
400 ms between two CTranslate2 calls, and a key waited the same way. With 1 ms the batches
follow each other within 40-110 ms (2 MB article, tiny model, 2 cores)."""


def run_app(article: Article, config: Config, translator_factory: Callable[[], Translator] | None,
            *, start_at: int | None = None) -> int:
    """Run the reader until the user quits; returns the exit code (0 on a normal quit). Every
    article opened from inside runs in this same App (no restart, the model loads once)."""
    app = QariApp(article, config, translator_factory, start_at=start_at, use_library=True)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(THREAD_SWITCH_SECONDS)
    try:
        result = app.run()
    finally:
        sys.setswitchinterval(switch)
        restore_bidi_mode(app.bdsm_stream)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)
