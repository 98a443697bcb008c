"""The search input (`/`), docked at the bottom while open."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Type a query, Enter searches, Esc closes."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False)]

    class Closed(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="Search Arabic or English (Enter: search, Esc: close)", **kwargs)

    def action_close(self) -> None:
        self.post_message(self.Closed())
