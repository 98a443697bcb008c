"""Extractive summaries over qari's own sentences, scored by sumy.

sumy's own Arabic pipeline is not used: its tokenizer splits "sentences" at every comma,
stops after 32 splits per paragraph and drops every word that carries harakat, and its
English tokenizer needs NLTK's ``punkt_tab`` download.  Instead a sumy document is built
directly from OUR sentences (the ones display and translation use) with a tokenizer object
of our own, so a summary is a list of sentence positions in the article.

Scoring words: NFC, tashkeel and tatweel stripped (for scoring only -- the sentences shown
are untouched), runs of letters/digits, lower-cased by sumy; Arabic words go through sumy's
Arabic stemmer (NLTK's Snowball Arabic light stemmer, pure code), ASCII words through the
Snowball English stemmer; stop words are sumy's Arabic and English lists (tashkeel stripped).
None of this reads NLTK data.

Selection (every algorithm but ``news``, which picks with MMR, below): each candidate gets a score, scores are rescaled
to [0, 1] and rounded to 9 decimals (so floating-point noise never decides a tie), the best
``count`` are taken with ties broken by position (earlier first), and returned in article
order.  Candidates are sentences with at least one content (non-stop) word that do not
repeat an earlier sentence (same text after tashkeel stripping, case folding and whitespace
collapsing); only candidates are handed to sumy.  Wordless sentences and repeats fill a
summary (in article order) only when more sentences are asked for than there are candidates.

``news`` (the default) is a learned linear score over a few features of each sentence
(position, paragraph, length, centrality, similarity to the headline, numbers, quotes; see
``reader.summary.news`` for the features, the fitted weights and how they were fitted), with later picks
made by MMR so that a sentence restating an earlier pick is passed over.  Centrality is sumy's
TextRank (edge weights, damping 0.85, power method) on the graph without self-loops, rescaled
to [0, 1].  Not LexRank: sumy's LexRank stops its power method at epsilon 0.1 and keeps
self-loops, so on a short article most sentences come out exactly equal; and not sumy's
TextRank as is: its self-loops make a sentence that shares no word with the rest look central
(see ``reader.summary.sumy_fast.FastTextRank``).  ``news`` reads the paragraph of each sentence and the
article's title when `summarize_article` gives them.

A word budget (``words=``) can replace or join the sentence count: sentences are taken in rank
order while they fit.

Cost.  sumy's implementations are pure Python: LexRank, TextRank and Reduction compare every
pair of sentences word by word, KL rebuilds the summary's word counts for every candidate at
every pick (cubic), LSA runs an SVD; on 320 sentences sumy's KL alone takes over 30 s.  The
classes of ``reader.summary.sumy_fast`` (``FastLexRank`` ...), imported on the first summary, keep
sumy's formulas and power methods but do the pairwise and greedy arithmetic with numpy (tests
check they rate like sumy's own classes); LSA needs no SVD at all (see ``FastLsa``).  Memory
for the pairwise methods is O(n^2), so at most
``MAX_SCORED_SENTENCES`` candidates (the first ones) are scored; the rest only fill a summary
that asks for more sentences than that.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Sequence
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from reader.background import checkpoint, paced
from reader.text.arabic import ARABIC_LETTER_RE, strip_tashkeel
from reader.config import ALGORITHMS  # one list of names for settings, CLI and summarizer

if TYPE_CHECKING:  # pragma: no cover
    from reader.model import Article, Sentence

DEFAULT_ALGORITHM = "news"

#: default_count: this share of the sentences, rounded, clamped to DEFAULT_MIN..DEFAULT_MAX.
DEFAULT_RATIO = 0.2
DEFAULT_MIN = 3
DEFAULT_MAX = 7

#: At most this many candidates are scored (the first ones, in article order); see module doc.
MAX_SCORED_SENTENCES = 2000

_WORD_RE = re.compile(r"[^\W_]+")
# Combining marks NFC leaves behind in Latin / Hebrew text; dropped for scoring like tashkeel.
_OTHER_MARKS_RE = re.compile("[\u0300-\u036f\u0591-\u05c7]")
_SPACE_RE = re.compile(r"\s+")


class SummaryError(ValueError):
    """Bad summary request (unknown algorithm, bad count or ratio)."""


# --------------------------------------------------------------------------- words


def scoring_text(text: str) -> str:
    """The form of `text` words are scored on: NFC, no tashkeel/tatweel or stray combining marks."""
    return _OTHER_MARKS_RE.sub("", strip_tashkeel(unicodedata.normalize("NFC", text)))


@lru_cache(maxsize=16384)
def scoring_words(text: str) -> tuple[str, ...]:
    """Words of `text` for scoring: runs of letters/digits of `scoring_text(text)`.

    A word that carries harakat is kept whole (harakat are stripped first, then split)."""
    return tuple(_WORD_RE.findall(scoring_text(text)))


def _dedupe_key(text: str) -> str:
    return _SPACE_RE.sub(" ", scoring_text(text)).strip().casefold()


class WordTokenizer:
    """The tokenizer object sumy's DOM asks for words (``language``, ``to_sentences``,
    ``to_words``).  ``to_sentences`` is only there for sumy's interface: qari hands sumy
    sentences it has already split."""

    def __init__(self, language: str = "arabic") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from reader.text.segment import split_sentences

        return tuple(paragraph[a:b] for a, b in split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return scoring_words(sentence)


class WordStemmer:
    """Per-word stemmer: Arabic-script words through sumy's Arabic stemmer, ASCII words through
    its English stemmer, anything else unchanged.  Memoised (sumy stems the same word often)."""

    def __init__(self) -> None:
        from sumy.nlp.stemmers import Stemmer

        self._arabic = Stemmer("arabic")
        # NLTK's ArabicStemmer keeps flags from one call to the next on the instance (its stems
        # depend on the words stemmed before): each call starts from the fresh instance's state.
        stemmer = getattr(self._arabic._stemmer, "__self__", None)
        self._arabic_state = (stemmer, dict(stemmer.__dict__)) if stemmer is not None else None
        self._english = Stemmer("english")
        self._cache: dict[str, str] = {}
        # NLTK's Snowball stemmers keep each call's state on the object: two threads stemming
        # at once (the reader's summary worker started again, batch threads) corrupt stems.
        self._lock = threading.Lock()

    def __call__(self, word: str) -> str:
        try:
            return self._cache[word]
        except KeyError:
            pass
        with self._lock:
            if ARABIC_LETTER_RE.search(word):
                if self._arabic_state is not None:
                    stemmer, fresh = self._arabic_state
                    stemmer.__dict__.clear()
                    stemmer.__dict__.update(fresh)
                stem = self._arabic(word)
            elif word.isascii() and not word.isdigit():
                stem = self._english(word)
            else:
                stem = word
        stem = stem or word
        self._cache[word] = stem
        return stem


@lru_cache(maxsize=1)
def _stemmer() -> WordStemmer:
    return WordStemmer()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """sumy's Arabic and English stop words, in scoring form (tashkeel stripped, lower case)."""
    from sumy.utils import get_stop_words

    words = set()
    for language in ("arabic", "english"):
        for w in get_stop_words(language):
            key = scoring_text(w).strip().lower()
            if key:
                words.add(key)
    return frozenset(words)


