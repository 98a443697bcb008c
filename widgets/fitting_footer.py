"""A footer that shows whole keys only.

Textual's `Footer` lays its keys out in a row and the window edge cuts the last one mid-word
(`/ Sea`), which reads as a broken key. This one leaves out the keys that do not fit entirely
(the `?` help screen lists them all); the command palette key stays at the right edge.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    def on_resize(self) -> None:
        # A wider window may fit keys left out before: show them all, then fit again.
        for key in self.query(FooterKey):
            key.display = True
        self.call_after_refresh(self._fit)

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        keys = [key for key in self.query(FooterKey) if not key.has_class("-command-palette")]
        palette = [key for key in self.query(FooterKey) if key.has_class("-command-palette")]
        right = self.region.right - sum(key.outer_size.width for key in palette)
        hidden = False
        for key in keys:
            hidden = hidden or key.region.right > right
            key.display = not hidden
