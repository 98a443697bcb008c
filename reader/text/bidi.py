"""Right-to-left layout for a terminal that does no bidi and no shaping (pure; no Textual).

Pipeline per paragraph (see "The bidi pipeline" in docs/architecture.md):

1. the logical text stays the source of truth; every screen character keeps the logical
   offset it came from (``VisualLine.logical_index``);
2. shape with ``arabic_reshaper`` (tashkeel kept, no ALLAH ligature; only the four lam-alef
   ligatures are many-to-one, and a ligature glyph stands for both of its letters);
3. wrap by terminal cells (Rich ``cell_len``) in logical order, at spaces; a word wider than
   the line is broken between grapheme clusters (a base letter and its marks never split);
4. reorder each wrapped line: embedding levels come from `reader.text.uax9` (UAX #9 in full,
   checked against Unicode's BidiCharacterTest.txt: weak/neutral rules, brackets N0,
   isolates and embeddings) with the base direction fixed; L1 and L2 are applied here, per
   line, to whole clusters, which gives L3 (marks stay after their base on screen) and L4
   (brackets and other mirrored characters are mirrored when their resolved level is odd).
   Invisible characters that have a level of their own (LRM, RLM, ALM, isolate controls)
   take part in L2 as empty items, so they separate runs as UAX #9 says;
5. the widget right-aligns (pads ``width - line.cells`` spaces on the left).

Invisible characters (ZWJ, ZWNJ, bidi controls, other format and control characters) are
never drawn but are still covered by the line span; tabs and other breaking whitespace are
drawn as plain spaces. A mark after a breaking space is drawn on that space (one grapheme
cluster), which then starts the next word rather than ending a run of spaces, so the wrap
never consumes it. ``rtl=False, shape=False, reorder=False`` is plain LTR word wrapping.
"""

from __future__ import annotations

import os
import re
import unicodedata2 as unicodedata  # a current Unicode (Python 3.11's own stops at 14.0)
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain
from threading import Lock
from typing import NamedTuple

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.arabic_reshaper import HARAKAT_RE as _HARAKAT_RE
from arabic_reshaper.ligatures import LIGATURES
from rich.cells import cell_len

from reader.text.arabic import ARABIC_LETTER_RE
from reader.text.bidi_mirroring import MIRRORING_GLYPH
from reader.text.uax9 import resolve_levels, visual_order

__all__ = [
    "VisualLine",
    "PreparedParagraph",
    "layout_paragraph",
    "prepare_paragraph",
    "layout_prepared",
    "visual_spans",
    "logical_offset_at",
    "covered_offsets",
    "visual_x_of_offset",
    "clear_cache",
    "RESHAPER_CONFIGURATION",
]


@dataclass(frozen=True, slots=True)
class VisualLine:
    """One screen line of a paragraph.

    ``text`` is in visual left-to-right order and not padded; ``cells`` its width in terminal
    cells; ``[start, end)`` the logical span of the paragraph this line covers (including the
    whitespace and invisible characters the wrap consumed); ``logical_index[k]`` the logical
    offset of ``text[k]``. ``extra_index`` lists ``(k, offset)`` for glyphs that stand for more
    than one logical character (a lam-alef ligature at ``text[k]`` also represents the alef
    at ``offset``)."""

    text: str
    cells: int
    start: int
    end: int
    logical_index: tuple[int, ...]
    extra_index: tuple[tuple[int, int], ...] = ()


# --------------------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------------------

ZWJ = "\u200d"
ZWNJ = "\u200c"
ZWSP = "\u200b"
TATWEEL = "\u0640"

# Per-offset kinds (one ASCII letter each, kept in a str):
#   V base character (starts a cluster)       T base the reshaper treats as a haraka (small
#   v base character of zero cell width         waw/yeh, ...): drawn like V, never shaped
#   O orphan mark (a mark with no base: a cluster of its own, never shaped)
#   M mark attached to the preceding base     X second letter of a ligature (no glyph)
#   S variation selector (resolved to M or H) W breaking whitespace (drawn as a space)
#   Z zero-width break opportunity (ZWSP)     H hidden (controls, bidi format characters)
#   J ZWJ (hidden, joins for shaping)         N ZWNJ (hidden, breaks joining)
_HIDDEN_KINDS = "HJN"

