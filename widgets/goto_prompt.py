"""`:` — go to sentence N (1-based, as the position in the pane title shows it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GotoPrompt(ModalScreen[int | None]):
    """Ask for a sentence number; dismisses with it (1..total) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    GotoPrompt { align: center middle; }
    GotoPrompt > Vertical {
        width: 40; max-width: 90%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Go to sentence"
            yield Label(f"1–{self.total}, Enter: go · Esc: cancel")
            yield Input(placeholder="number", id="goto-number")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Only digits are kept; anything else typed is answered (not silently dropped)."""
        digits = "".join(ch for ch in event.value if ch.isdecimal() and ch.isascii())
        if digits != event.value:
            event.input.value = digits
            self.app.notify(f"Type a sentence number, 1–{self.total}", severity="warning", timeout=2)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            number = int(event.value)
        except ValueError:
            self.dismiss(None)
            return
        self.dismiss(max(1, min(self.total, number)))

    def action_cancel(self) -> None:
        self.dismiss(None)
