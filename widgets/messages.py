"""Custom messages exchanged between qari's workers, widgets and the App.

Workers run in threads and talk to the App only through these messages (`post_message` is
thread-safe), so no widget is ever touched off the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message


if TYPE_CHECKING:
    from reader.translation.translation_job import JobUpdate


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
class TranslationBatch(Message):
    """Translations finished together (one CTranslate2 batch, or the cache hits) and the
    progress after them (`reader.translation.translation_job.JobUpdate`)."""

    update: "JobUpdate"


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


@dataclass
class LookupReady(Message):
    """A word was looked up (`result` is a `reader.text.morphology.WordLookup`, None on `error`)."""

    result: object
    error: str | None = None


@dataclass
class UnknownWordsReady(Message):
    """`u` found the words to underline: {sentence number: [(start, end)]}, None on `error`."""

    spans: dict | None
    error: str | None = None
    common: int = 0
    library: bool = True


@dataclass
class ArticleOpened(Message):
    """`o` loaded an article (`article`, a `reader.model.Article`), or failed with `error`."""

    article: object
    error: str | None = None


@dataclass
class ArticleRecorded(Message):
    """The library recorded the open article: `state` is its `reader.store.library.ReadingState`."""

    state: object


@dataclass
class FeedItemOpened(Message):
    """A feed item's article was loaded (`opened`: (Article, sentence); `item`: the item, now
    read and holding the library id of its article), or failed (`error`); `screen` is the
    feed screen it was chosen on."""

    screen: object
    opened: tuple | None = None
    error: str | None = None
    item: object = None
