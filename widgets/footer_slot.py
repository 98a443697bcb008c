"""The footer's row, kept empty until the article is on screen.

A footer is a widget per key, each styled and laid out, and it composes them again whenever
the focus moves: about a tenth of the reader's start-up. `FooterSlot` holds its row (same
place, same colour) for the first frame; `FooterSlot.fill` then puts the footer in (this
module does not import it: neither is Textual's footer module loaded before the first frame).
"""

from __future__ import annotations

from textual.widget import Widget


class FooterSlot(Widget):
    """The footer's row, empty, until `fill` mounts the footer in its place."""

    DEFAULT_CSS = """
    FooterSlot {
        dock: bottom;
        height: 1;
        background: $footer-background;
    }
    """

    async def fill(self) -> None:
        from widgets.fitting_footer import FittingFooter

        await self.screen.mount(FittingFooter(), after=self)
        await self.remove()
