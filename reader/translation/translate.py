"""Offline translation, sentence by sentence, with an installed Argos Translate package.

qari does not call ``argostranslate.translate``: its sentencizers download models at run time,
it joins a paragraph's sentences into one string (alignment is lost) and it batches at 32
tokens. Instead the engine takes OUR sentences, encodes each with the package's own tokenizer,
and runs them through ``ctranslate2.Translator.translate_batch`` in large token-based batches,
decoding as Argos does (beam 4, length penalty 0.2, replace_unknowns, the package's
target_prefix), one output per input, same order.

Batching, and why results do not depend on it: CTranslate2 takes one ``max_decoding_length``
per call. The engine bounds it by source length (ratio * n + extra, against repetition loops),
so it groups sentences into length buckets and gives every sentence in a bucket the bound of
the bucket's upper edge. A sentence therefore decodes with the same settings whether it is
translated alone or with a whole article. :func:`plan_batches` is the exact plan (benchmarks
reuse it to drive raw CTranslate2 with identical calls). One caveat, measured: with int8
compute on a transformer-base model, CTranslate2's int8 kernels make results depend slightly on
batch shape (float32 is batch-invariant; the tiny test model is invariant either way), so a
sentence can get a marginally different translation alone than inside an article. Results
are still deterministic for the same input list.

A sentence longer than ``max_source_tokens`` is cut at clause boundaries (، ؛ ; then : then ,
then spaces) into pieces that are translated and re-joined, so it stays one output.

Importing this module is cheap: ctranslate2 and argostranslate are imported when needed.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from reader.translation.packages import choose, no_model_help, not_installed_note, preferred_name

if TYPE_CHECKING:  # pragma: no cover
    from reader.translation.cache import TranslationCache

ENGINE_VERSION = 1


class TranslationError(Exception):
    """Translation could not run."""


class NoModelError(TranslationError):
    """No usable model for the language pair; ``str()`` says exactly how to get one."""

    def __init__(self, from_code: str = "ar", to_code: str = "en", detail: str | None = None) -> None:
        self.from_code = from_code
        self.to_code = to_code
        self.detail = detail
        help_text = no_model_help(from_code, to_code)
        if detail:
            first, _, rest = help_text.partition("\n")
            help_text = f"{detail}\n{rest}"
        super().__init__(help_text)


@runtime_checkable
class Translator(Protocol):
    """A list of sentences in, the same number of translations out, in order."""

    model_name: str

    def translate(
        self,
        sentences: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        first: Sequence[int] = (),
        use_cache: bool = True,
    ) -> list[str]: ...

    def translate_iter(
        self, sentences: Sequence[str], *, first: Sequence[int] = (), use_cache: bool = True
    ) -> Iterator[tuple[int, str]]: ...

    def translate_batches(
        self, sentences: Sequence[str], *, first: Sequence[int] = (), use_cache: bool = True
    ) -> Iterator[list[tuple[int, str]]]: ...


# --- decoding settings and batch planning ----------------------------------------------------

MAX_SOURCE_TOKENS = 150
"""Pieces longer than this (in the package's tokens) are cut at clause boundaries."""

BATCH_TOKENS = 2048
"""CTranslate2 ``max_batch_size`` with ``batch_type="tokens"`` (source tokens per batch)."""

POOL_TOKENS = 16384
"""Sentences are planned together in pools of about this many source tokens (after the
``first`` ones): a bigger pool fills batches better, a smaller one streams in reading order."""

FIRST_POOL_TOKENS = 256
"""The first ``first`` sentences (the ones in view) up to about this many source tokens are
translated alone, before the rest of the ``first`` ones."""

LENGTH_BUCKETS = (24, 64)
"""Upper edges of the source-length buckets (the last bucket ends at ``max_source_tokens``)."""


@dataclass(frozen=True)
class DecodingOptions:
    """How sentences are decoded. Defaults mirror Argos Translate (beam 4, length penalty 0.2,
    replace_unknowns); the decode length is capped at ``max_length_ratio * n + max_length_extra``
    for the upper edge n of the sentence's length bucket. ``fixed_length`` sets the minimum
    decode length to that cap too (benchmarks: the work no longer depends on the weights)."""

    beam_size: int = 4
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    max_length_ratio: float = 2.0
    max_length_extra: int = 10
    fixed_length: bool = False

    def key(self) -> str:
        return (
            f"beam{self.beam_size}-lp{self.length_penalty:g}-ru{int(self.replace_unknowns)}"
            f"-len{self.max_length_ratio:g}x+{self.max_length_extra}{'-fixed' if self.fixed_length else ''}"
        )


def length_bucket(n_tokens: int, max_source_tokens: int = MAX_SOURCE_TOKENS) -> int:
    """The upper edge of the length bucket of a source of ``n_tokens`` tokens."""
    for edge in LENGTH_BUCKETS:
        if n_tokens <= edge < max_source_tokens:
            return edge
    return max(max_source_tokens, n_tokens)


def decoding_length(n_tokens: int, options: DecodingOptions = DecodingOptions(),
                    max_source_tokens: int = MAX_SOURCE_TOKENS) -> int:
    """``max_decoding_length`` used for a source of ``n_tokens`` tokens."""
    edge = length_bucket(n_tokens, max_source_tokens)
    return max(1, int(options.max_length_ratio * edge + options.max_length_extra))


def plan_batches(lengths: Sequence[int], *, batch_tokens: int = BATCH_TOKENS,
                 max_source_tokens: int = MAX_SOURCE_TOKENS) -> list[tuple[int, list[int]]]:
    """Group items (given by their token counts) into CTranslate2 calls.

    Returns ``[(bucket_edge, [item indices...]), ...]``: one call per entry, short buckets
    first, items sorted by length within a bucket (least padding; ties keep the given order),
    each call at most ``batch_tokens`` padded tokens (count * longest) unless a single item is
    longer.
    """
    by_bucket: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        by_bucket.setdefault(length_bucket(n, max_source_tokens), []).append(i)
    plan: list[tuple[int, list[int]]] = []
    for edge in sorted(by_bucket):
        batch: list[int] = []
        longest = 0
        for i in sorted(by_bucket[edge], key=lambda i: lengths[i]):
            n = max(1, lengths[i])
            if batch and (len(batch) + 1) * max(longest, n) > batch_tokens:
                plan.append((edge, batch))
                batch, longest = [], 0
            batch.append(i)
            longest = max(longest, n)
        if batch:
            plan.append((edge, batch))
    return plan


# --- long sentences -------------------------------------------------------------------------

_BOUNDARY_CLASSES: tuple[tuple[str, ...], ...] = (("،", "؛", ";"), (":",), (",", "﹐", "、"))


def _pools(texts: list[str], tokens: int) -> list[list[str]]:
    """`texts` in order, cut into pools of about `tokens` source tokens each (estimated from
    the length: a pool's exact counts are computed when it is translated)."""
    pools: list[list[str]] = []
    pool: list[str] = []
    size = 0
    for text in texts:
        n = len(text) // 3 + 1
        if pool and size + n > tokens:
            pools.append(pool)
            pool, size = [], 0
        pool.append(text)
        size += n
    if pool:
        pools.append(pool)
    return pools


def split_long(text: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` tokens at the strongest clause boundaries
    (، ؛ ; then : then , then whitespace), choosing the cut nearest the middle; a text without
    any boundary is cut between characters. Pieces are stripped; nothing else is lost."""
    text = text.strip()
    if not text:
        return []
    if count_tokens(text) <= limit:
        return [text]
    cut = _best_cut(text)
    left, right = text[:cut], text[cut:]
    return split_long(left, count_tokens, limit) + split_long(right, count_tokens, limit)


_SPACES = " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"


def _nearest(text: str, chars: str, middle: int, after: bool) -> int | None:
    """The cut nearest ``middle`` just after (or, for spaces, at) one of ``chars``, strictly
    inside ``text``; found with str.find/rfind so a huge text costs no Python-level scan."""
    best: int | None = None
    for ch in chars:
        left = text.rfind(ch, 0, middle + 1)
        right = text.find(ch, middle)
        for i in (left, right):
            if i < 0:
                continue
            cut = i + 1 if after else i
            if 0 < cut < len(text) and (best is None or (abs(cut - middle), cut) < (abs(best - middle), best)):
                best = cut
    return best


def _best_cut(text: str) -> int:
    middle = len(text) // 2
    for chars in _BOUNDARY_CLASSES:
        cut = _nearest(text, "".join(chars), middle, after=True)
        if cut is not None:
            return cut
    cut = _nearest(text, _SPACES, middle, after=False)
    if cut is not None:
        return cut
    cut = max(1, middle)
    while cut < len(text) - 1 and unicodedata.combining(text[cut]):
        cut += 1  # keep marks (tashkeel) with their letter
    return cut


# --- finding the package --------------------------------------------------------------------


def installed_packages() -> list[Any]:
    """Installed Argos packages (``argostranslate.package.Package``), tolerating broken dirs."""
    from argostranslate import package as argos_package
    from argostranslate import settings as argos_settings

    try:
        return list(argos_package.get_installed_packages())
    except Exception:
        found = []
        for directory in list(getattr(argos_settings, "package_dirs", [argos_settings.package_data_dir])):
            try:
                entries = sorted(Path(directory).iterdir())
            except OSError:
                continue
            for path in entries:
                if path.is_dir():
                    try:
                        found.append(argos_package.Package(path))
                    except Exception:
                        continue
        return found


def find_package(from_code: str = "ar", to_code: str = "en", preferred: str | None = None) -> Any | None:
    """The installed translate package for the pair, or None: Argos's package object chosen
    by :func:`choose` (``preferred`` defaults to the ``qari models use`` choice), the same
    rule ``qari models list`` marks with a star."""
    if preferred is None:
        preferred = preferred_name(from_code, to_code)
    return choose(
        (p for p in installed_packages()
         if getattr(p, "type", "translate") == "translate" and p.from_code == from_code and p.to_code == to_code),
        name=lambda p: str(getattr(p, "code", "") or ""),
        version=lambda p: p.package_version or "", path=lambda p: p.package_path, preferred=preferred,
    )


TARGET_TOKENIZER = "target_sentencepiece.model"
"""Where ``qari models pack``/``import`` put a separate target-side SentencePiece model (OPUS-MT)."""


def target_tokenizer(package_path: Path) -> Any | None:
    """The package's own target-side tokenizer when its metadata names one (``qari.
    target_sentencepiece_model``, written by reader.translation.packing), else None. OPUS-MT models have
    separate source and target SentencePiece models; decoding English pieces with the Arabic
    one would turn every piece it lacks into ``⁇``."""
    import json

    try:
        metadata = json.loads((package_path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    qari = metadata.get("qari") if isinstance(metadata, dict) else None
    name = qari.get("target_sentencepiece_model") if isinstance(qari, dict) else None
    if not isinstance(name, str) or Path(name).name != name or not (package_path / name).is_file():
        return None
    from argostranslate.tokenizer import SentencePieceTokenizer

    return SentencePieceTokenizer(package_path / name)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under taskset or a container
    quota), not the machine's: what thread counts are sized by, here and in `qari batch`."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


SMALL_MODEL_BYTES = 16_000_000


def _default_threads(model_bin: Path) -> int:
    """All usable cores, except for very small models (test models), where thread
    synchronisation costs more than it saves (measured: 2.5x slower on 2 cores)."""
    try:
        if model_bin.stat().st_size < SMALL_MODEL_BYTES:
            return 1
    except OSError:
        pass
    return usable_cores()


def _files_digest(pkg: Any) -> str:
    """Hash of names, sizes and mtimes of the model files, the tokenizer and metadata.json."""
    root = Path(pkg.package_path)
    entries = []
    paths = [p for p in (root / "model").rglob("*") if p.is_file()]
    paths += [root / name for name in ("sentencepiece.model", "bpe.model", TARGET_TOKENIZER, "metadata.json")]
    for path in sorted(paths):
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append(f"{path.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:16]


# --- the engine -----------------------------------------------------------------------------

_DEFAULT_CACHE: Any = object()


@dataclass(frozen=True)
class ModelCall:
    """One CTranslate2 call, as `ArgosTranslator.model_call_observer` sees it: the source token
    lists, their length bucket's edge, the decoding options sent, and the best hypotheses
    (raw tokens, target prefix included)."""

    inputs: list[list[str]]
    edge: int
    options: dict[str, Any]
    outputs: list[list[str]]


class ArgosTranslator:
    """The Argos engine: one installed package, CTranslate2 batches, aligned output, cache."""

    def __init__(
        self,
        package: Any,
        *,
        cache: TranslationCache | None = None,
        decoding: DecodingOptions | None = None,
        max_source_tokens: int = MAX_SOURCE_TOKENS,
        batch_tokens: int = BATCH_TOKENS,
        pool_tokens: int = POOL_TOKENS,
        device: str | None = None,
        compute_type: str | None = None,
        intra_threads: int | None = None,
        inter_threads: int = 1,
    ) -> None:
        self.package = package
        self.package_path = Path(package.package_path)
        self.from_code: str = package.from_code
        self.to_code: str = package.to_code
        self.cache = cache
        self.decoding = decoding or DecodingOptions()
        self.max_source_tokens = max(8, int(max_source_tokens))
        self.batch_tokens = max(1, int(batch_tokens))
        self.pool_tokens = max(1, int(pool_tokens))
        self.device = device
        self.compute_type = compute_type
        self.intra_threads = intra_threads or _default_threads(self.package_path / "model" / "model.bin")
        # Batches CTranslate2 may run at once (each on intra_threads threads) when several
        # threads call translate() together, as `qari batch` does; 1 for an interactive reader.
        self.inter_threads = max(1, int(inter_threads))
        tokenizer = getattr(package, "tokenizer", None)
        if tokenizer is None:
            raise NoModelError(self.from_code, self.to_code,
                               f"The installed package at {self.package_path} has no tokenizer "
                               "(sentencepiece.model or bpe.model); reinstall it.")
        if not (self.package_path / "model" / "model.bin").is_file():
            raise NoModelError(self.from_code, self.to_code,
                               f"The installed package at {self.package_path} has no model/model.bin; reinstall it.")
        self.tokenizer = tokenizer
        self.target_tokenizer = target_tokenizer(self.package_path)
        self.target_prefix: str = getattr(package, "target_prefix", "") or ""
        code = getattr(package, "code", None) or f"translate-{self.from_code}_{self.to_code}"
        version = getattr(package, "package_version", "") or "?"
        self.model_name = f"{code} {version}"
        self.model_key = (
            f"argos:{code}:{version}:{self.from_code}-{self.to_code}:{_files_digest(package)}"
            f":{self.decoding.key()}:buckets{'-'.join(map(str, LENGTH_BUCKETS))}"
            f":split{self.max_source_tokens}:e{ENGINE_VERSION}"
            + (":tgt-spm" if self.target_tokenizer is not None else "")
        )
        self.warnings: list[str] = []  # for the user, e.g. the chosen model is not installed
        self.stats = {"model_calls": 0, "sentences_translated": 0, "cache_hits": 0}
        self._model: Any = None
        self._model_lock = threading.Lock()
        self.model_call_observer: Callable[[ModelCall], None] | None = None
        """Called after every CTranslate2 call with what went in and came out (tests and
        benchmarks watch the model's work through it; None: nothing is recorded)."""

    def __repr__(self) -> str:
        return f"ArgosTranslator({self.model_name!r}, {self.package_path})"

    @property
    def model_loaded(self) -> bool:
        """Whether the CTranslate2 model is in memory (a run served from the cache never loads it)."""
        return self._model is not None

    # -- model -------------------------------------------------------------------------------

    def load(self) -> Any:
        """Load the CTranslate2 model now (otherwise it is loaded on the first model call)."""
        with self._model_lock:
            return self._load_locked()

    def _load_locked(self) -> Any:
        if self._model is None:
            import ctranslate2

            device = self.device
            if device is None:
                try:
                    from argostranslate import settings as argos_settings

                    device = argos_settings.device
                except Exception:
                    device = "cpu"
            compute_type = self.compute_type
            if compute_type is None:
                try:
                    supported = ctranslate2.get_supported_compute_types(device)
                except Exception:
                    supported = set()
                compute_type = "int8" if "int8" in supported else "default"
            try:
                self._model = ctranslate2.Translator(
                    str(self.package_path / "model"),
                    device=device,
                    compute_type=compute_type,
                    inter_threads=self.inter_threads,
                    intra_threads=self.intra_threads,
                )
            except Exception as exc:
                raise NoModelError(self.from_code, self.to_code,
                                   f"The model at {self.package_path / 'model'} could not be loaded ({exc}); "
                                   "reinstall it.") from exc
        return self._model

    def close(self) -> None:
        """Free the model (it is loaded again if needed)."""
        with self._model_lock:
            self._model = None

    # -- tokens ------------------------------------------------------------------------------

    def encode(self, text: str) -> list[str]:
        return list(self.tokenizer.encode(text))

    def decode(self, tokens: Sequence[str]) -> str:
        """Target tokens to text, without the target prefix (CTranslate2 returns it as the first
        token; Argos also strips it from the decoded string) and surrounding spaces."""
        tokens = list(tokens)
        if self.target_prefix and tokens[:1] == [self.target_prefix]:
            tokens = tokens[1:]
        value = (self.target_tokenizer or self.tokenizer).decode(tokens)
        if self.target_prefix and value.startswith(self.target_prefix):
            value = value[len(self.target_prefix):]
        return value.strip()

    def pieces(self, text: str) -> list[tuple[str, list[str]]]:
        """The model inputs for one sentence: [(piece text, tokens), ...] (one piece unless long)."""
        tokens = self.encode(text)
        if len(tokens) <= self.max_source_tokens:
            return [(text, tokens)]
        parts = split_long(text, lambda s: len(self.encode(s)), self.max_source_tokens)
        return [(p, self.encode(p)) for p in parts]

    def _run_batch(self, batch: list[list[str]], edge: int) -> list[list[str]]:
        """One CTranslate2 call: token lists in, best hypothesis tokens out (same order)."""
        options = self.decoding
        max_length = decoding_length(edge, options, self.max_source_tokens)
        kwargs: dict[str, Any] = dict(
            max_batch_size=self.batch_tokens,
            batch_type="tokens",
            beam_size=options.beam_size,
            num_hypotheses=1,
            length_penalty=options.length_penalty,
            replace_unknowns=options.replace_unknowns,
            max_decoding_length=max_length,
            min_decoding_length=max_length if options.fixed_length else 0,
        )
        if self.target_prefix:
            kwargs["target_prefix"] = [[self.target_prefix] for _ in batch]
        with self._model_lock:
            model = self._load_locked()
        # CTranslate2 is thread-safe: with inter_threads > 1 calls from several threads run in
        # parallel, otherwise they queue inside CTranslate2 (the lock only guards loading).
        results = model.translate_batch(batch, **kwargs)
        self.stats["model_calls"] += 1
        outputs = [list(r.hypotheses[0]) if r.hypotheses else [] for r in results]
        if self.model_call_observer is not None:
            self.model_call_observer(ModelCall([list(t) for t in batch], edge, kwargs, [list(o) for o in outputs]))
        return outputs

    # -- public API --------------------------------------------------------------------------

    def translate(
        self,
        sentences: Sequence[str],
        *,
        progress: Callable[[int, int], None] | None = None,
        first: Sequence[int] = (),
        use_cache: bool = True,
    ) -> list[str]:
        """Translate every sentence: a list of the same length and order."""
        total = len(sentences)
        out: list[str | None] = [None] * total
        done = 0
        if progress is not None:
            progress(0, total)
        for index, translation in self.translate_iter(sentences, first=first, use_cache=use_cache):
            if out[index] is None:
                done += 1
            out[index] = translation
            if progress is not None:
                progress(done, total)
        missing = [i for i, t in enumerate(out) if t is None]
        if missing:  # pragma: no cover - translate_iter covers every index
            raise TranslationError(f"no translation for sentences {missing[:5]}")
        return out  # type: ignore[return-value]

    def translate_iter(
        self, sentences: Sequence[str], *, first: Sequence[int] = (), use_cache: bool = True
    ) -> Iterator[tuple[int, str]]:
        """Yield ``(index, translation)`` as they finish: empty sentences and cache hits first,
        then model batches, the ``first`` indices before the others. Every finished batch is
        in the cache before it is yielded, so abandoning the iterator loses nothing done."""
        for batch in self.translate_batches(sentences, first=first, use_cache=use_cache):
            yield from batch

    def translate_batches(
        self, sentences: Sequence[str], *, first: Sequence[int] = (), use_cache: bool = True
    ) -> Iterator[list[tuple[int, str]]]:
        """`translate_iter` grouped as the work finishes: empty sentences and cache hits as one
        list, then one list per CTranslate2 batch, so a UI can redraw once per batch."""
        texts = ["" if s is None else str(s) for s in sentences]
        total = len(texts)
        order: list[int] = []
        seen: set[int] = set()
        for i in first:
            try:
                i = int(i)
            except (TypeError, ValueError):
                continue
            if 0 <= i < total and i not in seen:
                seen.add(i)
                order.append(i)
        n_first = len(order)
        order += [i for i in range(total) if i not in seen]

        # Unique texts in priority order; every index waiting for each.
        empty: list[tuple[int, str]] = []
        waiting: dict[str, list[int]] = {}
        unique: list[str] = []
        priority: set[str] = set()
        for rank, i in enumerate(order):
            text = texts[i]
            if not text.strip():
                empty.append((i, ""))
                continue
            if text not in waiting:
                waiting[text] = []
                unique.append(text)
                if rank < n_first:
                    priority.add(text)
            waiting[text].append(i)

        known = empty
        if use_cache and self.cache is not None and unique:
            hits = self.cache.get_many(self.model_key, unique)
            if hits:
                self.stats["cache_hits"] += len(hits)
                known += [(i, hits[text]) for text in unique if text in hits for i in waiting[text]]
                unique = [t for t in unique if t not in hits]
        if known:
            yield known

        # Pools: the priority sentences, then the rest, each in reading order by POOL_TOKENS
        # (a pool is tokenised before its first batch: a section of thousands of sentences in
        # one pool kept the second English back for a second). The first of the priority
        # sentences go alone in a small first pool: a small first batch is the first English
        # on screen sooner (a batch costs about its size).
        head = [t for t in unique if t in priority]
        small = _pools(head, FIRST_POOL_TOKENS)[:1]
        taken = len(small[0]) if small else 0
        pools = small + _pools(head[taken:], self.pool_tokens) + _pools(
            [t for t in unique if t not in priority], self.pool_tokens)
        for pool in pools:
            yield from self._translate_pool(pool, waiting)

    def _translate_pool(self, pool: list[str], waiting: dict[str, list[int]]) -> Iterator[list[tuple[int, str]]]:
        units: list[tuple[int, int, list[str]]] = []  # (text index in pool, piece index, tokens)
        n_pieces: list[int] = []
        for t, text in enumerate(pool):
            parts = self.pieces(text)
            n_pieces.append(len(parts))
            for p, (_, tokens) in enumerate(parts):
                units.append((t, p, tokens))
        pieces_done: list[dict[int, str]] = [{} for _ in pool]
        for edge, members in plan_batches([len(u[2]) for u in units], batch_tokens=self.batch_tokens,
                                          max_source_tokens=self.max_source_tokens):
            outputs = self._run_batch([units[m][2] for m in members], edge)
            finished: list[tuple[str, str]] = []
            # one batch finishes at once: hand its sentences out in priority order
            for m, tokens in sorted(zip(members, outputs, strict=True), key=lambda pair: pair[0]):
                t, p, _ = units[m]
                pieces_done[t][p] = self.decode(tokens)
                if len(pieces_done[t]) == n_pieces[t]:
                    texts = [pieces_done[t][k] for k in range(n_pieces[t])]
                    finished.append((pool[t], " ".join(x for x in texts if x)))
            if not finished:
                continue
            self.stats["sentences_translated"] += len(finished)
            if self.cache is not None:
                self.cache.put_many(self.model_key, finished)
            yield [(i, translation) for text, translation in finished for i in waiting[text]]


class DeviceError(TranslationError):
    """The requested device cannot be used (e.g. ``cuda`` without a CUDA GPU)."""


def resolve_device(device: str = "cpu", compute_type: str | None = None) -> tuple[str, str | None]:
    """``(device, compute_type)`` for CTranslate2 from ``cpu``, ``cuda`` or ``auto``.

    ``auto`` is CUDA when CTranslate2 sees a GPU, else the CPU. On CUDA the compute type
    defaults to ``int8_float16`` (int8 weights, float16 activations) when the GPU supports it,
    else ``float16``: the fastest types that keep the int8 packages' accuracy. On the CPU it
    stays ``None`` (the engine's default, int8). ``cuda`` without a GPU raises
    :class:`DeviceError` with a one-line message."""
    import ctranslate2

    if device not in ("cpu", "cuda", "auto"):
        raise DeviceError(f"unknown device {device!r} (use cpu, cuda or auto)")
    try:
        gpus = ctranslate2.get_cuda_device_count()
    except Exception:  # noqa: BLE001 - a CPU-only build may fail to query CUDA at all
        gpus = 0
    if device == "auto":
        device = "cuda" if gpus > 0 else "cpu"
    if device == "cuda":
        if gpus <= 0:
            raise DeviceError("--device cuda: no CUDA GPU is available to CTranslate2 "
                              "(use --device cpu, or auto to fall back to the CPU)")
        if compute_type is None:
            try:
                supported = ctranslate2.get_supported_compute_types("cuda")
            except Exception:  # noqa: BLE001
                supported = set()
            compute_type = "int8_float16" if "int8_float16" in supported else "float16"
    return device, compute_type


def load_translator(
    from_code: str = "ar", to_code: str = "en", *, cache: Any = _DEFAULT_CACHE, **options: Any
) -> ArgosTranslator:
    """The Argos engine for the installed package of the pair.

    ``cache``: omitted = the user's persistent cache (:class:`reader.translation.cache.TranslationCache`),
    ``None`` = no cache, or a ``TranslationCache``. ``options`` go to :class:`ArgosTranslator`.
    Raises :class:`NoModelError` (whose message says how to install the model) when no usable
    package is installed. The CTranslate2 model itself is loaded on the first model call.
    """
    preferred = preferred_name(from_code, to_code)
    try:
        pkg = find_package(from_code, to_code, preferred)
    except Exception as exc:  # argostranslate missing or its data dir unusable
        raise NoModelError(from_code, to_code, f"Argos Translate packages could not be listed ({exc}).") from exc
    if pkg is None:
        raise NoModelError(from_code, to_code)
    if cache is _DEFAULT_CACHE:
        from reader.translation.cache import TranslationCache

        cache = TranslationCache()
    engine = ArgosTranslator(pkg, cache=cache, **options)
    if preferred and preferred not in (str(getattr(pkg, "code", "") or ""), engine.package_path.name):
        engine.warnings.append(not_installed_note(preferred, engine.model_name))
    return engine
