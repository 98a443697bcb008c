"""reader/status_text.py and reader/text/visual_text.py: the core's message wording and one-line
visual text, used by every screen (tested here without Textual)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from reader.text.bidi import layout_paragraph
from reader.status_text import install_progress_text, plural
from reader.text.visual_text import visual_inline, visual_one_line


def test_plural() -> None:
    assert plural(1, "sentence") == "1 sentence"
    assert plural(0, "sentence") == "0 sentences"
    assert plural(2, "match", "matches") == "2 matches"


@pytest.mark.parametrize("args, expected", [
    ((3_100_000, 40_000_000), ("downloading 3.1/40.0 MB", 3_100_000 / 40_000_000)),
    ((3_100_000, None), ("downloading 3.1 MB", None)),
    (("validating the package",), ("validating the package", None)),
    (("step", 2), ("step 2", None)),
])
def test_install_progress_text(args, expected) -> None:
    assert install_progress_text(args) == expected


def test_visual_one_line_fits_and_marks_a_cut_on_the_line_end() -> None:
    text = "قال المتحدث إن الاجتماع انتهى بعد ساعات من النقاش الطويل"
    line = visual_one_line(text, 20)
    assert cell_len(line) <= 20 and line.startswith("…")  # right to left: the end is on the left
    whole = visual_one_line("قال المتحدث", 40)
    assert whole == layout_paragraph("قال المتحدث", 39, rtl=True)[0].text
    assert visual_one_line("a long English title that is cut", 12, rtl=False).endswith("…")
    assert visual_one_line("   ", 10) == ""


def test_visual_inline_reorders_only_arabic_runs_and_keeps_lines() -> None:
    assert visual_inline("Saved to notes.md") == "Saved to notes.md"
    text = "Saved «قال المتحدث»\nline two"
    assert visual_inline(text, reorder=False) == text
    # unshaped: the Arabic run reversed into visual order, the Latin text and lines kept
    assert visual_inline(text, shape=False) == "Saved «ثدحتملا لاق»\nline two"
    shaped = visual_inline(text)
    assert shaped.startswith("Saved «") and shaped.endswith("»\nline two") and "\ufe8e" in shaped  # shaped alef