# Breaking whitespace is drawn as one space; the no-break spaces are not break points.
_NO_BREAK_SPACES = frozenset("\u00a0\u2007\u202f")
_CONTROL_WHITESPACE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85")


def _is_variation_selector(cp: int) -> bool:
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D or cp == 0x180F


def _base_kind(ch: str) -> str:
    if _HARAKAT_RE.match(ch):
        return "T"
    if not cell_len(ch):
        return "v"
    return "V"


def _classify(ch: str) -> tuple[str, str]:
    """(kind, drawn character) of one character, without context. The drawn character of a
    hidden one does not matter (it is never drawn) but keeps offsets aligned."""
    cp = ord(ch)
    cat = unicodedata.category(ch)
    if ch in _CONTROL_WHITESPACE or cat in ("Zl", "Zp") or (cat == "Zs" and ch not in _NO_BREAK_SPACES):
        return "W", " "
    if ch == ZWSP:
        return "Z", " "
    if ch == ZWJ:
        return "J", ch
    if ch == ZWNJ:
        return "N", ch
    if cat == "Cc":
        return "H", ch
    if cat == "Cf":
        # Prepended concatenation marks (ARABIC NUMBER SIGN ...) are visible; the other
        # format characters (bidi controls, soft hyphen, word joiner, BOM, tags) are not.
        if unicodedata.bidirectional(ch) == "AN":
            return _base_kind(ch), ch
        return "H", ch
    if cat == "Cs":
        return "V", "\ufffd"
    if _is_variation_selector(cp):
        return "S", ch
    if cat in ("Mn", "Me", "Mc"):
        return "M", ch
    if ch in _NO_BREAK_SPACES:
        return "V", " "
    return _base_kind(ch), ch


class _KindTable(dict):
    """str.translate table: ord(char) -> kind letter, filled lazily (and, as a side effect,
    the display substitutions of every character it has seen)."""

    def __missing__(self, cp: int) -> str:
        kind, display = _classify(chr(cp))
        if display != chr(cp):
            _DISPLAY_TABLE[cp] = display
        self[cp] = kind
        return kind


class _WidthCodes(dict):
    """str.translate table: ord(char) -> its cell width (Rich) as a digit, filled lazily."""

    def __missing__(self, cp: int) -> str:
        code = str(min(2, cell_len(chr(cp))))
        self[cp] = code
        return code


_KIND_TABLE = _KindTable()
_DISPLAY_TABLE: dict[int, str] = {}  # ord(char) -> what is drawn instead (spaces, U+FFFD)
_NEEDS_DISPLAY_RE = re.compile("[^\\S ]|[\ud800-\udfff]")  # whitespace other than ' ', surrogates
_WIDTH_CODES = _WidthCodes()

# A mark at the start or after a zero-width space has no base: it is a cluster of its own.
# A breaking space followed by a mark becomes P: a space and the marks after it are one
# grapheme cluster (UAX #29), drawn as a space carrying the marks (`علميا \u064bبأن`: the
# tanween belongs to the word before, not to the next word's first letter). P starts a word
# (the line may break before it, never after it), so its marks are always drawn.
_ORPHAN_MARK_RE = re.compile(r"(^|Z)([HJN]*)M")
_SPACE_WITH_MARK_RE = re.compile(r"W(?=[HJN]*M)")
_VARIATION_RE = re.compile(r"([VTv])([MHJNS]*)")
_CLUSTER_RE = re.compile(r"[VTOP][MXHJN]*")
# Units (a word, or a run of spaces; hidden characters join the unit before them) over the
# kinds, where U/Q mark a V/W at which the embedding level changes: group 1 matches a word
# of plain base characters at one level, group 2 spaces at one level, else the unit is
# complex (marks, ligatures, hidden characters or several levels).
_UNIT_SIG_RE = re.compile(
    r"([VU]V*)(?![VTOMXHJNU])|([WQ]W*)(?![WZHJNQ])"
    r"|[HJN]*(?:[WZQ][WZHJNQ]*|[VTOUP][VTOMXHJNU]*)"
)
_LEVEL_RUN_RE = re.compile(rb"(.)\1*", re.S)
_SHAPED_RUN_RE = re.compile(r"[VWZJN]+")


def _resolve_variation(match: re.Match) -> str:
    base, tail = match.group(1), match.group(2)
    if "S" not in tail:
        return match.group(0)
    # A variation selector belongs to a base that has a width; elsewhere it is invisible.
    return base + tail.replace("S", "M" if base in "VT" else "H")


