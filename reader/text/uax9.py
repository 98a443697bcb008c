"""The Unicode Bidirectional Algorithm (UAX #9), pure Python, for `reader.text.bidi` (no Textual).

Why our own: python-bidi 0.6 exposes no embedding levels (only a debug dump of its Rust
engine, unicode-bidi 0.3.18, whose N0 searches earlier runs in the wrong order), and ICU's
bindings do not install from PyPI as wheels everywhere. This module passes the Unicode
conformance file ``BidiCharacterTest.txt`` in full (all three paragraph directions; see
``tests/test_bidi_conformance.py``) and is checked against ICU on random mixed text.

What it gives (a paragraph is a ``str``; classes come from ``unicodedata2``, which tracks the
current Unicode where Python 3.11's ``unicodedata`` stops at 14.0 (a newer emoji would be L
there; ICU and every current terminal say ON), the paired
brackets from the table below, which is Unicode's ``BidiBrackets.txt``):

* `paragraph_level` — P2/P3 (first strong character, isolates skipped);
* `resolve_levels` — X1–X10, W1–W7, N0–N2, I1–I2 over a paragraph, plus the line-independent
  part of L1 (segment and paragraph separators and the whitespace before them), and with
  ``line_end=True`` the rest of L1 for a text that is one line (trailing whitespace);
* `visual_order` — L2: the indices of a line's items in visual order, from their levels.

Characters removed by X9 (embeddings, overrides, PDF, BN) have no level of their own; they
get the level of the character before them (the paragraph level at the start), so that they
never split a run in L2. Paragraph separators (class B) end a bidi paragraph (P1): each piece
is resolved on its own, with the same paragraph level when it is given, else its own (P2/P3).

Speed: the text is first cut into units whose characters provably get one level — a strong
character with the marks, BN and unpaired neutrals that follow it up to the next character
of the same strong class (X1–X8 see no control inside; W1 gives the marks that class; no
number, separator next to a number or bracket is inside, so W2–W7 and N0 see only the strong
class; N1 gives the inner neutrals that class; I1/I2 then give one level), and runs of one
class that the rules treat as one (EN, AN, WS, ET, non-bracket ON) — and the rules run over
the units. Arabic prose with a few numbers is a handful of units.
"""

from __future__ import annotations

import re
import unicodedata2 as unicodedata

__all__ = ["bidi_classes", "paragraph_level", "resolve_levels", "visual_order", "MAX_DEPTH", "REMOVED"]

MAX_DEPTH = 125  # BD2: the deepest explicit embedding level

# One letter per bidi class, so a paragraph's classes are one str.translate away. 'p' is an
# ON character with a paired bracket type (BD14/BD15); every other ON is 'o'.
_CODES = {
    "L": "L", "R": "R", "AL": "A", "EN": "E", "AN": "N", "ES": "s", "ET": "t", "CS": "c",
    "NSM": "m", "BN": "b", "B": "B", "S": "S", "WS": "w", "ON": "o", "LRE": "1", "LRO": "2",
    "RLE": "3", "RLO": "4", "PDF": "5", "LRI": "6", "RLI": "7", "FSI": "8", "PDI": "9",
}
REMOVED = frozenset("b12345")  # X9: embeddings, overrides, PDF and BN
_ISOLATE_INITIATORS = frozenset("678")

# Bidi_Paired_Bracket of every opening bracket (Bidi_Paired_Bracket_Type=Open), from
# BidiBrackets-15.0.0.txt; the closing ones are the values.
_OPENING_TO_CLOSING = {
    int(a, 16): int(b, 16)
    for a, b in (pair.split(":") for pair in (
        "0028:0029 005B:005D 007B:007D 0F3A:0F3B 0F3C:0F3D 169B:169C 2045:2046 207D:207E "
        "208D:208E 2308:2309 230A:230B 2329:232A 2768:2769 276A:276B 276C:276D 276E:276F "
        "2770:2771 2772:2773 2774:2775 27C5:27C6 27E6:27E7 27E8:27E9 27EA:27EB 27EC:27ED "
        "27EE:27EF 2983:2984 2985:2986 2987:2988 2989:298A 298B:298C 298D:2990 298F:298E "
        "2991:2992 2993:2994 2995:2996 2997:2998 29D8:29D9 29DA:29DB 29FC:29FD 2E22:2E23 "
        "2E24:2E25 2E26:2E27 2E28:2E29 2E55:2E56 2E57:2E58 2E59:2E5A 2E5B:2E5C 3008:3009 "
        "300A:300B 300C:300D 300E:300F 3010:3011 3014:3015 3016:3017 3018:3019 301A:301B "
        "FE59:FE5A FE5B:FE5C FE5D:FE5E FF08:FF09 FF3B:FF3D FF5B:FF5D FF5F:FF60 FF62:FF63"
    ).split())
}
_CLOSING = frozenset(_OPENING_TO_CLOSING.values())
# BD16 compares brackets up to canonical equivalence: U+2329/U+232A decompose to U+3008/U+3009.
_CANONICAL_BRACKET = {0x2329: 0x3008, 0x232A: 0x3009}
BRACKET_STACK_SIZE = 63  # BD16

