"""A Line-API pane that draws paragraphs laid out by `reader.text.bidi.layout_paragraph`.

One widget serves the Arabic pane (right-to-left, shaped, reordered), the English pane
(left-to-right) and, through `SummaryPane`, the summary. Content is a list of `Block`s: a
block is one paragraph of logical text plus the spans of the sentences it contains. The pane:

* lays every block out at its content width (cached per block and width; a resize re-wraps),
* right-aligns right-to-left lines by padding on the left,
* highlights the cursor sentence and search matches through `visual_spans`,
* underlines chosen words of Arabic blocks (the words the reader may not know, `set_underlined`):
  a style on the drawn cells, so the underline follows the bidi layout and moves no cell,
* pads alignment groups to a minimum height so paragraph tops can line up with a sibling pane,
* maps a mouse click back to a sentence through `VisualLine.logical_index`,
* returns the *logical* text of a mouse selection (never the visual order).

Article text is never parsed as markup: lines become `rich.text.Text` objects directly.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from itertools import accumulate, repeat
from dataclasses import dataclass, field
from typing import Hashable, Iterable, Mapping

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual import events
from textual.worker import get_current_worker

from reader.text.arabic import TASHKEEL_RE
from reader.text.bidi import VisualLine, layout_paragraph, logical_offset_at, visual_spans
from widgets.activity import reader_active, wait_while_active
from widgets.blocks import Block

Span = tuple[int, int]


@dataclass
class _Row:
    block: int
    line: VisualLine | None
    pad: int = 0


@dataclass
class _Layout:
    width: int
    """Cells the lines are wrapped to (at most the pane's `max_width`)."""
    rows: list[_Row]
    sentence_rows: "_SentenceRows"
    group_heights: dict[Hashable, int]
    block_rows: list[int] = field(default_factory=list)
    view_width: int = 0
    """Cells of the pane's content region: right-to-left lines are aligned to its right edge."""


class _SentenceRows:
    """The rows each sentence is drawn on, found when asked (`get`) from the blocks holding the
    sentence: building a dict of every sentence's rows on every relayout cost more than the
    relayout itself on a long article."""

    def __init__(self, block_rows: list[int], local: list[dict[int, tuple[int, ...]] | None],
                 sentence_blocks: dict[int, list[int]]) -> None:
        self._block_rows = block_rows
        self._local = local
        self._sentence_blocks = sentence_blocks

    def get(self, number: int, default=None):
        rows: list[int] = []
        for index in self._sentence_blocks.get(number, ()):
            local = self._local[index] if index < len(self._local) else None
            if local:
                y0 = self._block_rows[index]
                rows.extend(y0 + y for y in local.get(number, ()))
        return rows if rows else default


class ArticlePane(ScrollView, can_focus=True):
    """A scrollable pane of bidi-laid-out paragraphs with a sentence cursor."""

    ALLOW_SELECT = True

    END_MARGIN = 1
    """Cells kept free at the right edge, so right-aligned lines do not touch the scrollbar."""

    SYNC_LAYOUT_BLOCKS = 60
    """Blocks laid out synchronously around the view on a re-wrap (more than a tall screen
    shows: 20 before the view's top block, 60 from it); an article
    with more is finished in a background thread, started after the next refresh so it does
    not compete with painting the view (the others are estimated meanwhile)."""

    SYNC_MISSING_BLOCKS = 8
    """Up to this many blocks without lines are laid out at once wherever they are; with more,
    only those near the view are, and the others are estimated until the background thread
    has laid them out."""

    COMPONENT_CLASSES = {
        "article-pane--cursor",
        "article-pane--match",
        "article-pane--match-current",
        "article-pane--word",
        "article-pane--heading",
        "article-pane--note",
        "article-pane--pending",
        "article-pane--marker",
        "article-pane--selected",
        "article-pane--unknown",
    }

    DEFAULT_CSS = """
    ArticlePane {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    ArticlePane { background: $surface; color: $foreground; }
    ArticlePane > .article-pane--cursor { background: $primary 40%; color: $text; }
    ArticlePane:focus > .article-pane--cursor { background: $primary 55%; color: $text; }
    ArticlePane > .article-pane--match { background: $warning 70%; color: $text; text-style: bold; }
    ArticlePane > .article-pane--match-current { background: $success 80%; color: $text; text-style: bold underline; }
    /* The word cursor is reverse video (the text colour as background): it can never share a
       colour with the matches (warning/success), the cursor (primary) or the selection, in a theme
       where accent and warning coincide either (textual-dark and -light). */
    ArticlePane > .article-pane--word { background: $foreground 85%; color: $background; text-style: bold; }
    ArticlePane > .article-pane--heading { text-style: bold; color: $text-primary; }
    ArticlePane > .article-pane--note { color: $text-warning; }
    ArticlePane > .article-pane--pending { color: $text-muted; }
    ArticlePane > .article-pane--marker { color: $text-secondary; }
    ArticlePane > .article-pane--selected { background: $secondary 45%; color: $text; }
    ArticlePane > .article-pane--unknown { text-style: underline; }
    """

    BINDINGS = [
        # The app's sentence cursor wins over ScrollView's plain scrolling keys.
        Binding("up", "screen.cursor_prev", "Previous sentence", show=False),
        Binding("down", "screen.cursor_next", "Next sentence", show=False),
        Binding("home", "screen.cursor_first", "First sentence", show=False),
        Binding("end", "screen.cursor_last", "Last sentence", show=False),
        Binding("pagedown", "screen.page(1)", "Page down", show=False),
        Binding("pageup", "screen.page(-1)", "Page up", show=False),
    ]

    cursor: reactive[int | None] = reactive(None, layout=False, init=False)
    word: reactive[tuple[int, int] | None] = reactive(None, layout=False, init=False)
    """The word under the word cursor: (start, end) in the cursor sentence's text."""

    class SentenceClicked(Message):
        """A sentence was clicked in a pane; `offset` is the clicked character's offset in the
        sentence's text (None in padding), so a click can pick a word."""

        def __init__(self, pane: "ArticlePane", number: int, offset: int | None = None) -> None:
            super().__init__()
            self.pane = pane
            self.number = number
            self.offset = offset

        @property
        def control(self) -> "ArticlePane":
            return self.pane

    class LayoutChanged(Message):
        """The natural heights of the alignment groups changed (after a re-wrap)."""

        def __init__(self, pane: "ArticlePane", heights: dict[Hashable, int]) -> None:
            super().__init__()
            self.pane = pane
            self.heights = heights

        @property
        def control(self) -> "ArticlePane":
            return self.pane

    def __init__(
        self,
        *,
        shape: bool = True,
        reorder: bool = True,
        max_width: int | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.shape = shape
        self.reorder = reorder
        self.max_width = max_width
        """Lines wrap at most this many cells wide (long lines are hard to read); None: no cap."""
        self.hide_tashkeel = False
        """Draw Arabic without its harakat (display only: text, search and copy keep them)."""
        self.scroll_link: ArticlePane | None = None
        """A pane that keeps the same vertical position as this one (side by side)."""
        self.scroll_link_offset = 0
        """The linked pane's position is this pane's plus this many rows: 0 (paragraph tops
        level) except while the cursor is in a paragraph too tall to show its sentence in both
        panes at once (`ReadingView.scroll_to_cursor`)."""
        self._mirroring = False
        self._blocks: list[Block] = []
        self._line_cache: dict[tuple[str, int, bool], list[VisualLine]] = {}
        self._layout: _Layout | None = None
        self._min_heights: dict[Hashable, int] = {}
        self._marks: dict[str, dict[int, list[Span]]] = {}
        self._current_match: tuple[str, int, int, int] | None = None
        self._natural: dict[Hashable, int] | None = None
        self._sentence_spans: list[dict[int, Span]] = []
        self._strips: dict[tuple, Strip] = {}
        self._frame_style: Style | None = None  # the pane's style while a frame is drawn (render_lines)
        self._marks_version = 0
        self._underlined: dict[int, list[Span]] = {}
        self._estimated: set[int] = set()
        self._layout_generation = 0
        self._background_width = 0
        self._background_running = False
        self._background_todo: deque[tuple[tuple[str, int, bool], Block]] = deque()
        self._background_queued: set[tuple[str, int, bool]] = set()
        self._sentence_block: dict[int, int] = {}
        self._sentence_blocks: dict[int, list[int]] = {}
        self._index_of_key: dict[Hashable, int] = {}
        self._pad_rows: dict[int, _Row] = {}
        self.layout_version = 0
        """Counts the changes of the alignment groups' natural heights (`natural_heights`)."""
        self._extents: list[int] = []
        self._runs: list[tuple[int, int]] = []
        self._run_of_block: list[int] = []
        self._runs_of_group: dict[Hashable, list[int]] = {}
        self._segments: dict[int, tuple[Block, list[_Row], dict[int, tuple[int, ...]] | None]] = {}
        self._segments_key: tuple[int, int] = (0, 0)

    # ------------------------------------------------------------------ content API

    @property
    def blocks(self) -> list[Block]:
        return self._blocks

    def set_blocks(self, blocks: Iterable[Block]) -> None:
        """Replace the content; keeps the scroll position, re-lays out at the current width."""
        self._blocks = list(blocks)
        self._sentence_spans = [{n: (s, e) for n, s, e in b.sentences} for b in self._blocks]
        self._index_sentences()
        self._relayout()

    def _index_sentences(self) -> None:
        """Which blocks hold each sentence, and the runs of blocks aligned together (a run of
        consecutive blocks of one group; a block without a group is a run of its own)."""
        self._sentence_block = {}
        self._sentence_blocks = {}
        self._index_of_key = {block.key: index for index, block in enumerate(self._blocks) if block.key is not None}
        for index, block in enumerate(self._blocks):
            for number, _, _ in block.sentences:
                self._sentence_block.setdefault(number, index)
                self._sentence_blocks.setdefault(number, []).append(index)
        blocks = self._blocks
        runs: list[tuple[int, int]] = []
        run_of_block: list[int] = []
        runs_of_group: dict[Hashable, list[int]] = {}
        i = 0
        while i < len(blocks):
            group = blocks[i].group
            j = i + 1
            while j < len(blocks) and group is not None and blocks[j].group == group:
                j += 1
            if group is not None:
                runs_of_group.setdefault(group, []).append(len(runs))
            run_of_block.extend([len(runs)] * (j - i))
            runs.append((i, j))
            i = j
        self._runs = runs
        self._run_of_block = run_of_block
        self._runs_of_group = runs_of_group

    def replace_blocks(self, changes: Mapping[Hashable, Block]) -> None:
        """Replace some blocks by key (`Block.key`; each new block keeps its key). Cheap:
        unchanged blocks keep their cached lines and rows."""
        reindex = False
        by_index: dict[int, Block] = {}
        for key, block in changes.items():
            if block.key != key:
                raise ValueError(f"block {block.key!r} given for key {key!r}")
            by_index[self._index_of_key[key]] = block
        for index, block in by_index.items():
            old = self._blocks[index]
            reindex = reindex or old.group != block.group or (
                [n for n, _, _ in old.sentences] != [n for n, _, _ in block.sentences])
            self._blocks[index] = block
            self._sentence_spans[index] = {n: (s, e) for n, s, e in block.sentences}
        if reindex:
            self._index_sentences()
            self._relayout()
        else:
            self._relayout_runs({self._run_of_block[index] for index in by_index})

    def set_min_heights(self, heights: dict[Hashable, int]) -> None:
        """Pad alignment groups to at least these heights (rows, gaps included)."""
        if heights != self._min_heights:
            old = self._min_heights
            changed = {g for g, h in heights.items() if old.get(g, 0) != h}
            changed.update(g for g, h in old.items() if h and g not in heights)
            self._min_heights = dict(heights)
            runs_of_group = self._runs_of_group
            self._relayout_runs({r for g in changed for r in runs_of_group.get(g, ())})

    @property
    def search_marks(self) -> dict[str, dict[int, list[Span]]]:
        """The search matches drawn here: language ("ar"/"en") → sentence number → spans."""
        return self._marks

    def set_marks(self, marks: dict[str, dict[int, list[Span]]],
                  current: tuple[str, int, int, int] | None = None) -> None:
        """Search matches: {lang: {sentence number: [(start, end) relative to the sentence]}};
        `current` is the match `n`/`N` stand on, (lang, number, start, end), drawn apart."""
        self._marks = marks
        self._current_match = current
        self._marks_version += 1
        self._strips.clear()
        self.refresh()

    def set_underlined(self, spans: dict[int, list[Span]]) -> None:
        """Underline words of the Arabic blocks: {sentence number: [(start, end) relative to the
        sentence]} ({} for none). Display only: the text and the layout do not change."""
        self._underlined = spans
        self._marks_version += 1
        self._strips.clear()
        self.refresh()

    @property
    def underlined(self) -> dict[int, list[Span]]:
        return self._underlined

    def plain_text(self) -> str:
        """The logical text of every block, one block per line (for tests and copy-all)."""
        return "\n".join(block.text for block in self._blocks)

    @property
    def content_width(self) -> int:
        """Cells lines are wrapped to: the content region, capped at `max_width`."""
        width = max(1, self.scrollable_content_region.width - self.END_MARGIN)
        return min(width, self.max_width) if self.max_width else width

    @property
    def row_count(self) -> int:
        return len(self._layout.rows) if self._layout else 0

    def natural_heights(self) -> dict[Hashable, int]:
        return dict(self._natural or {})

    def sentence_rows(self, number: int) -> list[int]:
        """Rows (virtual y) on which a sentence is drawn."""
        if self._layout is None:
            return []
        return list(self._layout.sentence_rows.get(number, []))

    def visual_row(self, y: int) -> str:
        """The visual text of a virtual row, padded as drawn (for tests)."""
        if self._layout is None or not 0 <= y < len(self._layout.rows):
            return ""
        row = self._layout.rows[y]
        if row.line is None:
            return ""
        return " " * row.pad + row.line.text

    # ------------------------------------------------------------------ layout

    def _layout_block(self, block: Block, width: int) -> list[VisualLine]:
        # Left-to-right blocks are reordered too (base direction LTR), so an Arabic name
        # kept in an English translation still reads correctly.
        return layout_paragraph(block.text, width, rtl=block.rtl, shape=self.shape, reorder=self.reorder)

    def _lines_for(self, block: Block, width: int) -> list[VisualLine]:
        key = (block.text, width, block.rtl)
        lines = self._line_cache.get(key)
        if lines is None:
            lines = self._layout_block(block, width)
            if len(self._line_cache) > 50000:
                # Keep the lines of the blocks shown now: clearing them all made every block of
                # a long article "missing" again in the middle of its translation.
                current = {(b.text, width, b.rtl) for b in self._blocks}
                self._line_cache = {k: v for k, v in self._line_cache.items() if k in current}
            self._line_cache[key] = lines
        return lines

    @staticmethod
    def _estimate(block: Block, width: int) -> int:
        """Rough line count of a block not laid out yet (progressive layout)."""
        return max(1, -(-len(block.text) // max(1, width - 6)))

    def _anchor_block(self) -> int:
        """The block at the top of the view (or holding the cursor when it is visible)."""
        layout = self._layout
        if layout is None or not layout.rows:
            return 0
        top = min(int(self.scroll_y), len(layout.rows) - 1)
        return layout.rows[top].block

    def _widths(self) -> tuple[int, int]:
        """(width lines are wrapped to, width of the rows drawn); (0, 0) before a size."""
        width = self.content_width if self.is_mounted and self.size.width else 0
        return width, (max(width, self.scrollable_content_region.width) if width > 0 else 0)

    def _near_view(self, candidates: set[int], anchor: int, width: int) -> list[int]:
        """The candidate blocks that can show in the view around block `anchor`: from it on
        until two views' rows, and one view's rows before it (heights known or estimated),
        at most `SYNC_LAYOUT_BLOCKS`, nearest first. Laying out only these before a frame
        is what puts the first frame of an article (or after a resize) on screen soonest."""
        blocks, cache = self._blocks, self._line_cache
        view = max(1, self.view_height or self.size.height)
        near: list[int] = []
        for step, budget in ((1, 2 * view), (-1, view)):
            rows = 0
            i = anchor if step == 1 else anchor - 1
            while 0 <= i < len(blocks) and rows < budget and len(near) < self.SYNC_LAYOUT_BLOCKS:
                block = blocks[i]
                lines = cache.get((block.text, width, block.rtl))
                rows += (len(lines) if lines is not None else self._estimate(block, width)) + block.gap_after
                if i in candidates:
                    near.append(i)
                i += step
        return sorted(near, key=lambda i: abs(i - anchor))

    def _relayout(self, *, anchor: int | None = None) -> None:
        width, view_width = self._widths()
        if width <= 0:
            self._layout = None
            return
        blocks = self._blocks
        cache = self._line_cache
        missing = [i for i, b in enumerate(blocks) if (b.text, width, b.rtl) not in cache]
        estimated: set[int] = set()
        if len(missing) > self.SYNC_MISSING_BLOCKS:
            # Big article: lay out the blocks around the view now, estimate the others, and
            # finish in a background thread (pure functions) without freezing the UI.
            if anchor is None:
                anchor = self._anchor_block() if self._layout is not None else 0
                if self.cursor is not None and self.cursor in self._sentence_block:
                    anchor = self._sentence_block[self.cursor]
            # Only the blocks around the view: a batch of translations far from it waits for
            # the background thread instead of costing the UI its layout now.
            # A short article (up to SYNC_LAYOUT_BLOCKS blocks) is laid out whole at once, as
            # before: no estimated heights, so nothing lands later that could move the view.
            near = (missing if len(blocks) <= self.SYNC_LAYOUT_BLOCKS
                    else self._near_view(set(missing), anchor, width))
            for i in near:
                self._lines_for(blocks[i], width)
            estimated = set(missing) - set(near)
            self._queue_background(width, sorted(estimated, key=lambda i: abs(i - anchor)))
        segments = self._segments
        if self._segments_key != (width, view_width):
            segments.clear()
            self._pad_rows.clear()
            self._segments_key = (width, view_width)
        if len(segments) > len(blocks):
            for index in [k for k in segments if k >= len(blocks)]:
                del segments[index]
        self._estimated = estimated
        rows: list[_Row] = []
        natural: dict[Hashable, int] = {}
        local_rows: list[dict[int, tuple[int, ...]] | None] = []
        extents: list[int] = []
        for i, j in self._runs:
            run_rows, height, run_locals, run_extents = self._build_run(i, j, width, view_width)
            rows.extend(run_rows)
            local_rows.extend(run_locals)
            extents.extend(run_extents)
            group = blocks[i].group
            if group is not None:
                natural[group] = height
        self._extents = extents
        block_rows = [0, *accumulate(extents)][:-1]
        sentence_rows = _SentenceRows(block_rows, local_rows, self._sentence_blocks)
        self._layout = _Layout(width, rows, sentence_rows, natural, block_rows, view_width)
        self._strips.clear()
        self.virtual_size = Size(view_width, len(rows))
        self.refresh()
        changed = natural != self._natural
        self._natural = natural
        if changed:
            self.layout_version += 1
            self.post_message(self.LayoutChanged(self, dict(natural)))

    def _relayout_runs(self, runs: set[int], *, now: Iterable[int] = ()) -> None:
        """Relayout only these runs of blocks and splice their rows in: a batch of
        translations (or the padding it changes in the sibling pane) costs the UI the blocks
        it touched, not the whole article. Blocks without lines are laid out now when near
        the view (or in `now`), else estimated and queued for the background thread."""
        layout = self._layout
        width, view_width = self._widths()
        if (layout is None or (width, view_width) != (layout.width, layout.view_width)
                or (width, view_width) != self._segments_key or len(layout.block_rows) != len(self._blocks)):
            self._relayout()
            return
        if not runs:
            return
        blocks = self._blocks
        cache = self._line_cache
        anchor = self.view_anchor()
        top = anchor[0] if anchor is not None else 0
        forced = set(now)
        estimated = self._estimated
        queue: list[int] = []
        for r in runs:
            i, j = self._runs[r]
            for k in range(i, j):
                block = blocks[k]
                if (block.text, width, block.rtl) in cache:
                    estimated.discard(k)
                elif k in forced or -self.SYNC_LAYOUT_BLOCKS // 3 <= k - top <= self.SYNC_LAYOUT_BLOCKS:
                    self._lines_for(block, width)
                    estimated.discard(k)
                else:
                    estimated.add(k)
                    queue.append(k)
        if queue:
            self._queue_background(width, queue)
        rows = layout.rows
        block_rows = layout.block_rows
        local_rows = layout.sentence_rows._local
        natural = layout.group_heights  # the same dict as self._natural: updated in place
        natural_changed = False
        extents = self._extents
        for r in sorted(runs, reverse=True):  # from the end: earlier row offsets stay valid
            i, j = self._runs[r]
            a = block_rows[i]
            b = block_rows[j] if j < len(blocks) else len(rows)
            run_rows, height, run_locals, run_extents = self._build_run(i, j, width, view_width)
            rows[a:b] = run_rows
            local_rows[i:j] = run_locals
            extents[i:j] = run_extents
            group = blocks[i].group
            if group is not None and natural.get(group) != height:
                natural[group] = height
                natural_changed = True
        # Drawn rows cached from the first changed row on are stale (changed or moved); those
        # above it are not, so a key pressed meanwhile redraws only what it changed.
        first_changed = min(self._runs[r][0] for r in runs)
        first_row = block_rows[first_changed]
        if first_row <= int(self.scroll_y) + max(1, self.view_height):
            self._strips.clear()
        else:
            self._strips = {k: v for k, v in self._strips.items() if k[0] < first_row}
        block_rows[:] = [0, *accumulate(extents)][:-1]
        # The row at the top of the view stays there (text growing above it never moves what
        # the reader is looking at); the linked pane makes the same change on its own.
        if anchor is not None:
            self._mirroring = True
            try:
                self.restore_view_anchor(anchor)
            finally:
                self._mirroring = False
        self._set_virtual_height(view_width, len(rows))
        view_top = int(self.scroll_y)
        view_bottom = view_top + max(1, self.view_height)
        for r in runs:
            i, j = self._runs[r]
            a = block_rows[i]
            b = block_rows[j] if j < len(blocks) else len(rows)
            if a < view_bottom and b > view_top:
                self.refresh()  # only when it shows: a repaint is a whole pane sent to the terminal
                break
        if natural_changed:
            self.layout_version += 1
            self.post_message(self.LayoutChanged(self, dict(natural)))

    def _set_virtual_height(self, width: int, height: int) -> None:
        """Change the scrollable size. When the scrollbar stays (it does once the content is
        taller than the pane) only the scrollbar is updated: assigning `virtual_size` asks
        Textual for a layout of the whole screen, which repaints every widget."""
        size = Size(width, height)
        if size == self.virtual_size:
            return
        old = self.virtual_size
        view = self.scrollable_content_region.height
        if old.width == width and old.height > view and height > view and self.show_vertical_scrollbar:
            self.set_reactive(ArticlePane.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _build_run(self, i: int, j: int, width: int,
                   view_width: int) -> tuple[list[_Row], int, list[dict[int, tuple[int, ...]] | None], list[int]]:
        """Rows of blocks i..j-1 (one run), padded to the group's minimum height; its natural
        height; each block's sentence rows (None: estimated) and row count (the padding
        counted in the last block's)."""
        blocks = self._blocks
        segments = self._segments
        estimated = self._estimated
        rows: list[_Row] = []
        locals_: list[dict[int, tuple[int, ...]] | None] = []
        extents: list[int] = []
        for k in range(i, j):
            block = blocks[k]
            segment = segments.get(k)
            if k in estimated:
                if segment is None or segment[2] is not None or segment[0] is not block:
                    segment = segments[k] = (block, [_Row(k, None)] * (self._estimate(block, width) + block.gap_after), None)
            elif segment is None or segment[2] is None or segment[0] is not block:
                # Reuse the block's rows while the block is unchanged: a relayout then costs a
                # few list operations per block, not Python work per line of a long article.
                segment = segments[k] = (block, *self._segment(k, block, width, view_width))
            rows.extend(segment[1])
            locals_.append(segment[2])
            extents.append(len(segment[1]))
        height = len(rows)
        group = blocks[i].group
        if group is not None:
            want = self._min_heights.get(group, 0)
            if want > height:
                pad = self._pad_rows.get(j - 1)
                if pad is None:
                    pad = self._pad_rows[j - 1] = _Row(j - 1, None)
                rows.extend(repeat(pad, want - height))  # rows are never mutated: one serves
                extents[-1] += want - height
        return rows, height, locals_, extents

    def _segment(self, index: int, block: Block, width: int,
                 view_width: int) -> tuple[list[_Row], dict[int, tuple[int, ...]]]:
        """The rows of one laid-out block (its gap rows included) and, per sentence, the rows
        it is drawn on relative to the block's first row."""
        rows: list[_Row] = []
        local: dict[int, list[int]] = {}
        for line in self._lines_for(block, width):
            y = len(rows)
            pad = max(0, view_width - self.END_MARGIN - line.cells) if block.rtl else 0
            rows.append(_Row(index, line, pad))
            for number, start, end in block.sentences:
                if start < line.end and end > line.start or (start == end == line.start):
                    local.setdefault(number, []).append(y)
        if block.gap_after:
            rows.extend([_Row(index, None)] * block.gap_after)
        return rows, {number: tuple(ys) for number, ys in local.items()}

    def view_anchor(self) -> tuple[int, int] | None:
        """(block at the top of the view, rows of it above the view): `restore_view_anchor`
        puts that row back at the top after blocks above it changed height."""
        layout = self._layout
        if layout is None or not layout.rows:
            return None
        block = self._anchor_block()
        if block >= len(layout.block_rows):
            return None
        return block, int(self.scroll_y) - layout.block_rows[block]

    def restore_view_anchor(self, anchor: tuple[int, int] | None) -> None:
        layout = self._layout
        if anchor is None or layout is None:
            return
        block, offset = anchor
        if block < len(layout.block_rows):
            y = max(0, min(layout.block_rows[block] + offset, int(self.max_scroll_y)))
            if y != int(self.scroll_y):
                self.scroll_target_y = self.scroll_y = y

    @property
    def layout_pending(self) -> bool:
        """True while a progressive layout is still being finished in the background."""
        return bool(self._estimated)

    BACKGROUND_CHUNK_SECONDS = 0.1
    """The background layout hands its lines over this often (each hand-over is one relayout)."""

    def _queue_background(self, width: int, indices: list[int]) -> None:
        """Lay these blocks out in a background thread. Blocks queued earlier stay queued:
        lines are a pure function of (text, width, direction), so whatever the thread finishes
        is kept, however often the content changes meanwhile (restarting it on every batch of
        translations meant it never finished, and every relayout estimated thousands of
        blocks)."""
        if width != self._background_width:
            self._layout_generation += 1  # a new width: what is queued for the old one is moot
            self._background_width = width
            self._background_todo.clear()
            self._background_queued.clear()
            # A worker still laying out for the old width stops at its next block (and the
            # new one, started exclusive, cancels it): it will not report back.
            self._background_running = False
        for i in indices:
            block = self._blocks[i]
            key = (block.text, width, block.rtl)
            if key not in self._background_queued:
                self._background_queued.add(key)
                self._background_todo.append((key, block))
        if self._background_todo and not self._background_running:
            self._background_running = True
            self.call_after_refresh(self._start_background, self._layout_generation)

    def _start_background(self, generation: int) -> None:
        todo = self._background_todo
        width = self._background_width
        chunk_seconds = self.BACKGROUND_CHUNK_SECONDS

        def work() -> None:
            worker = get_current_worker()
            while True:
                results: dict[tuple[str, int, bool], list[VisualLine]] = {}
                taken: list[tuple[str, int, bool]] = []
                started = time.monotonic()
                while todo and time.monotonic() - started < chunk_seconds:
                    if worker.is_cancelled or generation != self._layout_generation:
                        # Hand back what was taken, so nothing stays marked as queued.
                        try:
                            self.app.call_from_thread(self._background_done, generation, results, False, taken)
                        except RuntimeError:  # the app is closing
                            pass
                        return
                    # The reader is pressing keys: this thread's Python would take the GIL
                    # from the UI thread half the time; wait until they pause.
                    if wait_while_active(float("inf"), stop=lambda: worker.is_cancelled):
                        started = time.monotonic()
                    try:
                        key, block = todo.popleft()
                    except IndexError:
                        break
                    taken.append(key)
                    if key not in self._line_cache:
                        results[key] = self._layout_block(block, width)
                last = not todo
                try:
                    self.app.call_from_thread(self._background_done, generation, results, last, taken)
                except RuntimeError:  # the app is closing
                    return
                if last:
                    return

        if generation != self._layout_generation:
            return  # a newer width: its own start (already scheduled) runs the worker
        self.run_worker(work, thread=True, group="layout", exclusive=True, exit_on_error=False)

    def _background_done(self, generation: int, results: dict, last: bool, taken: list) -> None:
        if last and generation == self._layout_generation:
            self._background_running = False  # (a worker of an older width owns no flag)
        self._background_queued.difference_update(taken)
        self._line_cache.update(results)
        if last and self._background_todo:
            self._queue_background(self._background_width, [])  # queued after it looked
        if generation != self._layout_generation or not self._estimated:
            return
        width = self._background_width
        blocks = self._blocks
        ready = [i for i in self._estimated
                 if i < len(blocks) and (blocks[i].text, width, blocks[i].rtl) in self._line_cache]
        if last and not self._background_running:
            # Whatever is still estimated and not in the cache (its lines were evicted, or it
            # changed while queued) goes round again: the layout always converges.
            again = [i for i in self._estimated if i < len(blocks) and
                     (blocks[i].text, width, blocks[i].rtl) not in self._line_cache]
            if again:
                self._queue_background(width, again)
        if not ready:
            return
        # Keep the row at the top of the view where it is.
        anchor = self.view_anchor()
        self._relayout_runs({self._run_of_block[i] for i in ready})
        # The lines and rows of a long article are hundreds of thousands of long-lived objects:
        # a full garbage collection walks them all (100-150 ms on a 2 MB article, the reader's
        # worst key stalls while it translated). Move everything alive now out of the
        # collector's reach; reference counting still frees them when they are dropped.
        gc.freeze()
        self.restore_view_anchor(anchor)
        if self.cursor is not None:
            self.scroll_to_sentence(self.cursor)

    def _ensure_sentence_laid_out(self, number: int) -> None:
        """Lay out now the blocks of a sentence that so far only has an estimated height."""
        if not self._estimated:
            return
        wanted = [i for i in self._sentence_blocks.get(number, ()) if i in self._estimated]
        if wanted:
            self._relayout_runs({self._run_of_block[i] for i in wanted}, now=wanted)

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Lay the text out as soon as the pane first has a size, in the same layout pass:
        the Resize event comes after the frame is drawn, so waiting for it drew the first
        frame of every article with empty panes and the text one frame later."""
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if self._layout is None and size.width > 0 and self.is_mounted:
            self._relayout()
        return resized

    def on_resize(self, event: events.Resize) -> None:
        reader_active()
        layout = self._layout
        if layout is None or (layout.width, layout.view_width) != self._widths():
            self._relayout()  # (not when `_size_updated` laid it out for this size already)
        if self.cursor is not None:
            self.call_after_refresh(self.scroll_to_sentence, self.cursor)

    def on_mount(self) -> None:
        super().on_mount()
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self.refresh()

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        reader_active()
        self.refresh()

    def watch_word(self, old, new) -> None:
        self._strips.clear()
        self.refresh()

    def scroll_to_sentence(self, number: int | None, *, animate: bool = False) -> None:
        """Scroll so the sentence's rows are visible (with a row of context if possible)."""
        if number is None or self._layout is None:
            return
        extent = self.sentence_extent(number)
        if extent is None:
            return
        first, last = extent
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = int(self.scroll_y)
        bottom = top + height - 1
        if first >= top and last <= bottom:
            return
        if last - first + 1 >= height or first < top:
            target = max(0, first - (1 if height > 4 else 0))
        else:
            target = last - height + 1 + (1 if height > 4 else 0)
            target = min(target, first)
        self.scroll_to(y=target, animate=animate, immediate=True)

    def sentence_extent(self, number: int) -> tuple[int, int] | None:
        """(first row, last row) of a sentence here and, side by side, in the linked pane:
        the rows that must be on screen for the reader to see the sentence in both."""
        own = self.own_sentence_extent(number)
        link = self.scroll_link
        theirs = link.own_sentence_extent(number) if link is not None else None
        if theirs is not None:
            # The linked pane's rows, counted in this pane's rows (it is scrolled `offset` further).
            theirs = (theirs[0] - self.scroll_link_offset, theirs[1] - self.scroll_link_offset)
            own = theirs if own is None else (min(own[0], theirs[0]), max(own[1], theirs[1]))
        return own

    def own_sentence_extent(self, number: int) -> tuple[int, int] | None:
        """(first row, last row) of a sentence in this pane only."""
        if self._layout is None:
            return None
        self._ensure_sentence_laid_out(number)
        rows = self._layout.sentence_rows.get(number, ())
        if not rows:
            return None
        return min(rows), max(rows)

    @property
    def view_height(self) -> int:
        return self.scrollable_content_region.height

    def sentences_in_view(self) -> list[int]:
        """Sentence numbers with at least one row on screen, in reading order."""
        if self._layout is None:
            return []
        top = int(self.scroll_y)
        bottom = top + self.view_height
        seen: dict[int, None] = {}
        rows = self._layout.rows
        for y in range(max(0, top), min(bottom, len(rows))):
            row = rows[y]
            if row.line is None:
                continue
            for number, start, end in self._blocks[row.block].sentences:
                if start < row.line.end and end > row.line.start:
                    seen.setdefault(number)
        return sorted(seen)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Side by side, the linked pane takes the same vertical position (wheel, paging,
        scrollbar, cursor), so an Arabic paragraph's top row stays level with its English."""
        super().watch_scroll_y(old_value, new_value)
        reader_active()
        link = self.scroll_link
        target = new_value + self.scroll_link_offset
        if link is not None and not self._mirroring and link.scroll_y != target:
            link._mirroring = True
            try:
                link.scroll_target_y = target
                link.scroll_y = target
            finally:
                link._mirroring = False

    # ------------------------------------------------------------------ rendering

    def _block_style_key(self, index: int, block: Block) -> Hashable:
        """Whatever `_block_base_style` depends on besides the block (for the strip cache)."""
        return None

    def _block_base_style(self, index: int, block: Block) -> Style:
        """Extra base style for a block (subclasses highlight selected items)."""
        if block.kind == "heading":
            return self.get_component_rich_style("article-pane--heading", partial=True)
        if block.kind == "note":
            return self.get_component_rich_style("article-pane--note", partial=True)
        return Style()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The pane's style once per frame, not once per row: Textual computes `rich_style`
        # from the ancestors' styles on every access (about 40 us, 80 rows a frame).
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def _base_style(self) -> Style:
        return self._frame_style if self._frame_style is not None else self.rich_style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        layout = self._layout
        row_y = scroll_y + y
        if layout is None or row_y >= len(layout.rows):
            return Strip.blank(self.scrollable_content_region.width, self._base_style())
        width = layout.view_width
        row = layout.rows[row_y]
        block = self._blocks[row.block]
        spans = self._sentence_spans[row.block]
        line = row.line
        cursor = self.cursor
        if line is None or cursor not in spans or not (
            spans[cursor][0] < line.end and spans[cursor][1] > line.start
        ):
            cursor = None
        selection = self.text_selection
        key = (row_y, width, scroll_x, cursor, self.word if cursor is not None else None, self._marks_version,
               self.hide_tashkeel,
               self._block_style_key(row.block, block))
        if selection is None:
            cached = self._strips.get(key)
            if cached is not None:
                return cached
        strip = self._render_row(row_y, row, block, spans, cursor, selection, width, scroll_x, self._base_style())
        if selection is None:
            if len(self._strips) > 4096:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def _simple_runs(self, block: Block, spans: dict[int, Span], cursor: int | None,
                     line: VisualLine, pad: int) -> list[tuple[int, int, str]] | None:
        """The decorated runs of a row, (start, end, component) in drawn offsets, when they are
        all that is drawn over its text and do not overlap (most rows: none at all, or a
        pending "…"); None when the row needs Rich's span machinery (the cursor, search
        matches, underlined words, overlapping decorations)."""
        if cursor is not None:
            return None
        marks = self._marks.get(block.lang)
        if marks and any(number in marks for number in spans):
            return None
        underlined = self._underlined
        if underlined and block.rtl and any(number in underlined for number in spans):
            return None
        runs: list[tuple[int, int, str]] = []
        for start, end, component in block.decorations:
            if start < line.end and end > line.start:
                runs.extend((a + pad, b + pad, component) for a, b in visual_spans(line, start, end))
        runs.sort()
        if any(runs[k][1] > runs[k + 1][0] for k in range(len(runs) - 1)):
            return None
        return runs

    def _render_row(self, row_y, row, block, spans, cursor, selection, width, scroll_x, base) -> Strip:
        block_style = self._block_base_style(row.block, block)
        if row.line is None:
            # Blank rows keep the block style's background (selected summary items).
            style = base + Style(bgcolor=block_style.bgcolor) if block_style.bgcolor else base
            return Strip.blank(width, style).apply_offsets(0, row_y)
        line = row.line
        pad = row.pad
        runs = self._simple_runs(block, spans, cursor, line, pad) if selection is None else None
        if runs is not None:
            # Nothing drawn over the text but decorations side by side: its segments are cut
            # here, without Rich's span machinery (a tenth of the cost; a key redraws every
            # row of both panes), exactly as Rich would cut and style them.
            content = " " * pad + line.text
            style = base + block_style
            segments: list[Segment] = []
            at = 0
            for a, b, component in runs:
                if a > at:
                    segments.append(Segment(content[at:a], style))
                if b > a:
                    segments.append(Segment(content[a:b], style + self.get_component_rich_style(component, partial=True)))
                at = max(at, b)
            if at < len(content):
                segments.append(Segment(content[at:], style))
            if not segments:
                segments.append(Segment(""))  # an empty row: the bare segment Rich yields
            if self.hide_tashkeel and block.rtl:
                segments = [Segment(TASHKEEL_RE.sub("", seg.text), seg.style) for seg in segments]
            strip = Strip(segments, pad + line.cells)
            strip = strip.crop_extend(scroll_x, scroll_x + width, base + Style(bgcolor=block_style.bgcolor))
            return strip.apply_offsets(scroll_x, row_y)
        text = Text(" " * pad + line.text, no_wrap=True, end="")
        # As a span, not `Text.style`: Rich drops `Text.style` when a text has no spans, and
        # the row would then be drawn in the terminal's default colours instead of the theme's.
        text.stylize(base + block_style, 0, len(text))
        # Decorations (markers, pending placeholders).
        for start, end, component in block.decorations:
            if start < line.end and end > line.start:
                style = self.get_component_rich_style(component, partial=True)
                for a, b in visual_spans(line, start, end):
                    text.stylize(style, a + pad, b + pad)
        # The cursor sentence.
        if cursor is not None:
            start, end = spans[cursor]
            if start < line.end and end > line.start:
                style = self.get_component_rich_style("article-pane--cursor")
                for a, b in visual_spans(line, start, end):
                    text.stylize(style, a + pad, b + pad)
        # The word cursor (inside the cursor sentence).
        if cursor is not None and self.word is not None:
            s_start = spans[cursor][0]
            style = self.get_component_rich_style("article-pane--word")
            for a, b in visual_spans(line, s_start + self.word[0], s_start + self.word[1]):
                text.stylize(style, a + pad, b + pad)
        # Search matches (the current match, where `n`/`N` stand, has a colour of its own).
        marks = self._marks.get(block.lang)
        if marks:
            match_style = self.get_component_rich_style("article-pane--match")
            current_style = self.get_component_rich_style("article-pane--match-current")
            for number, (s_start, _s_end) in spans.items():
                for m_start, m_end in marks.get(number, ()):
                    start, end = s_start + m_start, s_start + m_end
                    current = (block.lang, number, m_start, m_end) == self._current_match
                    if start < line.end and end > line.start:
                        for a, b in visual_spans(line, start, end):
                            text.stylize(current_style if current else match_style, a + pad, b + pad)
        # Underlined words (Arabic blocks only: in the interleaved layout English blocks carry
        # the same sentence numbers).
        if self._underlined and block.rtl:
            style = self.get_component_rich_style("article-pane--unknown", partial=True)
            for number, (s_start, _s_end) in spans.items():
                for w_start, w_end in self._underlined.get(number, ()):
                    start, end = s_start + w_start, s_start + w_end
                    if start < line.end and end > line.start:
                        for a, b in visual_spans(line, start, end):
                            text.stylize(style, a + pad, b + pad)
        # Mouse selection (in drawn character offsets, as Textual reports them).
        if selection is not None:
            span = selection.get_span(row_y)
            if span is not None:
                a, b = span
                if b == -1:
                    b = len(text)
                text.stylize(self.screen.get_component_rich_style("screen--selection"), a, b)
        segments = list(text.render(self.app.console))
        if self.hide_tashkeel and block.rtl:
            # Harakat are zero-width combining marks after their letter (reader.text.bidi keeps them
            # so): dropping them from the drawn segments moves no cell and no highlight.
            segments = [Segment(TASHKEEL_RE.sub("", seg.text), seg.style, seg.control) for seg in segments]
        strip = Strip(segments, text.cell_len)
        strip = strip.crop_extend(scroll_x, scroll_x + width, base + Style(bgcolor=block_style.bgcolor))
        return strip.apply_offsets(scroll_x, row_y)

    # ------------------------------------------------------------------ mouse

    def _position_to_logical(self, x: int, y: int) -> tuple[int, int] | None:
        """(block index, logical offset in the block) under a cell position (virtual space).
        Padding and the space past a line's end snap to the nearest drawn character."""
        if self._layout is None or not 0 <= y < len(self._layout.rows):
            return None
        row = self._layout.rows[y]
        line = row.line
        if line is None or not line.text or line.cells <= 0:
            return None
        cell = min(max(0, x - row.pad), line.cells - 1)
        offset = logical_offset_at(line, cell)
        if offset is None:
            return None
        return row.block, offset

    def sentence_at(self, x: int, y: int) -> int | None:
        """The sentence drawn at virtual position (x, y), or None."""
        hit = self._position_to_logical(x, y)
        if hit is None:
            return None
        block_index, offset = hit
        best: int | None = None
        best_distance = None
        for number, start, end in self._blocks[block_index].sentences:
            if start <= offset < end:
                return number
            distance = min(abs(offset - start), abs(offset - end))
            if best_distance is None or distance < best_distance:
                best, best_distance = number, distance
        return best

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset.x + int(self.scroll_x), offset.y + int(self.scroll_y)
        number = self.sentence_at(x, y)
        if number is not None:
            hit = self._position_to_logical(x, y)
            start = self._sentence_spans[hit[0]].get(number, (0, 0))[0] if hit else 0
            self.post_message(self.SentenceClicked(self, number, hit[1] - start if hit else None))

    # ------------------------------------------------------------------ selection

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The logical text under a selection: for every block touched, the logical span
        from the first to the last selected character (visual order never leaks out)."""
        layout = self._layout
        if layout is None or not layout.rows:
            return None
        first_y = 0 if selection.start is None else selection.start.y
        last_y = len(layout.rows) - 1 if selection.end is None else min(selection.end.y, len(layout.rows) - 1)
        picked: dict[int, list[int]] = {}
        order: list[int] = []
        for y in range(max(0, first_y), last_y + 1):
            row = layout.rows[y]
            if row.line is None:
                continue
            span = selection.get_span(y)
            if span is None:
                continue
            a, b = span
            drawn = row.pad + len(row.line.text)
            if b == -1 or b > drawn:
                b = drawn
            a = max(a - row.pad, 0)
            b = max(b - row.pad, 0)
            if a >= b:
                continue
            offsets = list(row.line.logical_index[a:b])
            # A lam-alef ligature glyph also stands for its alef.
            offsets.extend(o for k, o in row.line.extra_index if a <= k < b)
            if row.block not in picked:
                picked[row.block] = []
                order.append(row.block)
            picked[row.block].extend(offsets)
        if not picked:
            return None
        parts = []
        for index in order:
            offsets = picked[index]
            text = self._blocks[index].text
            parts.append(text[min(offsets) : max(offsets) + 1])
        return "\n".join(parts), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
