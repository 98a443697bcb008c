"""The terminal's own bidi mode, for the session (`reader.app.QariApp`).

VTE terminals (GNOME Terminal, Konsole...) may reorder right-to-left text by themselves; qari
lays it out already, so in `--bidi app` mode it asks them not to (ECMA-48 BDSM reset,
explicit mode) and, in `--bidi terminal` mode, to do it (implicit mode); `run_app` restores
the default on exit. Written once per session: every article shares the terminal.
"""

from __future__ import annotations

import sys
from typing import Any

VTE_EXPLICIT = "\x1b[8l"
"""BDSM reset: the terminal must not reorder (qari already laid the text out visually)."""
VTE_IMPLICIT = "\x1b[8h"
"""BDSM set: the terminal reorders by itself (its default)."""


def write_bidi_mode(driver: Any, *, reorder: bool) -> Any:
    """Ask VTE terminals not to reorder our (already visual) lines (BDSM reset, explicit
    mode), or, in `--bidi terminal` mode, to reorder our logical lines (BDSM set, implicit
    mode). Only when the driver writes to a real terminal; returns that terminal's stream (for
    `restore_bidi_mode`), or None when nothing was written."""
    if driver is None:
        return None
    stream = getattr(driver, "_file", None) or sys.__stderr__
    try:
        if stream is None or not stream.isatty():
            return None
        driver.write(VTE_EXPLICIT if reorder else VTE_IMPLICIT)
        driver.flush()
        return stream
    except Exception:  # pragma: no cover - a terminal that cannot take it
        return None


def restore_bidi_mode(stream: Any) -> None:
    """Put a VTE terminal back in its default implicit bidi mode if we changed it."""
    if stream is None:
        return
    try:
        stream.write(VTE_IMPLICIT)
        stream.flush()
    except Exception:  # pragma: no cover - the terminal went away
        pass
