"""Property tests over the whole headless pipeline (issue 5, robustness): generated text mixing
Arabic (letters, words, tashkeel), Latin, digits, punctuation, whitespace of every kind,
control characters, bidi controls, zero-width characters and emoji goes through

    parse_text -> sentences -> tiny-model translation -> summary -> RTL layout -> Markdown export

and every stage keeps what it must keep. Hypothesis runs derandomized with fixed example
counts, so a run is deterministic and takes a few seconds.

What normalisation may remove, and so what must survive, is defined precisely (and
independently of ``reader.article.normalise``) in tests/hostile.py.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from hostile import REMOVED_ALWAYS, expected_words
from reader.article import ArticleError, normalise, parse_text
from reader.text.bidi import covered_offsets, layout_paragraph
from reader.export import arabic_sentences_from_markdown, summary_markdown
from reader.summary.summarize import summarize_article

from conftest import FIXTURE_MODEL
from paths import SAMPLE


def profile(examples: int) -> settings:
    return settings(
        derandomize=True,
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# --------------------------------------------------------------------------------------
# The text generator
# --------------------------------------------------------------------------------------

ARABIC_LETTERS = list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") + list("ءآأإؤئىة")
ARABIC_WORDS = ["قال", "الرئيس", "إن", "الحكومة", "ستعمل", "على", "تحسين", "الاقتصاد", "لا", "الله",
                "مُحَمَّدٌ", "عَلَى", "ماسك", "ترامب", "إكس", "و", "في", "د", "م"]
TASHKEEL = list("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670") + ["\u0640"]
LATIN = list("abcXYZ") + ["Elon", "Musk", "CNN", "iPhone", "Dr", "U.S", "e.g"]
DIGITS = list("0123456789") + ["٢٠٢٤", "٣", "1.3", "2020", "12.08.2024", "50%", "3,000"]
PUNCTUATION = list(".!?؟…،؛:-/'\"()[]{}<>«»“”*_#|~`\\&;") + ["...", "?!", "[b]", "[/]", "[@click=app.quit]"]
SPACES = [" "] * 14 + ["  ", "\t", "\n", "\n\n", "\r\n", "\r", "\u00a0", "\u2003", "\u202f", "\u3000",
                       "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c", "\x1f"]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x1b", "\x7f", "\x9b"]
BIDI_CONTROLS = list("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
EMOJI = ["😀", "👍🏽", "❤\ufe0f", "🇸🇦", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "中", "\U0001F9D1"]
OTHER = ["https://example.com/a.b?c=1.", "news@example.com", "\u0600", "\u06dd", "\ue000", "\U000E0041"]

TOKENS = (
    ARABIC_LETTERS + ARABIC_WORDS * 3 + TASHKEEL + LATIN + DIGITS + PUNCTUATION + SPACES * 2
    + CONTROLS + BIDI_CONTROLS + ZERO_WIDTH + EMOJI + OTHER
)

texts = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=60).map("".join)

def parse_or_none(text: str):
    try:
        return parse_text(text)
    except ArticleError as exc:
        # Only a text with nothing left to read may be refused, with a one-line message.
        assert expected_words(text) == [], (text, exc)
        assert "\n" not in str(exc)
        return None


# --------------------------------------------------------------------------------------
# 1. Loading and segmentation keep every kept character, in order
# --------------------------------------------------------------------------------------


def check_structure(article) -> None:
    text = article.text
    assert text == "\n".join(p.text for p in article.paragraphs)
    number = 0
    offset = 0
    for s_index, section in enumerate(article.sections):
        assert section.index == s_index and section.paragraphs
        for p_index, paragraph in enumerate(section.paragraphs):
            assert (paragraph.section, paragraph.index) == (s_index, p_index)
            assert paragraph.start == offset and text[paragraph.start:paragraph.end] == paragraph.text
            assert paragraph.text and paragraph.text == paragraph.text.strip() and "\n" not in paragraph.text
            offset = paragraph.end + 1
            # Sentence spans tile the paragraph: in order, trimmed, only whitespace between.
            assert paragraph.sentences
            position = paragraph.start
            for index, sentence in enumerate(paragraph.sentences):
                assert (sentence.id.section, sentence.id.paragraph, sentence.id.index) == (s_index, p_index, index)
                assert sentence.number == number
                number += 1
                assert position <= sentence.start < sentence.end <= paragraph.end
                assert text[position:sentence.start].strip() == ""
                assert text[sentence.start:sentence.end] == sentence.text == sentence.text.strip()
                position = sentence.end
            assert text[position:paragraph.end].strip() == ""
            if paragraph.is_heading:
                assert [s.text for s in paragraph.sentences] == [paragraph.text]
    assert offset == len(text) + 1
    assert [s.number for s in article.sentences] == list(range(number))


@profile(1500)
@given(texts)
def test_parse_keeps_every_word_in_order_and_sentences_tile(text):
    article = parse_or_none(text)
    if article is None:
        return
    check_structure(article)
    words = expected_words(text)
    assert article.text.split() == words
    assert normalise(text).split() == words
    # Nothing that normalisation removes survives; no control character at all.
    assert not REMOVED_ALWAYS & set(article.text)
    assert all(unicodedata.category(c) != "Cc" or c == "\n" for c in article.text)
    # The sentences hold every non-space character of the article, in order (a sentence may
    # end inside a whitespace-delimited token, as in "ماسك.وقال").
    assert "".join("".join(s.text for s in article.sentences).split()) == "".join(words)


# --------------------------------------------------------------------------------------
# 2. Translation: exactly one output per sentence, in order
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def translator(tmp_path_factory: pytest.TempPathFactory):
    """The tiny fixture model installed in a module-private packages dir; no cache."""
    from argostranslate import package as argos_package
    from argostranslate import settings as argos_settings

    from reader.translation.translate import load_translator

    target = tmp_path_factory.mktemp("robustness-packages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(argos_settings, "package_data_dir", target)
        mp.setattr(argos_settings, "package_dirs", [target])
        argos_package.install_from_path(FIXTURE_MODEL)
        engine = load_translator("ar", "en", cache=None)
    engine.load()
    return engine


small_texts = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map("".join)


@profile(30)
@given(small_texts)
def test_translation_returns_one_output_per_sentence(translator, text):
    article = parse_or_none(text)
    if article is None:
        return
    sources = [s.text for s in article.sentences]
    out = translator.translate(sources)
    assert len(out) == len(sources)
    assert all(isinstance(t, str) for t in out)
    # The streaming interface covers every index exactly once, with the same results.
    streamed = dict()
    for index, translation in translator.translate_iter(sources):
        assert index not in streamed
        streamed[index] = translation
    assert [streamed[i] for i in range(len(sources))] == out


# --------------------------------------------------------------------------------------
# 3. RTL layout of every paragraph loses and duplicates nothing and fits the width
# --------------------------------------------------------------------------------------

INVISIBLE_KINDS = ("Cc", "Cf")


def must_be_drawn(ch: str) -> bool:
    """A character the screen must show once: not whitespace, not an invisible format or
    control character (the Arabic number signs U+0600.. are visible format characters), not
    a variation selector (drawn with its base)."""
    if ch.isspace() or ch == "\u200b":
        return False
    cat = unicodedata.category(ch)
    if cat == "Cc" or (cat == "Cf" and unicodedata.bidirectional(ch) != "AN"):
        return False
    return not 0xFE00 <= ord(ch) <= 0xFE0F


def is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


@profile(500)
@given(texts, st.integers(min_value=1, max_value=50), st.sampled_from(["app", "terminal", "english"]))
def test_rtl_layout_of_each_paragraph_keeps_everything_and_fits(text, width, mode):
    article = parse_or_none(text)
    if article is None:
        return
    options = {"app": {}, "terminal": {"shape": False, "reorder": False},
               "english": {"rtl": False, "shape": False, "reorder": False}}[mode]
    for paragraph in article.paragraphs:
        ptext = paragraph.text
        lines = layout_paragraph(ptext, width, **options)
        assert lines and lines[0].start == 0 and lines[-1].end == len(ptext)
        drawn: list[int] = []
        for previous, line in zip([None, *lines], lines):
            if previous is not None:
                assert previous.end == line.start  # lines tile the paragraph in logical order
            assert line.cells == cell_len(line.text)
            if line.cells > width:  # only one unbreakable character (with its marks) may overflow
                assert len([c for c in line.text if not is_mark(c)]) == 1, (line, width)
            for offset in covered_offsets(line):
                assert line.start <= offset < line.end
                drawn.append(offset)
        assert len(drawn) == len(set(drawn)), "a character is drawn twice"
        required = {i for i, ch in enumerate(ptext) if must_be_drawn(ch)}
        assert required <= set(drawn), [ptext[i] for i in sorted(required - set(drawn))]


# --------------------------------------------------------------------------------------
# 4. Summary and Markdown export round-trip the logical text
# --------------------------------------------------------------------------------------

PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefc]")

english = st.lists(st.sampled_from(list("abc XYZ 12.*_[]<>#|~`\\&;!") + ["</p>", "&amp;", "\n", "> "]),
                   max_size=20).map("".join)


def candidates(article) -> list:
    """What a summary picks from: the body sentences, or every sentence of an article that is
    only heading-like lines (a list of headlines must not give an empty summary)."""
    body = [s for p in article.paragraphs if not p.is_heading for s in p.sentences]
    return body or list(article.sentences)


@profile(300)
@given(texts, st.data())
def test_summary_and_export_round_trip_the_logical_text(text, data):
    article = parse_or_none(text)
    if article is None:
        return
    body = candidates(article)
    chosen = summarize_article(article, algorithm="news", count=3)
    assert [s.number for s in chosen] == sorted({s.number for s in chosen})
    assert set(s.number for s in chosen) <= {s.number for s in body}
    assert len(chosen) == min(3, len(body))
    # Every sentence of the article, with arbitrary (hostile) translations or none.
    sentences = article.sentences
    translations = {s.id: data.draw(st.one_of(st.none(), english)) for s in sentences}
    markdown = summary_markdown(article, sentences, translations, algorithm="news",
                                length=f"{len(sentences)} of {len(sentences)} sentences", model=None)
    assert arabic_sentences_from_markdown(markdown) == [s.text for s in sentences]
    # The file holds logical text only: no shaped presentation forms that the input lacked.
    assert not PRESENTATION_FORMS.search(markdown) or PRESENTATION_FORMS.search(text)


@profile(40)
@given(texts)
def test_every_summarizer_survives_hostile_sentences(text):
    from reader.summary.summarize import ALGORITHMS

    article = parse_or_none(text)
    if article is None:
        return
    body = {s.number for s in candidates(article)}
    for algorithm in ALGORITHMS:
        chosen = [s.number for s in summarize_article(article, algorithm=algorithm, count=2)]
        assert chosen == sorted(set(chosen)) and set(chosen) <= body, algorithm
        assert len(chosen) == min(2, len(body)), algorithm


# --------------------------------------------------------------------------------------
# 5. Any bytes: an Article or a one-line ArticleError, never another exception. Text encoded
#    in a supported encoding loads as exactly that text, and a damaged file is still read in
#    its own encoding (issue 10: no silent mis-decoding)
# --------------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256", "iso-8859-6", "latin-1"]
SUPPORTED = ENCODINGS[:-1]
FAMILY = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16",
          "utf-16-be": "utf-16", "cp1256": "cp1256", "iso-8859-6": "iso-8859-6", "iso8859-6": "iso-8859-6"}


def load_bytes(tmp_path_factory, data: bytes):
    from reader.article import load_article

    path = tmp_path_factory.getbasetemp() / "hostile-bytes.txt"
    path.write_bytes(data)
    return load_article(path)


@profile(200)
@given(st.one_of(
    st.binary(max_size=300),
    st.tuples(texts, st.sampled_from(ENCODINGS)).map(lambda te: te[0].encode(te[1], "ignore")),
))
def test_any_bytes_load_or_fail_with_one_line(tmp_path_factory, data):
    try:
        article = load_bytes(tmp_path_factory, data)
    except ArticleError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return
    check_structure(article)
    assert all("\n" not in warning for warning in article.warnings)


# Real Arabic text: the lines of the sample article and sentences used across the tests.
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
REAL_TEXTS = [line for line in SAMPLE_TEXT.splitlines() if len(line) >= 40] + [
    "قال المتحدث إن الاجتماع انتهى. وأضاف أن الوفد سيعود غدا.",
    "قالت الحكومة إن المشروع سيكتمل في الصيف المقبل.",
    "ذَهَبَ الوَلَدُ إِلَى المَدْرَسَةِ. وعاد إلى البيت بعد الظهر.",
]


@st.composite
def real_text(draw, min_chars: int = 40):
    """A stretch of at least `min_chars` characters of real Arabic text (or a whole short one)."""
    text = draw(st.sampled_from([SAMPLE_TEXT, *REAL_TEXTS]))
    length = draw(st.integers(min_value=min(min_chars, len(text)), max_value=len(text)))
    start = draw(st.integers(min_value=0, max_value=len(text) - length))
    return text[start:start + length]


@st.composite
def real_text_with_hostile_tokens(draw):
    """Real Arabic text with hostile tokens (controls, bidi marks, emoji, Latin, odd spaces ...)
    put anywhere, even inside words."""
    text = draw(real_text())
    for _ in range(draw(st.integers(min_value=0, max_value=20))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
    return text


def is_binary_like(text: str) -> bool:
    """What qari refuses as a binary file: more than a tenth control characters (not counting
    line breaks and tabs)."""
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r")
    return controls > 0.1 * len(text)


def decoding_warnings(article) -> list[str]:
    return [w for w in article.warnings if " not valid " in w and " shown as \ufffd " in w]


@profile(300)
@given(real_text_with_hostile_tokens(), st.sampled_from(SUPPORTED))
def test_encoded_text_loads_as_exactly_what_was_encoded(tmp_path_factory, text, encoding):
    data = text.encode(encoding, "ignore")
    encoded = data.decode(encoding)  # what the bytes hold: characters the encoding lacks are dropped
    try:
        article = load_bytes(tmp_path_factory, data)
    except ArticleError as exc:
        assert "\n" not in str(exc)
        assert expected_words(encoded) == [] or is_binary_like(encoded), (exc, encoding, text)
        return
    assert article.text.split() == expected_words(encoded), (encoding, article.encoding)
    assert decoding_warnings(article) == [], (encoding, article.warnings)
    if any(ord(c) > 0x7F for c in encoded.lstrip("\ufeff")):  # pure ASCII reads the same in all of them
        if FAMILY[encoding] == "utf-16" or data.decode("cp1256") != data.decode("iso-8859-6", "replace"):
            assert FAMILY[article.encoding] == FAMILY[encoding], (encoding, article.encoding)


def count_bad_bytes(data: bytes, encoding: str) -> tuple[int, int | None]:
    """(bytes the encoding cannot decode, offset of the first), independently of reader.textio."""
    spans: list[tuple[int, int]] = []

    def note(exc):
        spans.append((exc.start, exc.end))
        return "\ufffd", exc.end

    import codecs

    codecs.register_error("test-robustness-count", note)
    data.decode(encoding, "test-robustness-count")
    return sum(b - a for a, b in spans), (spans[0][0] if spans else None)


BYTE_ORIENTED = ("utf-8", "utf-8-sig", "cp1256", "iso-8859-6")


@st.composite
def damaged(draw):
    """(encoding, bytes): real Arabic text in a supported encoding with a few random bytes
    replaced, inserted or deleted (one per 40 bytes at most). A byte-order mark is left whole,
    and UTF-16 is only overwritten or given a stray final byte, never shifted."""
    encoding = draw(st.sampled_from(SUPPORTED))
    data = bytearray(draw(real_text()).encode(encoding, "ignore"))
    keep = {"utf-8-sig": 3, "utf-16": 2}.get(encoding, 0)
    for _ in range(draw(st.integers(min_value=1, max_value=max(1, min(4, len(data) // 40))))):
        at = draw(st.integers(min_value=keep, max_value=len(data) - 1))
        value = draw(st.integers(min_value=0, max_value=255))
        op = draw(st.sampled_from(["replace", "insert", "delete"] if encoding in BYTE_ORIENTED else ["replace", "append"]))
        if op == "replace":
            data[at] = value
        elif op == "insert":
            data.insert(at, value)
        elif op == "delete":
            del data[at]
        elif len(data) % 2 == 0:
            data.append(value)
    return encoding, bytes(data)


@profile(400)
@given(damaged())
def test_a_damaged_file_is_read_in_its_own_encoding(tmp_path_factory, case):
    encoding, data = case
    article = load_bytes(tmp_path_factory, data)
    assert FAMILY[article.encoding] == FAMILY[encoding], (encoding, article.encoding)
    # Exactly that encoding's reading, with U+FFFD for what it cannot decode ...
    assert article.text.split() == expected_words(data.decode(encoding, "replace"))
    # ... and a warning that says how much was replaced and where, when anything was.
    bad, first = count_bad_bytes(data, article.encoding if article.encoding != "utf-16" else encoding)
    warnings = decoding_warnings(article)
    if bad:
        assert len(warnings) == 1 and f": {bad} byte" in warnings[0] and f"at byte {first}," in warnings[0], warnings
    else:
        assert warnings == []
