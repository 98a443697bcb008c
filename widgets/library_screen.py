"""The library screen: the articles read, most recent first, filtered as you type.

Dismisses with the chosen entry's id (the App reopens it with
``reader.store.library.resume_article(library, id)``) or None. ``d`` removes the highlighted entry
after a confirmation (:class:`ConfirmRemove`). The data comes from ``Library.recent`` (one SQL
query, folded keys stored beside each title), and only the first ``MAX_ROWS`` matches are
fetched and laid out (``Library.count`` gives the total): shaping and reordering 10,000 Arabic titles would cost far more than finding them, and
nobody scrolls past a few hundred rows instead of typing two more letters.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from reader.store.library import Entry, Library
from reader.untrusted import one_line
from reader.text.visual_text import visual_one_line
from widgets.bidi_input import BidiInput

MAX_ROWS = 300


def entry_label(entry: Entry, width: int, *, now: float | None = None, shape: bool = True,
                reorder: bool = True, difficulty: float | None = None, show_difficulty: bool = False) -> Text:
    """One row: when, position/total, with `show_difficulty` the difficulty (share of its
    lemmas neither known nor frequent, `reader.store.vocabulary`; `-` until computed), then the
    title laid out right-to-left in what is left."""
    now = time.time() if now is None else now
    stamp = time.localtime(entry.opened_at)
    when = time.strftime("%H:%M" if now - entry.opened_at < 86400 else "%Y-%m-%d", stamp)
    where = f"{min(entry.position + 1, entry.sentences)}/{entry.sentences}"
    hard = (f" {difficulty:4.0%}" if difficulty is not None else "    -") if show_difficulty else ""
    head = f"{when:>10} {where:>9}{hard}  "
    label = Text(head, style="dim")
    title = one_line(entry.title or entry.source)  # stored from outside, maybe by an older qari
    label.append(visual_one_line(title, max(4, width - len(head)), rtl=True, shape=shape, reorder=reorder))
    return label


class ConfirmRemove(ModalScreen[bool]):
    """Yes/no before an entry leaves the library (its text is not kept anywhere else)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Remove", show=False),
        Binding("n,escape", "answer(False)", "Keep", show=False),
    ]

    DEFAULT_CSS = """
    ConfirmRemove { align: center middle; }
    ConfirmRemove > Vertical {
        width: 70%; max-width: 80; height: auto;
        border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmRemove Horizontal { height: auto; margin-top: 1; }
    ConfirmRemove Button { margin-right: 2; }
    """

    def __init__(self, entry: Entry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Remove from the library?"
            yield Static(Text(visual_one_line(one_line(self.entry.title or self.entry.source), 70)), id="confirm-title")
            yield Label("Its stored text, position and marks are removed. y: remove · n/Esc: keep")
            with Horizontal():
                yield Button("Remove", id="confirm-yes", variant="error")
                yield Button("Keep", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class LibraryScreen(ModalScreen[str | None]):
    """Pick an article from the library; dismisses with its id (or None)."""

    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        # Priority: the filter (an Input) would take ctrl+d as "delete right".
        Binding("ctrl+d", "remove", "Remove", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    LibraryScreen { align: center middle; }
    LibraryScreen > Vertical {
        width: 90%; max-width: 120; height: 85%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    LibraryScreen #library-count { color: $text-muted; height: 1; }
    LibraryScreen OptionList { height: 1fr; }
    """

    def __init__(self, library: Library, *, shape: bool = True, reorder: bool = True,
                 common_words: int | None = None) -> None:
        super().__init__()
        self.library = library
        self.common_words = common_words
        """Frequency threshold of the difficulty column (None: no difficulty shown)."""
        self.difficulty: dict[str, float] = {}
        self._profiling = False
        self.shape = shape
        self.reorder = reorder
        self.entries: list[Entry] = []
        self._warned = len(library.warnings)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Library"
            yield BidiInput(placeholder="filter: title or source (tashkeel and alef forms ignored)",
                            id="library-filter", shape=self.shape, reorder=self.reorder)
            yield Label("Enter: open · ↑/↓: choose · d (in the list) or ctrl+d: remove · Esc: close"
                        + (" · % = difficulty (unknown, rare words)" if self.common_words else ""),
                        id="library-help")
            yield Label("", id="library-count")
            yield OptionList(id="library-list")

    def on_mount(self) -> None:
        self.query_one("#library-filter", Input).focus()
        # Rows are laid out for the list's real width, known once it is arranged.
        self.call_after_refresh(self.refresh_entries)

    # -- data -------------------------------------------------------------------------------

    def refresh_entries(self) -> None:
        """Query the library with the current filter and redraw the list."""
        text = self.query_one("#library-filter", Input).value
        self.entries = self.library.recent(limit=MAX_ROWS, filter=text or None)
        total = len(self.entries) if len(self.entries) < MAX_ROWS else self.library.count(filter=text or None)
        options = self.query_one("#library-list", OptionList)
        width = max(16, options.scrollable_content_region.width - 1)
        now = time.time()
        shown = self.entries
        if self.common_words:
            from reader.store.vocabulary import Vocabulary

            self.difficulty = Vocabulary(self.library).difficulties([e.id for e in shown], self.common_words,
                                                                    compute=False)
            missing = [e.id for e in shown if e.id not in self.difficulty]
            if missing and not self._profiling:
                self._profiling = True
                self._compute_difficulties(missing)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(
            Option(entry_label(e, width, now=now, shape=self.shape, reorder=self.reorder,
                               difficulty=self.difficulty.get(e.id), show_difficulty=bool(self.common_words)),
                   id=e.id) for e in shown
        )
        if shown:
            options.highlighted = 0 if highlighted is None else min(highlighted, len(shown) - 1)
        count = self.query_one("#library-count", Label)
        if not self.entries:
            count.update("no entry matches" if text.strip() else "the library is empty")
        elif total > len(shown):
            count.update(f"{total} entries, the {len(shown)} most recent shown: type to narrow")
        else:
            count.update(f"{total} {'entry' if total == 1 else 'entries'}")
        self._report_warnings()

    @work(thread=True, group="library-difficulty", exit_on_error=False)
    def _compute_difficulties(self, article_ids: list[str]) -> None:
        """Profile the listed articles that have none yet (lexicon and wordfreq, in a worker;
        stored, so this happens once per article), then redraw the list."""
        from reader.text.morphology import LexiconUnavailable
        from reader.store.vocabulary import Vocabulary

        if self.common_words is None:
            return
        try:
            Vocabulary(self.library).difficulties(article_ids, self.common_words)
        except LexiconUnavailable:
            return
        self.post_message(self.DifficultiesComputed())

    class DifficultiesComputed(Message):
        """The worker stored the listed articles' profiles: the list can show them."""

    def on_library_screen_difficulties_computed(self, message: DifficultiesComputed) -> None:
        self._profiling = False
        if self.is_attached:
            self.refresh_entries()

    def _report_warnings(self) -> None:
        for message in self.library.warnings[self._warned:]:
            self.notify(message, severity="warning", timeout=8)
        self._warned = len(self.library.warnings)

    def highlighted_entry(self) -> Entry | None:
        index = self.query_one("#library-list", OptionList).highlighted
        if index is None or not (0 <= index < len(self.entries)):
            return None
        return self.entries[index]

    # -- events -----------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_entries()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        entry = self.highlighted_entry()
        if entry is not None:
            self.dismiss(entry.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def on_key(self, event) -> None:
        # `d` removes only when the list has the focus: in the filter it is a letter. Any
        # other character typed in the list goes on filtering.
        if not isinstance(self.focused, OptionList):
            return
        if event.key == "d":
            event.stop()
            event.prevent_default()
            self.action_remove()
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            field = self.query_one("#library-filter", BidiInput)
            field.focus()
            field.insert_text_at_cursor(event.character)

    # -- actions ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """`↓`/`↑`: choose an entry; the focus goes to the list, where `d` removes it."""
        options = self.query_one("#library-list", OptionList)
        if options.option_count == 0:
            return
        if not options.has_focus:
            options.focus()
        current = options.highlighted if options.highlighted is not None else -step
        options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_remove(self) -> None:
        entry = self.highlighted_entry()
        if entry is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                if self.library.remove(entry.id):
                    self.notify("removed from the library", timeout=3)
                self.refresh_entries()

        self.app.push_screen(ConfirmRemove(entry), done)

    def action_cancel(self) -> None:
        self.dismiss(None)
