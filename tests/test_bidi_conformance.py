"""UAX #9 conformance: every line of Unicode's BidiCharacterTest.txt through reader.text.uax9
(levels, then L2 order) and, for the paragraph directions reader.text.bidi lays out (LTR, RTL),
through reader.text.bidi's own line building and reordering too.

The file comes from Debian's ``unicode-data`` package (``apt-get install unicode-data``:
/usr/share/unicode/BidiCharacterTest.txt). Without it the tests skip, except under CI
(the ``CI`` environment variable set), where they fail: CI installs the package. The count
of passing cases is printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.text import uax9
from reader.text.bidi import layout_prepared, prepare_paragraph

CANDIDATES = (
    Path("/usr/share/unicode/BidiCharacterTest.txt"),
    Path("/usr/share/unicode-data/BidiCharacterTest.txt"),
)
WIDE = 1 << 20  # one line: no wrapping


def _test_file() -> Path | None:
    return next((p for p in CANDIDATES if p.is_file()), None)


_CASES: list[tuple[str, int, int, list[str], list[int]]] | None = None


def load_cases() -> list[tuple[str, int, int, list[str], list[int]]]:
    """(text, paragraph direction 0/1/2, resolved paragraph level, levels with 'x' for
    characters removed by X9, visual order of the others) for every test line."""
    global _CASES
    if _CASES is not None:
        return _CASES
    path = _test_file()
    if path is None:
        message = "BidiCharacterTest.txt not found (apt-get install unicode-data)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install it")
        pytest.skip(message)
    cases = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split(";")
            text = "".join(chr(int(cp, 16)) for cp in fields[0].split())
            order = [int(i) for i in fields[4].split()]
            cases.append((text, int(fields[1]), int(fields[2]), fields[3].split(), order))
    assert len(cases) > 90_000, f"{path} looks truncated: {len(cases)} cases"
    _CASES = cases
    return cases


def _record(config, direction: int, passed: int, total: int) -> None:
    results = getattr(config, "qari_bidi_conformance", None)
    if results is None:
        results = config.qari_bidi_conformance = {}
    results[direction] = (passed, total)


@pytest.mark.parametrize("direction", [0, 1, 2], ids=["ltr", "rtl", "auto"])
def test_levels_and_order_match_bidi_character_test(direction, request):
    """Levels (UAX #9 up to L1, the text being one line) and the L2 order of every case."""
    failures = []
    total = passed = 0
    removed = uax9.REMOVED
    for text, d, para, levels, order in load_cases():
        if d != direction:
            continue
        total += 1
        got = uax9.resolve_levels(text, None if d == 2 else d, line_end=True)
        codes = uax9.bidi_classes(text)
        got_levels = ["x" if c in removed else str(lv) for c, lv in zip(codes, got)]
        got_order = [i for i in uax9.visual_order(got) if codes[i] not in removed]
        got_para = uax9.paragraph_level(text) if d == 2 else d
        if got_levels == levels and got_order == order and got_para == para:
            passed += 1
        elif len(failures) < 5:
            failures.append((" ".join(f"{ord(c):04X}" for c in text), d, levels, got_levels, order, got_order))
    _record(request.config, direction, passed, total)
    assert total > (20 if direction == 2 else 40_000)  # the file has 28 auto cases
    assert passed == total, failures


@pytest.mark.parametrize("direction", [0, 1], ids=["ltr", "rtl"])
def test_bidi_layout_draws_each_case_in_the_conformance_order(direction):
    """reader.text.bidi's own path (units, clusters, invisible items, L2 over items) draws every
    case without marks in the file's visual order, leaving out what it never draws
    (controls, and whitespace at the ends of the line). Cases with marks are left out: the
    file has no L3, and qari keeps every mark after its base. Every other case (about 45,000;
    all of them would double the time for little: the levels test above covers them all)."""
    failures = []
    checked = 0
    cases = [case for case in load_cases() if case[1] == direction]
    for text, d, _, _, order in cases[::2]:
        if "m" in uax9.bidi_classes(text):
            continue
        checked += 1
        prepared = prepare_paragraph(text, rtl=bool(d), shape=False)
        (line,) = layout_prepared(prepared, WIDE)
        drawn = set(line.logical_index)
        expected = [i for i in order if i in drawn]
        if list(line.logical_index) != expected and len(failures) < 5:
            failures.append((" ".join(f"{ord(c):04X}" for c in text), expected, line.logical_index))
    assert checked > 20_000
    assert not failures, failures


# --------------------------------------------------------------------------------------
# ICU as an oracle on random mixed text (test only: pyicu-wheels, in the `test` extra)
# --------------------------------------------------------------------------------------

import re  # noqa: E402
import unicodedata  # noqa: E402

import unicodedata2  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROFILE = settings(
    derandomize=True, max_examples=400, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ARABIC_WORDS = ["قال", "اليوم", "مليون", "شخص", "في", "إلى", "الأمم", "المتحدة", "لا", "سلام", "بأن", "علميا"]
TASHKEEL_WORDS = ["كَتَبَ", "عِلْمٌ", "مُحَمَّدٌ", "لَا", "الْيَوْمَ", "شُكْرًا"]
LATIN_WORDS = ["Apple", "iOS", "CNN", "Elon", "beta", "a", "Windows", "x"]
NUMBERS = ["1", "18", "2020", "1.3", "2,000", "12:30", "\u22125", "-5", "+3", "20%", "$5", "5€",
           "٢٠٢٤", "٣", "۱۲", "1/2", "#1", "3.14e5"]
BRACKETS = list("()[]{}<>«»‹›\"'") + ["\u201c", "\u201d", "\u2018", "\u2019", "\u201e", "\u2329", "\u232a",
                                      "\u3008", "\u3009", "\u300c", "\u300d", "\u3010", "\u3011",
                                      "\u27e8", "\u27e9", "\u2045", "\u2046", "\uff08", "\uff09"]
PUNCTUATION = list(".,،؛:!?؟-/…") + ["\u060c", "\u066b", "\u066c", "\u2013", "\u2014"]
WEB = ["https://example.com/a?b=1&c=2", "www.bbc.com/arabic", "user@example.org", "#hashtag", "@qari"]
EMOJI = ["😀", "👍", "👍🏽", "❤\ufe0f", "🇪🇬", "👨\u200d👩\u200d👧", "中文"]
CONTROLS = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
            "\u2066", "\u2067", "\u2068", "\u2069", "\u200d", "\u200c", "\u200b", "\u00ad"]
SPACES = [" "] * 10 + ["  ", "\t", "\u00a0"]
MARKS = ["\u064b", "\u064e", "\u0650", "\u0651", "\u0652"]

ORACLE_TOKENS = (
    ARABIC_WORDS * 3 + TASHKEEL_WORDS + LATIN_WORDS * 2 + NUMBERS * 2 + BRACKETS + PUNCTUATION
    + WEB + EMOJI + CONTROLS * 2 + SPACES * 2 + MARKS
)
# Where qari and ICU legitimately group a mark differently: a mark after an invisible
# character (qari keeps it with the letter before; ICU with the invisible character), or a
# variation selector after a space (qari drops it: it has nothing to vary).
_MARK_AFTER_NOTHING = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\u00ad][\u064b-\u0652\u0897\U00010efd\ufe0f]|\\s\ufe0f"
)


