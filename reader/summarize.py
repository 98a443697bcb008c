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

Selection is the same for every algorithm: each candidate gets a score, scores are rescaled
to [0, 1] and rounded to 9 decimals (so floating-point noise never decides a tie), the best
``count`` are taken with ties broken by position (earlier first), and returned in article
order.  Candidates are sentences with at least one content (non-stop) word that do not
repeat an earlier sentence (same text after tashkeel stripping, case folding and whitespace
collapsing); only candidates are handed to sumy.  Wordless sentences and repeats fill a
summary (in article order) only when more sentences are asked for than there are candidates.

``news`` (the default) = min(1, content words / ``NEWS_FULL_LENGTH_WORDS``) *
(``NEWS_CENTRALITY_WEIGHT`` * centrality + ``NEWS_POSITION_WEIGHT`` * 0.5 ** (position /
``NEWS_POSITION_HALF_LIFE``)), with weights 0.5 / 0.5, half-life 4 sentences, 6 words: news
articles state their key facts first, and the lead baseline is very hard to beat on news.
Centrality is sumy's TextRank (edge weights, damping 0.85, power method) on the graph without
self-loops, rescaled to [0, 1].  Not LexRank: sumy's LexRank stops its power method at
epsilon 0.1 and keeps self-loops, so on a short article most sentences come out exactly equal;
and not sumy's TextRank as is: its self-loops make a sentence that shares no word with the
rest look central (see ``FastTextRank``).

Cost.  sumy's implementations are pure Python: LexRank, TextRank and Reduction compare every
pair of sentences word by word, KL rebuilds the summary's word counts for every candidate at
every pick (cubic), LSA runs an SVD; on 320 sentences sumy's KL alone takes over 30 s.  The
classes of ``reader.sumy_fast`` (``FastLexRank`` ...), imported on the first summary, keep
sumy's formulas and power methods but do the pairwise and greedy arithmetic with numpy (tests
check they rate like sumy's own classes); LSA needs no SVD at all (see ``FastLsa``).  Memory for the pairwise methods is O(n^2), so at most
``MAX_SCORED_SENTENCES`` candidates (the first ones) are scored; the rest only fill a summary
that asks for more sentences than that.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from reader.arabic import ARABIC_LETTER_RE, strip_tashkeel
from reader.config import ALGORITHMS  # one list of names for settings, CLI and summarizer

if TYPE_CHECKING:  # pragma: no cover
    from reader.model import Article, Sentence

DEFAULT_ALGORITHM = "news"

#: ``news`` = centrality weight * TextRank without self-loops (0..1) + position weight * prior (0..1).
NEWS_CENTRALITY_WEIGHT = 0.5
NEWS_POSITION_WEIGHT = 0.5
#: The position prior halves every this many sentences (sentence 0 -> 1.0, 4 -> 0.5, 8 -> 0.25).
NEWS_POSITION_HALF_LIFE = 4.0
#: A ``news`` score is scaled by min(1, content words / this): a site name, a dateline or a
#: three-word quote fragment is rarely a summary sentence, however early it comes.
NEWS_FULL_LENGTH_WORDS = 6

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
        from reader.segment import split_sentences

        return tuple(paragraph[a:b] for a, b in split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return scoring_words(sentence)


class WordStemmer:
    """Per-word stemmer: Arabic-script words through sumy's Arabic stemmer, ASCII words through
    its English stemmer, anything else unchanged.  Memoised (sumy stems the same word often)."""

    def __init__(self) -> None:
        from sumy.nlp.stemmers import Stemmer

        self._arabic = Stemmer("arabic")
        self._english = Stemmer("english")
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        try:
            return self._cache[word]
        except KeyError:
            pass
        if ARABIC_LETTER_RE.search(word):
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
    """The numpy versions of sumy's summarizers (`reader.sumy_fast`), imported on first use:
    sumy imports NLTK, about 1 s, which the reader's first frame must not wait for."""
    from reader.sumy_fast import CLASSES

    return CLASSES


def _make_summarizer(algorithm: str, limit: int | None = None) -> Any:
    sumy = _sumy()
    summarizer = sumy[algorithm](_stemmer())
    summarizer.stop_words = stop_words()
    if limit is not None and hasattr(summarizer, "limit"):
        summarizer.limit = limit
    return summarizer


def _document_language(texts: Sequence[str]) -> str:
    from reader.arabic import arabic_ratio

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
    folding and whitespace collapsing)."""
    stops = stop_words()
    seen: set[str] = set()
    out = []
    for i, t in enumerate(texts):
        if not any(w.lower() not in stops for w in scoring_words(t)):
            continue
        key = _dedupe_key(t)
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out


def _raw_scores(texts: Sequence[str], indices: Sequence[int], algorithm: str, limit: int | None) -> list[float]:
    """sumy's rating of each sentence in `indices` (same order), higher is better."""
    sumy = _sumy()
    tokenizer = WordTokenizer(_document_language([texts[i] for i in indices]))
    sentences = [sumy["IndexedSentence"](texts[i], tokenizer, i) for i in indices]
    document = sumy["ObjectDocumentModel"]([sumy["Paragraph"](sentences)])
    summarizer = _make_summarizer(algorithm, limit)
    with warnings.catch_warnings():
        # sumy's LSA warns when there are fewer distinct words than sentences; harmless here.
        warnings.simplefilter("ignore", UserWarning)
        # numpy's 0/0 in LexRank's power method: the NaN is handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        ratings = summarizer(document, len(sentences))
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