# --------------------------------------------------------------------------- sumy glue


@lru_cache(maxsize=1)
def _sumy() -> dict[str, Any]:
    """The numpy versions of sumy's summarizers (`reader.summary.sumy_fast`), imported on first use:
    sumy imports NLTK, about 1 s, which the reader's first frame must not wait for."""
    from reader.summary.sumy_fast import CLASSES

    return CLASSES


def _make_summarizer(algorithm: str, limit: int | None = None) -> Any:
    sumy = _sumy()
    summarizer = sumy[algorithm](_stemmer())
    summarizer.stop_words = stop_words()
    if limit is not None and hasattr(summarizer, "limit"):
        summarizer.limit = limit
    return summarizer


def _document_language(texts: Sequence[str]) -> str:
    from reader.text.arabic import arabic_ratio

    sample = " ".join(texts)[:5000]
    return "arabic" if arabic_ratio(sample) >= 0.5 else "english"


# --------------------------------------------------------------------------- scoring


def _check_algorithm(algorithm: str | None) -> str:
    name = (algorithm or DEFAULT_ALGORITHM).strip().lower()
    if name not in ALGORITHMS:
        raise SummaryError(f"unknown summary algorithm {algorithm!r}; choose one of: {', '.join(ALGORITHMS)}")
    return name


