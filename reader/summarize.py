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
classes below (``FastLexRank`` ...) keep sumy's formulas and power methods but do the pairwise
and greedy arithmetic with numpy (tests check they rate like sumy's own classes); LSA needs no
SVD at all (see ``FastLsa``).  Memory for the pairwise methods is O(n^2), so at most
``MAX_SCORED_SENTENCES`` candidates (the first ones) are scored; the rest only fill a summary
that asks for more sentences than that.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections import Counter
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
    """Import sumy lazily (it imports NLTK, ~1 s) and define the classes built on it."""
    import numpy
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    class IndexedSentence(SumySentence):
        """A sumy sentence that knows its position in our list.  sumy hashes and compares
        sentences by text, so two equal sentences would share one rating in its dicts;
        these compare by position instead."""

        __slots__ = ("index",)

        def __init__(self, text: str, tokenizer: WordTokenizer, index: int) -> None:
            super().__init__(text, tokenizer)
            self.index = index

        def __eq__(self, other: object) -> bool:
            return isinstance(other, IndexedSentence) and other.index == self.index

        def __ne__(self, other: object) -> bool:
            return not self.__eq__(other)

        def __hash__(self) -> int:
            return hash(("qari-sentence", self.index))

    class Capture:
        """Makes a sumy summarizer return every sentence's rating, in document order,
        instead of the best N (sumy funnels all ratings through `_get_best_sentences`)."""

        def _get_best_sentences(self, sentences, count, rating, *args, **kwargs):  # noqa: ANN001
            if isinstance(rating, dict):
                return [float(rating[s]) for s in sentences]
            return [float(rating(s, *args, **kwargs)) for s in sentences]

        @staticmethod
        def normalize_word(word: str) -> str:
            return word.lower()  # sumy: to_unicode(word).lower(); our words are already str

        def stem_word(self, word: str) -> str:
            # sumy: self._stemmer(self.normalize_word(word)), memoised per raw word
            cache = self.__dict__.setdefault("_stem_cache", {})
            try:
                return cache[word]
            except KeyError:
                stem = cache[word] = self._stemmer(word.lower())
                return stem

    def term_lists(summarizer, document) -> list[list[str]]:  # noqa: ANN001
        return [summarizer._to_words_set(s) for s in document.sentences]

    def shared_terms(rows: list[dict[str, float]]) -> tuple[Any, Any]:
        """`rows[i]` maps term -> value for sentence i.  Returns (M, own): M has one column per
        term found in two or more sentences (the only ones that can link two sentences), and
        own[i] is the sum of squared values of sentence i's other terms, so that
        (M @ M.T)[i, j] + (i == j) * own[i] is the full dot product of rows i and j.  Most
        terms of a long text occur once, so M is far narrower than the whole vocabulary."""
        df = Counter(t for row in rows for t in row)
        columns: dict[str, int] = {}
        for row in rows:
            for t in row:
                if df[t] > 1:
                    columns.setdefault(t, len(columns))
        m = numpy.zeros((len(rows), len(columns)))
        own = numpy.zeros(len(rows))
        for i, row in enumerate(rows):
            for t, v in row.items():
                if df[t] > 1:
                    m[i, columns[t]] = v
                else:
                    own[i] += v * v
        return m, own

    def gram(rows: list[dict[str, float]]) -> Any:
        """Matrix of dot products of the rows (see `shared_terms`)."""
        m, own = shared_terms(rows)
        g = m @ m.T
        g[numpy.diag_indices_from(g)] += own
        return g

    def log_length_sums(words: list[list[str]]) -> Any:
        """log|i| + log|j| for every pair of sentences (0 for empty ones, never used)."""
        lengths = numpy.array([max(len(ws), 1) for ws in words], dtype=float)
        logs = numpy.log(lengths)
        return logs[:, None] + logs[None, :]

    class FastLexRank(Capture, LexRankSummarizer):
        """sumy's LexRank with its O(n^2) Python loop over sentence pairs replaced by numpy
        (same formula: tf = count / max count, idf = log(n / (1 + df)), idf-modified cosine,
        edges where cosine > threshold 0.1, rows divided by degree, sumy's power method)."""

        def __call__(self, document, sentences_count):  # noqa: ANN001
            words = term_lists(self, document)
            n = len(words)
            counters = [Counter(ws) for ws in words]
            df = Counter(t for c in counters for t in c)
            rows = []
            for c in counters:
                top = max(c.values()) if c else 1
                rows.append({t: (k / top) * math.log(n / (1 + df[t])) for t, k in c.items()})
            cosine = gram(rows)
            norms = numpy.sqrt(numpy.diag(cosine).copy())
            ok = norms > 0
            safe = numpy.where(ok, norms, 1.0)
            cosine /= safe[:, None]
            cosine /= safe[None, :]
            cosine[~ok, :] = 0.0
            cosine[:, ~ok] = 0.0
            matrix = (cosine > self.threshold).astype(float)
            del cosine
            degrees = matrix.sum(axis=1)
            degrees[degrees == 0] = 1
            matrix /= degrees[:, None]
            scores = self.power_method(matrix, self.epsilon)
            return self._get_best_sentences(document.sentences, sentences_count,
                                            dict(zip(document.sentences, scores)))

    class FastTextRank(Capture, TextRankSummarizer):
        """sumy's TextRank with the edge weights from a count-matrix product (edge(i, j) =
        sum over words of count_i * count_j, divided by log|i| + log|j|, or undivided when
        both sentences are one word), then sumy's damping and power method.

        sumy also links every sentence to itself (the diagonal of its matrix), so a sentence
        that shares no word with any other keeps most of its own mass and looks central.
        With ``self_loops = False`` (what ``news`` uses) the graph is the paper's, without
        them, and a sentence with no links spreads its mass evenly (PageRank's dangling
        nodes), so it gets only what every sentence gets from random jumps."""

        self_loops = True

        def rate_sentences(self, document):  # noqa: ANN001
            words = term_lists(self, document)
            n = len(words)
            weights = gram([dict(Counter(ws)) for ws in words])
            if not self.self_loops:
                numpy.fill_diagonal(weights, 0.0)
                # PageRank's dangling nodes: a sentence linked to no other jumps anywhere.
                weights[weights.sum(axis=1) == 0, :] = 1.0
            norm = log_length_sums(words)
            numpy.divide(weights, norm, out=weights, where=norm > 0)
            del norm
            weights /= weights.sum(axis=1)[:, numpy.newaxis] + self._ZERO_DIVISION_PREVENTION
            weights *= self.damping  # in place: sumy's full((n, n), (1 - d) / n) + d * weights
            weights += (1.0 - self.damping) / n
            ranks = self.power_method(weights, self.epsilon)
            return dict(zip(document.sentences, ranks))

    class FastReduction(Capture, ReductionSummarizer):
        """sumy's Reduction (rating = sum over the other sentences of matching-word pairs
        divided by log|i| + log|j|, 0 when that is 0) with the pair counts from a
        count-matrix product instead of a Python loop over all pairs of words of all pairs
        of sentences."""

        def rate_sentences(self, document):  # noqa: ANN001
            words = term_lists(self, document)
            m, _own = shared_terms([dict(Counter(ws)) for ws in words])
            edge = m @ m.T
            norm = log_length_sums(words)
            numpy.divide(edge, norm, out=edge, where=norm > 0)
            edge[norm <= 0] = 0.0
            numpy.fill_diagonal(edge, 0.0)
            return dict(zip(document.sentences, edge.sum(axis=1)))

    class FastLsa(Capture, LsaSummarizer):
        """sumy's LSA without the SVD.  sumy rates sentence j as sqrt(sum_i sigma_i^2 v_ij^2)
        over the kept dimensions, and it keeps all of them (REDUCTION_RATIO = 1, at least
        MIN_DIMENSIONS = 3), so with A = U S V^T the rating is sqrt((A^T A)_jj), the length of
        column j of A -- the smoothed term-frequency matrix (every cell of a sentence's column
        is 0.4 + 0.6 * count / max count, cells of absent words included).  That length is
        computed here directly, exactly, in O(words) instead of an O(n^3) SVD.  If sumy's ratio
        is ever set below 1 the SVD path runs as in sumy."""

        def __call__(self, document, sentences_count):  # noqa: ANN001
            if LsaSummarizer.REDUCTION_RATIO < 1:
                return super().__call__(document, sentences_count)
            dictionary = self._create_dictionary(document)
            if not dictionary:
                return ()
            smooth = 0.4
            size = len(dictionary)
            ranks = []
            for sentence in document.sentences:
                # the cells sumy's _create_matrix fills for this sentence's column
                counts = Counter(w for w in map(self.stem_word, sentence.words) if w in dictionary)
                top = max(counts.values()) if counts else 0
                if top == 0:
                    ranks.append(0.0)
                    continue
                square = smooth * smooth * (size - len(counts))
                square += sum((smooth + (1.0 - smooth) * c / top) ** 2 for c in counts.values())
                ranks.append(math.sqrt(square))
            return self._get_best_sentences(document.sentences, sentences_count,
                                            dict(zip(document.sentences, ranks)))

    class Luhn(Capture, LuhnSummarizer):
        """sumy's Luhn; the significant words come back as a frozenset instead of a tuple
        (sumy only tests membership, which was O(vocabulary) per word)."""

        def _get_significant_words(self, words):  # noqa: ANN001
            return frozenset(super()._get_significant_words(words))

    def entries(token_lists: list[list[str]], vocab: dict[str, int]) -> tuple[Any, Any, Any, Any]:
        """Sparse (row, column, count) triples of the tokens found in `vocab`, and row lengths
        (all tokens of the row)."""
        rows, cols, counts = [], [], []
        for i, tokens in enumerate(token_lists):
            for t, c in Counter(tokens).items():
                if t in vocab:
                    rows.append(i)
                    cols.append(vocab[t])
                    counts.append(c)
        lengths = numpy.array([len(t) for t in token_lists], dtype=float)
        return (numpy.array(rows, dtype=numpy.int64), numpy.array(cols, dtype=numpy.int64),
                numpy.array(counts, dtype=float), lengths)

    class Greedy:
        """KL and SumBasic rate sentences by the order in which a greedy loop picks them
        (first pick rates 0, then -1, -2, ...).  sumy re-scans every remaining sentence
        word by word for every pick (KL even rebuilds the summary's word counts for each
        sentence), O(n^2 * words) in Python; the subclasses do the same arithmetic with numpy
        over sparse (sentence, word, count) triples, and stop after `limit` picks (the rest
        rate -inf).  Values are rounded to 12 decimals before each min/max so that float
        summation order never breaks a tie (ties go to the earlier sentence, as in sumy)."""

        limit: int | None = None

        def _compute_ratings(self, sentences):  # noqa: ANN001
            n = len(sentences)
            limit = n if self.limit is None else min(n, self.limit)
            ratings = _MissingIsLowest()
            if n == 0:
                return ratings
            for rank, index in enumerate(self._picks(sentences, limit)):
                ratings[sentences[index]] = -rank
            return ratings

    class KL(Greedy, Capture, KLSummarizer):
        def _picks(self, sentences, limit):  # noqa: ANN001
            # sumy: KL(candidate) = sum over words w of (candidate + summary) with document
            # frequency p(w) > 0 of p(w) * log(p(w) / (joint count(w) / joint length)), where
            # the candidate contributes its content words and the summary ALL its words.
            # Split as  sum p log p - sum p log count + log(length) * sum p  and update per word.
            doc_tf = self.compute_tf(sentences)
            vocab = {w: k for k, w in enumerate(doc_tf)}
            p = numpy.array(list(doc_tf.values()), dtype=float)
            plogp = p * numpy.log(p)
            rows, cols, counts, lengths = entries(
                [self._get_content_words_in_sentence(s) for s in sentences], vocab)
            pe, plogpe = p[cols], plogp[cols]
            n = len(sentences)
            summary_counts = numpy.zeros(len(p))
            summary_length = 0
            open_ = numpy.ones(n, dtype=bool)
            for _ in range(limit):
                in_summary = summary_counts[cols] > 0
                base = summary_counts[cols]
                safe_base = numpy.where(in_summary, base, 1.0)
                d_a = numpy.where(in_summary, 0.0, plogpe)
                d_b = numpy.where(in_summary, pe * (numpy.log(base + counts) - numpy.log(safe_base)),
                                  pe * numpy.log(counts))
                d_p = numpy.where(in_summary, 0.0, pe)
                kept = summary_counts > 0
                a = plogp[kept].sum() + numpy.bincount(rows, d_a, n)
                b = (p[kept] * numpy.log(summary_counts[kept])).sum() + numpy.bincount(rows, d_b, n)
                mass = p[kept].sum() + numpy.bincount(rows, d_p, n)
                total = summary_length + lengths
                kl = a - b + numpy.log(numpy.where(total > 0, total, 1.0)) * mass
                kl = numpy.where(open_, numpy.round(kl, 12), numpy.inf)
                best = int(numpy.argmin(kl))
                open_[best] = False
                yield best
                for w in sentences[best].words:  # raw words, as sumy's summary word list
                    summary_length += 1
                    if w in vocab:
                        summary_counts[vocab[w]] += 1

    class SumBasic(Greedy, Capture, SumBasicSummarizer):
        def _picks(self, sentences, limit):  # noqa: ANN001
            # sumy: pick the sentence with the highest mean word probability (over its
            # content-word tokens; 0 if none), then square the probability of each of its
            # tokens (a word used twice is squared twice).
            word_freq = self._compute_tf(sentences)
            vocab = {w: k for k, w in enumerate(word_freq)}
            p = numpy.array(list(word_freq.values()), dtype=float)
            rows, cols, counts, lengths = entries(
                [self._get_content_words_in_sentence(s) for s in sentences], vocab)
            n = len(sentences)
            open_ = numpy.ones(n, dtype=bool)
            safe_lengths = numpy.where(lengths > 0, lengths, 1.0)
            for _ in range(limit):
                mean = numpy.bincount(rows, p[cols] * counts, n) / safe_lengths
                mean = numpy.where(open_, numpy.round(mean, 12), -numpy.inf)
                best = int(numpy.argmax(mean))
                open_[best] = False
                yield best
                mine = rows == best
                p[cols[mine]] = p[cols[mine]] ** (2.0 ** counts[mine])

    return {
        "numpy": numpy,
        "ObjectDocumentModel": ObjectDocumentModel,
        "Paragraph": Paragraph,
        "IndexedSentence": IndexedSentence,
        "lexrank": FastLexRank,
        "textrank": FastTextRank,
        "centrality": type("Centrality", (FastTextRank,), {"self_loops": False}),
        "reduction": FastReduction,
        "lsa": FastLsa,
        "luhn": Luhn,
        "kl": KL,
        "sumbasic": SumBasic,
    }


class _MissingIsLowest(dict):
    """Ratings of a stopped greedy loop: sentences it never picked rate -inf."""

    def __missing__(self, key: object) -> float:
        return float("-inf")


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