def _kinds(text: str) -> str:
    kinds = text.translate(_KIND_TABLE)
    if "S" in kinds:  # first: an orphan variation selector becomes hidden (H) ...
        kinds = _VARIATION_RE.sub(_resolve_variation, kinds).replace("S", "H")
    if "M" in kinds:  # ... so that a mark after it is seen as an orphan too
        kinds = _ORPHAN_MARK_RE.sub(r"\1\2O", kinds)
        if "W" in kinds:
            kinds = _SPACE_WITH_MARK_RE.sub("P", kinds)
    if "v" in kinds:
        kinds = kinds.replace("v", "V")
    return kinds


# --------------------------------------------------------------------------------------
# Shaping
# --------------------------------------------------------------------------------------

def _reshaper_configuration() -> dict[str, object]:
    """The shaping of docs/architecture.md (harakat and tatweel kept, ZWJ honoured, no ALLAH
    ligature), with every ligature spelled out (only the four lam-alef ones are on), so a
    user's configuration file cannot switch on other ligatures."""
    config: dict[str, object] = {name: False for name, _ in LIGATURES}
    config.update({
        "language": "Arabic",
        "delete_harakat": False,
        "delete_tatweel": False,
        "support_zwj": True,
        "shift_harakat_position": False,
        "use_unshaped_instead_of_isolated": False,
        "support_ligatures": True,
        "ARABIC LIGATURE ALLAH": False,
        "ARABIC LIGATURE LAM WITH ALEF": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA ABOVE": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH HAMZA BELOW": True,
        "ARABIC LIGATURE LAM WITH ALEF WITH MADDA ABOVE": True,
    })
    return config


RESHAPER_CONFIGURATION = _reshaper_configuration()
# os.devnull as the configuration file: PYTHON_ARABIC_RESHAPER_CONFIGURATION_FILE is ignored.
_RESHAPER = ArabicReshaper(configuration=RESHAPER_CONFIGURATION, configuration_file=os.devnull)


def _ligature_forms() -> dict[str, frozenset[str]]:
    """Two logical letters -> their ligature glyphs, for every ligature the reshaper uses."""
    forms: dict[str, frozenset[str]] = {}
    for name, (match, glyphs) in LIGATURES:
        if not _RESHAPER.configuration.getboolean(name):
            continue
        if len(match) != 2 or re.escape(match) != match:  # pragma: no cover - fixed config
            raise RuntimeError(f"qari expects only two-letter ligatures, got {name!r}")
        forms[match] = frozenset(g for g in glyphs if g)
    return forms


_LIGATURE_FORMS = _ligature_forms()
_CONTINUATION = "\x00"  # placeholder glyph for the second letter of a ligature

_SHAPE_CACHE: dict[str, str] = {}
_SHAPE_CACHE_SIZE = 100_000


def _align_piece(piece: str, shaped: str) -> str:
    """The reshaper's output for a space-free piece, padded back to the piece's length: the
    second letter of each ligature gets _CONTINUATION (the ligature glyph sits on the first)."""
    if len(shaped) == len(piece):
        return shaped
    out: list[str] = []
    m = len(piece)
    k = j = 0
    while k < m and j < len(shaped):
        g = shaped[j]
        if g in _LIGATURE_FORMS.get(piece[k:k + 2], ()):
            out.append(g)
            out.append(_CONTINUATION)
            k += 2
        else:
            out.append(g)
            k += 1
        j += 1
    if k != m or j != len(shaped):  # pragma: no cover - defensive: leave it unshaped
        return piece
    return "".join(out)