def _candidates(texts: Sequence[str]) -> list[int]:
    """Indices of the sentences that are scored: those with at least one content (non-stop)
    word, and not repeating an earlier sentence (same text after tashkeel stripping, case
    folding and whitespace collapsing); the first MAX_SCORED_SENTENCES of them.  The scan stops
    there: on a 2 MB article it would otherwise spend as long on sentences that are never
    scored as on the rest of the summary."""
    stops = stop_words()
    seen: set[str] = set()
    out: list[int] = []
    for i, t in enumerate(paced(texts)):  # the reader's keys first (reader.background)
        if len(out) >= MAX_SCORED_SENTENCES:
            break
        if not any(w.lower() not in stops for w in scoring_words(t)):
            continue
        key = _dedupe_key(t)
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out


def _raw_scores(texts: Sequence[str], indices: Sequence[int], algorithm: str, limit: int | None,
                terms: list | None = None) -> list[float]:
    """sumy's rating of each sentence in `indices` (same order), higher is better.  For
    ``centrality``, `terms` (a list) receives each sentence's content-word stems."""
    sumy = _sumy()
    tokenizer = WordTokenizer(_document_language([texts[i] for i in indices]))
    sentences = [sumy["IndexedSentence"](texts[i], tokenizer, i) for i in paced(indices)]
    document = sumy["ObjectDocumentModel"]([sumy["Paragraph"](sentences)])
    summarizer = _make_summarizer(algorithm, limit)
    with warnings.catch_warnings():
        # sumy's LSA warns when there are fewer distinct words than sentences; harmless here.
        warnings.simplefilter("ignore", UserWarning)
        # numpy's 0/0 in LexRank's power method: the NaN is handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        ratings = summarizer(document, len(sentences))
    if terms is not None:
        terms.extend(getattr(summarizer, "term_lists", None) or [])
    if not ratings:  # sumy's LSA when no sentence has a dictionary word
        return [0.0] * len(sentences)
    # sumy's LexRank yields NaN when no two sentences share a weighted word (0/0 in its power
    # method); that means "no centrality information", i.e. all equal.
    return [0.0 if math.isnan(r) else float(r) for r in ratings]


