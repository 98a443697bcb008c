"""Safe points where long background work steps aside for an interactive reader.

Python runs one thread at a time. In the reader, the summary, the lexicon load and the
translation job run in worker threads while the UI thread answers keys; each of them takes the
interpreter from the UI thread about as often as it wants it, so a key pressed while three of
them run waits three times as long. Their long loops call `checkpoint()`; the reader installs
a wait there (`set_checkpoint`: sleep while keys are being pressed, within a cap). Headless
use (`qari translate`, `qari summarize`, batch, the library API) installs nothing, and a
checkpoint is then a no-op. A checkpoint never waits on the main thread (where the UI runs).
"""

from __future__ import annotations

import threading
from typing import Callable

_wait: list[Callable[[], float] | None] = [None]


def set_checkpoint(wait: Callable[[], float] | None) -> None:
    """Install (or, with None, remove) what a checkpoint does: a call that may block the
    calling worker thread and returns the seconds it waited."""
    _wait[0] = wait


def checkpoint() -> float:
    """Let the reader have the interpreter if it is busy; the seconds waited (0.0 if none)."""
    wait = _wait[0]
    if wait is None or threading.current_thread() is threading.main_thread():
        return 0.0
    return wait()