def _icu():
    try:
        import icu  # pyicu-wheels (or PyICU)
    except ImportError:
        pytest.skip("ICU is not importable: pip install pyicu-wheels (the `test` extra)")
    return icu


def _normalize_icu(text: str) -> str:
    """ICU's reordered line as qari draws it: whitespace as spaces, invisible format and
    control characters left out, variation selectors out, the line's ends trimmed."""
    out = []
    for c in text:
        if c.isspace():
            out.append(" ")
        elif unicodedata.category(c) in ("Cf", "Cc") or c == "\ufe0f":
            continue
        else:
            out.append(c)
    return "".join(out).strip(" ")


@PROFILE
@given(st.lists(st.sampled_from(ORACLE_TOKENS), min_size=1, max_size=40).map("".join),
       st.integers(min_value=4, max_value=60), st.booleans())
def test_property_visual_lines_match_icu(text, width, rtl):
    _assert_lines_match_icu(text, width, rtl)


# Characters newer than Python 3.11's Unicode 14 (its `unicodedata` knows none of them: an
# unassigned character defaults to L), all in ICU's Unicode 16, one per bidi class where
# there is one: emoji and symbols (ON), a Kawi letter (L), Garay letters and digits (R, AN),
# an Arabic Extended-C letter (AL), Arabic marks (NSM), outlined digits (EN).
NEWER_THAN_14 = ["\U0001FAE8", "\U0001F6DC", "\u2427", "\U0001FA89", "\U00011F04", "\U00010D4A",
                 "\U00010D40\U00010D41", "\U00010EC2", "\U00010EFD", "\u0897", "\U0001CCF0\U0001CCF1"]


@PROFILE
@given(st.lists(st.sampled_from(ORACLE_TOKENS[:-len(MARKS)] + NEWER_THAN_14 * 6), min_size=1, max_size=30)
       .map("".join), st.integers(min_value=4, max_value=60), st.booleans())
def test_property_characters_newer_than_unicode_14_match_icu(text, width, rtl):
    """Bidi classes, marks and mirroring come from a current Unicode table (unicodedata2),
    not from the interpreter's: lines with characters added since Unicode 14 are ordered
    as ICU orders them."""
    _assert_lines_match_icu(text, width, rtl)