# Default Bidi_Class of unassigned code points (DerivedBidiClass.txt @missing lines;
# unicodedata2 gives '' for them): R and AL blocks, the currency block ET, noncharacters and
# default ignorables BN, else L.
_DEFAULT_RANGES = (
    (0x0590, 0x05FF, "R"), (0x0600, 0x07BF, "A"), (0x07C0, 0x085F, "R"), (0x0860, 0x08FF, "A"),
    (0x20A0, 0x20CF, "t"), (0xFB1D, 0xFB4F, "R"), (0xFB50, 0xFDCF, "A"), (0xFDD0, 0xFDEF, "b"),
    (0xFDF0, 0xFDFF, "A"), (0xFE70, 0xFEFF, "A"), (0x10800, 0x10CFF, "R"), (0x10D00, 0x10D3F, "A"),
    (0x10D40, 0x10EBF, "R"), (0x10EC0, 0x10EFF, "A"), (0x10F00, 0x10F2F, "R"),
    (0x10F30, 0x10F6F, "A"), (0x10F70, 0x10FFF, "R"), (0x1E800, 0x1EC6F, "R"),
    (0x1EC70, 0x1ECBF, "A"), (0x1ECC0, 0x1ECFF, "R"), (0x1ED00, 0x1ED4F, "A"),
    (0x1ED50, 0x1EDFF, "R"), (0x1EE00, 0x1EEFF, "A"), (0x1EF00, 0x1EFFF, "R"),
    (0xE0000, 0xE0FFF, "b"),
)


def _class_code(cp: int) -> str:
    cls = unicodedata.bidirectional(chr(cp))
    if not cls:
        if (cp & 0xFFFE) == 0xFFFE:
            return "b"
        for lo, hi, code in _DEFAULT_RANGES:
            if lo <= cp <= hi:
                return code
        return "L"
    code = _CODES[cls]
    if code == "o" and (cp in _OPENING_TO_CLOSING or cp in _CLOSING):
        return "p"
    return code


class _ClassTable(dict):
    """str.translate table: ord(char) -> class letter, filled lazily."""

    def __missing__(self, cp: int) -> str:
        code = self[cp] = _class_code(cp)
        return code


_CLASS_TABLE = _ClassTable()


def bidi_classes(text: str) -> str:
    """One class letter per character (see ``_CODES``; 'p' is a paired bracket)."""
    return text.translate(_CLASS_TABLE)


# --------------------------------------------------------------------------------------
# Units (see the module docstring)
# --------------------------------------------------------------------------------------

_UNIT_RE = re.compile(
    r"A[Amb]*(?:[wcstob]+A[Amb]*)*|R[Rmb]*(?:[wcstob]+R[Rmb]*)*|L[Lmb]*(?:[wcstob]+L[Lmb]*)*"
    r"|E+|N+|w+|t+|o+|.",
    re.S,
)
# Classes for which no rule needs the units: one level for the whole paragraph.
_NEEDS_RULES = (frozenset("RANB123456789"), frozenset("LENB123456789"))


# --------------------------------------------------------------------------------------
# P2, P3
# --------------------------------------------------------------------------------------

def _first_strong(codes, start: int, end: int, stop_at_pdi: bool) -> int | None:
    """P2: 0 for L, 1 for R/AL at the first strong character of ``codes[start:end]``,
    skipping isolates (an initiator up to its matching PDI); None if there is none. With
    `stop_at_pdi` (X5c, an FSI's content) an unmatched PDI ends the search."""
    depth = 0
    for i in range(start, end):
        c = codes[i]
        if c in _ISOLATE_INITIATORS:
            depth += 1
        elif c == "9":
            if depth:
                depth -= 1
            elif stop_at_pdi:
                return None
        elif c == "B":
            return None
        elif depth == 0:
            if c == "L":
                return 0
            if c == "R" or c == "A":
                return 1
    return None


