"""What the batch modules pass each other: settings, a task, a result, hashes, output names.

Separate so that discovery (:mod:`reader.batch.sources`), the work on one article
(:mod:`reader.batch.per_article`), the engines (:mod:`reader.batch.engine`), the manifest and
the driver share one definition of these plain values without importing each other. Every
value here is plain data: it crosses process boundaries (a spawned pool, Dask workers).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reader.untrusted import one_line

OUTPUT_VERSION = 1
"""Bump when the rendered outputs change: finished articles are then done again."""
DEFAULT_MAX_BYTES = 5_000_000
FORMATS = {"jsonl": ".jsonl", "markdown": ".md"}
_STEM_BYTES = 150  # a stem's UTF-8 bytes before its hash: names stay under 255 bytes


class BatchError(Exception):
    """The run cannot go on (unwritable OUTDIR, full disk, no scheduler...): one line."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --- settings and tasks ----------------------------------------------------------------------

@dataclass(frozen=True)
class BatchSettings:
    """What is produced and how the engine runs. Only :meth:`output_key` fields change outputs."""

    formats: tuple[str, ...] = ("jsonl",)
    algorithm: str = "news"
    summary_count: int | None = None
    summary_ratio: float | None = None
    encoding: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    device: str = "cpu"
    compute_type: str | None = None
    inter_threads: int | None = None
    intra_threads: int | None = None
    batch_tokens: int | None = None
    use_cache: bool = True
    decoding: Any = None  # a reader.translation.translate.DecodingOptions (library use, benchmarks); None = Argos's

    def output_key(self) -> str:
        return json.dumps({"v": OUTPUT_VERSION, "formats": sorted(self.formats), "algorithm": self.algorithm,
                           "count": self.summary_count, "ratio": self.summary_ratio, "encoding": self.encoding},
                          sort_keys=True)


@dataclass(frozen=True)
class Task:
    """One article to do, as sent to a worker: its bytes (read by the client, so workers on
    other machines need no shared filesystem), its text (a JSON-lines record) or its URL."""

    id: str
    source: str
    kind: str  # "bytes" | "text" | "url"
    data: bytes | str
    suffix: str = ".txt"
    input_hash: str | None = None  # None for a URL until fetched


@dataclass
class Item:
    """A discovered article: ``load()`` gives its Task (reading the file then), or raises
    ``ArticleError`` (unreadable, too big); ``error`` is a problem found while listing."""

    id: str
    source: str
    load: Callable[[], Task]
    error: str | None = None


@dataclass
class Result:
    """What comes back for one article (plain data: it crosses process boundaries)."""

    id: str
    source: str
    status: str  # "done" | "failed" | "unchanged"
    input_hash: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format -> text
    sentences: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    model_key: str | None = None
    worker: str = ""


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def job_key(input_hash: str, settings: BatchSettings, model_key: str | None) -> str:
    return sha256(f"{input_hash}\n{settings.output_key()}\n{model_key or 'no-model'}")


_UNSAFE = re.compile(r"[^\w.\-]+")
_HASHED = re.compile(r"-[0-9a-f]{10}$")


def output_stem(article_id: str) -> str:
    """A file-name-safe stem for an article id, different for every id.

    An id that is already a safe, short name is its own stem. Any other id (unsafe characters,
    over :data:`_STEM_BYTES` UTF-8 bytes, or itself ending like a hash) gets a slug plus
    ``-`` and 10 hex digits of its hash. Only the second kind ends in such a suffix, so an id
    equal to another id's stem ("a_b-0123456789") cannot take that id's files.
    """
    slug = _UNSAFE.sub("_", article_id).strip("._")
    cut = slug.encode("utf-8", "surrogatepass")[:_STEM_BYTES].decode("utf-8", "ignore") or "article"
    if cut != article_id or _HASHED.search(article_id):
        cut = f"{cut}-{sha256(article_id)[:10]}"
    return cut


def output_names(article_id: str, formats: Sequence[str]) -> dict[str, str]:
    stem = output_stem(article_id)
    return {fmt: stem + FORMATS[fmt] for fmt in formats}


def too_big(source: str, size: int, limit: int) -> str:
    return f"{source}: too big ({size:,} bytes; the batch limit is {limit:,}, see --max-bytes)"


def error_line(message: str) -> str:
    line = " ".join(one_line(message).split())
    return line[:500]


@dataclass
class RunSummary:
    articles: int = 0
    done: int = 0
    unchanged: int = 0
    failed: int = 0
    sentences: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"done": self.done, "unchanged": self.unchanged, "failed": self.failed, "sentences": self.sentences}