def test_mirroring_glyphs_are_icus():
    """Every mirror pair ICU knows (Unicode 16) and no other: the pairs python-bidi's old table
    missed (∟∠∡, the Unicode 14 brackets ⹕⹖) are drawn mirrored too."""
    icu = _icu()
    from reader.text.bidi import _MIRROR

    theirs = {cp: chr(icu.Char.charMirror(cp)) for cp in range(0x110000) if icu.Char.charMirror(cp) != cp}
    assert _MIRROR == theirs
    _assert_lines_match_icu("قال \u2220 \u2e55 ماسك \u2e56 \u221f", 80, True)


def test_newer_emoji_between_arabic_words_is_ordered_like_icu():
    """The case from issue 22: a Unicode 15 emoji (U+1FAE8) between Arabic words and before
    Latin text in a right-to-left paragraph."""
    _assert_lines_match_icu("قال \U0001FAE8 ماسك Tesla \U0001FAE8 اليوم", 80, True)
    _assert_lines_match_icu("Tesla \U0001FAE8 ماسك \U0001FAE8 (اليوم)", 80, False)


def _assert_lines_match_icu(text, width, rtl):
    """qari's visual lines (unshaped, its own line breaks) against ICU's reordering of the
    same lines: ``setPara`` at the paragraph level over the whole paragraph, ``setLine`` per
    line. Three checks per line: (1) the left-to-right order of every drawn character other
    than a mark is ICU's visual map, restricted to what qari draws; (2) a drawn mirrored
    character is its mirror exactly when ICU's level for it is odd; (3) the line's text
    equals ICU's ``writeReordered`` with DO_MIRRORING | KEEP_BASE_COMBINING |
    REMOVE_BIDI_CONTROLS (normalized as qari draws: whitespace as spaces, no invisible
    characters, ends trimmed), except where a mark follows an invisible character (see
    _MARK_AFTER_NOTHING). A mark after a space is compared: both draw it on the space."""
    icu = _icu()
    from reader.text.bidi import _MIRROR, layout_paragraph

    Bidi = icu.Bidi
    u16 = [0]
    for c in text:
        u16.append(u16[-1] + (2 if ord(c) > 0xFFFF else 1))
    unit_to_char = [i for i, c in enumerate(text) for _ in range(2 if ord(c) > 0xFFFF else 1)]
    para = Bidi()
    para.setPara(icu.UnicodeString(text), 1 if rtl else 0)
    compare_text = not _MARK_AFTER_NOTHING.search(text)
    for m in re.finditer("\\s[\u064b-\u0652\u0897\U00010efd]", text):
        # A mark on a space that L1 resets (a tab, or a space before one) keeps its own
        # level: ICU then draws it on the letter next to it, qari on the space.
        if para.getLevelAt(u16[m.start()]) != para.getLevelAt(u16[m.start() + 1]):
            compare_text = False
    for line in layout_paragraph(text, width, rtl=rtl, shape=False):
        if line.start == line.end:
            continue
        ours = para.setLine(u16[line.start], u16[line.end])
        drawn = [(k, o) for k, o in enumerate(line.logical_index) if unicodedata2.category(text[o])[0] != "M"]
        drawn_offsets = {o for _, o in drawn}
        visual: list[int] = []
        for v in ours.getVisualMap():
            c = unit_to_char[u16[line.start] + v]
            if c in drawn_offsets and (not visual or visual[-1] != c):
                visual.append(c)
        assert visual == [o for _, o in drawn], (text, line)
        for k, o in drawn:
            ch = text[o]
            mirror = _MIRROR.get(ord(ch))
            if mirror is None:
                continue
            odd = ours.getLevelAt(u16[o] - u16[line.start]) & 1
            assert line.text[k] == (chr(icu.Char.charMirror(ord(ch))) if odd else ch), (text, line, o)
        # qari never draws the spaces a line starts or ends with; ICU can leave such a space
        # inside the line when an invisible character with a level of its own is beyond it
        # (L1 resets only trailing whitespace and isolate controls; a paragraph's leading
        # space inside an isolate keeps the isolate's level): then only the order is compared.
        head = text[line.start:min(line.logical_index, default=line.end)]
        tail = text[max(line.logical_index, default=line.start - 1) + 1:line.end]
        space_inside = bool(re.search(r"\S\s", head) or re.search(r"\s\S", tail))
        if compare_text and not space_inside:
            icu_text = str(ours.writeReordered(Bidi.DO_MIRRORING | Bidi.KEEP_BASE_COMBINING | Bidi.REMOVE_BIDI_CONTROLS))
            assert line.text.replace("\ufe0f", "").strip(" ") == _normalize_icu(icu_text), (text, line)
