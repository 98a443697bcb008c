"""Sentence splitting: the rules of issue 2, on the sample article and on hard cases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.text.segment import sentences, split_sentences


def test_sample_article_sentences(sample_text: str) -> None:
    found = sentences(sample_text)
    assert len(found) == 32
    assert found[0] == "زاد الاردن الاخباري -"
    assert found[8] == "تدخل وتقول: هل تريدون الاستقالة؟."
    assert found[9] == "ثم يدخلون في إضراب."
    # 1.3 million stays in one sentence; 2020، is not a boundary.
    assert any("1.3 مليون" in s for s in found)
    assert any(s.startswith("وفي عام 2020، أيد ماسك") for s in found)


def test_never_splits_at_arabic_comma_semicolon_colon() -> None:
    text = "قال الوزير، في مؤتمر صحفي؛ إن الوضع مستقر: لا تغيير."
    assert sentences(text) == [text]


def test_numbers_and_dates_stay_whole() -> None:
    text = "بلغ النمو 3.5 بالمئة في 12.08.2024 مقابل 2.1 في العام الماضي. وقال المتحدث ذلك."
    assert sentences(text) == ["بلغ النمو 3.5 بالمئة في 12.08.2024 مقابل 2.1 في العام الماضي.", "وقال المتحدث ذلك."]


def test_year_at_sentence_end_is_a_boundary() -> None:
    assert sentences("تأسست الشركة عام 2020. ثم توسعت.") == ["تأسست الشركة عام 2020.", "ثم توسعت."]


def test_abbreviations_and_initials() -> None:
    assert sentences("التقى د. أحمد بالسيد J. Smith أمس. ثم غادر.") == ["التقى د. أحمد بالسيد J. Smith أمس.", "ثم غادر."]
    assert sentences("He met Mr. Brown in the U.S. on Monday. He left.") == [
        "He met Mr. Brown in the U.S. on Monday.", "He left."]


def test_urls_and_emails() -> None:
    text = "زوروا https://example.com/a.b?x=1. أو راسلوا news@agency.co.uk للمزيد. شكرا."
    assert sentences(text) == ["زوروا https://example.com/a.b?x=1.", "أو راسلوا news@agency.co.uk للمزيد.", "شكرا."]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = 'قال "هذا مهم." ثم صمت (طويلا!) وبعدها غادر. «انتهى؟» نعم.'
    assert sentences(text) == ['قال "هذا مهم."', "ثم صمت (طويلا!)", "وبعدها غادر.", "«انتهى؟»", "نعم."]


def test_question_marks_ellipsis_and_runs() -> None:
    assert sentences("هل جاء؟! لا… ربما... نعم") == ["هل جاء؟!", "لا…", "ربما...", "نعم"]


def test_missing_space_between_arabic_sentences() -> None:
    assert sentences("انتهى الاجتماع.وبدأ المؤتمر.") == ["انتهى الاجتماع.", "وبدأ المؤتمر."]


def test_line_breaks_split() -> None:
    assert sentences("عنوان بلا نقطة\nنص المقال هنا.") == ["عنوان بلا نقطة", "نص المقال هنا."]


def test_fifty_sentence_paragraph_has_no_split_limit() -> None:
    parts = [f"هذه الجملة رقم {i} في الفقرة، وهي طويلة قليلا." for i in range(50)]
    assert sentences(" ".join(parts)) == parts


def test_tashkeel_is_kept() -> None:
    text = "ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ. ثُمَّ عَادَ."
    assert sentences(text) == ["ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ.", "ثُمَّ عَادَ."]


def test_endless_sentence_is_one_sentence() -> None:
    text = " ".join(["كلمة"] * 4000)
    assert split_sentences(text) == [(0, len(text))]


ALPHABET = st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهوي") + list("abcXYZ0123456789") +
                           list(" .!?؟…،؛:\"'«»()\n\u064e\u0650") + ["\u200f", "😀"])


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=200))
def test_spans_keep_every_character_in_order(text: str) -> None:
    spans = split_sentences(text)
    position = 0
    for start, end in spans:
        assert start >= position and end > start
        assert text[position:start].strip() == ""  # only whitespace between sentences
        assert text[start:end] == text[start:end].strip()
        position = end
    assert text[position:].strip() == ""


def test_numbered_list_item_keeps_its_number() -> None:
    """A list number at the start of a line is part of its item, never a sentence "1."."""
    text = "أهم النقاط:\n1. قال الوزير إن الخطة جاهزة.\n2. وأضاف أن التنفيذ يبدأ غدا.\n10. ثم انتهى الاجتماع."
    assert sentences(text) == ["أهم النقاط:", "1. قال الوزير إن الخطة جاهزة.", "2. وأضاف أن التنفيذ يبدأ غدا.",
                               "10. ثم انتهى الاجتماع."]
    # Mid-line, a number before a period still ends a sentence.
    assert sentences("وصل العدد إلى 12. ثم توقف.") == ["وصل العدد إلى 12.", "ثم توقف."]


def test_dotted_initials_do_not_split() -> None:
    assert sentences("قالت شبكة A.B.C. News إن الاجتماع انتهى. ثم غادر الوفد.") == [
        "قالت شبكة A.B.C. News إن الاجتماع انتهى.", "ثم غادر الوفد."]
    assert sentences("راسلونا على ص.ب. 123 عمان. وشكرا.") == ["راسلونا على ص.ب. 123 عمان.", "وشكرا."]


def test_latin_initial_written_in_arabic_inside_a_name() -> None:
    assert sentences("أقيم الحفل في مركز جون إف. كينيدي للفنون. وحضره الآلاف.") == [
        "أقيم الحفل في مركز جون إف. كينيدي للفنون.", "وحضره الآلاف."]
    for initial in ("دي.", "جي.", "إس.", "جي.بي."):
        text = f"قال المدير {initial} مورغان إن الأرباح زادت. ثم غادر."
        assert sentences(text) == [f"قال المدير {initial} مورغان إن الأرباح زادت.", "ثم غادر."], initial


def test_ellipsis_after_a_word_that_cannot_end_a_sentence() -> None:
    assert sentences("زار الوفد سوريا ولبنان و... غيرها من الدول. ثم عاد.") == [
        "زار الوفد سوريا ولبنان و... غيرها من الدول.", "ثم عاد."]
    for word in ("أو", "في", "من", "إلى", "على", "عن", "مع"):
        assert len(sentences(f"تحدث {word}… الموضوع طويلا.")) == 1, word
    # After any other word an ellipsis still ends the sentence.
    assert sentences("انتظر الجميع… ثم جاء الخبر.") == ["انتظر الجميع…", "ثم جاء الخبر."]


def test_zero_width_non_joiner_is_kept() -> None:
    """ZWNJ is part of Persian/Urdu/Kurdish spelling: it survives loading and splitting."""
    from reader.article import parse_text

    word = "اصلاح\u200cطلبان"
    article = parse_text(f"پیروزی {word} در انتخابات. این خبر مهم است.")
    assert [s.text for s in article.sentences] == [f"پیروزی {word} در انتخابات.", "این خبر مهم است."]


def test_a_url_with_an_arabic_path_or_query_is_not_split() -> None:
    """A `?` or `.` inside a URL followed by an Arabic letter would be a boundary in prose;
    inside the URL it is not. The period right after a URL still ends the sentence."""
    split = sentences
    url = "https://example.com/أخبار/بحث?كلمة=مصر&ص=2"
    assert split(f"قرأت الخبر على {url} ثم أغلقت الصفحة.") == [f"قرأت الخبر على {url} ثم أغلقت الصفحة."]
    assert split(f"اقرأ المزيد على {url}. ثم عاد إلى البيت.") == [f"اقرأ المزيد على {url}.", "ثم عاد إلى البيت."]
    page = "www.example.com/ملف.عربي"
    assert split(f"الملف على {page} وفيه المزيد.") == [f"الملف على {page} وفيه المزيد."]
