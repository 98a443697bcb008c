"""The search input (`/`), docked at the bottom while open."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from widgets.article_pane import visual_inline


class SearchBar(Input):
    """Type a query, Enter searches, Esc closes. An Arabic query is drawn in visual order and
    shaped, like the panes (terminals neither reorder nor shape); the value stays logical."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False)]

    class Closed(Message):
        pass

    def __init__(self, *, shape: bool = True, reorder: bool = True, **kwargs) -> None:
        super().__init__(placeholder="Search Arabic or English (Enter: search, Esc: close)", **kwargs)
        self.shape = shape
        self.reorder = reorder

    @property
    def _value(self) -> Text:
        shown = visual_inline(self.value, shape=self.shape, reorder=self.reorder)
        return Text(shown, no_wrap=True, overflow="ignore", end="")

    def action_close(self) -> None:
        self.post_message(self.Closed())
