"""Custom messages exchanged between qari's workers, widgets and the App.

Workers run in threads and talk to the App only through these messages (`post_message` is
thread-safe), so no widget is ever touched off the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class TranslatorReady(Message):
    """The translation worker loaded a model."""

    model_name: str
    total: int


@dataclass
class NoModel(Message):
    """The translator factory raised NoModelError; `text` is its message, shown verbatim."""

    text: str


@dataclass
class TranslationFailed(Message):
    """Translation stopped with an unexpected error (one line)."""

    text: str


@dataclass
class SentenceTranslated(Message):
    """One sentence finished translating (`number` is the article sentence number)."""

    number: int
    text: str
    fresh: bool = False
    """True for a forced re-translation (`r`), which bypassed the cache."""


@dataclass
class TranslationProgress(Message):
    """Progress of the background translation: `done` of `total` sentences."""

    done: int
    total: int
    eta: float | None
    """Estimated seconds left, or None while unknown."""


@dataclass
class TranslationFinished(Message):
    """Every sentence of the article has a translation."""

    total: int
    seconds: float


@dataclass
class SummaryReady(Message):
    """A summary was computed (`numbers` are article sentence numbers, ascending)."""

    generation: int
    algorithm: str
    count: int
    numbers: list[int]
    algorithms: tuple[str, ...]


@dataclass
class SummaryFailed(Message):
    generation: int
    text: str


@dataclass
class InstallProgress(Message):
    """Progress of the model install flow (`fraction` in 0..1 or None when unknown)."""

    text: str
    fraction: float | None = None


@dataclass
class InstallFinished(Message):
    ok: bool
    text: str
