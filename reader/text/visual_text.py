"""Short texts as drawn on one terminal line: Arabic runs in visual order and shaped.

The panes lay whole paragraphs out with :func:`reader.text.bidi.layout_paragraph`; titles, list
rows, notifications, dialogs and the help need the same pipeline for one line of text.
Separate from :mod:`reader.text.bidi` (the layout engine itself) because these are its small
callers for single lines, shared by every screen in ``widgets/``; they are pure functions
of the text, so they live in the core and are tested without Textual.
"""

from __future__ import annotations

from reader.text.arabic import ARABIC_LETTER_RE as ARABIC_RUN
from reader.text.bidi import layout_paragraph

__all__ = ["visual_inline", "visual_one_line"]


def visual_one_line(text: str, width: int, *, rtl: bool = True, shape: bool = True, reorder: bool = True) -> str:
    """`text` as one visual line of at most `width` cells (for titles and lists); a longer
    text is cut at its logical end and marked with an ellipsis on the line's end side."""
    text = " ".join(text.split())
    if not text:
        return ""
    lines = layout_paragraph(text, max(2, width - 1), rtl=rtl, shape=shape and rtl, reorder=reorder and rtl)
    if not lines:
        return ""
    first = lines[0].text
    if len(lines) == 1:
        return first
    return ("…" + first) if rtl and reorder else (first + "…")


def visual_inline(text: str, *, shape: bool = True, reorder: bool = True) -> str:
    """A left-to-right message (a notification, a dialog line) with its Arabic runs in visual
    order and shaped, as the panes draw Arabic; lines are kept, nothing is cut."""
    if not reorder or not ARABIC_RUN.search(text):
        return text
    out = []
    for line in text.split("\n"):
        laid = layout_paragraph(line, max(1, len(line) * 2 + 2), rtl=False, shape=shape, reorder=True)
        out.append("".join(l.text for l in laid))
    return "\n".join(out)