def paragraph_level(text: str) -> int:
    """P2/P3: 1 if the first strong character outside isolates is R or AL, else 0."""
    return _first_strong(bidi_classes(text), 0, len(text), False) or 0


# --------------------------------------------------------------------------------------
# The rules over one paragraph's units
# --------------------------------------------------------------------------------------

def _resolve_units(codes: list[str], cps: list[int], para: int) -> list[int]:
    """Levels of a paragraph's units (one class letter each, `cps` the code point of the
    first character: it matters for brackets only). X9-removed units get the level of the
    unit before them (para at the start)."""
    n = len(codes)
    types = list(codes)
    levels = [para] * n

    # BD9: matching PDI of every isolate initiator (and the initiator of every matched PDI).
    match: dict[int, int] = {}
    matched_pdi: set[int] = set()
    if "9" in codes:
        open_isolates: list[int] = []
        for i, c in enumerate(codes):
            if c in _ISOLATE_INITIATORS:
                open_isolates.append(i)
            elif c == "9" and open_isolates:
                j = open_isolates.pop()
                match[j] = i
                matched_pdi.add(i)

    # X1–X8: explicit levels and directions (the directional status stack).
    if any(c in "123456789" for c in codes):
        stack = [(para, "", False)]  # (embedding level, override "", "L" or "R", isolate)
        overflow_isolates = overflow_embeddings = valid_isolates = 0
        for i, c in enumerate(codes):
            level, override, _ = stack[-1]
            if c in "1234":  # X2–X5: LRE, LRO, RLE, RLO
                new = (level + 1) | 1 if c in "34" else (level + 2) & ~1
                if new <= MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                    stack.append((new, "L" if c == "2" else "R" if c == "4" else "", False))
                elif not overflow_isolates:
                    overflow_embeddings += 1
                levels[i] = level
            elif c in "678":  # X5a–X5c: LRI, RLI, FSI
                levels[i] = level
                if override:
                    types[i] = override
                if c == "8":
                    end = match.get(i, n)
                    rtl = _first_strong(codes, i + 1, end, True) == 1
                else:
                    rtl = c == "7"
                new = (level + 1) | 1 if rtl else (level + 2) & ~1
                if new <= MAX_DEPTH and not overflow_isolates and not overflow_embeddings:
                    valid_isolates += 1
                    stack.append((new, "", True))
                else:
                    overflow_isolates += 1
            elif c == "9":  # X6a: PDI
                if overflow_isolates:
                    overflow_isolates -= 1
                elif valid_isolates:
                    overflow_embeddings = 0
                    while not stack[-1][2]:
                        stack.pop()
                    stack.pop()
                    valid_isolates -= 1
                level, override, _ = stack[-1]
                levels[i] = level
                if override:
                    types[i] = override
            elif c == "5":  # X7: PDF
                if overflow_isolates:
                    pass
                elif overflow_embeddings:
                    overflow_embeddings -= 1
                elif not stack[-1][2] and len(stack) >= 2:
                    stack.pop()
                levels[i] = level
            elif c == "B":  # X8 (a B only ends a paragraph; the caller splits there)
                levels[i] = para
            elif c != "b":  # X6
                levels[i] = level
                if override:
                    types[i] = override

    # X9, X10: level runs over the kept units, then isolating run sequences (BD13).
    kept = [i for i, c in enumerate(codes) if c not in REMOVED]
    if not kept:
        return levels
    runs: list[list[int]] = []
    run: list[int] = []
    run_level = -1
    for i in kept:
        if levels[i] != run_level and run:
            runs.append(run)
            run = []
        run_level = levels[i]
        run.append(i)
    runs.append(run)
    run_starting_at = {r[0]: r for r in runs}
    explicit = list(levels)  # sos/eos compare the explicit levels (X10), not resolved ones
    prev_kept = {}
    next_kept = {}
    for a, b in zip(kept, kept[1:]):
        next_kept[a] = b
        prev_kept[b] = a
    for r in runs:
        if r[0] in matched_pdi:
            continue  # continues the sequence of its initiator
        seq = list(r)
        while codes[seq[-1]] in _ISOLATE_INITIATORS and seq[-1] in match:
            nxt = run_starting_at.get(match[seq[-1]])
            if nxt is None:  # pragma: no cover - a matched PDI starts a level run
                break
            seq.extend(nxt)
        _resolve_sequence(seq, codes, types, levels, explicit, cps, para, prev_kept, next_kept)

    # Removed units take the level of the unit before them.
    prev = para
    for i, c in enumerate(codes):
        if c in REMOVED:
            levels[i] = prev
        else:
            prev = levels[i]
    return levels


