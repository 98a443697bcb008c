"""Summaries (reader/summary/summarize.py): sumy's algorithms over qari's own sentences."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections import Counter

import numpy
import pytest

from paths import REPO, SAMPLE
from reader.summary import summarize as S
from reader.article import article_from_blocks, load_article, parse_text
from reader.text.segment import split_sentences



@pytest.fixture(scope="module")
def article():
    return load_article(SAMPLE)


@pytest.fixture(scope="module")
def body(article):
    """The sample's candidate sentences (headings excluded), as summarize_article sees them."""
    return [s for p in article.paragraphs if not p.is_heading for s in p.sentences]


def _distinct_sentences(n: int) -> list[str]:
    """n sentences of the same length with no content word in common (equal centrality)."""
    return [f"كلمة{i}أ كلمة{i}ب كلمة{i}ج كلمة{i}د كلمة{i}ه كلمة{i}و." for i in range(n)]


# --------------------------------------------------------------------------- API basics


def test_algorithms_match_contract():
    assert S.ALGORITHMS == ("news", "lexrank", "lsa", "textrank", "luhn", "kl", "sumbasic", "reduction")


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 1), (2, 2), (3, 3), (10, 3), (20, 4), (30, 6),
                                             (35, 7), (36, 7), (1000, 7)])
def test_default_count(n, expected):
    assert S.default_count(n) == expected


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
def test_sample_article_every_algorithm(article, body, algorithm):
    chosen = S.summarize_article(article, algorithm=algorithm)
    numbers = [s.number for s in chosen]
    assert len(chosen) == S.default_count(len(body)) == 6
    assert numbers == sorted(set(numbers))
    headings = {s.number for p in article.paragraphs if p.is_heading for s in p.sentences}
    assert headings and not headings & set(numbers)
    for s in chosen:  # real Sentence objects of this article
        assert article.sentence(s.id) is s
        assert article.text[s.start:s.end] == s.text
    # The same through the index API, on the body sentences (``news`` also reads their
    # paragraphs and the title; the other algorithms ignore both).
    keys = list(dict.fromkeys((s.id.section, s.id.paragraph) for s in body))
    paragraphs = [keys.index((s.id.section, s.id.paragraph)) for s in body]
    indices = S.summarize_sentences([s.text for s in body], algorithm=algorithm, paragraphs=paragraphs,
                                    title=article.title)
    assert [body[i].number for i in indices] == numbers
    # Deterministic within a process: with every module-level cache emptied first (stems,
    # stop words, sumy classes), the scoring really runs again and chooses the same.
    for value in vars(S).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
    assert [s.number for s in S.summarize_article(article, algorithm=algorithm)] == numbers


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
@pytest.mark.parametrize("count", [1, 3, 10, 29])
def test_requested_length(body, algorithm, count):
    texts = [s.text for s in body]
    got = S.summarize_sentences(texts, algorithm=algorithm, count=count)
    assert len(got) == count
    assert got == sorted(set(got))
    assert all(0 <= i < len(texts) for i in got)


def test_count_and_ratio(body):
    texts = [s.text for s in body]
    n = len(texts)
    assert n == 30
    assert S.summarize_sentences(texts, count=0) == []
    assert S.summarize_sentences(texts, count=n) == list(range(n))
    assert S.summarize_sentences(texts, count=n + 5) == list(range(n))
    assert len(S.summarize_sentences(texts, ratio=0.5)) == 15
    assert len(S.summarize_sentences(texts, ratio=0.1)) == 3
    assert len(S.summarize_sentences(texts, ratio=0.001)) == 1  # at least one
    assert S.summarize_sentences(texts, ratio=1.0) == list(range(n))
    # A ratio gives the same summary as the count it stands for.
    for algorithm in S.ALGORITHMS:
        assert (S.summarize_sentences(texts, algorithm=algorithm, ratio=0.2)
                == S.summarize_sentences(texts, algorithm=algorithm, count=6))
    # A longer summary extends a shorter one: scores are fixed (top-k), and KL / SumBasic
    # stopping their greedy loop earlier keeps the same first picks.
    for algorithm in S.ALGORITHMS:
        short = set(S.summarize_sentences(texts, algorithm=algorithm, count=4))
        long = set(S.summarize_sentences(texts, algorithm=algorithm, count=9))
        assert short <= long, algorithm


