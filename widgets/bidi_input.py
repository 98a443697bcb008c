"""An `Input` whose Arabic is drawn like the panes draw it: shaped and in visual order.

Terminals neither shape nor reorder, so Arabic typed into a plain `Input` shows as isolated
letters in reverse order. The value stays logical (what the reader typed, what is searched or
saved); only what is drawn goes through `reader.text.visual_text.visual_inline`.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from reader.text.visual_text import visual_inline


class BidiInput(Input):
    def __init__(self, *args, shape: bool = True, reorder: bool = True, **kwargs) -> None:
        self.shape = shape  # set first: Input draws its initial value while it initialises
        self.reorder = reorder
        super().__init__(*args, **kwargs)

    @property
    def _value(self) -> Text:
        shown = visual_inline(self.value, shape=self.shape, reorder=self.reorder)
        return Text(shown, no_wrap=True, overflow="ignore", end="")
