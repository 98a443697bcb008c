"""UAX #9 conformance: every line of Unicode's BidiCharacterTest.txt through reader.uax9
(levels, then L2 order) and, for the paragraph directions reader.bidi lays out (LTR, RTL),
through reader.bidi's own line building and reordering too.

The file comes from Debian's ``unicode-data`` package (``apt-get install unicode-data``:
/usr/share/unicode/BidiCharacterTest.txt). Without it the tests skip, except under CI
(the ``CI`` environment variable set), where they fail: CI installs the package. The count
of passing cases is printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader import uax9
from reader.bidi import layout_prepared, prepare_paragraph

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
    """reader.bidi's own path (units, clusters, invisible items, L2 over items) draws every
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
