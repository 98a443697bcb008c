"""Marks: `m` marks the current sentence (with an optional short note), `'` lists the marks of
this article and jumps to one. Marks live in the library (`reader.store.library`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.text.visual_text import visual_inline, visual_one_line
from widgets.bidi_input import BidiInput


class MarkNote(ModalScreen[str | None]):
    """Ask for an optional note; dismisses with it ("" for none) or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    MarkNote { align: center middle; }
    MarkNote > Vertical { width: 60; max-width: 90%; height: auto; border: round $accent;
                          background: $surface; padding: 0 1; }
    """

    def __init__(self, number: int, *, shape: bool = True, reorder: bool = True) -> None:
        super().__init__()
        self.number = number
        self.shape = shape
        self.reorder = reorder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Mark sentence {self.number + 1}"
            yield Label("A short note (optional) · Enter: mark · Esc: cancel")
            yield BidiInput(placeholder="note", max_length=200, id="mark-note", shape=self.shape, reorder=self.reorder)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class MarksScreen(ModalScreen[int | None]):
    """The marks of one article; dismisses with the chosen sentence number (or None)."""

    BINDINGS = [Binding("escape,apostrophe,q", "cancel", "Close")]
    DEFAULT_CSS = """
    MarksScreen { align: center middle; }
    MarksScreen > Vertical { width: 80%; max-width: 100; height: 70%; border: round $accent;
                             background: $surface; padding: 0 1; }
    MarksScreen OptionList { height: 1fr; }
    """

    def __init__(self, marks: list, sentences: list, *, shape: bool = True, reorder: bool = True) -> None:
        super().__init__()
        self.marks = marks
        self.sentences = sentences
        self.shape = shape
        self.reorder = reorder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Marks"
            yield Label("Enter: go to the sentence · Esc: close" if self.marks else "No marks yet: m marks a sentence.")
            yield OptionList(id="marks")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        width = max(20, options.scrollable_content_region.width - 1)
        for mark in self.marks:
            number = mark.number
            note = visual_inline(" ".join(mark.note.split()), shape=self.shape, reorder=self.reorder) if mark.note else ""
            head = f"{number + 1:>4}  " + (f"{note} · " if note else "")
            text = self.sentences[number].text if number < len(self.sentences) else ""
            label = Text(head, style="bold")
            label.append(visual_one_line(text, max(8, width - len(head)), rtl=True, shape=self.shape,
                                         reorder=self.reorder))
            options.add_option(Option(label, id=str(number)))
        if self.marks:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:  # every option here is made with its number as id
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
