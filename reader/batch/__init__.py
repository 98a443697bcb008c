"""Batch work: many articles translated and summarized into an output folder, resumably.

The unit of work is one article. Per article: load (decode, segment), summarize, translate
every sentence, render the outputs (JSONL: the ``qari translate`` schema plus ``article`` and
``summary`` per sentence; Markdown: summary then the bilingual text). Only the client writes:
each output file atomically (:func:`reader.export.write_text_atomic`), then the article's row
in the manifest (sqlite in OUTDIR). A run killed at any moment therefore leaves complete files
only, and a re-run skips an article when its manifest row says done for the same *job key*
(input bytes' hash + output settings + model key) and every output file still has the hash
recorded for it. Renaming a file changes its id, not its hash; changing its content, the model
or the summary settings makes it run again.

An article is translated on its own (never batched with another article's sentences), so its
output does not depend on which articles it ran beside, and a LocalCluster run is byte-identical
to the single-process one.

One module per concern:

* :mod:`reader.batch.work`: the plain values the others pass (settings, task, result, output
  names);
* :mod:`reader.batch.sources`: which articles (files, folders, JSON lines, URL lists), read with
  bounds;
* :mod:`reader.batch.per_article`: one article: prepare, translate, render;
* :mod:`reader.batch.engine`: where it runs (this process and its threads, or Dask);
* :mod:`reader.batch.manifest`: the sqlite manifest resume reads;
* :mod:`reader.batch.progress`: the progress line;
* :mod:`reader.batch.writer`: the client side: skip what is finished, write outputs, record;
* :mod:`reader.batch.runner`: the driver (:func:`run`): discover, lock OUTDIR, sweep, run.

This package never imports Textual; the names below are what ``qari batch`` and library users
call.
"""

from __future__ import annotations

from reader.batch.engine import load_engine, parse_cluster, process_remote, worker_info
from reader.batch.manifest import MANIFEST, Manifest
from reader.batch.per_article import Prepared, prepare, process, render, translate_prepared
from reader.batch.progress import Progress
from reader.batch.runner import LOCK_FILE, run
from reader.batch.sources import DEFAULT_PATTERNS, JSONL_SUFFIXES, MAX_URL_LINE, MAX_URL_LIST, discover
from reader.batch.work import (
    DEFAULT_MAX_BYTES,
    FORMATS,
    OUTPUT_VERSION,
    BatchError,
    BatchSettings,
    Item,
    Result,
    RunSummary,
    Task,
    job_key,
    output_names,
    output_stem,
    sha256,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_PATTERNS",
    "FORMATS",
    "JSONL_SUFFIXES",
    "LOCK_FILE",
    "MANIFEST",
    "MAX_URL_LINE",
    "MAX_URL_LIST",
    "OUTPUT_VERSION",
    "BatchError",
    "BatchSettings",
    "Item",
    "Manifest",
    "Prepared",
    "Progress",
    "Result",
    "RunSummary",
    "Task",
    "discover",
    "job_key",
    "load_engine",
    "output_names",
    "output_stem",
    "parse_cluster",
    "prepare",
    "process",
    "process_remote",
    "render",
    "run",
    "sha256",
    "translate_prepared",
    "worker_info",
]
