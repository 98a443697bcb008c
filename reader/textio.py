"""Bytes to text: the one decoder for article files, stdin and web pages.

Two promises hold for every input:

* **Mostly one encoding is read as that encoding.** A file that is valid UTF-8 except for a few
  bytes is read as UTF-8 with U+FFFD for those bytes, never as a code page that turns every
  letter into mojibake. Between the encodings Arabic news comes in (UTF-8, UTF-16 with or
  without a byte-order mark, Windows-1256, ISO-8859-6) the reading that gives well-formed
  Arabic words wins: a code page read with the wrong table leaves bytes it cannot map, Latin
  letters glued to Arabic ones, symbols between letters, or tanween in the middle of words.
* **Nothing is replaced silently.** Bytes that the chosen encoding cannot map become U+FFFD
  and the result carries a one-line warning (how many bytes, where the first one is: byte
  offset and line). `--encoding X` takes the same path: it is decoded as X with replacement
  and a warning, instead of being refused.

:func:`decode_text` serves files and stdin; :func:`decode_page` serves HTML (byte-order mark,
the server's charset, the ``<meta>`` charset; the reading that gives Arabic wins over a
declaration, since servers often send a default ``iso-8859-1`` for windows-1256 pages). Both
return a :class:`Decoded`. This module imports only the standard library (charset-normalizer,
the last resort for non-Arabic legacy text, is imported only when reached), so loading an
article costs nothing extra at start-up.
"""

from __future__ import annotations

import codecs
import functools
import re
import threading
from dataclasses import dataclass, field

from reader.text.arabic import ARABIC_LETTER_RE
from reader.untrusted import quote_source

__all__ = ["DecodeError", "Decoded", "codec_name", "control_ratio", "decode_page", "decode_text"]

# Detection looks at this much of the input (the whole of any article); the chosen encoding
# then decodes everything.
_SAMPLE = 64 * 1024
_REPLACEMENT = "\ufffd"


class DecodeError(ValueError):
    """The bytes are not text qari can read; ``str(err)`` is one line for the user."""


@dataclass(frozen=True)
class Decoded:
    """Decoded text and what it took: the codec used and the bytes that had to be replaced.

    ``bad_bytes`` counts the input bytes shown as U+FFFD; ``first_bad`` is the byte offset of
    the first one and ``first_bad_line`` its 1-based line in the text. ``warnings`` holds the
    one-line messages a caller should show (empty when the decoding was clean).
    """

    text: str
    encoding: str
    bad_bytes: int = 0
    first_bad: int | None = None
    first_bad_line: int | None = None
    warnings: list[str] = field(default_factory=list)


# --- counting replaced bytes ------------------------------------------------------------------

_state = threading.local()