def _shape_string(source: str) -> str:
    """Shape a string made of letters, spaces, tatweels (for ZWJ) and ZWNJs, keeping its
    length. Joining never crosses a space, so each piece between spaces is shaped alone and
    cached; the pieces not in the cache go to the reshaper in one call (joined by spaces)."""
    pieces = source.split(" ")
    cache = _SHAPE_CACHE
    out: list[str] = []
    missing: dict[str, str] = {}
    for piece in pieces:
        hit = cache.get(piece)
        if hit is None:
            if piece and ARABIC_LETTER_RE.search(piece):
                missing[piece] = piece
                hit = ""  # shaped below, with the other pieces the cache did not have
            else:
                hit = piece
        out.append(hit)
    if missing:
        batch = list(missing)
        shaped = _RESHAPER.reshape(" ".join(batch)).split(" ")
        if len(shaped) != len(batch):  # pragma: no cover - defensive: one piece at a time
            shaped = [_RESHAPER.reshape(piece) for piece in batch]
        if len(cache) + len(batch) > _SHAPE_CACHE_SIZE:
            cache.clear()
        for piece, result in zip(batch, shaped):
            missing[piece] = cache[piece] = _align_piece(piece, result)
        out = [missing.get(piece, hit) for piece, hit in zip(pieces, out)]
    return " ".join(out)


def _shape(kinds: str, display: str) -> tuple[str, str]:
    """Contextual forms and lam-alef ligatures: returns (glyphs, kinds), glyphs aligned with
    the logical text and kinds with the second letter of each ligature marked 'X'.

    Marks, hidden characters and bases the reshaper counts as harakat are left out of the
    reshaper's input (they are transparent to joining), ZWJ goes in as a tatweel (both are
    join-causing) and ZWNJ as itself (non-joining); the reshaper's output then aligns one to
    one with its input except for lam-alef, which it turns into one glyph."""
    source = display.replace(ZWJ, TATWEEL) if "J" in kinds else display
    if kinds.count("V") + kinds.count("W") + kinds.count("Z") + kinds.count("J") + kinds.count("N") == len(kinds):
        glyphs = _shape_string(source)
    else:
        runs = [m.span() for m in _SHAPED_RUN_RE.finditer(kinds)]
        shaped = _shape_string("".join(source[s:e] for s, e in runs))
        parts: list[str] = []
        prev = 0
        pos = 0
        for s, e in runs:
            parts.append(display[prev:s])
            parts.append(shaped[pos:pos + e - s])
            pos += e - s
            prev = e
        parts.append(display[prev:])
        glyphs = "".join(parts)
    if _CONTINUATION in glyphs:
        kind_list = list(kinds)
        i = glyphs.find(_CONTINUATION)
        while i >= 0:
            if kind_list[i] == "V":  # (a NUL in the text itself is hidden, kind H)
                kind_list[i] = "X"
            i = glyphs.find(_CONTINUATION, i + 1)
        kinds = "".join(kind_list)
    return glyphs, kinds


# --------------------------------------------------------------------------------------
# Embedding levels
# --------------------------------------------------------------------------------------

def _levels(text: str, base: int) -> bytes:
    """Embedding level of every logical offset: UAX #9 up to I2 over the whole paragraph
    (BD13: levels are resolved before line breaking, by `reader.text.uax9`), plus the
    line-independent part of L1 (segment/paragraph separators, and the whitespace before
    them, go to `base`). The line-dependent part of L1 (trailing whitespace and isolate
    controls) never matters here: the wrap does not draw what a line ends with, and an
    invisible character at the end of a line cannot separate two drawn ones."""
    return resolve_levels(text, base)


# --------------------------------------------------------------------------------------
# Mirroring (L4)
# --------------------------------------------------------------------------------------

_MIRROR = MIRRORING_GLYPH  # Unicode's BidiMirroring.txt (reader/text/bidi_mirroring.py)


# --------------------------------------------------------------------------------------
# Prepared paragraphs (width-independent work, cached)
# --------------------------------------------------------------------------------------

_SHARED_INTS = tuple(range(1 << 14))  # shared int objects for logical_index tuples


def _offsets(start: int, end: int) -> tuple[int, ...]:
    if end <= len(_SHARED_INTS):
        return _SHARED_INTS[start:end]
    return tuple(range(start, end))


_MIRROR_RE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_MIRROR)) + "]")


class _Run(NamedTuple):
    """Consecutive clusters at one level, for a unit with marks, ligatures, hidden characters
    or mixed levels: glyphs in logical order (`text`, `offsets`) and with the clusters reversed,
    each cluster still base first (`rtext`, `rindex`; None = plain string reversal).
    `extra`/`rextra` hold (position in the text, further logical offset) for ligatures."""

    level: int
    width: int
    text: str
    offsets: tuple[int, ...]
    rtext: str | None
    rindex: tuple[int, ...] | None
    extra: tuple[tuple[int, int], ...]
    rextra: tuple[tuple[int, int], ...]