def _rescale(values: Sequence[float]) -> list[float]:
    """Min-max to [0, 1]; -inf (never ranked) stays -inf; all equal -> all 0."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return [float("-inf")] * len(values)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(float("-inf"))
        else:
            out.append(round((v - lo) / span, 9) if span > 0 else 0.0)
    return out


def content_terms(text: str) -> list[str]:
    """The stems of `text`'s content (non-stop) words, in order: what ``news`` compares
    sentences and the headline on."""
    stops = stop_words()
    stem = _stemmer()
    return [stem(w.lower()) for w in scoring_words(text) if w.lower() not in stops]


def news_features(texts: Sequence[str], *, paragraphs: Sequence[int] | None = None,
                  title: str | None = None) -> tuple[list[int], Any, list[list[str]]]:
    """What the ``news`` model sees: (candidate indices, one feature row per candidate -- see
    `reader.summary.news.FEATURES` --, each candidate's content-word stems).  `paragraphs[i]` is the
    paragraph sentence i belongs to (default: all one paragraph); `title` the headline.  The
    fitting script calls this too, so features at fit time and at run time are the same."""
    from reader.summary import news

    texts = list(texts)
    indices = _candidates(texts)
    if not indices:
        return indices, news.feature_rows([], [], [], []), []
    terms: list[list[str]] = []  # the same stems as `content_terms`, from the centrality run
    centrality = _rescale(_raw_scores(texts, indices, "centrality", None, terms))
    if len(terms) != len(indices):
        terms = [content_terms(texts[i]) for i in indices]
    para = [paragraphs[i] for i in indices] if paragraphs is not None else [0] * len(indices)
    rows = news.feature_rows([texts[i] for i in indices], terms, para, centrality,
                             content_terms(title) if title else ())
    return indices, rows, terms


class _Scored(NamedTuple):
    """What ranking needs: the candidates (sentence indices), their scores in [0, 1] (for
    ``news``: the first pick's), and for ``news`` only each candidate's content-word stems and
    the later picks' scores (`reader.summary.news.mmr_order`)."""

    indices: list[int]
    values: list[float]
    terms: list[list[str]] | None = None
    later: list[float] | None = None


def _scored(texts: Sequence[str], name: str, limit: int | None, paragraphs: Sequence[int] | None,
            title: str | None) -> _Scored:
    if name == "news":
        from reader.summary import news

        indices, rows, terms = news_features(texts, paragraphs=paragraphs, title=title)
        return _Scored(indices, [float(v) for v in news.scores(rows, terms)], terms,
                       [float(v) for v in news.scores(rows, terms, later=True)])
    indices = _candidates(texts)
    if not indices:
        return _Scored(indices, [])
    return _Scored(indices, _rescale(_raw_scores(texts, indices, name, limit)))


def score_sentences(sentences: Sequence[str], *, algorithm: str = DEFAULT_ALGORITHM,
                    limit: int | None = None, paragraphs: Sequence[int] | None = None,
                    title: str | None = None) -> list[float | None]:
    """Each sentence's score in [0, 1] under `algorithm` (higher is better); ``None`` for a
    sentence that is not a candidate (no content word, or beyond MAX_SCORED_SENTENCES).
    For ``kl``/``sumbasic`` with `limit`, only the first `limit` greedy picks get a score
    (others ``-inf``).  `paragraphs` and `title` are used by ``news`` only (see
    `summarize_sentences`)."""
    name = _check_algorithm(algorithm)
    texts = [str(t) for t in sentences]
    scores: list[float | None] = [None] * len(texts)
    scored = _scored(texts, name, limit, paragraphs, title)
    for i, v in zip(scored.indices, scored.values):
        scores[i] = v
    return scores


# --------------------------------------------------------------------------- selection


def default_count(n_sentences: int) -> int:
    """Default summary length: 20% of the sentences, rounded, clamped to 3..7 (never more
    than there are)."""
    if n_sentences <= 0:
        return 0
    return min(n_sentences, max(DEFAULT_MIN, min(DEFAULT_MAX, round(DEFAULT_RATIO * n_sentences))))


def resolve_count(n_sentences: int, count: int | None = None, ratio: float | None = None) -> int:
    """How many sentences a summary of `n_sentences` gets: `count`, or max(1, round(ratio * n)),
    or `default_count(n)`."""
    if count is not None and ratio is not None:
        raise SummaryError("give a sentence count or a ratio, not both")
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int):
            raise SummaryError(f"sentence count must be an integer, not {count!r}")
        if count < 0:
            raise SummaryError(f"sentence count must be >= 0, not {count}")
        return min(count, n_sentences)
    if ratio is not None:
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            raise SummaryError(f"summary ratio must be a number in (0, 1], not {ratio!r}")
        return min(n_sentences, max(1, round(ratio * n_sentences))) if n_sentences else 0
    return default_count(n_sentences)


def _check_words(words: int | None) -> None:
    if words is not None and (isinstance(words, bool) or not isinstance(words, int) or words < 1):
        raise SummaryError(f"word budget must be a positive integer, not {words!r}")


def word_count(text: str) -> int:
    """Words of `text` as a word budget counts them: runs of letters/digits."""
    return len(scoring_words(text))


def summarize_sentences(sentences: Sequence[str], *, algorithm: str | None = DEFAULT_ALGORITHM,
                        count: int | None = None, ratio: float | None = None, words: int | None = None,
                        paragraphs: Sequence[int] | None = None, title: str | None = None) -> list[int]:
    """Pick a summary from `sentences`: their indices, ascending, deterministic.

    Length: `count` sentences, or `ratio` of them (0 < ratio <= 1, at least one), or
    `default_count(len(sentences))`; asking for at least as many as there are returns all.
    `words` is a word budget (letters/digits runs, see `word_count`): sentences are taken in
    rank order while the total stays within it (the first pick is always taken, however long);
    with `words` alone the count is not limited, with both both limits hold.

    Ranking: ``news`` picks greedily with redundancy control (`reader.summary.news.mmr_order`), using
    `paragraphs` (paragraph number of each sentence) and `title` (the headline) as features;
    the other algorithms take the best scores, ties to the earlier sentence.  If there are
    fewer scored candidates than the count asks for, wordless sentences and repeats fill the
    summary in article order (not under a word budget)."""
    checkpoint()  # the reader's keys first (reader.background): before numpy and sumy load
    name = _check_algorithm(algorithm)
    _check_words(words)
    texts = [str(s) for s in sentences]
    n = len(texts)
    k = resolve_count(n, count, ratio) if (count is not None or ratio is not None or words is None) else n
    if k == 0:
        return []
    if k >= n and words is None:
        return list(range(n))
    indices, values, terms, later = _scored(texts, name, k, paragraphs, title)
    if terms is not None:
        from reader.summary import news

        order = [indices[j] for j in news.mmr_order(values, terms, k, later=later)]
    else:
        order = [indices[j] for j in sorted(range(len(indices)), key=lambda j: (-values[j], indices[j]))][:k]
    if words is not None:
        chosen: list[int] = []
        total = 0
        for i in order:
            size = word_count(texts[i])
            if chosen and total + size > words:
                break
            chosen.append(i)
            total += size
        return sorted(chosen)
    if len(order) < k:
        scored = set(indices)
        order += [i for i in range(n) if i not in scored][: k - len(order)]
    return sorted(order)


def _body(article: Article) -> list[Sentence]:
    body = [s for p in article.paragraphs if not p.is_heading for s in p.sentences]
    return body or list(article.sentences)


def summarize_article(article: Article, *, algorithm: str | None = DEFAULT_ALGORITHM,
                      count: int | None = None, ratio: float | None = None,
                      words: int | None = None) -> list[Sentence]:
    """Summary of an Article: its Sentence objects, in article order.  Headings are never
    candidates (unless the article is nothing but heading-like lines, such as a list of
    headlines: then those are); `ratio` and the default length count candidates only.
    ``news`` also gets each sentence's paragraph and the article's title."""
    body = _body(article)
    paragraphs = [(s.id.section, s.id.paragraph) for s in body]
    numbers = {key: k for k, key in enumerate(dict.fromkeys(paragraphs))}
    picked = summarize_sentences([s.text for s in body], algorithm=algorithm, count=count, ratio=ratio,
                                 words=words, paragraphs=[numbers[key] for key in paragraphs],
                                 title=article.title or None)
    return [body[i] for i in picked]


def summarize_text(text: str, sentences: int | None = None, algorithm: str | None = None,
                   words: int | None = None) -> list[str]:
    """Public API: summarise Arabic (or other) `text` -> the summary sentences, in article
    order.  `sentences` is the length (default: `default_count`, or unlimited with `words`),
    `words` a word budget, `algorithm` one of ALGORITHMS (default ``news``)."""
    from reader.article import parse_text

    article = parse_text(text)
    return [s.text for s in summarize_article(article, algorithm=algorithm, count=sentences, words=words)]


__all__ = [
    "ALGORITHMS", "DEFAULT_ALGORITHM", "SummaryError", "WordTokenizer", "content_terms", "default_count",
    "news_features", "resolve_count", "score_sentences", "scoring_words", "stop_words", "summarize_article",
    "summarize_sentences", "summarize_text", "word_count",
]