def position_prior(position: int) -> float:
    """The ``news`` lead prior: 1.0 for the first sentence, halving every NEWS_POSITION_HALF_LIFE."""
    return 0.5 ** (position / NEWS_POSITION_HALF_LIFE)


def score_sentences(sentences: Sequence[str], *, algorithm: str = DEFAULT_ALGORITHM,
                    limit: int | None = None) -> list[float | None]:
    """Each sentence's score in [0, 1] under `algorithm` (higher is better); ``None`` for a
    sentence that is not a candidate (no content word, or beyond MAX_SCORED_SENTENCES).
    For ``kl``/``sumbasic`` with `limit`, only the first `limit` greedy picks get a score
    (others ``-inf``)."""
    name = _check_algorithm(algorithm)
    texts = list(sentences)
    scores: list[float | None] = [None] * len(texts)
    indices = _candidates(texts)[:MAX_SCORED_SENTENCES]
    if not indices:
        return scores
    if name == "news":
        centrality = _rescale(_raw_scores(texts, indices, "centrality", None))
        stops = stop_words()
        for i, c in zip(indices, centrality):
            content = sum(1 for w in scoring_words(texts[i]) if w.lower() not in stops)
            brevity = min(1.0, content / NEWS_FULL_LENGTH_WORDS)
            score = NEWS_CENTRALITY_WEIGHT * c + NEWS_POSITION_WEIGHT * position_prior(i)
            scores[i] = round(brevity * score, 9)
        return scores
    for i, s in zip(indices, _rescale(_raw_scores(texts, indices, name, limit))):
        scores[i] = s
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


def _select(scores: Sequence[float | None], count: int) -> list[int]:
    """The `count` best-scored indices (ties: earlier first), topped up in article order with
    unscored sentences (repeats, wordless ones) if there are too few; returned ascending."""
    n = len(scores)
    if count >= n:
        return list(range(n))
    scored = sorted((i for i in range(n) if scores[i] is not None), key=lambda i: (-scores[i], i))
    chosen = scored[:count]
    if len(chosen) < count:
        chosen += [i for i in range(n) if scores[i] is None][: count - len(chosen)]
    return sorted(chosen)


def summarize_sentences(sentences: Sequence[str], *, algorithm: str | None = DEFAULT_ALGORITHM,
                        count: int | None = None, ratio: float | None = None) -> list[int]:
    """Pick a summary from `sentences`: their indices, ascending, deterministic.

    Length: `count` sentences, or `ratio` of them (0 < ratio <= 1, at least one), or
    `default_count(len(sentences))`; asking for at least as many as there are returns all."""
    name = _check_algorithm(algorithm)
    texts = [str(s) for s in sentences]
    k = resolve_count(len(texts), count, ratio)
    if k == 0:
        return []
    if k >= len(texts):
        return list(range(len(texts)))
    return _select(score_sentences(texts, algorithm=name, limit=k), k)


def summarize_article(article: Article, *, algorithm: str | None = DEFAULT_ALGORITHM,
                      count: int | None = None, ratio: float | None = None) -> list[Sentence]:
    """Summary of an Article: its Sentence objects, in article order.  Headings are never
    candidates (unless the article is nothing but heading-like lines, such as a list of
    headlines: then those are); `ratio` and the default length count candidates only."""
    body = [s for p in article.paragraphs if not p.is_heading for s in p.sentences]
    if not body:
        body = list(article.sentences)
    picked = summarize_sentences([s.text for s in body], algorithm=algorithm, count=count, ratio=ratio)
    return [body[i] for i in picked]


def summarize_text(text: str, sentences: int | None = None, algorithm: str | None = None) -> list[str]:
    """Public API: summarise Arabic (or other) `text` -> the summary sentences, in article
    order.  `sentences` is the length (default: `default_count`), `algorithm` one of
    ALGORITHMS (default ``news``)."""
    from reader.article import parse_text

    article = parse_text(text)
    return [s.text for s in summarize_article(article, algorithm=algorithm, count=sentences)]


__all__ = [
    "ALGORITHMS", "DEFAULT_ALGORITHM", "SummaryError", "WordTokenizer", "default_count", "position_prior",
    "resolve_count", "score_sentences", "scoring_words", "stop_words", "summarize_article",
    "summarize_sentences", "summarize_text",
]