class _Cluster(NamedTuple):
    start: int  # logical offset of the base
    level: int
    glyphs: str
    offsets: tuple[int, ...]
    extra: tuple[int, ...]  # further logical offsets shown by glyphs[0] (ligature)


@dataclass(frozen=True, slots=True, eq=False)
class PreparedParagraph:
    """The width-independent part of a layout: per logical offset its kind, its glyph
    (shaped, and mirrored where it resolves right-to-left) and its embedding level; the units
    (words and runs of spaces) with their widths; runs for the few units that are not a
    plain string of one level. Keep one per paragraph to re-wrap quickly on resize."""

    text: str
    rtl: bool
    shape: bool
    reorder: bool
    kinds: str
    glyphs: str
    levels: bytes | None
    bounds: array  # start offset of each unit, then len(text)
    widths: array  # cell width of each unit
    is_word: bytes  # 1 for a word, 0 for a run of spaces
    complex: dict[int, tuple[_Run, ...]]


def _clusters(kinds: str, glyphs: str, levels: bytes | None, start: int, end: int) -> list[_Cluster]:
    """The clusters of a word unit, in logical order. A hidden character whose level is not
    its cluster's (an RLM, ALM or isolate control between two runs) becomes a cluster of its
    own with no glyph, so that it still takes part in L2: a level-1 RLM keeps two level-2
    runs apart (`Windows\u200f10` is drawn `10Windows`)."""
    out: list[_Cluster] = []
    for m in _CLUSTER_RE.finditer(kinds, start, end):
        s, e = m.span()
        level = levels[s] if levels is not None else 0
        if e - s == 1:
            out.append(_Cluster(s, level, glyphs[s], _offsets(s, s + 1), ()))
            continue
        chars: list[str] = []
        index: list[int] = []
        extra: list[int] = []
        hidden: list[_Cluster] = []
        for i in range(s, e):
            k = kinds[i]
            if k in "VTOMP":
                chars.append(glyphs[i])
                index.append(i)
            elif k == "X":
                extra.append(i)
            elif levels is not None and levels[i] != level:
                hidden.append(_Cluster(i, levels[i], "", (), ()))
        out.append(_Cluster(s, level, "".join(chars), tuple(index), tuple(extra)))
        out.extend(hidden)
    return out


def _space_clusters(levels: bytes | None, kinds: str, start: int, end: int) -> list[_Cluster]:
    """The clusters of a unit of spaces: each breaking space is drawn as one space; zero-width
    spaces and hidden characters are not drawn, but a hidden one at a level of its own is
    kept as an empty cluster (see `_clusters`)."""
    out: list[_Cluster] = []
    level = levels[start] if levels is not None else 0
    for i in range(start, end):
        k = kinds[i]
        if k == "W":
            level = levels[i] if levels is not None else 0
            out.append(_Cluster(i, level, " ", _offsets(i, i + 1), ()))
        elif k in _HIDDEN_KINDS and levels is not None and levels[i] != level:
            out.append(_Cluster(i, levels[i], "", (), ()))
    return out


def _runs_from_clusters(clusters: list[_Cluster]) -> tuple[_Run, ...]:
    runs: list[_Run] = []
    i = 0
    n = len(clusters)
    while i < n:
        level = clusters[i].level
        j = i + 1
        while j < n and clusters[j].level == level:
            j += 1
        group = clusters[i:j]
        glyphs = [c.glyphs for c in group]
        text = "".join(glyphs)
        index = tuple(chain.from_iterable(c.offsets for c in group))
        extra: list[tuple[int, int]] = []
        rextra: list[tuple[int, int]] = []
        if len(text) == len(group) and not any(c.extra or not c.glyphs for c in group):
            rtext = rindex = None
        else:
            rtext = "".join(reversed(glyphs))
            rindex = tuple(chain.from_iterable(c.offsets for c in reversed(group)))
            pos = 0
            for c in group:
                extra.extend((pos, x) for x in c.extra)
                pos += len(c.glyphs)
            pos = 0
            for c in reversed(group):
                rextra.extend((pos, x) for x in c.extra)
                pos += len(c.glyphs)
        runs.append(_Run(level, cell_len(text), text, index, rtext, rindex, tuple(extra), tuple(rextra)))
        i = j
    return tuple(runs)


