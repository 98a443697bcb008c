"""When the reader is busy: background threads step aside for the UI thread.

Python runs one thread at a time. A thread doing Python work (the background layout of a long
article, the translation job between CTranslate2 calls) takes the interpreter from the UI
thread about half of the time it wants it, and a key then takes twice as long to answer. The
panes call `reader_active` on every cursor move, scroll and resize; background work waits at
its safe points until the reader pauses: the background layout calls `wait_while_active`, the
core's long loops call `reader.background.checkpoint`, which the App points at
`checkpoint_wait` while it runs.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from reader.background import Stopped

READER_ACTIVE_SECONDS = 0.3
"""How long after a key, a scroll or a resize the reader counts as busy."""

CHECKPOINT_WAIT_LIMIT = 1.0
"""Seconds a checkpoint waits at most: then the work goes on, so a key held down (or a reader
paging for minutes) slows it but never stops it."""

_active_until = [0.0]  # time.monotonic() until which the reader is busy
_released = threading.Event()  # set while the reader quits: nothing waits any more


def reader_active() -> None:
    """The reader just did something (a key, a scroll, a resize)."""
    _active_until[0] = time.monotonic() + READER_ACTIVE_SECONDS


def is_active() -> bool:
    return time.monotonic() < _active_until[0]


def wait_while_active(limit: float, *, stop: Callable[[], bool] = lambda: False, step: float = 0.02) -> float:
    """Sleep while the reader is busy, at most `limit` seconds, or until `stop()`; the seconds
    waited. A cap, so work that must progress (translation while a key is held down) does."""
    start = time.monotonic()
    while is_active() and not stop() and not _released.is_set():
        left = limit - (time.monotonic() - start)
        if left <= 0:
            break
        time.sleep(min(step, left))
    return time.monotonic() - start


def checkpoint_wait() -> float:
    """What `reader.background.checkpoint` does in the reader: wait while the reader is busy,
    at most `CHECKPOINT_WAIT_LIMIT` s; once the reader quits, stop the work
    (`reader.background.Stopped`)."""
    waited = wait_while_active(CHECKPOINT_WAIT_LIMIT)
    if _released.is_set():
        raise Stopped
    return waited


def release_waits(released: bool = True) -> None:
    """Quitting: every wait returns now (and later ones at once); False when a reader starts."""
    if released:
        _released.set()
    else:
        _released.clear()