def _resolve_sequence(seq, codes, types, levels, explicit, cps, para, prev_kept, next_kept) -> None:
    """W1–W7, N0–N2, I1–I2 over one isolating run sequence (`seq`: unit indices); sos and
    eos from the explicit levels on either side (X10)."""
    level = explicit[seq[0]]
    before = prev_kept.get(seq[0])
    sos = "R" if max(level, explicit[before] if before is not None else para) & 1 else "L"
    last = seq[-1]
    if codes[last] in _ISOLATE_INITIATORS:  # an unmatched isolate initiator ends it
        after_level = para
    else:
        after = next_kept.get(last)
        after_level = explicit[after] if after is not None else para
    eos = "R" if max(level, after_level) & 1 else "L"
    t = [types[i] for i in seq]
    m = len(t)

    # W1: NSM takes the type of the character before it (ON after an isolate initiator or
    # PDI, sos at the start).
    if "m" in t:
        prev = sos
        for k in range(m):
            if t[k] == "m":
                t[k] = prev
            else:
                prev = "o" if t[k] in "6789" else t[k]
    # W2: EN after AL (last strong) -> AN. W3: AL -> R.
    if "A" in t:
        if "E" in t:
            strong = sos
            for k in range(m):
                c = t[k]
                if c in "LRA":
                    strong = c
                elif c == "E" and strong == "A":
                    t[k] = "N"
        t = ["R" if c == "A" else c for c in t]
    has_numbers = "E" in t or "N" in t
    if has_numbers:
        # W4: one separator between two numbers of the same type.
        for k in range(1, m - 1):
            c = t[k]
            if c == "s" and t[k - 1] == "E" and t[k + 1] == "E":
                t[k] = "E"
            elif c == "c" and t[k - 1] == t[k + 1] and t[k - 1] in "EN":
                t[k] = t[k - 1]
        # W5: terminators next to EN -> EN.
        if "t" in t and "E" in t:
            k = 0
            while k < m:
                if t[k] == "t":
                    j = k
                    while j < m and t[j] == "t":
                        j += 1
                    if (k > 0 and t[k - 1] == "E") or (j < m and t[j] == "E"):
                        t[k:j] = ["E"] * (j - k)
                    k = j
                else:
                    k += 1
    # W6: remaining separators and terminators -> ON.
    t = ["o" if c in "sct" else c for c in t]
    # W7: EN after L (last strong, or sos) -> L.
    if "E" in t:
        strong = sos
        for k in range(m):
            c = t[k]
            if c == "L" or c == "R":
                strong = c
            elif c == "E" and strong == "L":
                t[k] = "L"

    e = "R" if level & 1 else "L"
    # N0: paired brackets (BD16) take the embedding direction, or the other one when the
    # pair holds only the other direction and the context before it has it too.
    if "p" in t:
        pairs = _bracket_pairs(seq, t, cps)
        for open_k, close_k in pairs:
            found_opposite = False
            resolved = ""
            for k in range(open_k + 1, close_k):
                c = t[k]
                d = "L" if c == "L" else "R" if c in "REN" else ""
                if d == e:
                    resolved = e
                    break
                if d:
                    found_opposite = True
            if not resolved and found_opposite:
                ctx = sos
                for k in range(open_k - 1, -1, -1):
                    c = t[k]
                    if c == "L":
                        ctx = "L"
                        break
                    if c in "REN":
                        ctx = "R"
                        break
                resolved = ctx if ctx != e else e
            if resolved:
                for k in (open_k, close_k):
                    t[k] = resolved
                    # NSMs (before W1) right after a bracket follow it.
                    j = k + 1
                    while j < m and codes[seq[j]] == "m":
                        t[j] = resolved
                        j += 1
    # N1/N2: a run of neutrals between two strong types of one direction takes it, else the
    # embedding direction (EN and AN count as R; sos and eos at the edges).
    k = 0
    while k < m:
        c = t[k]
        if c in "LREN":
            k += 1
            continue
        j = k
        while j < m and t[j] not in "LREN":
            j += 1
        left = sos if k == 0 else ("L" if t[k - 1] == "L" else "R")
        right = eos if j == m else ("L" if t[j] == "L" else "R")
        t[k:j] = [left if left == right else e] * (j - k)
        k = j
    # I1/I2.
    if level & 1:
        for k, i in enumerate(seq):
            c = t[k]
            levels[i] = level + 1 if c == "L" or c == "E" or c == "N" else level
    else:
        for k, i in enumerate(seq):
            c = t[k]
            levels[i] = level + 1 if c == "R" else level + 2 if c in "EN" else level