def _ligature_run(kinds: str, glyphs: str, levels: bytes | None, start: int, end: int) -> _Run:
    """A word of one level made of single-glyph clusters and ligatures (no marks)."""
    index: list[int] = []
    extra: list[tuple[int, int]] = []
    for i in range(start, end):
        if kinds[i] == "X":
            extra.append((len(index) - 1, i))
        else:
            index.append(i)
    text = glyphs[start:end].replace(_CONTINUATION, "")
    last = len(text) - 1
    return _Run(
        levels[start] if levels is not None else 0, cell_len(text), text, tuple(index),
        text[::-1], tuple(reversed(index)), tuple(extra), tuple((last - k, x) for k, x in reversed(extra)),
    )


def _mirror(glyphs: str, kinds: str, levels: bytes) -> str:
    """L4: a mirrored character whose resolved level is odd is drawn as its mirror image."""
    chars: list[str] | None = None
    for m in _MIRROR_RE.finditer(glyphs):
        i = m.start()
        if levels[i] & 1 and kinds[i] in "VT":
            if chars is None:
                chars = list(glyphs)
            chars[i] = _MIRROR[ord(glyphs[i])]
    return glyphs if chars is None else "".join(chars)


def prepare_paragraph(text: str, *, rtl: bool = True, shape: bool = True, reorder: bool = True) -> PreparedParagraph:
    """Do the width-independent work of `layout_paragraph` once (see `layout_prepared`)."""
    kinds = _kinds(text)
    glyphs = text.translate(_DISPLAY_TABLE) if _NEEDS_DISPLAY_RE.search(text) else text
    if shape and ARABIC_LETTER_RE.search(text):
        glyphs, kinds = _shape(kinds, glyphs)
    levels = _levels(text, 1 if rtl else 0) if reorder else None
    if levels is not None and _MIRROR_RE.search(glyphs):
        glyphs = _mirror(glyphs, kinds, levels)
    n = len(text)
    sig = kinds
    if levels is not None and n and levels.count(levels[0]) != n:
        # Mark where the level changes (V -> U, W -> Q), so that a unit crossing a change
        # is not taken for a plain one-level unit by _UNIT_SIG_RE.
        marked = list(kinds)
        for m in _LEVEL_RUN_RE.finditer(levels):
            i = m.start()
            if i and marked[i] in "VW":
                marked[i] = "U" if marked[i] == "V" else "Q"
        sig = "".join(marked)
    units = [(m.start(), m.end(), m.lastindex) for m in _UNIT_SIG_RE.finditer(sig)]
    if units and (units[0][0] != 0 or units[-1][1] != n):  # pragma: no cover - grammar
        raise RuntimeError(f"bidi layout: the units do not tile {text!r}")
    bounds = array("i", [s for s, _, _ in units])
    widths = array("i")
    is_word = bytearray()
    complex_units: dict[int, tuple[_Run, ...]] = {}
    wcodes = glyphs.translate(_WIDTH_CODES)
    all_narrow = "0" not in wcodes and "2" not in wcodes
    for u, (s, e, plain) in enumerate(units):
        if plain == 1:  # a word of base characters at one level
            is_word.append(1)
            widths.append(e - s if all_narrow else e - s - wcodes.count("0", s, e) + wcodes.count("2", s, e))
            continue
        if plain == 2:  # spaces at one level
            is_word.append(0)
            widths.append(e - s)
            continue
        first = sig[s:e].lstrip(_HIDDEN_KINDS)[0]
        word = first not in "WZQ"
        is_word.append(word)
        runs: tuple[_Run, ...]
        if word:
            if kinds.count("V", s, e) + kinds.count("X", s, e) == e - s and (
                levels is None or levels.count(levels[s], s, e) == e - s
            ):
                runs = (_ligature_run(kinds, glyphs, levels, s, e),)
            else:
                runs = _runs_from_clusters(_clusters(kinds, glyphs, levels, s, e))
        else:
            runs = _runs_from_clusters(_space_clusters(levels, kinds, s, e))
        complex_units[u] = runs
        widths.append(sum(r.width for r in runs))
    bounds.append(len(text))
    return PreparedParagraph(
        text, rtl, shape, reorder, kinds, glyphs, levels, bounds, widths, bytes(is_word), complex_units
    )


# --------------------------------------------------------------------------------------
# Wrapping and reordering (per width)
# --------------------------------------------------------------------------------------

