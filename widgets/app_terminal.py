"""The terminal's own bidi mode, as part of the App.

VTE terminals (GNOME Terminal, Konsole...) may reorder right-to-left text by themselves; qari
lays it out already, so in `--bidi app` mode it asks them not to (ECMA-48 BDSM reset,
explicit mode) and, in `--bidi terminal` mode, to do it (implicit mode); `run_app` restores
the default on exit. Mixed into `reader.app.QariApp`.
"""

from __future__ import annotations

import sys

VTE_EXPLICIT = "\x1b[8l"
"""BDSM reset: the terminal must not reorder (qari already laid the text out visually)."""
VTE_IMPLICIT = "\x1b[8h"
"""BDSM set: the terminal reorders by itself (its default)."""


class TerminalModes:
    """The BDSM escape on start for `QariApp`."""

    def _write_bidi_mode(self) -> None:
        """Ask VTE terminals not to reorder our (already visual) lines (BDSM reset, explicit
        mode), or, in `--bidi terminal` mode, to reorder our logical lines (BDSM set, implicit
        mode). Only when the driver writes to a real terminal; `run_app` restores it on exit."""
        if self.is_headless or self._driver is None:
            return
        stream = getattr(self._driver, "_file", None) or sys.__stderr__
        try:
            if stream is None or not stream.isatty():
                return
            self._driver.write(VTE_EXPLICIT if self.reorder else VTE_IMPLICIT)
            self._driver.flush()
            self._bdsm_stream = stream
        except Exception:  # pragma: no cover - a terminal that cannot take it
            pass



def restore_bidi_mode(app) -> None:
    """Put a VTE terminal back in its default implicit bidi mode if we changed it."""
    stream = app._bdsm_stream
    if stream is None:
        return
    try:
        stream.write(VTE_IMPLICIT)
        stream.flush()
    except Exception:  # pragma: no cover - the terminal went away
        pass
    app._bdsm_stream = None

