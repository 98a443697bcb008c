"""Safe points where long background work steps aside for an interactive reader.

Python runs one thread at a time. In the reader, the summary, the lexicon load and the
translation job run in worker threads while the UI thread answers keys; each of them takes the
interpreter from the UI thread about as often as it wants it, so a key pressed while three of
them run waits three times as long. Their long loops call `checkpoint()`; the reader installs
a wait there (`set_checkpoint`: sleep while keys are being pressed, within a cap). Headless
use (`qari translate`, `qari summarize`, batch, the library API) installs nothing, and a
checkpoint is then a no-op. A checkpoint never waits on the main thread (where the UI runs).
When the reader quits, a checkpoint raises `Stopped`: the work is abandoned at once instead of
holding the exit (Python waits for worker threads before it ends).
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

_wait: list[Callable[[], float] | None] = [None]


class Stopped(BaseException):
    """Raised at a checkpoint when the reader is quitting. What the work finished is kept
    (the translation cache is written per batch). A BaseException, so the `except Exception`
    around a worker's job does not report it as a failure."""


def set_checkpoint(wait: Callable[[], float] | None) -> None:
    """Install (or, with None, remove) what a checkpoint does: a call that may block the
    calling worker thread and returns the seconds it waited, or raises `Stopped`."""
    _wait[0] = wait


def checkpoint() -> float:
    """Let the reader have the interpreter if it is busy; the seconds waited (0.0 if none)."""
    wait = _wait[0]
    if wait is None or threading.current_thread() is threading.main_thread():
        return 0.0
    return wait()


def paced(items: Iterable[T], every: int = 64) -> Iterator[T]:
    """`items`, with a `checkpoint()` before the first and then every `every` of them: how a
    long loop steps aside for the reader without a checkpoint (a call) per item."""
    for n, item in enumerate(items):
        if not n % every:
            checkpoint()
        yield item