# A line is a list of items in logical order: either a _Run or a plain slice
# (level, start, end) of the prepared glyphs whose offsets are start..end-1.

def _line(p: PreparedParagraph, items: list, start: int, end: int, cells: int) -> VisualLine:
    if not items:
        return VisualLine("", 0, start, end, ())
    glyphs = p.glyphs
    levels = [it[0] for it in items]
    lo = min(levels)
    hi = max(levels)
    if not p.reorder or hi == lo:
        reverse = p.reorder and bool(lo & 1)
        if reverse:
            items = items[::-1]
        flips = [reverse] * len(items)
    else:
        # L2 (`reader.text.uax9.visual_order`) over the items; an item is drawn reversed when its
        # level is odd (cluster by cluster, so marks stay after their base: L3). Invisible
        # items (an RLM, an isolate control at a level of its own) take part, then draw nothing.
        items = [items[i] for i in visual_order(levels)]
        flips = [bool(it[0] & 1) for it in items]
    parts: list[str] = []
    indexes: list[tuple[int, ...]] = []
    extras: list[tuple[int, int]] = []
    pos = 0
    for item, flip in zip(items, flips):
        if len(item) == 3:
            _, s, e = item
            if flip:
                parts.append(glyphs[s:e][::-1])
                indexes.append(_offsets(s, e)[::-1])
            else:
                parts.append(glyphs[s:e])
                indexes.append(_offsets(s, e))
        elif flip:
            if item.rtext is None:
                parts.append(item.text[::-1])
                indexes.append(item.offsets[::-1])
            else:
                parts.append(item.rtext)
                indexes.append(item.rindex)
                extras.extend((pos + k, x) for k, x in item.rextra)
        else:
            parts.append(item.text)
            indexes.append(item.offsets)
            extras.extend((pos + k, x) for k, x in item.extra)
        pos += len(parts[-1])
    if len(parts) == 1:
        return VisualLine(parts[0], cells, start, end, indexes[0], tuple(extras))
    return VisualLine("".join(parts), cells, start, end, tuple(chain.from_iterable(indexes)), tuple(extras))


def layout_prepared(prepared: PreparedParagraph, width: int) -> list[VisualLine]:
    """Wrap and reorder a prepared paragraph at `width` cells (see `layout_paragraph`)."""
    width = max(1, int(width))
    p = prepared
    n = len(p.text)
    levels = p.levels
    bounds = p.bounds
    widths = p.widths
    is_word = p.is_word
    complex_units = p.complex
    lines: list[VisualLine] = []
    cur: list = []
    cur_w = 0
    line_start = 0
    pending = -1  # a run of spaces after the current content, drawn if a word follows

    def add(u: int) -> None:
        runs = complex_units.get(u)
        if runs is not None:
            cur.extend(runs)
            return
        s = bounds[u]
        e = bounds[u + 1]
        level = levels[s] if levels is not None else 0
        if cur:
            last = cur[-1]
            if len(last) == 3 and last[0] == level and last[2] == s:
                cur[-1] = (level, last[1], e)
                return
        cur.append((level, s, e))

    for u in range(len(widths)):
        if not is_word[u]:
            if cur:
                pending = u
            continue
        w = widths[u]
        if cur:
            sw = widths[pending] if pending >= 0 else 0
            if cur_w + sw + w <= width:
                if pending >= 0:
                    add(pending)
                    cur_w += sw
                add(u)
                cur_w += w
                pending = -1
                continue
            boundary = bounds[u]
            lines.append(_line(p, cur, line_start, boundary, cur_w))
            line_start = boundary
            cur = []
            cur_w = 0
            pending = -1
        if w <= width:
            add(u)
            cur_w = w
            continue
        # A word wider than the line: break it between clusters.
        piece: list[_Cluster] = []
        piece_w = 0
        for c in _clusters(p.kinds, p.glyphs, levels, bounds[u], bounds[u + 1]):
            cw = cell_len(c.glyphs)
            if piece and piece_w + cw > width:
                lines.append(_line(p, list(_runs_from_clusters(piece)), line_start, c.start, piece_w))
                line_start = c.start
                piece = []
                piece_w = 0
            piece.append(c)
            piece_w += cw
        cur = list(_runs_from_clusters(piece))
        cur_w = piece_w
    lines.append(_line(p, cur, line_start, n, cur_w))
    return lines


