"""Small Arabic-script helpers shared by segmentation, summary scoring and search."""

from __future__ import annotations

import re

# Harakat, tanween, shadda, sukun, dagger alef, Quranic marks, and tatweel.
TASHKEEL_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
# The one definition of an Arabic letter, for segmentation, summary scoring, language and
# encoding checks and bidi's "does this need shaping" test: the letters of the Arabic block
# (tatweel included: it joins like a letter), Arabic Supplement, Extended-A and -B, and the
# presentation forms (already-shaped text). Digits, punctuation and harakat are not letters.
ARABIC_LETTERS = (
    "\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff"
    "\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufefc"
)
ARABIC_LETTER_RE = re.compile(f"[{ARABIC_LETTERS}]")
_ALEF_TABLE = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",
                             "\u0649": "\u064a", "\u0629": "\u0647"})


def strip_tashkeel(text: str) -> str:
    """Remove harakat and tatweel (used for scoring and search, never for display)."""
    return TASHKEEL_RE.sub("", text)


def search_key(text: str) -> str:
    """Fold text for matching: no tashkeel, alef/ya/ta-marbuta variants unified, casefolded."""
    return strip_tashkeel(text).translate(_ALEF_TABLE).casefold()


def search_key_with_map(text: str) -> tuple[str, list[int]]:
    """`search_key` plus, for each folded character, the index of the original character,
    so a match in folded text maps back to a span of the original."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if TASHKEEL_RE.match(ch):
            continue
        folded = ch.translate(_ALEF_TABLE).casefold()
        for f in folded:
            out.append(f)
            index.append(i)
    return "".join(out), index


def _arabic_letter_runs() -> re.Pattern[str]:
    """Runs of the characters of `ARABIC_LETTERS` that are letters (the ranges also hold a
    few marks and signs)."""
    chars = []
    for start, end in re.findall(r"(.)(?:-(.))?", ARABIC_LETTERS):
        for code in range(ord(start), ord(end or start) + 1):
            if chr(code).isalpha():
                chars.append(re.escape(chr(code)))
    return re.compile(f"[{''.join(chars)}]+")


_ARABIC_LETTER_RUNS = _arabic_letter_runs()


def arabic_ratio(text: str) -> float:
    """Share of letters (general category L*, which is what `str.isalpha` tests) that are
    Arabic script (0.0 when there are no letters). Counted in C (`map`, `re.sub`), not per
    character in Python: the reader asks it of every paragraph before the first frame, the
    whole text of a 2 MB article."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        return 0.0
    return (len(text) - len(_ARABIC_LETTER_RUNS.sub("", text))) / letters
