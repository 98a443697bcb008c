"""When the reader is busy: background threads step aside for the UI thread.

Python runs one thread at a time. A thread doing Python work (the background layout of a long
article, the translation job between CTranslate2 calls) takes the interpreter from the UI
thread about half of the time it wants it, and a key then takes twice as long to answer. The
panes call `reader_active` on every cursor move, scroll and resize; background work calls
`wait_while_active` at its safe points and waits until the reader pauses.
"""

from __future__ import annotations

import time
from typing import Callable

READER_ACTIVE_SECONDS = 0.3
"""How long after a key, a scroll or a resize the reader counts as busy."""

_active_until = [0.0]  # time.monotonic() until which the reader is busy


def reader_active() -> None:
    """The reader just did something (a key, a scroll, a resize)."""
    _active_until[0] = time.monotonic() + READER_ACTIVE_SECONDS


def is_active() -> bool:
    return time.monotonic() < _active_until[0]


def wait_while_active(limit: float, *, stop: Callable[[], bool] = lambda: False, step: float = 0.02) -> float:
    """Sleep while the reader is busy, at most `limit` seconds, or until `stop()`; the seconds
    waited. A cap, so work that must progress (translation while a key is held down) does."""
    start = time.monotonic()
    while is_active() and not stop():
        left = limit - (time.monotonic() - start)
        if left <= 0:
            break
        time.sleep(min(step, left))
    return time.monotonic() - start