_CACHE: OrderedDict[tuple[str, bool, bool, bool], PreparedParagraph] = OrderedDict()
_CACHE_SIZE = 8192
_cache_lock = Lock()


def _cached_prepare(text: str, rtl: bool, shape: bool, reorder: bool) -> PreparedParagraph:
    key = (text, rtl, shape, reorder)
    with _cache_lock:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    prepared = prepare_paragraph(text, rtl=rtl, shape=shape, reorder=reorder)
    with _cache_lock:
        _CACHE[key] = prepared
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return prepared


def clear_cache() -> None:
    """Forget the prepared paragraphs `layout_paragraph` keeps (for benchmarks and tests)."""
    with _cache_lock:
        _CACHE.clear()


def layout_paragraph(
    text: str, width: int, *, rtl: bool = True, shape: bool = True, reorder: bool = True
) -> list[VisualLine]:
    """Lay out one paragraph for a terminal `width` cells wide.

    Returns at least one line (an empty paragraph gives one empty line covering it). Each
    line fits the width, except a line holding a single cluster wider than the width (an
    emoji at width 1). `rtl` fixes the base direction; `shape` applies Arabic contextual forms
    and lam-alef ligatures; `reorder=False` keeps logical order (for terminals that reorder
    by themselves). `rtl=False, shape=False, reorder=False` is plain LTR word wrapping.
    Width-independent work is cached per paragraph text, so re-wrapping on resize is cheap."""
    return layout_prepared(_cached_prepare(text, bool(rtl), bool(shape), bool(reorder)), width)


# --------------------------------------------------------------------------------------
# Mapping helpers for widgets
# --------------------------------------------------------------------------------------

def visual_spans(line: VisualLine, start: int, end: int) -> list[tuple[int, int]]:
    """Maximal ranges ``[i, j)`` of indices into ``line.text`` whose logical offsets fall in
    ``[start, end)`` (left to right): what a widget highlights for a sentence span."""
    spans: list[tuple[int, int]] = []
    if end <= line.start or start >= line.end or end <= start:
        return spans
    begin = -1
    for k, offset in enumerate(line.logical_index):
        inside = start <= offset < end
        if inside and begin < 0:
            begin = k
        elif not inside and begin >= 0:
            spans.append((begin, k))
            begin = -1
    if begin >= 0:
        spans.append((begin, len(line.logical_index)))
    return spans


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _cell_edges(line: VisualLine) -> list[int]:
    """Column at which each character of ``line.text`` is drawn (a mark: its base's column),
    plus the total width at the end. A base is given the width of its whole cluster, so a
    variation selector that widens it counts."""
    text = line.text
    edges: list[int] = []
    x = 0
    k = 0
    n = len(text)
    while k < n:
        j = k + 1
        while j < n and _is_mark(text[j]):
            j += 1
        edges.extend([x] * (j - k))
        x += cell_len(text[k:j])
        k = j
    edges.append(x)
    return edges


def logical_offset_at(line: VisualLine, x_cell: int) -> int | None:
    """Logical offset of the character drawn at column `x_cell` of the unpadded line (0 is
    the leftmost column of ``line.text``; a widget subtracts its left padding first), or None
    outside the text. A click on a cluster lands on its base (for a ligature: the lam)."""
    if x_cell < 0 or x_cell >= line.cells:
        return None
    edges = _cell_edges(line)
    k = bisect_right(edges, x_cell) - 1
    while k > 0 and _is_mark(line.text[k]) and edges[k - 1] == edges[k]:
        k -= 1
    return line.logical_index[k]


def visual_x_of_offset(line: VisualLine, offset: int) -> int | None:
    """Column (within the unpadded text) where the glyph for a logical offset is drawn (a
    mark: its base's column; the alef of a lam-alef: the ligature's), or None when this
    line does not draw it (whitespace the wrap consumed, invisible characters)."""
    for k, o in enumerate(line.logical_index):
        if o == offset:
            return _cell_edges(line)[k]
    for k, o in line.extra_index:
        if o == offset:
            return _cell_edges(line)[k]
    return None


def covered_offsets(line: VisualLine) -> list[int]:
    """Every logical offset drawn on the line, counting a ligature as both its letters."""
    return list(line.logical_index) + [o for _, o in line.extra_index]
