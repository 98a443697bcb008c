"""The feed screen (`f`): every feed item, newest first, Arabic headline beside its English.

Each row: unread mark, age, feed name, the Arabic headline laid out right-to-left (shaped and
reordered by the same pipeline as the panes: `reader.text.visual_text.visual_one_line`) and the
English headline. Typing filters (Arabic folded like the library's filter: tashkeel and alef
forms ignored; the English and the feed name match too); `u` updates the feeds with a
progress bar; Enter hands the item to the App (`open_item`), which opens its article.

Why a Line-API list (`FeedList`, a `ScrollView` with `render_line`) and not an `OptionList`:
10,000 items are normal after a few weeks of a dozen feeds, and laying out 10,000 Arabic
headlines costs seconds. Here the items are one SQL query and a list of folded keys; a filter
is a scan of those keys; only the rows on screen are laid out (and cached per width), so
opening and each keystroke cost the same for 100 or 10,000 items.

Headlines are translated in a background thread, the rows on screen first, in small batches
through the App's translator (and its cache); each batch redraws the rows it changed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Label, ProgressBar

from reader.text.arabic import ARABIC_LETTER_RE, search_key
from reader.store.feeds import FeedStore, Item, age_text
from reader.text.visual_text import visual_inline, visual_one_line

FIRST_PAGE = 120
"""Items read before the screen is first drawn (the rest follow from a worker)."""
TRANSLATE_BATCH = 12
"""Headlines per translation call: small, so the rows on screen fill in quickly."""


def _fit(text: str, width: int) -> str:
    """Left-to-right text cut to ``width`` cells with an ellipsis."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


@lru_cache(maxsize=512)
def _feed_label(name: str, width: int, shape: bool, reorder: bool) -> str:
    """A feed's name in its column (a few names repeat on every row: laid out once)."""
    if ARABIC_LETTER_RE.search(name):
        return visual_one_line(name, width, rtl=True, shape=shape, reorder=reorder)
    return _fit(name, width)


def row_text(item: Item, english: str | None, width: int, *, now: float, shape: bool = True,
             reorder: bool = True, difficulty: float | None = None, show_difficulty: bool = False) -> Text:
    """One row of the list: mark, age, with `show_difficulty` the difficulty of the item's
    article (when it is in the library; `-` otherwise), feed, Arabic headline (right-to-left,
    right-aligned in its column) and the English headline (or a dim placeholder while it is
    translated)."""
    head = Text("● " if not item.read else "  ", style="bold" if not item.read else "")
    head.append(f"{age_text(now - item.published):>4} ", style="dim")
    if show_difficulty:
        head.append(f"{difficulty:4.0%} " if difficulty is not None else "   - ", style="dim")
    feed_width = 14 if width >= 80 else 8
    name = _feed_label(item.feed, feed_width, shape, reorder)
    head.append(name + " " * max(0, feed_width - cell_len(name)) + " ", style="italic dim")
    rest = max(10, width - head.cell_len - 3)
    arabic_width = rest * 11 // 20 if english is not None else rest - rest // 3
    arabic = visual_one_line(item.title, arabic_width, rtl=True, shape=shape, reorder=reorder)
    head.append(" " * max(0, arabic_width - cell_len(arabic)) + arabic)
    head.append(" │ ", style="dim")
    english_width = max(0, width - head.cell_len)
    if english is None:
        head.append(_fit("…", english_width), style="dim")
    else:
        head.append(visual_inline(_fit(" ".join(english.split()), english_width), shape=shape, reorder=reorder))
    return head