@pytest.mark.parametrize(
    "kwargs",
    [dict(count=2, ratio=0.5), dict(count=-1), dict(count=2.5), dict(count=True), dict(ratio=0),
     dict(ratio=1.5), dict(ratio=-0.2), dict(algorithm="edmundson"), dict(algorithm="random")],
)
def test_bad_requests(kwargs):
    with pytest.raises(S.SummaryError):
        S.summarize_sentences(["جملة أولى هنا.", "جملة ثانية هناك."], **kwargs)
    assert issubclass(S.SummaryError, ValueError)


def test_algorithm_name_forms():
    texts = _distinct_sentences(8)
    news = S.summarize_sentences(texts, count=3)
    assert S.summarize_sentences(texts, algorithm=None, count=3) == news
    assert S.summarize_sentences(texts, algorithm=" News ", count=3) == news
    assert S.summarize_sentences(texts, algorithm="LexRank", count=3) == S.summarize_sentences(
        texts, algorithm="lexrank", count=3)


# --------------------------------------------------------------------------- determinism, no NLTK data

_CHILD = r"""
import json, sys
import nltk.data
def _refuse(*args, **kwargs):
    raise AssertionError(f"NLTK data was requested: {args!r}")
nltk.data.find = _refuse
nltk.data.load = _refuse
from reader.article import load_article
from reader.summary.summarize import ALGORITHMS, summarize_article, summarize_text
article = load_article(sys.argv[1])
out = {a: [s.number for s in summarize_article(article, algorithm=a)] for a in ALGORITHMS}
out["text"] = summarize_text(article.text, sentences=4)
out["latin"] = summarize_text("The cat sat on the mat today. Dogs bark loudly at night. "
                              "The cat and the dog are friends now. Birds sing in the morning.", sentences=2)
print(json.dumps(out, ensure_ascii=False))
"""


