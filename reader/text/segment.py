"""Sentence splitting for Arabic (and the English/Latin text mixed into it).

One splitter serves display, translation and summary, so a sentence is the same thing in
every pane. It works on spans, never on copies, so every character of the input stays
accounted for: the pieces between sentences are only whitespace.

Rules: split after `.` `!` `?` `؟` `…` (runs of them, with any closing quotes or brackets
that follow) and at line breaks; never at `،` `؛` `:`; never inside numbers (`1.3`,
`12.08.2024`), after common abbreviations, single-letter or dotted initials (`A.B.C.`,
`ص.ب.`), a list number at the start of a line (`1. `), a Latin letter written in Arabic before
a name (`جون إف. كينيدي`), or inside URLs and e-mail addresses; an ellipsis after a word that
cannot end a sentence (`و...`, `في…`) does not end it. There is no limit on the number of
splits.
"""

from __future__ import annotations

import re

from reader.text.arabic import ARABIC_LETTER_RE

TERMINATORS = ".!?؟…"
CLOSERS = "\"'”’»)]}›"
OPENERS = "\"'“‘«([{‹"

_TERMINATOR_RUN = re.compile(r"[.!?؟…]+[\"'”’»)\]}›]*")
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"'«»]*[^\s<>\"'«».,;:!?؟،)\]]"  # URLs (not their final period)
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\b[\w-]+(?:\.[a-z]{2,6})+(?:/[^\s]*)?",  # bare domains such as example.com/path
    re.IGNORECASE,
)
_LAST_TOKEN = re.compile(r"(\S+)$")
_NEWLINE = re.compile("\n")
_MAYBE_PROTECTED = re.compile(r"[.@][A-Za-z]|://|www\.", re.IGNORECASE)  # cheap pre-check for URLs/e-mails
_TOKEN_WINDOW = 64  # abbreviations and numbers are short: look this far back, not to the start
_LETTER_OR_DIGIT = re.compile(r"\w")

# Lower-cased, without the final period. Arabic: doctor, professor, engineer, page, part,
# AD / AH years, born, died, B.C., etc.
ABBREVIATIONS = frozenset(
    {
        "د", "أ", "ا", "م", "هـ", "ه", "ص", "ج", "ت", "ق", "ق.م", "إلخ", "الخ", "م.م", "أ.د", "ش.م.م",
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "no", "vs", "etc", "e.g", "i.e",
        "inc", "ltd", "co", "corp", "gen", "col", "lt", "sgt", "gov", "sen", "rep", "rev", "fig",
        "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "u.s", "u.k", "u.n", "p", "pp", "vol", "ed",
    }
)


# The names of the Latin letters as Arabic writes them in initials (`جون إف. كينيدي`,
# `جي. بي. مورغان`): before a following word such a token is an initial, not a sentence end.
LATIN_LETTER_NAMES = frozenset(
    {
        "إيه", "ايه", "أيه", "اي", "إي", "بي", "سي", "دي", "إف", "اف", "جي", "جيه", "إتش", "اتش", "آي",
        "كيه", "كي", "إل", "ال", "إم", "ام", "إن", "ان", "أو", "كيو", "آر", "ار", "إس", "اس", "تي", "يو",
        "في", "فى", "دبليو", "إكس", "اكس", "واي", "زد", "زي",
    }
)