def _bracket_pairs(seq, t, cps) -> list[tuple[int, int]]:
    """BD16: bracket pairs of an isolating run sequence, as positions in it, by opening."""
    stack: list[tuple[int, int]] = []  # (closing code point, position)
    pairs: list[tuple[int, int]] = []
    for k, i in enumerate(seq):
        if t[k] != "p":
            continue
        cp = cps[i]
        closing = _OPENING_TO_CLOSING.get(cp)
        if closing is not None:
            if len(stack) == BRACKET_STACK_SIZE:
                break
            stack.append((_CANONICAL_BRACKET.get(closing, closing), k))
            continue
        cp = _CANONICAL_BRACKET.get(cp, cp)
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == cp:
                pairs.append((stack[depth][1], k))
                del stack[depth:]
                break
    pairs.sort()
    return pairs


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------

def _resolve_paragraph(text: str, codes: str, start: int, end: int, para: int) -> bytes:
    """Levels of ``text[start:end]`` (one bidi paragraph, classes `codes`)."""
    spans = [m.span() for m in _UNIT_RE.finditer(codes, start, end)]
    unit_codes = [codes[s] for s, _ in spans]
    cps = [ord(text[s]) for s, _ in spans]
    unit_levels = _resolve_units(unit_codes, cps, para)
    return b"".join(bytes((lv,)) * (e - s) for (s, e), lv in zip(spans, unit_levels))


def resolve_levels(text: str, base: int | None = None, *, line_end: bool = False) -> bytes:
    """Embedding level of every character of a paragraph, UAX #9 up to I2, then L1's
    resetting of segment/paragraph separators (and the whitespace, isolate controls and
    X9-removed characters before them) to the paragraph level. `base` is the paragraph level
    (0 or 1); None applies P2/P3 to each paragraph. With `line_end`, the text is also one
    line and its trailing whitespace is reset too (L1 rule 4)."""
    n = len(text)
    codes = bidi_classes(text)
    if base is not None and set(codes).isdisjoint(_NEEDS_RULES[base]):
        return bytes((base,)) * n  # no strong character against the base: nothing moves
    if "B" in codes:  # P1: every B ends a paragraph
        parts = []
        start = 0
        for m in re.finditer("B", codes):
            parts.append((start, m.end()))
            start = m.end()
        if start < n:
            parts.append((start, n))
    else:
        parts = [(0, n)]
    out = []
    paras = []
    for s, e in parts:
        para = base if base is not None else (_first_strong(codes, s, e, False) or 0)
        paras.append(para)
        out.append(_resolve_paragraph(text, codes, s, e, para))
    levels = bytearray(b"".join(out))
    # L1: separators, and the whitespace (with isolate controls and X9-removed characters)
    # before them and, for a line, at its end, go to the paragraph level.
    if "S" in codes or "B" in codes or line_end:
        for (s, e), para in zip(parts, paras):
            reset = line_end and e == n
            for i in range(e - 1, s - 1, -1):
                c = codes[i]
                if c in "SB":
                    levels[i] = para
                    reset = True
                elif reset and c in "w6789b12345":
                    levels[i] = para
                else:
                    reset = False
    return bytes(levels)


def visual_order(levels) -> list[int]:
    """L2: indices of a line's items (characters, or runs at one level) from left to right:
    from the highest level down to the lowest odd one, every maximal sequence at that level
    or above is reversed."""
    n = len(levels)
    order = list(range(n))
    if not n:
        return order
    hi = max(levels)
    lowest_odd = min(levels) | 1
    for level in range(hi, lowest_odd - 1, -1):
        i = 0
        while i < n:
            if levels[order[i]] >= level:
                j = i + 1
                while j < n and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order
