"""The reading view: the Arabic pane and the English pane, in every layout, kept level.

The product's first promise is the English *beside* its Arabic. This container owns both panes
so that promise has one keeper:

* **side by side** the panes share one vertical position (`ArticlePane.scroll_link`): every
  paragraph is padded to the taller of its two versions, so its first Arabic row and its first
  English row are on the same screen row after any key, click, wheel, resize or new translation;
* **stacked** each pane keeps the cursor sentence in view;
* **interleaved** the Arabic pane holds each paragraph followed by its English.

It also owns reading movement that depends on what is on screen: paging like `less`, scrolling
through a sentence taller than the pane before the cursor moves on, and recentering. The App
binds `cursor` to it (`data_bind`) and tells it when translations arrive.
"""

from __future__ import annotations

import gc
import time
from typing import Iterable, Mapping

from textual.app import ComposeResult
from textual.containers import Container
from textual.reactive import reactive
from textual.timer import Timer

from reader.config import LAYOUTS
from reader.model import Article
from widgets.article_pane import ArticlePane
from widgets.blocks import Block, english_block, note_blocks, paragraph_block
from widgets.translation_pane import TranslationPane


class ReadingView(Container):
    """The Arabic and English panes of one article."""

    DEFAULT_CSS = """
    ReadingView { layout: horizontal; height: 1fr; width: 1fr; }
    ReadingView.-stack { layout: vertical; }
    """

    cursor: reactive[int | None] = reactive(None, init=False)
    word: reactive[tuple[int, int] | None] = reactive(None, init=False)

    def __init__(self, article: Article, *, shape: bool = True, reorder: bool = True,
                 max_width: int | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article = article
        self.shape = shape
        self.reorder = reorder
        self.max_width = max_width
        self.layout_mode = "side"
        self.show_translation = True
        self.translations: Mapping[int, str] = {}
        self.english_note: str | None = None
        """A message shown instead of the English (no model, translation off or failed)."""
        self._built: tuple | None = None
        self._keep_scroll = False
        self._pending: set[int] = set()
        self._flush_timer: Timer | None = None
        self._last_flush = float("-inf")
        self.updates_applied = 0
        """How many times arriving translations were drawn (each one relayout per pane)."""
        self._paragraph_blocks: dict[int, Block] = {}
        self._aligned: tuple | None = None

    def compose(self) -> ComposeResult:
        yield ArticlePane(id="arabic", classes="pane", shape=self.shape, reorder=self.reorder,
                          max_width=self.max_width)
        yield TranslationPane(id="english", classes="pane", shape=self.shape, reorder=self.reorder,
                              max_width=self.max_width)

    @property
    def arabic(self) -> ArticlePane:
        return self.query_one("#arabic", ArticlePane)

    @property
    def english(self) -> TranslationPane:
        return self.query_one("#english", TranslationPane)

    @property
    def linked(self) -> bool:
        """Whether the two panes share one vertical position (side by side with English)."""
        return self.layout_mode == "side" and self.show_translation and self.english_note is None

    # ------------------------------------------------------------------ content

    def configure(self, layout: str, show_translation: bool) -> None:
        """Apply a layout ("side", "stacked", "interleaved") and whether English is shown. A
        resize that keeps both changes nothing here: the panes re-wrap themselves."""
        layout = layout if layout in LAYOUTS else "side"
        if (layout, show_translation) == (self.layout_mode, self.show_translation) and self._built is not None:
            return
        self.layout_mode = layout
        self.show_translation = show_translation
        self.set_class(self.layout_mode == "stacked", "-stack")
        self.english.display = show_translation and self.layout_mode != "interleaved"
        self._rebuild()

    def show_translations(self, translations: Mapping[int, str], note: str | None = None) -> None:
        """Show the English (the dict is live: later `update_translations` read it) or, with
        `note`, a message in its place."""
        if translations is self.translations and note == self.english_note and self._built is not None:
            return  # the same live dict (e.g. the model became ready): nothing to rebuild
        self.translations = translations
        self.english_note = note
        self._pending.clear()  # the rebuild draws them
        self._built = None
        self._rebuild()

    def _rebuild(self) -> None:
        interleaved = self.layout_mode == "interleaved" and self.show_translation
        key = (interleaved, self.english_note)
        english = self.english
        if key != self._built:
            self._built = key
            paragraphs = self.article.paragraphs
            blocks: list[Block] = []
            if interleaved and self.english_note is not None:
                blocks.extend(note_blocks(self.english_note + "\n"))
            for index, paragraph in enumerate(paragraphs):
                if interleaved and self.english_note is None:
                    blocks.append(paragraph_block(paragraph, index, gap_after=0))
                    blocks.append(english_block(paragraph, index, self.translations))
                else:
                    # Kept: rebuilding (the model is ready, a layout change) must not scan a
                    # long article's text again.
                    block = self._paragraph_blocks.get(index)
                    if block is None:
                        block = self._paragraph_blocks[index] = paragraph_block(paragraph, index)
                    blocks.append(block)
            self.arabic.set_blocks(blocks)
            if self.english_note is not None:
                english.show_note(self.english_note)
            else:
                english.show_article(self.article, self.translations)
        self._link()
        english.cursor = self.arabic.cursor = self.cursor
        self.call_after_refresh(self.scroll_to_cursor)

    UPDATE_INTERVAL = 0.1
    """Seconds between two applications of arriving translations: however fast batches come,
    the panes are relaid out at most this often, so a key or a resize never waits behind a
    queue of translation updates."""

    def update_translations(self, numbers: Iterable[int]) -> None:
        """Redraw the paragraphs whose sentences were just translated: at once if nothing was
        applied in the last `UPDATE_INTERVAL` seconds, else together with whatever else
        arrives until then (the dict given to `show_translations` already holds them)."""
        self._pending.update(numbers)
        if self._flush_timer is not None or not self._pending:
            return
        delay = self._last_flush + self.UPDATE_INTERVAL - time.monotonic()
        if delay <= 0:
            self.apply_pending_translations()
        else:
            self._flush_timer = self.set_timer(delay, self.apply_pending_translations)

    @property
    def pending_translations(self) -> int:
        """Sentences translated but not drawn yet (coalesced into the next update)."""
        return len(self._pending)

    def apply_pending_translations(self) -> None:
        """Draw every translation that arrived since the last update, in one relayout per
        pane; the view stays where it was (anchored on the row at its top), so text growing
        above it never moves what the reader is looking at."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        numbers, self._pending = self._pending, set()
        self._last_flush = time.monotonic()
        if not numbers or self.english_note is not None:
            return
        self.updates_applied += 1
        arabic, english = self.arabic, self.english
        anchored = [arabic] if self.linked or not english.display else [arabic, english]
        anchors = [(pane, pane.view_anchor()) for pane in anchored]
        english.update_sentences(numbers)
        if self.layout_mode == "interleaved" and self.show_translation:
            paragraphs = self.article.paragraphs
            changes = {}
            for index in {self.article.paragraph_of(number) for number in numbers}:
                block = english_block(paragraphs[index], index, self.translations)
                changes[block.key] = block
            if changes:
                arabic.replace_blocks(changes)
        self._align()  # now, not on the LayoutChanged message: both panes change in one frame
        for pane, anchor in anchors:
            pane.restore_view_anchor(anchor)
        # What a batch added (translations, blocks, rows) lives as long as the article: keep
        # the garbage collector from walking it again and again (see ArticlePane._background_done).
        gc.freeze()
        if self.cursor in numbers:
            # Now, in the same frame: the cursor sentence grew, and a scroll deferred to the
            # next refresh would draw one frame with it cut off, then jump.
            self.scroll_to_cursor()

    def set_underlined(self, spans) -> None:
        """Underline words of the Arabic (`ArticlePane.set_underlined`)."""
        self.arabic.set_underlined(spans)

    def set_marks(self, marks, current=None) -> None:
        self.arabic.set_marks(marks, current)
        self.english.set_marks(marks, current)

    # ------------------------------------------------------------------ alignment

    def _link(self) -> None:
        arabic, english = self.arabic, self.english
        self._set_offset(0)
        if self.linked:
            arabic.scroll_link, english.scroll_link = english, arabic
        else:
            arabic.scroll_link = english.scroll_link = None
        self._align()

    def _align(self) -> None:
        """Pad every paragraph to the taller of its Arabic and English (side by side)."""
        arabic, english = self.arabic, self.english
        versions = (self.linked, arabic.layout_version, english.layout_version)
        if versions == self._aligned:
            return  # the heights each pane pads to have not changed since
        self._aligned = versions
        if self.linked:
            english.set_min_heights(arabic.natural_heights())
            arabic.set_min_heights(english.natural_heights())
            target = arabic.scroll_y + arabic.scroll_link_offset
            if english.scroll_y != target:
                english.scroll_target_y = english.scroll_y = target
        else:
            english.set_min_heights({})
            arabic.set_min_heights({})

    def on_article_pane_layout_changed(self, event: ArticlePane.LayoutChanged) -> None:
        if event.pane in (self.arabic, self.english):
            self._align()

    # ------------------------------------------------------------------ cursor and movement

    def watch_word(self, old, new) -> None:
        self.arabic.word = new

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        self.arabic.cursor = new
        self.english.cursor = new
        if self._keep_scroll:
            self._keep_scroll = False
            return
        self.scroll_to_cursor()

    def _set_offset(self, rows: int) -> None:
        """Side by side: the English is scrolled `rows` further than the Arabic (0: level)."""
        self.arabic.scroll_link_offset = rows
        self.english.scroll_link_offset = -rows

    def _cursor_offset(self) -> int:
        """Side by side, how far the English must be scrolled past the Arabic for the cursor
        sentence to be seen in both panes: 0 (paragraph tops level) whenever its rows in the
        two panes fit in the view together; else the rows that put its English first row level
        with its Arabic first row (in a paragraph taller than the pane, the Arabic and the
        English of one sentence can be a screen apart)."""
        if self.cursor is None:
            return 0
        arabic = self.arabic.own_sentence_extent(self.cursor)
        english = self.english.own_sentence_extent(self.cursor)
        if arabic is None or english is None:
            return 0
        together = max(arabic[1], english[1]) - min(arabic[0], english[0]) + 1
        if together <= max(1, self.arabic.view_height):
            return 0
        return english[0] - arabic[0]

    def scroll_to_cursor(self) -> None:
        """Bring the cursor sentence into view in every shown pane."""
        if self.linked:
            offset = self._cursor_offset()
            if offset != self.arabic.scroll_link_offset:
                self._set_offset(offset)
                english = self.english
                english.scroll_target_y = english.scroll_y = self.arabic.scroll_y + offset
        self.arabic.scroll_to_sentence(self.cursor)
        if not self.linked and self.english.display:
            self.english.scroll_to_sentence(self.cursor)

    def _view(self) -> tuple[int, int]:
        """(top row, height) of the Arabic pane's view."""
        pane = self.arabic
        return int(pane.scroll_y), max(1, pane.view_height)

    def _scroll_arabic_to(self, y: int) -> None:
        pane = self.arabic
        # Set now (validators clamp), not on the next refresh: the cursor is chosen from it.
        pane.scroll_target_y = pane.scroll_y = max(0, min(y, int(pane.max_scroll_y)))
        if not self.linked and self.english.display and self.cursor is not None:
            self.english.scroll_to_sentence(self.cursor)

    def overflow(self, step: int) -> bool:
        """`j`/`k` on a sentence taller than the view: scroll through it first. Returns True
        when it scrolled (the cursor stays), False when the cursor should move on. Stacked, the
        English pane scrolls through its own rows of the sentence the same way (its English may
        be taller than the Arabic), so `j` shows all of both before moving on."""
        if self.cursor is None:
            return False
        extent = self.arabic.sentence_extent(self.cursor)
        if extent is None:
            return False
        english_top = int(self.english.scroll_y)
        first, last = extent
        top, height = self._view()
        bottom = top + height - 1
        step_rows = max(1, height - 2)
        moved = False
        if step > 0 and last > bottom:
            self._scroll_arabic_to(min(top + step_rows, last - height + 1))
            moved = True
        elif step < 0 and first < top:
            self._scroll_arabic_to(max(top - step_rows, first))
            moved = True
        return self._overflow_english(step, english_top, keep=moved) or moved

    def _overflow_english(self, step: int, top: int, *, keep: bool) -> bool:
        """Stacked: scroll the English through the cursor sentence's rows from `top` (where it
        was before the key; see `overflow`). `keep`: the Arabic scrolled, and the English stays
        where it was when it has no further rows to show."""
        english = self.english
        if self.linked or not english.display or self.cursor is None:
            return False
        extent = english.sentence_extent(self.cursor)
        if extent is None:
            return False
        first, last = extent
        height = max(1, english.view_height)
        bottom = top + height - 1
        if step > 0 and last > bottom:
            target = min(top + max(1, height - 2), last - height + 1)
        elif step < 0 and first < top:
            target = max(top - max(1, height - 2), first)
        elif keep:
            target = top
        else:
            return False
        english.scroll_target_y = english.scroll_y = max(0, min(target, int(english.max_scroll_y)))
        return target != top

    def page(self, pages: float) -> int | None:
        """Scroll by `pages` screens (negative: back; 0.5: half) like `less`; returns the sentence
        the cursor should move to so it stays on a sentence in view (None: it already is)."""
        top, height = self._view()
        rows = int(height * abs(pages)) if abs(pages) < 1 else max(1, height - 2)
        target = top + rows if pages > 0 else top - rows
        self._scroll_arabic_to(target)
        return self.cursor_in_view(forward=pages > 0)

    def cursor_in_view(self, *, forward: bool) -> int | None:
        """A sentence for the cursor when it left the view: the first one starting on screen
        (paging forward) or the last one ending on screen (back); None if it is still seen."""
        visible = self.arabic.sentences_in_view()
        if not visible or self.cursor in visible:
            return None
        top, height = self._view()
        bottom = top + height - 1

        def whole(number: int) -> bool:
            extent = self.arabic.sentence_extent(number)
            return extent is not None and extent[0] >= top and extent[1] <= bottom

        candidates = [n for n in visible if whole(n)] or visible
        choice = candidates[0] if forward else candidates[-1]
        self._keep_scroll = True
        return choice

    def recenter(self) -> None:
        """Put the cursor sentence in the middle of the view (`z`)."""
        if self.cursor is None:
            return
        extent = self.arabic.sentence_extent(self.cursor)
        if extent is None:
            return
        top, height = self._view()
        middle = (extent[0] + extent[1]) // 2
        self._scroll_arabic_to(middle - height // 2)
