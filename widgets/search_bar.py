"""The search input (`/`), docked at the bottom while open."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from widgets.bidi_input import BidiInput


class SearchBar(BidiInput):
    """Type a query, Enter searches, Esc closes. An Arabic query is drawn shaped and in visual
    order, like the panes; the value stays logical."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False)]

    class Closed(Message):
        pass

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="Search Arabic or English (Enter: search, Esc: close; /=word: by lemma)",
                         **kwargs)

    def action_close(self) -> None:
        self.post_message(self.Closed())
