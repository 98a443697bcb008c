"""sumy's summarizers with their pairwise and greedy arithmetic done by numpy.

sumy's implementations are pure Python: LexRank, TextRank and Reduction compare every pair of
sentences word by word, KL rebuilds the summary's word counts for every candidate at every pick
(cubic), LSA runs an SVD; on 320 sentences sumy's KL alone takes over 30 s.  The classes here
subclass sumy's own, keep its formulas and power methods, and replace only the arithmetic
(tests/test_summarize.py checks they rate like sumy's own classes).  Every class also mixes in
`Capture`, so calling one returns every sentence's rating in document order instead of sumy's
best N.

This module imports sumy (and with it NLTK, about 1 s), so `reader.summary.summarize` imports it
lazily, on the first summary.  It knows nothing of qari's sentences or selection rules: it
rates the sentences of a sumy document.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

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

from reader.background import paced

if TYPE_CHECKING:  # pragma: no cover
    from reader.summary.summarize import WordTokenizer

__all__ = [
    "CLASSES", "Capture", "FastLexRank", "FastLsa", "FastReduction", "FastTextRank", "Centrality", "Greedy",
    "IndexedSentence", "KL", "Luhn", "SumBasic",
]


class _MissingIsLowest(dict):
    """Ratings of a stopped greedy loop: sentences it never picked rate -inf."""

    def __missing__(self, key: object) -> float:
        return float("-inf")


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

    _stemmer: Callable[[str], str]  # set by the sumy summarizer this is mixed into

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
    # The reader's keys first (reader.background).
    return [summarizer._to_words_set(s) for s in paced(document.sentences)]

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

    #: The content-word stems of each sentence of the last document rated (``news`` reuses them).
    term_lists: list[list[str]] | None = None

    def rate_sentences(self, document):  # noqa: ANN001
        words = self.term_lists = term_lists(self, document)
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
    def _picks(self, sentences, limit: int) -> Iterator[int]:  # noqa: ANN001
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
    def _picks(self, sentences, limit: int) -> Iterator[int]:  # noqa: ANN001
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


class Centrality(FastTextRank):
    """The centrality ``news`` uses: TextRank on the graph without self-loops."""

    self_loops = False


#: Algorithm name -> class (plus sumy's DOM classes that `reader.summary.summarize` builds documents with).
CLASSES: dict[str, Any] = {
    "numpy": numpy,
    "ObjectDocumentModel": ObjectDocumentModel,
    "Paragraph": Paragraph,
    "IndexedSentence": IndexedSentence,
    "lexrank": FastLexRank,
    "textrank": FastTextRank,
    "centrality": Centrality,
    "reduction": FastReduction,
    "lsa": FastLsa,
    "luhn": Luhn,
    "kl": KL,
    "sumbasic": SumBasic,
}