# Words after which an ellipsis marks a trailing-off inside the sentence, not its end: the
# conjunction و and prepositions / particles that always need something after them.
NON_FINAL_WORDS = frozenset(
    {
        "و", "أو", "او", "ف", "ثم", "في", "فى", "من", "إلى", "الى", "إلي", "على", "علي", "عن", "مع",
        "ب", "ل", "ك", "حتى", "منذ", "لدى", "عند", "بين", "أن", "إن", "لكن", "بل", "أم",
    }
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of the sentences in `text`, in order.

    Each span is trimmed of surrounding whitespace; what lies between spans is whitespace
    only, so joining the spans with the gaps rebuilds `text` exactly.
    """
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)] if _MAYBE_PROTECTED.search(text) else []
    cuts: list[int] = []
    for m in _TERMINATOR_RUN.finditer(text):
        if _inside(m.start(), protected) and _inside(m.end() - 1, protected):
            continue
        if _is_boundary(text, m.start(), m.end()):
            cuts.append(m.end())
    cuts.extend(m.start() for m in _NEWLINE.finditer(text))
    cuts = sorted(set(cuts))

    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _trim(text, start, cut)
        if span is not None:
            spans.append(span)
        start = cut
    return spans


def sentences(text: str) -> list[str]:
    """The sentence strings of `text` (convenience over `split_sentences`)."""
    return [text[a:b] for a, b in split_sentences(text)]


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _is_boundary(text: str, start: int, end: int) -> bool:
    """Is the terminator run text[start:end] the end of a sentence?"""
    run = text[start:end]
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""

    if run.rstrip(CLOSERS) in ("...", "…", "..", "....") and after == " ":
        token_match = _LAST_TOKEN.search(text, max(0, start - _TOKEN_WINDOW), start)
        if token_match and token_match.group(1).lstrip(OPENERS) in NON_FINAL_WORDS:
            return False  # "ولبنان و... غيرها": the sentence goes on
    if run.rstrip(CLOSERS) == ".":
        # A single period: numbers, abbreviations and initials are not sentence ends.
        if before.isdigit() and after.isdigit():
            return False  # 1.3, 12.08.2024
        token_match = _LAST_TOKEN.search(text, max(0, start - _TOKEN_WINDOW), start)
        token = token_match.group(1) if token_match else ""
        token = token.lstrip(OPENERS)
        if token and _is_abbreviation(token) and after not in "\n":
            return False
        if after == " " and _is_latin_letter_initials(token) and _is_arabic_letter(text[end + 1:end + 2]):
            return False  # "جون إف. كينيدي": an initial before a name
        if token.isdigit() and len(token) <= 2 and _line_prefix_is_empty(text, start - len(token)):
            return False  # a list number such as "1. " at the start of a line
    if not after:
        return True
    if after.isspace():
        return True
    if after in OPENERS or after in "-–—":
        return True
    # No space after the terminator ("ماسك.وقال"): still a boundary between Arabic words,
    # but not inside Latin text (file.txt, a.m.) or numbers, nor inside dotted initials
    # spelled in Arabic ("جي.بي. مورغان").
    if run == "." and _is_arabic_letter(after) and _inside_spelled_initials(text, start):
        return False
    if _is_arabic_letter(after) and (before == "" or not before.isdigit()):
        return True
    return False


def _is_abbreviation(token: str) -> bool:
    word = token.rstrip(".").casefold()
    if word in ABBREVIATIONS:
        return True
    # Single letters (initials such as "J." or Arabic "م.") and dotted initials ("U.S").
    if len(word) == 1 and word.isalpha():
        return True
    return bool(re.fullmatch(r"(?:\w\.)+\w", word)) and len(word) <= 7


def _is_latin_letter_initials(token: str) -> bool:
    """`إف` or `جي.بي`: Latin letters spelled in Arabic (a token that is a run of them)."""
    parts = token.rstrip(".").split(".")
    return all(part in LATIN_LETTER_NAMES for part in parts)


def _inside_spelled_initials(text: str, dot: int) -> bool:
    """Is the period at `dot` inside a run such as `جي.بي.` (two or more spelled letters)?"""
    left = _LAST_TOKEN.search(text, max(0, dot - _TOKEN_WINDOW), dot)
    right = re.match(r"[^\s.]+(?:\.[^\s.]+)*\.?", text[dot + 1:dot + 1 + _TOKEN_WINDOW])
    if not left or not right:
        return False
    return _is_latin_letter_initials(left.group(1).lstrip(OPENERS) + "." + right.group(0))


def _line_prefix_is_empty(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return text[line_start:pos].strip() == ""


def _is_arabic_letter(ch: str) -> bool:
    return bool(ch) and ARABIC_LETTER_RE.match(ch) is not None


def is_wordy(text: str) -> bool:
    """True when the text has at least one letter or digit (not only punctuation)."""
    return bool(_LETTER_OR_DIGIT.search(text))