def test_deterministic_across_processes_without_nltk_data(tmp_path, article):
    """Two fresh interpreters (different hash seeds), HOME and NLTK_DATA pointing at empty
    dirs and NLTK's data loaders sabotaged: same summaries, and the same as in this process."""
    empty = tmp_path / "nltk_data"
    empty.mkdir()
    procs = []
    for seed in ("1", "2"):  # run side by side
        home = tmp_path / f"home{seed}"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NLTK", "XDG_"))}
        env.update(NLTK_DATA=str(empty), HOME=str(home), PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        procs.append(subprocess.Popen([sys.executable, "-c", _CHILD, str(SAMPLE)], env=env, cwd=tmp_path,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert results[0] == results[1]
    assert list(empty.iterdir()) == []
    here = {a: [s.number for s in S.summarize_article(article, algorithm=a)] for a in S.ALGORITHMS}
    assert {a: results[0][a] for a in S.ALGORITHMS} == here
    assert len(results[0]["text"]) == 4 and len(results[0]["latin"]) == 2


# --------------------------------------------------------------------------- words and harakat


def test_scoring_words_keep_words_that_carry_harakat():
    assert S.scoring_words("كَتَبَ الوَلَدُ الدَّرْسَ، ثُمَّ نامَ.") == ("كتب", "الولد", "الدرس", "ثم", "نام")
    assert S.scoring_words("وقال ترامب 2024 ...") == ("وقال", "ترامب", "2024")
    assert S.scoring_words("... !!! 🙂 — «»") == ()
    # Decomposed hamza (alef + U+0654) is composed, not stripped as a mark.
    assert S.scoring_words("ا\u0654جرى") == ("أجرى",)
    tok = S.WordTokenizer()
    assert tok.language == "arabic"
    assert tok.to_words("مَرْحَبًا بِكُمْ") == ("مرحبا", "بكم")
    text = "جملة أولى. جملة ثانية؟ والثالثة!"
    assert tok.to_sentences(text) == tuple(text[a:b] for a, b in split_sentences(text))


def _diacritize(text: str) -> str:
    """Put a fatha/kasra/shadda/sukun after every other Arabic letter (and a tatweel)."""
    marks = "\u064e\u0650\u0651\u0652\u064b"
    out = []
    for k, ch in enumerate(text):
        out.append(ch)
        if "\u0621" <= ch <= "\u064a" and k % 2 == 0:
            out.append(marks[k % len(marks)])
    return "".join(out)


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
def test_harakat_do_not_change_scores(body, algorithm):
    texts = [s.text for s in body]
    voweled = list(texts)
    for i in (0, 2, 9, 18):  # the lead, and sentences other ones share words with
        voweled[i] = _diacritize(texts[i])
        assert voweled[i] != texts[i]
        assert S.scoring_words(voweled[i]) == S.scoring_words(texts[i])
    plain_scores = S.score_sentences(texts, algorithm=algorithm)
    assert S.score_sentences(voweled, algorithm=algorithm) == plain_scores
    assert S.summarize_sentences(voweled, algorithm=algorithm) == S.summarize_sentences(texts, algorithm=algorithm)


def test_harakat_words_carry_weight():
    """A sentence whose only link to the others is a voweled word is as central as its
    unvoweled twin: the word is counted, not dropped (sumy's own tokenizer drops it)."""
    base = ["اقتصاد البلاد ينمو بسرعة.", "تقرير: اقتصاد البلاد ينمو.",
            "الطقس معتدل في العاصمة.", "فريق الكرة فاز بالمباراة."]
    voweled = list(base)
    voweled[1] = "تَقْرِيرٌ: اِقْتِصَادُ البِلَادِ يَنْمُو."
    for algorithm in S.ALGORITHMS:
        assert S.score_sentences(voweled, algorithm=algorithm) == S.score_sentences(base, algorithm=algorithm)
    for algorithm in ("news", "textrank", "reduction"):
        plain = S.score_sentences(base, algorithm=algorithm)
        assert plain[1] > plain[2]  # linked by three words, so above an unlinked sentence


# --------------------------------------------------------------------------- news


def test_news_prefers_the_lead_when_centrality_is_equal():
    texts = _distinct_sentences(10)
    for algorithm in ("textrank", "lexrank", "reduction"):
        scores = S.score_sentences(texts, algorithm=algorithm)
        assert len(set(scores)) == 1  # truly equal centrality
    assert S.summarize_sentences(texts, algorithm="news", count=3) == [0, 1, 2]
    news = S.score_sentences(texts, algorithm="news")
    assert news == sorted(news, reverse=True) and news[0] > news[1] > news[9]
    # Position, not content: reversing the sentences still picks the first three.
    assert S.summarize_sentences(texts[::-1], algorithm="news", count=3) == [0, 1, 2]


def test_news_weights_are_a_complete_table():
    from reader.summary import news

    assert set(news.WEIGHTS) == set(news.FEATURES)
    assert all(isinstance(v, float) and math.isfinite(v) for v in news.WEIGHTS.values())
    assert max(abs(v) for v in news.WEIGHTS.values()) == 1.0  # scaled as the fit documents
    assert 0 < news.MMR_LAMBDA <= 1


def _feature(rows, name):
    from reader.summary import news

    return [float(v) for v in rows[:, news.FEATURES.index(name)]]


def test_news_features_behave():
    texts = ["أعلنت الحكومة خطة جديدة للاقتصاد والنمو في البلاد.",
             "وقال الوزير إن الخطة تبدأ العام المقبل وتشمل 12 مشروعا.",
             "الطقس معتدل.",
             "وقال مسؤول: «الخطة طموحة جدا ونحن ندعمها بالكامل».",
             "في سياق آخر فاز فريق الكرة المحلي بالمباراة النهائية أمس",
             "الحكومة أكدت أن خطة الاقتصاد ستدعم النمو والتوظيف والاستثمار في كل المحافظات."]
    paragraphs = [0, 0, 1, 1, 2, 3]
    indices, rows, terms = S.news_features(texts, paragraphs=paragraphs, title="خطة الحكومة للاقتصاد")
    assert indices == list(range(6)) and rows.shape[0] == 6 and len(terms) == 6
    assert _feature(rows, "lead") == [1, 0, 0, 0, 0, 0]
    position = _feature(rows, "position")
    assert position == sorted(position) and position[0] == 0  # grows along the article
    assert _feature(rows, "paragraph_start") == [1, 0, 1, 0, 1, 1]
    assert _feature(rows, "paragraph")[2] == _feature(rows, "paragraph")[3] < _feature(rows, "paragraph")[4]
    assert _feature(rows, "number") == [0, 1, 0, 0, 0, 0]
    assert _feature(rows, "quote") == [0, 0, 0, 1, 0, 0]
    assert _feature(rows, "punctuated") == [1, 1, 1, 1, 0, 1]  # the unpunctuated line is heading-like
    length = _feature(rows, "length")
    assert length[2] < length[0] < length[5]
    headline = _feature(rows, "headline")
    assert headline[0] > 0 and headline[5] > 0 and headline[2] == headline[4] == 0
    # Without a headline the feature is silent, and the other features do not change.
    _, plain, _ = S.news_features(texts, paragraphs=paragraphs)
    assert _feature(plain, "headline") == [0] * 6
    assert _feature(plain, "centrality") == _feature(rows, "centrality")
    centrality = _feature(rows, "centrality")
    assert centrality[5] > centrality[2] and centrality[4] < max(centrality)  # the echoing sentence is central


def test_news_headline_pulls_a_matching_sentence_up():
    texts = _distinct_sentences(8)
    title = texts[5].rstrip(".")
    plain = S.score_sentences(texts, algorithm="news")
    titled = S.score_sentences(texts, algorithm="news", title=title)
    assert titled[5] > plain[5] or titled[5] == 1.0
    assert sorted(range(8), key=lambda i: -titled[i]).index(5) < sorted(range(8), key=lambda i: -plain[i]).index(5)


def test_mmr_passes_over_a_near_duplicate_of_a_pick():
    lead = "أعلنت الحكومة اليوم خطة جديدة لدعم الاقتصاد والنمو والتوظيف في البلاد."
    echo = "أعلنت الحكومة اليوم خطة جديدة لدعم الاقتصاد والنمو والتوظيف في البلاد كلها."
    other = "ورحبت أحزاب المعارضة بالقرار وطالبت بمراقبة التنفيذ ومحاسبة المقصرين."
    texts = [lead, echo, other, *_distinct_sentences(5)]
    scores = S.score_sentences(texts, algorithm="news")
    assert scores[1] > scores[2]  # alone, the echo would be the second pick
    assert S.summarize_sentences(texts, count=2) == [0, 2]
    from reader.summary import news

    _, _, terms = S.news_features(texts)
    assert news.mmr_order(scores, terms, 2, lam=1.0) == [0, 1]  # without redundancy control it is


def test_redundancy_counts_only_for_a_restatement():
    from reader.summary import news

    # The second sentence shares a name with the first (cosine 0.25): the story goes on, and it
    # stays the second pick; were every overlap a penalty, the unrelated third would displace it.
    terms = [["a", "b", "c", "d"], ["a", "e", "f", "g"], ["h", "i", "j", "k"]]
    scores = [1.0, 0.9, 0.8]
    assert news.cosine(Counter(terms[0]), Counter(terms[1])) < news.REDUNDANT_COSINE
    assert news.mmr_order(scores, terms, 2, lam=0.7) == [0, 1]
    restated = [["a", "b", "c", "d"], ["a", "b", "c", "e"], ["h", "i", "j", "k"]]
    assert news.cosine(Counter(restated[0]), Counter(restated[1])) >= news.REDUNDANT_COSINE
    assert news.mmr_order(scores, restated, 2, lam=0.7) == [0, 2]


def test_first_pick_and_later_picks_use_their_own_scores():
    from reader.summary import news

    terms = [["a"], ["b"], ["c"]]
    assert news.mmr_order([0.2, 1.0, 0.5], terms, 3, later=[1.0, 0.0, 0.6]) == [1, 0, 2]
    assert news.mmr_order([0.2, 1.0, 0.5], terms, 3) == [1, 2, 0]


def test_later_picks_follow_the_story():
    from reader.summary import news

    # Features equal but for position: the later score falls along the article.
    rows = numpy.zeros((5, len(news.FEATURES)))
    rows[:, news.FEATURES.index("position")] = numpy.log1p(numpy.arange(5))
    rows[:, news.FEATURES.index("punctuated")] = 1.0
    later = list(news.scores(rows, [["w"] * 10] * 5, later=True))
    assert later == sorted(later, reverse=True) and len(set(later)) == 5


def test_short_lines_first_pick_and_later():
    from reader.summary import news

    question = "فما هي أسباب القرار؟"  # a short sentence: a fair later pick, a poor opener
    texts = [question, "زاد الاردن -", *_distinct_sentences(5)]
    _, rows, terms = S.news_features(texts)
    first, later = news.scores(rows, terms), news.scores(rows, terms, later=True)
    assert len(terms[0]) < news.SHORT_SENTENCE_WORDS and len(terms[1]) < news.SHORT_SENTENCE_WORDS
    assert first[0] <= 0.25 < later[0] == max(later)  # damped as the first pick only
    assert first[1] == later[1] == 0.0  # an unpunctuated fragment is never picked before a sentence


def test_word_budget(body):
    texts = [s.text for s in body]
    for algorithm in S.ALGORITHMS:
        for budget in (1, 25, 60, 150):
            got = S.summarize_sentences(texts, algorithm=algorithm, words=budget)
            assert got and got == sorted(set(got))
            total = sum(S.word_count(texts[i]) for i in got)
            assert total <= budget or len(got) == 1, (algorithm, budget)
        # A bigger budget extends a smaller one; with a count too, both limits hold.
        assert set(S.summarize_sentences(texts, algorithm=algorithm, words=40)) <= set(
            S.summarize_sentences(texts, algorithm=algorithm, words=120))
        both = S.summarize_sentences(texts, algorithm=algorithm, words=10_000, count=3)
        assert len(both) == 3 and both == S.summarize_sentences(texts, algorithm=algorithm, count=3)
    assert len(S.summarize_sentences(texts, words=10_000)) == len(texts)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(S.SummaryError):
            S.summarize_sentences(texts, words=bad)


def test_word_budget_through_the_article_and_text_api(article):
    chosen = S.summarize_article(article, words=50)
    assert chosen and sum(S.word_count(s.text) for s in chosen) <= 50
    assert [s.number for s in chosen] == sorted(s.number for s in chosen)
    assert S.summarize_text(article.text, words=50) == [s.text for s in chosen]


def test_news_passes_over_very_short_early_lines():
    texts = ["زاد الاردن -", *(_distinct_sentences(6))]
    assert S.summarize_sentences(texts, algorithm="news", count=2) == [1, 2]


def test_ties_go_to_the_earlier_sentence_for_every_algorithm():
    texts = _distinct_sentences(6)
    for algorithm in S.ALGORITHMS:
        assert S.summarize_sentences(texts, algorithm=algorithm, count=2) == [0, 1], algorithm


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
def test_empty_and_single(algorithm):
    assert S.summarize_sentences([], algorithm=algorithm) == []
    assert S.summarize_sentences([], algorithm=algorithm, ratio=0.5) == []
    assert S.summarize_sentences(["جملة وحيدة هنا."], algorithm=algorithm) == [0]
    assert S.summarize_sentences(["جملة وحيدة هنا."], algorithm=algorithm, count=3) == [0]
    assert S.score_sentences([], algorithm=algorithm) == []


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
def test_wordless_sentences(algorithm):
    wordless = ["...", "!!!", "🙂🙂", "— «»", "؟"]
    assert S.summarize_sentences(wordless, algorithm=algorithm, count=2) == [0, 1]
    assert S.score_sentences(wordless, algorithm=algorithm) == [None] * 5
    mixed = ["...", "ارتفعت أسعار النفط اليوم في الأسواق.", "🙂", "وقال وزير النفط إن الأسعار سترتفع.",
             "!!!", "هذا هو."]  # the last has only stop words
    got = S.summarize_sentences(mixed, algorithm=algorithm, count=2)
    assert got == [1, 3]
    scores = S.score_sentences(mixed, algorithm=algorithm)
    assert [i for i, s in enumerate(scores) if s is None] == [0, 2, 4, 5]
    assert S.summarize_sentences(mixed, algorithm=algorithm, count=3) == [0, 1, 3]  # filled in order


@pytest.mark.parametrize("algorithm", S.ALGORITHMS)
def test_duplicate_sentences(body, algorithm):
    texts = [s.text for s in body]
    lead = texts[0]
    doubled = [*texts, lead, _diacritize(lead), lead]
    got = S.summarize_sentences(doubled, algorithm=algorithm, count=8)
    assert len(got) == 8
    assert len({S.scoring_text(doubled[i]) for i in got}) == 8  # no sentence twice
    assert set(got) <= set(range(len(texts)))  # the first occurrence represents the repeats
    scores = S.score_sentences(doubled, algorithm=algorithm)
    assert scores[len(texts):] == [None, None, None]
    # Only-duplicates: the first is picked, repeats fill in article order when asked for.
    assert S.summarize_sentences(["خبر مكرر هنا.", "خبر مكرر هنا.", "خبر مكرر هنا."],
                                 algorithm=algorithm, count=2) == [0, 1]


def test_duplicates_are_mapped_by_position_not_text():
    """sumy hashes sentences by text; equal texts must still map back to their own index."""
    texts = ["ماسك يجري مقابلة مع ترامب.", "ماسك يجري مقابلة مع ترامب.", "ترامب يتحدث عن ماسك والمقابلة.",
             "الطقس حار."]
    for algorithm in S.ALGORITHMS:
        assert S.summarize_sentences(texts, algorithm=algorithm, count=4) == [0, 1, 2, 3]
        got = S.summarize_sentences(texts, algorithm=algorithm, count=2)
        assert 1 not in got and len(got) == 2


def test_sumy_sees_equal_sentences_as_distinct():
    """Repeats are not candidates, but if equal texts do reach sumy (which hashes sentences by
    text) each keeps its own rating instead of sharing one dict entry."""
    texts = ["ماسك يجري مقابلة مع ترامب.", "ماسك يجري مقابلة مع ترامب.", "الطقس حار في العاصمة اليوم."]
    for algorithm in ("kl", "sumbasic"):
        ratings = S._raw_scores(texts, [0, 1, 2], algorithm, None)
        assert sorted(ratings) == [-2.0, -1.0, 0.0], algorithm  # three distinct greedy picks
    assert len(S._raw_scores(texts, [0, 1, 2], "lexrank", None)) == 3


# --------------------------------------------------------------------------- sumy equivalence


def _rounded_reference(cls):
    """sumy's KL / SumBasic with the compared value rounded to 12 decimals (as ours), so an
    exact mathematical tie goes to the earlier sentence in both instead of to float noise."""
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer

    if cls is KLSummarizer:
        return type("RKL", (cls,), {"_kl_divergence": staticmethod(
            lambda a, b: round(KLSummarizer._kl_divergence(a, b), 12))})
    if cls is SumBasicSummarizer:
        return type("RSB", (cls,), {"_compute_average_probability_of_words": staticmethod(
            lambda f, w: round(SumBasicSummarizer._compute_average_probability_of_words(f, w), 12))})
    return cls


@pytest.mark.parametrize("algorithm", ["lexrank", "textrank", "reduction", "lsa", "luhn", "kl", "sumbasic"])
def test_fast_versions_rate_like_sumy(body, algorithm):
    """Our numpy versions give sumy's own ratings (sumy's pure-Python code, SVD for LSA)."""
    import numpy
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    original = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer, "reduction": ReductionSummarizer,
                "lsa": LsaSummarizer, "luhn": LuhnSummarizer, "kl": KLSummarizer,
                "sumbasic": SumBasicSummarizer}[algorithm]
    from reader.summary import sumy_fast

    sumy = sumy_fast.CLASSES
    assert S._sumy() is sumy  # what reader.summary.summarize uses
    capture = sumy_fast.Capture
    texts = [s.text for s in body] + ["ترامب وماسك.", "ماسك."]  # plus short ones (one-word edges)

    def ratings(cls):
        tok = S.WordTokenizer()
        sentences = [sumy["IndexedSentence"](t, tok, i) for i, t in enumerate(texts)]
        document = sumy["ObjectDocumentModel"]([sumy["Paragraph"](sentences)])
        summarizer = cls(S._stemmer())
        summarizer.stop_words = S.stop_words()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return numpy.array(summarizer(document, len(sentences)), dtype=float)

    ours = ratings(sumy[algorithm])
    theirs = ratings(type("Reference", (capture, _rounded_reference(original)), {}))
    assert ours.shape == (len(texts),)
    assert len(set(ours.round(9))) > 3  # the comparison is not between constants
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- articles and text


def test_summarize_article_skips_headings_even_when_central():
    blocks = [("heading", "ماسك وترامب والمقابلة"), ("paragraph", "أجرى ماسك مقابلة مع ترامب. ثم تحدث ترامب عن ماسك."),
              ("heading", "ماسك ترامب"), ("paragraph", "المقابلة مع ماسك تأخرت. ترامب شكر ماسك على المقابلة.")]
    art = article_from_blocks(blocks, source="<test>")
    headings = [s for p in art.paragraphs if p.is_heading for s in p.sentences]
    assert len(headings) == 2
    for algorithm in S.ALGORITHMS:
        chosen = S.summarize_article(art, algorithm=algorithm, count=10)
        assert len(chosen) == 4 and not set(chosen) & set(headings)
        assert [s.number for s in chosen] == sorted(s.number for s in chosen)


def test_summarize_text(article):
    text = SAMPLE.read_text(encoding="utf-8")
    got = S.summarize_text(text)
    assert len(got) == 6 and all(isinstance(s, str) for s in got)
    assert got == [s.text for s in S.summarize_article(parse_text(text))]
    positions = [article.text.index(s) for s in got]
    assert positions == sorted(positions)
    assert len(S.summarize_text(text, sentences=3)) == 3
    assert S.summarize_text(text, sentences=3, algorithm="lsa") == [
        s.text for s in S.summarize_article(parse_text(text), algorithm="lsa", count=3)]
    import reader

    assert reader.summarize_text(text, sentences=3) == S.summarize_text(text, sentences=3)


def test_latin_text_is_summarized_with_english_stop_words():
    text = ("The minister announced a new economic plan today. The plan promises growth and jobs. "
            "It was raining in the capital. Critics said the economic plan lacks detail. "
            "A football match ended in a draw.")
    got = S.summarize_text(text, sentences=2, algorithm="textrank")
    assert len(got) == 2 and all("plan" in s for s in got)
    assert "the" in S.stop_words() and "في" in S.stop_words()


# --------------------------------------------------------------------------- scale


def test_large_input_every_algorithm(body):
    """~2,000 distinct sentences (the sample 67 times, each copy with its own marker word)."""
    texts = [f"{s.text} نسخة{k}" for k in range(67) for s in body][:2000]
    assert len(texts) == 2000
    for algorithm in S.ALGORITHMS:  # how the time grows with size: tests/benchmarks/bench_scale.py
        got = S.summarize_sentences(texts, algorithm=algorithm, count=7)
        assert len(got) == 7 and got == sorted(set(got)), algorithm


def test_candidates_beyond_the_cap_only_fill(monkeypatch):
    monkeypatch.setattr(S, "MAX_SCORED_SENTENCES", 10)
    texts = _distinct_sentences(40)
    texts[30] = "الخبر المهم عن الاقتصاد والنمو."  # would be central if it were scored
    for algorithm in S.ALGORITHMS:
        scores = S.score_sentences(texts, algorithm=algorithm)
        assert all(s is not None for s in scores[:10]) and all(s is None for s in scores[10:])
        assert max(S.summarize_sentences(texts, algorithm=algorithm, count=5)) < 10
        assert S.summarize_sentences(texts, algorithm=algorithm, count=12)[-2:] == [10, 11]


def test_cli_word_budget(isolated_dirs, article, capsys):
    """`qari summarize --words N` keeps the summary within N words (the first pick always)."""
    from reader import cli

    assert cli.main(["summarize", "--no-translate", "--words", "50", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    chosen = S.summarize_article(article, words=50)
    assert f"Length: {len(chosen)} of {len(article.sentences)} sentences" in out
    assert all(s.text in out for s in chosen)
    assert cli.main(["summarize", "--no-translate", "--words", "50", "-n", "1", str(SAMPLE)]) == 0
    assert "Length: 1 of" in capsys.readouterr().out
