"""reader/text/arabic.py's script detection, against its definition."""

from __future__ import annotations

import random
import unicodedata

from reader.text.arabic import ARABIC_LETTER_RE, arabic_ratio


def by_definition(text: str) -> float:
    """Share of the letters (general category L*) that are in ARABIC_LETTERS, one by one."""
    letters = [c for c in text if unicodedata.category(c).startswith("L")]
    if not letters:
        return 0.0
    return sum(1 for c in letters if ARABIC_LETTER_RE.match(c)) / len(letters)


def test_arabic_ratio_is_its_definition_on_every_code_point():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert arabic_ratio(every) == by_definition(every)


def test_arabic_ratio_is_its_definition_on_mixed_texts():
    rng = random.Random(1)
    pool = [chr(c) for c in range(0x20, 0x250)] + [chr(c) for c in range(0x600, 0x900)] * 3 + \
        [chr(c) for c in range(0xFB50, 0xFF00)] + list(" .،؟!0123456789٠١٢")
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        assert arabic_ratio(text) == by_definition(text), repr(text)


def test_arabic_ratio_examples():
    assert arabic_ratio("") == 0.0
    assert arabic_ratio("123 ... ٣٤") == 0.0  # digits and punctuation are not letters
    assert arabic_ratio("قال الوزير") == 1.0
    assert arabic_ratio("بَيْت") == 1.0  # harakat are marks, not letters: they do not count
    assert arabic_ratio("ab سلام") == 4 / 6