def _count_and_replace(exc: UnicodeError):
    """Codec error handler: note the bad byte span, put one U+FFFD in its place."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    spans = getattr(_state, "spans", None)
    if spans is not None:
        spans.append((exc.start, exc.end))
    return _REPLACEMENT, exc.end


codecs.register_error("qari-count", _count_and_replace)

_ESCAPED = re.compile("[\udc80-\udcff]")


def _decode(data: bytes, codec: str, *, final: bool = True) -> tuple[str, int, int | None]:
    """Decode with replacement; return the text, how many bytes were replaced by U+FFFD and
    the offset of the first one.

    With ``final=False`` an incomplete sequence at the very end is left out instead of being
    counted as bad (used on a sample cut from a longer input).
    """
    if codec.startswith(("utf-16", "utf-32")):
        return _decode_counting(data, codec, final=final)
    try:
        # Fast path (C speed even for a file full of bad bytes): in UTF-8 and the code pages a
        # bad byte is never ASCII, so surrogateescape can stand for each one.
        escaped = codecs.getincrementaldecoder(codec)(errors="surrogateescape").decode(data, final=final)
    except UnicodeDecodeError:  # a codec whose bad spans may hold ASCII bytes
        return _decode_counting(data, codec, final=final)
    at = _ESCAPED.search(escaped)
    if at is None:
        return escaped, 0, None
    bad = len(_ESCAPED.findall(escaped, at.start()))
    first = len(escaped[: at.start()].encode(codec, "surrogateescape"))
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(data, final=final)
    return text, bad, first


def _decode_counting(data: bytes, codec: str, *, final: bool) -> tuple[str, int, int | None]:
    previous = getattr(_state, "spans", None)
    spans: list[tuple[int, int]] = []
    _state.spans = spans
    try:
        text = codecs.getincrementaldecoder(codec)(errors="qari-count").decode(data, final=final)
    finally:
        _state.spans = previous
    return text, sum(end - start for start, end in spans), spans[0][0] if spans else None


# --- encoding names ---------------------------------------------------------------------------

# WHATWG encoding labels that Python spells differently (the Latin-1 family means windows-1252).
_LABELS = {
    "latin1": "cp1252", "latin-1": "cp1252", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252", "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "windows-1252": "cp1252", "x-cp1252": "cp1252",
    "windows-1256": "cp1256", "x-cp1256": "cp1256", "cp1256": "cp1256",
    "iso-8859-6": "iso8859_6", "iso8859-6": "iso8859_6", "iso_8859-6": "iso8859_6",
    "arabic": "iso8859_6", "asmo-708": "iso8859_6", "ecma-114": "iso8859_6",
    "iso-8859-6-i": "iso8859_6", "iso-8859-6-e": "iso8859_6",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-mac-arabic": "mac_arabic",
}


def codec_name(label: str | None, *, html: bool = False) -> str | None:
    """Python's codec name for an encoding label (WHATWG labels understood), or None when the
    label is unknown. With ``html=True`` a declared UTF-16/32 means UTF-8 (a ``<meta>`` cannot
    declare those, WHATWG) and Latin-1 labels mean windows-1252."""
    if not label:
        return None
    label = label.strip().strip("'\"").lower()
    name = _LABELS.get(label, label) if html else label
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):  # rot13, zlib, base64 ...
        return None
    if html and info.name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return info.name


# --- telling encodings apart ------------------------------------------------------------------

@functools.cache
def _signs() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(signs of a wrong table, definite articles, harakat): compiled on first use, since only
    a file that is not clean UTF-8 needs them (start-up stays cheap)."""
    ar = ARABIC_LETTER_RE.pattern[1:-1]  # the letter ranges, for use inside other classes
    marks = "\u064b-\u0652\u0670"
    other_letter = rf"(?:(?![{ar}])[^\W\d_])"  # a letter that is not Arabic
    odd = re.compile("|".join((
        r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]",  # control characters
        rf"[{ar}](?={other_letter})",  # an Arabic letter glued to a Latin/other letter
        rf"{other_letter}(?=[{ar}])",
        # a symbol between two letters (UTF-8 read as a code page: "ط§ظ„")
        rf"(?<=[^\W\d_])[^\x00-\x7f\w\s{marks}،؛؟«»“”‘’–—…](?=[^\W\d_])",
        rf"(?<![{ar}{marks}])[{marks}]",  # a haraka on no letter
        rf"[\u064b-\u064d](?=[{ar}])(?![\u0627\u0649])",  # tanween inside a word
        rf"[\u0629\u0649](?=[{ar}])",  # ta marbuta or alef maqsura inside a word
    )))
    # The definite article opening a word (after an optional و ف ب ك ل): the commonest pair
    # of letters in Arabic news, and a wrong code-page table turns its lam into another letter.
    article = re.compile(rf"(?<![{ar}{marks}])[\u0648\u0641\u0628\u0643\u0644]?\u0627\u0644")
    return odd, article, re.compile(f"[{marks}]")


_ASCII = bytes(range(128))


