"""Search over Arabic sentences and English translations."""

from __future__ import annotations

from reader.text.search import Match, SentenceIndex


def test_arabic_matching_ignores_tashkeel_and_alef_variants() -> None:
    sentences = ["قَالَ أحمد إنّ الأمر انتهى.", "لا شيء هنا."]
    index = SentenceIndex(sentences)
    matches = index.find("احمد")
    assert matches == [Match(0, "ar", sentences[0].index("أحمد"), sentences[0].index("أحمد") + 4)]
    (match,) = index.find("قال")
    assert sentences[0][match.start:match.end] == "قَالَ"  # harakat of the last letter included
    assert [m.number for m in index.find("الامر")] == [0]


def test_english_matching_is_case_insensitive_and_spans_are_exact() -> None:
    index = SentenceIndex(["جملة.", "أخرى."])
    matches = index.find("musk", {0: "Musk met musk fans.", 1: None})
    assert [(m.lang, m.start, m.end) for m in matches] == [("en", 0, 4), ("en", 9, 13)]


def test_matches_are_ordered_and_repeated() -> None:
    index = SentenceIndex(["ماسك وماسك.", "ترامب.", "ماسك."])
    assert [(m.number, m.start) for m in index.find("ماسك")] == [(0, 0), (0, 6), (2, 0)]
    assert index.find("") == []
    assert index.find("غير موجود") == []


def test_arabic_matching_folds_ta_marbuta_and_alef_maqsura() -> None:
    """What a reader types without the dots finds the spelled word, and the other way round."""
    sentences = ["زار الوزير المدرسة الجديدة.", "ذهب إلى المستشفى ثم عاد.", "لا شيء هنا."]
    index = SentenceIndex(sentences)
    for query, number, word in (("مدرسه", 0, "مدرسة"), ("مدرسة", 0, "مدرسة"), ("مستشفي", 1, "مستشفى"),
                                ("الي", 1, "إلى"), ("الجديده", 0, "الجديدة")):
        (match,) = index.find(query)
        assert match.number == number and sentences[number][match.start:match.end] == word, query
    typed = SentenceIndex(["ذهب الي المدرسه."])  # the text itself written the folded way
    assert [m.number for m in typed.find("المدرسة")] == [0]
    assert [m.number for m in typed.find("إلى")] == [0]


def test_arabic_matching_folds_madda_and_alef_wasla() -> None:
    """آمن typed as امن (no madda), ٱلكتاب (alef wasla) as الكتاب: both found, spans exact."""
    sentences = ["قال إن الوضع آمن الآن.", "قرأ ٱلكتاب كله.", "لا شيء هنا."]
    index = SentenceIndex(sentences)
    for query, number, word in (("امن", 0, "آمن"), ("آمن", 0, "آمن"), ("الكتاب", 1, "ٱلكتاب")):
        (match,) = index.find(query)
        assert match.number == number and sentences[number][match.start:match.end] == word, query
