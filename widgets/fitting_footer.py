"""A footer that shows whole keys only.

Textual's `Footer` lays its keys out in a row and the window edge cuts the last one mid-word
(`/ Sea`), which reads as a broken key. This one leaves out the keys that do not fit entirely
(the `?` help screen lists them all); the command palette key stays at the right edge.

The reader mounts it once the article is on screen (`widgets.footer_slot`).
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class FittingFooter(Footer):
    def on_resize(self) -> None:
        self._fit()

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self._fit)

    def on_mount(self) -> None:
        # Textual's footer waits for the screen's next bindings change to show any key; one
        # mounted into a screen already showing (`FooterSlot.fill`) shows them now.
        self._bindings_ready = True
        self.call_after_refresh(self.recompose)

    def on_descendant_mount(self) -> None:
        """A recompose mounts its keys after `recompose` returns: fit again once each is in
        (fitting before they are all there left the last key cut now and then)."""
        self.call_after_refresh(self._fit)

    def _key_width(self, key: FooterKey) -> int:
        """The cells a key takes (text, padding, margin), from its content: it does not depend
        on a layout that may not have happened yet."""
        styles = key.styles
        return key.get_content_width(self.size, self.app.size) + styles.gutter.width + styles.margin.width

    def _fit(self) -> None:
        width = self.size.width
        if width <= 0:
            return
        every = list(self.query(FooterKey))
        palette = [key for key in every if key.has_class("-command-palette")]
        room = width - sum(self._key_width(key) for key in palette)
        used, hidden = 0, False
        for key in every:
            if key in palette:
                continue
            used += self._key_width(key)
            hidden = hidden or used > room
            key.display = not hidden