def _plausibility(text: str, bad: int) -> tuple[int, int]:
    """(score, Arabic letters) of a code-page reading: Arabic letters, harakat and definite
    articles, minus three for each replaced byte and each sign of the wrong table (_signs)."""
    odd, article, harakat = _signs()
    letters = len(ARABIC_LETTER_RE.findall(text))
    marks = len(harakat.findall(text))
    articles = len(article.findall(text))
    return letters + marks + articles - 3 * (bad + len(odd.findall(text))), letters


def _utf16_order(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 without a byte-order mark.

    Arabic in UTF-16 has 0x06 high bytes, ASCII and Latin-1 0x00, punctuation 0x20, emoji
    and other astral characters surrogates (0xD8-0xDF): one byte of each pair is almost
    always one of those, mostly zeros or 0x06, which no 8-bit text or UTF-8 gives.
    The test is statistical, so a few damaged bytes do not change the answer, and the
    sample must then decode with hardly any bad bytes.
    """
    sample = data[:4096]
    if len(sample) < 4:
        return None
    for name, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        odd = len(high.translate(None, _UTF16_HIGH))
        tolerance = max(1, len(high) // 10)
        if odd <= tolerance and (high.count(0) + high.count(6)) / len(high) > 0.4:
            if _decode(sample, name, final=False)[1] <= 2 * tolerance:
                return name
    return None


_UTF16_HIGH = bytes([0x00, 0x06, 0x20, 0xFB, 0xFE, *range(0xD8, 0xE0)])


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _from_bom(data: bytes) -> str | None:
    """The encoding a byte-order mark announces, if the bytes after it agree: a stray
    ``\\xff\\xfe`` at the start of an 8-bit or UTF-8 file is not a UTF-16 mark."""
    for bom, name in _BOMS:
        if not data.startswith(bom):
            continue
        rest = data[len(bom):]
        if name == "utf-8-sig" or not rest:
            return name
        if name == "utf-32":
            order = "utf-32-le" if bom == codecs.BOM_UTF32_LE else "utf-32-be"
            return name if not _decode(rest[:_SAMPLE], order, final=False)[1] else None
        order = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
        if _utf16_order(rest) == order:
            return name
        # Text in another script (CJK, emoji ...): the mark is trusted if the rest reads as
        # UTF-16 without a bad byte or control character and is not UTF-8 with a damaged start.
        sample = rest[:_SAMPLE]
        text, bad, _ = _decode(sample, order, final=False)
        if not bad and not control_ratio(text) and _decode(sample, "utf-8", final=False)[1]:
            return name
        return None
    return None


def _choose(data: bytes, declared: list[str], source: str, *, page: bool) -> str:
    """The codec to read ``data`` with (see the module docstring for the rules)."""
    bom = _from_bom(data)
    if bom:
        return bom
    order = _utf16_order(data)
    if order:
        return order
    sample = data[:_SAMPLE]
    if not page and sample.count(0) > 0.1 * len(sample):
        raise DecodeError(f"{quote_source(source)}: looks like a binary file, not text")
    _, bad, _ = _decode(sample, "utf-8", final=len(sample) == len(data))
    if not bad:
        return "utf-8"
    valid = len(sample.translate(None, _ASCII)) - bad  # non-ASCII bytes that form UTF-8
    if valid >= 4 * bad:  # most of it is UTF-8: a damaged UTF-8 file
        return "utf-8"
    # Weak evidence either way: the reading that gives well-formed Arabic wins. Declared
    # encodings come first so that a tie goes to the declaration.
    candidates = (["utf-8"] if valid > bad else []) + [*declared, "cp1256", "iso8859-6"]
    best: tuple[int, str] | None = None
    for codec in dict.fromkeys(candidates):
        text, bad_here, _ = _decode(sample, codec, final=len(sample) == len(data))
        score, letters = _plausibility(text, bad_here)
        if letters >= 2 and score > 0 and (best is None or score > best[0]):
            best = (score, codec)
    if best is not None:
        return best[1]
    if declared:
        return declared[0]
    if valid > bad or bad <= 3:  # more UTF-8 than not, or a stray byte in plain ASCII text
        return "utf-8"
    guess = _charset_normalizer(sample)
    if guess:
        return guess
    if page:
        return "utf-8"
    if 0 in sample or control_ratio(sample.decode("latin-1")) > 0.1:  # not text in any encoding
        raise DecodeError(f"{quote_source(source)}: looks like a binary file, not text")
    raise DecodeError(f"{quote_source(source)}: cannot tell the text encoding (try --encoding cp1256 or utf-8)")


def _charset_normalizer(sample: bytes) -> str | None:
    """charset-normalizer's guess for non-Arabic legacy text (Latin-1 and the like), if it
    reads without control characters."""
    try:
        from charset_normalizer import from_bytes

        match = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection is best effort
        return None
    if match is None:
        return None
    text = str(match)
    if text and len(_CONTROLS.findall(text)) / len(text) >= 0.05:
        return None
    return codec_name(match.encoding)


_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile("\r\n|\r|\n")


def control_ratio(text: str) -> float:
    """Share of characters that are control characters other than line breaks and tabs (text
    that is mostly those is a binary file)."""
    return len(_CONTROLS.findall(text)) / len(text) if text else 0.0


def _result(data: bytes, codec: str, source: str) -> Decoded:
    text, bad, first = _decode(data, codec)
    if codec.startswith("utf-"):
        text = text.removeprefix("\ufeff")  # a byte-order mark is not text
    if codec == "utf-8-sig":
        codec = "utf-8"
    if not bad or first is None:
        return Decoded(text, codec)
    prefix = _decode(data[:first], codec, final=False)[0]
    line = len(_LINE_BREAK.findall(prefix)) + 1
    what = f"{bad} byte that is" if bad == 1 else f"{bad} bytes that are"
    message = f"{quote_source(source)}: {what} not valid {codec} shown as {_REPLACEMENT} (the first at byte {first}, line {line})"
    return Decoded(text, codec, bad, first, line, [message])


def _explicit(label: str) -> str:
    codec = codec_name(label)
    if codec is None:
        raise DecodeError(f"unknown encoding: {label}")
    return codec


def decode_text(data: bytes, source: str = "<input>", encoding: str | None = None) -> Decoded:
    """Decode an article file or stdin: ``encoding`` when given, else detected. Bytes the
    encoding cannot map become U+FFFD with a warning. Raises :class:`DecodeError` for an
    unknown ``encoding``, a binary file, or bytes that are no text qari can tell."""
    codec = _explicit(encoding) if encoding else _choose(data, [], source, page=False)
    return _result(data, codec, source)


def decode_page(data: bytes, declared: str | None = None, encoding: str | None = None,
                source: str = "<page>") -> Decoded:
    """Decode a web page: ``encoding`` when given; else a byte-order mark; else mostly-valid
    UTF-8 (legacy Arabic pages practically never form valid UTF-8, so this also fixes pages
    that declare the wrong charset); else, of the server's charset (``declared``), the
    ``<meta>``/``<?xml?>`` charset, windows-1256 and ISO-8859-6, the reading that gives
    well-formed Arabic; else the declaration; else detection. Never raises for the bytes."""
    if encoding:
        return _result(data, _explicit(encoding), source)
    names = [codec_name(label, html=True) for label in (declared, _sniff_declared(data))]
    labels = [c for c in dict.fromkeys(names) if c and c != "utf-8"]  # UTF-8 is always tried first
    return _result(data, _choose(data, labels, source, page=True), source)


_META_CHARSET_RE = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def _sniff_declared(data: bytes) -> str | None:
    head = data[:16384]
    for pattern in (_META_CHARSET_RE, _XML_ENCODING_RE):
        m = pattern.search(head)
        if m:
            return m.group(1).decode("ascii", "replace")
    return None