class FeedList(ScrollView, can_focus=True):
    """The rows: only those on screen are laid out (see the module docstring)."""

    DEFAULT_CSS = """
    FeedList { height: 1fr; }
    FeedList > .feed-list--cursor { background: $accent 40%; }
    """
    COMPONENT_CLASSES = {"feed-list--cursor"}

    cursor: reactive[int] = reactive(0, init=False)

    class Chosen(Message):
        """Enter (or a click on the selected row) on a row."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, screen: FeedScreen, **kwargs) -> None:
        super().__init__(**kwargs)
        self.owner = screen
        self.count = 0
        self._cache: dict[tuple[int, int, bool, bool, float | None], Strip] = {}

    def set_count(self, count: int) -> None:
        self.count = count  # cached rows stay valid: they are keyed by item, width and state
        self.virtual_size = Size(self.size.width, count)
        self.cursor = max(0, min(self.cursor, count - 1)) if count else 0
        self.refresh()

    def forget(self, item_ids: set[int] | None = None) -> None:
        """Drop cached rows (of these items, or all) so they are laid out again."""
        if item_ids is None:
            self._cache.clear()
        else:
            self._cache = {k: v for k, v in self._cache.items() if k[0] not in item_ids}
        self.refresh()

    def visible_range(self) -> range:
        top = int(self.scroll_offset.y)
        return range(top, min(self.count, top + self.scrollable_content_region.height))

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if not (0 <= index < self.count) or width <= 0:
            return Strip.blank(width, self.rich_style)
        item = self.owner.item_at(index)
        english = "" if self.owner.english_off else self.owner.english.get(item.title)
        selected = index == self.cursor
        difficulty = self.owner.difficulty.get(item.article_id) if item.article_id else None
        key = (item.id, width, selected, english is not None, difficulty)
        strip = self._cache.get(key)
        if strip is None:
            text = row_text(item, english, width, now=self.owner.now, shape=self.owner.shape,
                            reorder=self.owner.reorder, difficulty=difficulty,
                            show_difficulty=self.owner.common_words is not None)
            base = self.rich_style
            if selected:
                base = base + self.get_component_rich_style("feed-list--cursor")
            segments = [Segment(s.text, base + s.style if s.style else base)
                        for s in text.render(self.app.console, end="")]
            strip = Strip(segments).extend_cell_length(width, base).crop(0, width)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif height and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.owner.visible_changed()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.count)
        self._cache.clear()
        self.owner.visible_changed()

    def move(self, step: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + step))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < self.count:
            if index == self.cursor and event.chain >= 2:
                self.post_message(self.Chosen(index))
            self.cursor = index


class FeedScreen(Screen[None]):
    """Feed items with their English headlines; see the module docstring."""

    # What the workers report (they never touch widgets: each result is a message, handled here).
    class ItemsLoaded(Message):
        def __init__(self, items: list[Item]) -> None:
            super().__init__()
            self.items = items

    class DifficultiesFound(Message):
        def __init__(self, found: dict[str, float]) -> None:
            super().__init__()
            self.found = found

    class HeadlinesTranslated(Message):
        def __init__(self, found: dict[str, str]) -> None:
            super().__init__()
            self.found = found

    class HeadlinesUntranslated(Message):
        """No model (`error` empty), or translating failed (`error` says why)."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    class UpdateProgress(Message):
        def __init__(self, done: int) -> None:
            super().__init__()
            self.done = done

    class UpdateDone(Message):
        def __init__(self, results: list, error: str) -> None:
            super().__init__()
            self.results = results
            self.error = error


    BINDINGS = [
        Binding("escape", "back", "Back to the article"),
        Binding("enter", "open", "Read"),
        Binding("u", "update", "Update feeds"),
        Binding("slash", "filter", "Filter"),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", key_display="pgdn"),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("q", "back", "Back", show=False),
        # The reader's own keys do nothing here (and leave the footer): letters filter instead.
        Binding("space,w,t,s,l,c,f,h,o,m,ctrl+s,ctrl+e,ctrl+d,ctrl+u,ctrl+f,ctrl+b", "ignore", show=False),
    ]

    DEFAULT_CSS = """
    FeedScreen { layout: vertical; }
    FeedScreen #feed-filter { height: 3; }
    FeedScreen #feed-status { height: 1; width: 100%; color: $text-muted; padding: 0 1; }
    FeedScreen #feed-progress { height: 1; display: none; padding: 0 1; }
    FeedScreen #feed-progress.-busy { display: block; }
    """

    def __init__(self, store: FeedStore, *, open_item: Callable[[Item, str], None],
                 translator: Callable[[], Any] | None = None, shape: bool = True, reorder: bool = True,
                 select_item: int | None = None, filter_text: str = "", now: float | None = None,
                 common_words: int | None = None) -> None:
        super().__init__()
        self.store = store
        self.open_item = open_item
        self.translator_provider = translator
        self.shape, self.reorder = shape, reorder
        self.now = time.time() if now is None else now
        self._fixed_now = now is not None
        self.select_item = select_item
        self.initial_filter = filter_text
        self.items: list[Item] = []
        self.keys: list[str] = []
        self.shown: list[int] = []
        self.english: dict[str, str] = {}
        self._english_keys: dict[int, str] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._visible: list[str] = []
        self.updating = False
        self.opening = False
        self.unread = 0
        self.feed_count = 0
        self.complete = False
        self._pending_select: int | None = None
        self.english_off = translator is None
        self.common_words = common_words
        """Frequency threshold of the difficulty column (None: no difficulty shown)."""
        self.difficulty: dict[str, float] = {}
        """{library id: difficulty} of the items' articles that are in the library."""

    # -- composition ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Input(value=self.initial_filter, id="feed-filter",
                    placeholder="filter: type Arabic or English (tashkeel and alef forms ignored)")
        yield Label("", id="feed-status")
        yield FeedList(self, id="feed-list")

    @property
    def feed_list(self) -> FeedList:
        return self.query_one(FeedList)

    def on_mount(self) -> None:
        self.feed_list.focus()
        self.reload(select=self.select_item)
        if self.translator_provider is not None:
            self._translate_headlines()

    def on_unmount(self) -> None:
        self._stop.set()
        self._wake.set()

    # -- data -------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Read the items again (on open, after an update), keeping the selected item.

        The newest ``FIRST_PAGE`` items are read here, enough to fill the screen at once; all
        of them (what the filter searches) are read in a worker and replace the page when they
        arrive, so opening does not wait for 10,000 rows."""
        if select is None and self.shown:
            current = self.current_item()
            select = current.id if current else None
        if not self._fixed_now:
            self.now = time.time()
        self._pending_select = select
        self.complete = False
        self.feed_list.forget()  # read marks may have changed
        self._install(self.store.items(summaries=False, limit=FIRST_PAGE), select)
        # After the first frame: the worker's query would hold the GIL while the page is drawn.
        self.call_after_refresh(self._load_all)

    @work(thread=True, group="feed-load", exclusive=True, exit_on_error=False)
    def _load_all(self) -> None:
        items = self.store.items(summaries=False)
        if not self._stop.is_set():
            self.post_message(self.ItemsLoaded(items))
        if self.common_words is not None and not self._stop.is_set():
            self._load_difficulties([item.article_id for item in items if item.article_id])

    def _load_difficulties(self, article_ids: list[str]) -> None:
        """The difficulty of each article already in the library (stored profiles first: no
        lexicon; the rest computed here, off the UI thread, which loads the lexicon once)."""
        common_words = self.common_words
        if not article_ids or common_words is None:
            return
        from reader.text.morphology import LexiconUnavailable
        from reader.store.vocabulary import Vocabulary

        vocabulary = Vocabulary(self.store.library)
        try:
            found = vocabulary.difficulties(article_ids, common_words, compute=False)
            if found and not self._stop.is_set():
                self.post_message(self.DifficultiesFound(found))
            missing = [a for a in dict.fromkeys(article_ids) if a not in found]
            if missing and not self._stop.is_set():
                self.post_message(self.DifficultiesFound(vocabulary.difficulties(missing, common_words)))
        except LexiconUnavailable:
            return

    def on_feed_screen_difficulties_found(self, message: DifficultiesFound) -> None:
        self.difficulty.update(message.found)
        self.feed_list.refresh()

    def on_feed_screen_items_loaded(self, message: ItemsLoaded) -> None:
        items = message.items
        current = self.current_item()
        select = current.id if current is not None and self.feed_list.cursor else self._pending_select
        self.complete = True
        self._install(items, select)

    def _install(self, items: list[Item], select: int | None) -> None:
        self.items = items
        feed_keys: dict[str, str] = {}
        for item in items:
            if item.feed not in feed_keys:
                feed_keys[item.feed] = search_key(item.feed)
        self.keys = [f"{item.title_key}\n{feed_keys[item.feed]}" for item in items]
        self.unread = sum(1 for item in items if not item.read)
        self.feed_count = len(feed_keys) or (len(self.store.feeds()) if self.complete else 1)
        self._english_keys = {index: f"{self.keys[index]}\n{self.english[item.title].casefold()}"
                              for index, item in enumerate(items) if item.title in self.english}
        self.apply_filter(select=select)
        self._wake.set()

    def item_at(self, index: int) -> Item:
        return self.items[self.shown[index]]

    def current_item(self) -> Item | None:
        index = self.feed_list.cursor
        return self.item_at(index) if 0 <= index < len(self.shown) else None

    def _key(self, index: int) -> str:
        english = self._english_keys.get(index)
        return self.keys[index] if english is None else english

    def apply_filter(self, select: int | None = None) -> None:
        """Show the items whose headline (Arabic or English) or feed name contains the filter."""
        text = self.query_one("#feed-filter", Input).value
        query = search_key(text).strip()
        if query:
            self.shown = [i for i in range(len(self.items)) if query in self._key(i)]
        else:
            self.shown = list(range(len(self.items)))
        listing = self.feed_list
        cursor = 0
        if select is not None:
            cursor = next((n for n, i in enumerate(self.shown) if self.items[i].id == select), 0)
        listing.set_count(len(self.shown))
        listing.cursor = cursor
        listing.scroll_to_cursor()
        self._update_status()
        self.visible_changed()

    def _update_status(self, extra: str = "") -> None:
        total = len(self.items)
        unread = self.unread
        if not self.complete and total >= FIRST_PAGE:
            line = f"the {total} newest items (reading the rest…)"
        elif not total:
            line = ("no items yet: press u to update the feeds" if self.feed_count else
                    "no feeds yet: add one with `qari feeds add URL` (or import an OPML file), then press u")
        elif len(self.shown) < total:
            line = f"{len(self.shown)} of {total} items match · {unread} unread"
        else:
            line = f"{total} items · {unread} unread"
        if self.english_off:
            line += " · no translation model: headlines in Arabic only (qari models install ar en)"
        hints = " · Enter: read · u: update · type to filter · Esc: back"
        self.query_one("#feed-status", Label).update(Text(line + (f" · {extra}" if extra else "") + hints))

    def visible_changed(self) -> None:
        """Tell the translation thread which headlines are on screen (they go first)."""
        if not self.is_mounted or not self.shown:
            return
        rows = self.feed_list.visible_range()
        self._visible = [self.item_at(i).title for i in rows if 0 <= i < len(self.shown)]
        self._wake.set()

    # -- translation ------------------------------------------------------------------------

    @work(thread=True, group="feed-translate", exit_on_error=False)
    def _translate_headlines(self) -> None:
        """Translate headlines in small batches, those on screen first, until all are done."""
        translator = self.translator_provider() if self.translator_provider else None
        if translator is None:
            self.post_message(self.HeadlinesUntranslated())
            return
        sent: set[str] = set()  # posted, perhaps not applied yet: never translated twice
        while not self._stop.is_set():
            done = self.english
            batch = [t for t in self._visible if t not in done and t not in sent]
            if len(batch) < TRANSLATE_BATCH:
                seen = set(batch)
                for item in self.items:
                    if len(batch) >= TRANSLATE_BATCH:
                        break
                    if item.title not in done and item.title not in sent and item.title not in seen:
                        batch.append(item.title)
                        seen.add(item.title)
            batch = batch[:TRANSLATE_BATCH]
            if not batch:
                self._wake.clear()
                self._wake.wait()
                continue
            try:
                english = translator.translate(batch)
            except Exception as error:  # noqa: BLE001 - the list stays usable without English
                self.post_message(self.HeadlinesUntranslated(str(error)))
                return
            if self._stop.is_set():
                return
            sent.update(batch)
            self.post_message(self.HeadlinesTranslated(dict(zip(batch, english, strict=True))))

    def on_feed_screen_headlines_untranslated(self, message: HeadlinesUntranslated) -> None:
        """No model: the rows drop the English column's placeholder and the status says why."""
        if message.error:
            self.notify(f"Headlines not translated: {message.error}", severity="warning")
            return
        self.english_off = True
        self.feed_list.forget()
        self._update_status()

    def on_feed_screen_headlines_translated(self, message: HeadlinesTranslated) -> None:
        found = message.found
        self.english.update(found)
        changed = set()
        for index, item in enumerate(self.items):
            english = found.get(item.title)
            if english is not None:
                self._english_keys[index] = f"{self.keys[index]}\n{english.casefold()}"
                changed.add(item.id)
        self.feed_list.forget(changed)

    # -- events -----------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        current = self.current_item() if self.shown else None
        self.apply_filter(select=current.id if current else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_open()

    def on_key(self, event: events.Key) -> None:
        listing = self.feed_list
        filter_input = self.query_one("#feed-filter", Input)
        if self.focused is listing and event.character and event.is_printable and event.character not in "ujkq/":
            # Filter as you type: a letter typed on the list goes to the filter.
            event.stop()
            event.prevent_default()
            filter_input.focus()
            filter_input.insert_text_at_cursor(event.character)
        elif self.focused is filter_input and event.key in ("down", "up", "tab"):
            event.stop()
            event.prevent_default()
            listing.focus()
            if event.key != "tab":
                listing.move(1 if event.key == "down" else -1)

    def on_feed_list_chosen(self, message: FeedList.Chosen) -> None:
        self.action_open()

    # -- actions ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.feed_list.move(step)

    def action_page(self, pages: int) -> None:
        self.feed_list.move(pages * max(1, self.feed_list.scrollable_content_region.height - 1))

    def action_edge(self, last: int) -> None:
        self.feed_list.cursor = max(0, len(self.shown) - 1) if last else 0

    def action_ignore(self) -> None:
        """A reader key that means nothing on this screen."""

    def action_filter(self) -> None:
        self.query_one("#feed-filter", Input).focus()

    def action_back(self) -> None:
        if self.focused is self.query_one("#feed-filter", Input) and self.query_one("#feed-filter", Input).value:
            self.query_one("#feed-filter", Input).value = ""
            self.feed_list.focus()
            return
        self.dismiss(None)

    def action_open(self) -> None:
        item = self.current_item()
        if item is None or self.opening:
            return
        if not item.link and not item.article_id:
            self.notify("This item has no link to an article.", severity="warning")
            return
        self.opening = True
        self._update_status("opening…")
        self.open_item(item, self.query_one("#feed-filter", Input).value)

    def opened(self, item: Item) -> None:
        """The App opened the item's article (over this list, which stays where it was).
        `item` is the item as it is now stored (read, with its article's library id): the
        list shows it read when the reader comes back, and opens it offline next time."""
        self.opening = False
        for index, old in enumerate(self.items):
            if old.id == item.id:
                if not old.read:
                    self.unread -= 1
                self.items[index] = item
                self.feed_list.forget({item.id})
                break
        self._update_status()

    def open_failed(self, message: str) -> None:
        """The App could not open the item's article: say why and stay on the list."""
        self.opening = False
        self._update_status()
        self.notify(message, title="Feed item", severity="error", timeout=8)

    def action_update(self) -> None:
        if self.updating:
            return
        feeds = self.store.feeds()
        if not feeds:
            self.notify("No feeds yet: add one with `qari feeds add URL`.", severity="warning")
            return
        self.updating = True
        # Mounted only while updating: an idle progress bar still animates.
        bar = ProgressBar(total=len(feeds), show_eta=False, id="feed-progress", classes="-busy")
        self.mount(bar, before=self.feed_list)
        self._update_status("updating…")
        self._run_update(feeds)

    @work(thread=True, group="feed-update", exclusive=True, exit_on_error=False)
    def _run_update(self, feeds) -> None:
        from reader.store.feeds import update_feeds

        def progress(done: int, total: int, result) -> None:
            self.post_message(self.UpdateProgress(done))

        try:
            results = update_feeds(self.store, feeds, progress=progress, cancel=self._stop)
        except Exception as error:  # noqa: BLE001 - reported; the list stays
            self.post_message(self.UpdateDone([], f"{type(error).__name__}: {error}"))
            return
        self.post_message(self.UpdateDone(results, ""))

    def on_feed_screen_update_progress(self, message: UpdateProgress) -> None:
        for bar in self.query("#feed-progress").results(ProgressBar):
            bar.update(progress=message.done)

    def on_feed_screen_update_done(self, message: UpdateDone) -> None:
        results, error = message.results, message.error
        self.updating = False
        for bar in self.query("#feed-progress"):
            bar.remove()
        if error:
            self.notify(f"Update failed: {error}", severity="error", timeout=8)
            self._update_status()
            return
        failed = [r for r in results if r.error]
        new = sum(len(r.new) for r in results)
        self.reload()
        self.notify(f"{new} new items from {len(results) - len(failed)} of {len(results)} feeds", timeout=4)
        for result in failed[:5]:
            self.notify(f"{result.feed.name}: {result.error}", title="Feed update", severity="warning", timeout=10)
        if len(failed) > 5:
            self.notify(f"{len(failed) - 5} more feeds failed (qari feeds list shows why)", severity="warning")
