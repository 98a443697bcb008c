"""The one boundary for text that came from outside: web pages and their titles, HTTP status
lines and headers, package indexes and archives, file names, stored library entries.

Why: a terminal obeys what it is sent. A page title holding ``ESC ] 2 ; … ESC \\`` renames the
window, ``ESC ] 52 ; c ; …`` writes the clipboard, ``ESC c`` resets the terminal; C1 controls
(U+0080–U+009F) do the same on terminals that read them. None of that may reach the user's
terminal from someone else's text, so everything qari prints, notifies or uses as a title goes
through one of these functions:

* :func:`visible` — the stream guarantee: every C0 control (except the tab and newline a
  document needs), DEL and every C1 control is shown in caret notation like ``cat -v``
  (``ESC`` → ``^[``, DEL → ``^?``, U+009B → ``M-^[``), and lone surrogates (undecodable file
  names) become U+FFFD. What is left cannot start an escape sequence.
* :func:`one_line` — a field (a title, a source, a message): :func:`visible`, with line breaks
  and tabs made spaces and bidi controls kept only where balanced (:func:`balance_bidi`).
* :func:`clean_title` — a title when an ``Article`` is built: controls dropped rather than
  shown, whitespace collapsed, bidi balanced.
* :func:`quote_name` — a file name in a message, quoted the way coreutils quotes it
  (``'a b'``, ``'x'$'\\033'']2;y'``; a plain name stays bare).
* :class:`SafeStream` — ``sys.stdout``/``sys.stderr`` of the CLI (``reader.cli.main`` installs
  it), so no ``print`` can bypass :func:`visible`.

The reader's one notify path is ``QariApp.notify`` (it applies :func:`visible` and never
reads markup); ``tests/test_untrusted.py`` walks every ``print``/``notify``/``write`` call site.

Pure Python, no Textual: the CLI, the batch runner and the reader share it.
"""

from __future__ import annotations

import os
import re
from typing import IO, Any

__all__ = ["SafeStream", "balance_bidi", "clean_title", "one_line", "quote_name", "quote_source", "raw_stream",
           "rewrite_line", "visible"]

_C0_C1 = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\n\r\t\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"\s+")

# Bidi formatting characters that open a state (closed by PDF or PDI); the marks LRM, RLM and
# ALM hold no state and are harmless.
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO, closed by PDF
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI, closed by PDI
_PDF, _PDI = "\u202c", "\u2069"
_BIDI_STATE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _caret(match: re.Match) -> str:
    code = ord(match.group(0))
    if code >= 0xD800:  # a lone surrogate: a byte of a file name that is not UTF-8
        return "\ufffd"
    if code == 0x7F:
        return "^?"
    if code >= 0x80:  # C1: cat -v's "M-" and the caret of the control 0x80 below it
        return "M-^" + chr((code - 0x80) ^ 0x40)
    return "^" + chr(code ^ 0x40)


def visible(text: str, *, keep: str = "\n\t") -> str:
    """``text`` with every control character but those in ``keep`` shown in caret notation
    (and lone surrogates as U+FFFD): safe to write to a terminal."""
    if not _C0_C1.search(text):
        return text
    if not keep:
        return _C0_C1.sub(_caret, text)
    return _C0_C1.sub(lambda m: m.group(0) if m.group(0) in keep else _caret(m), text)


def balance_bidi(text: str) -> str:
    """``text`` with each bidi embedding, override or isolate kept only when it is closed in
    ``text`` and properly nested; a stray opener or closer is dropped. So a title cannot reverse
    the text that follows it on the same line (a message, a file name)."""
    if not _BIDI_STATE.search(text):
        return text
    keep: set[int] = set()
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in _EMBEDDINGS or ch in _ISOLATES:
            stack.append(i)
        elif ch == _PDF:
            if stack and text[stack[-1]] in _EMBEDDINGS:
                keep.update((stack.pop(), i))
        elif ch == _PDI:
            if any(text[j] in _ISOLATES for j in stack):
                while text[stack[-1]] not in _ISOLATES:  # embeddings left open inside: dropped
                    stack.pop()
                keep.update((stack.pop(), i))
    return "".join(ch for i, ch in enumerate(text) if i in keep or not _BIDI_STATE.match(ch))


def one_line(text: object) -> str:
    """A field for one line of a terminal or a document: line breaks and tabs become spaces,
    bidi controls stay only where balanced, other controls are shown (:func:`visible`)."""
    text = _LINE_BREAKS.sub(" ", str(text))
    return balance_bidi(visible(text, keep=""))


# Terminal escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, two-byte ESC sequences), in their
# 7-bit and 8-bit forms; what is left of a broken one goes with the control characters.
_ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"                          # CSI ... final
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC/DCS/... strings
    r"|\x1b[ -/]*[0-~]"                                          # ESC + final (two/three bytes)
)


def strip_escape_sequences(text: str) -> str:
    """``text`` without terminal escape sequences, each removed whole (not only its ESC, which
    would leave ``[31m`` or an OSC's payload behind): for content that is kept, like a feed's
    headline, where showing ``^[`` would only be noise."""
    return _ESCAPE_SEQUENCES.sub("", text)


def clean_title(text: object) -> str:
    """A title as an ``Article`` holds it: controls removed (not shown: a title is content),
    whitespace collapsed to single spaces, bidi controls balanced."""
    text = _LINE_BREAKS.sub(" ", str(text or ""))
    text = _C0_C1.sub(lambda m: "\ufffd" if ord(m.group(0)) >= 0xD800 else "", text)
    return _SPACES.sub(" ", balance_bidi(text)).strip()


# --- file names, the coreutils way (quotearg's shell-escape style) ----------------------------

_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./:,+@%=\-]")
_C_ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v"}


def _printable(ch: str) -> bool:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
        return False
    # Bidi formatting characters are invisible and reorder what follows: escaped in a name.
    return not ("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" or ch in "\u200e\u200f\u061c")


def _escaped(ch: str) -> str:
    if ch in _C_ESCAPES:
        return "\\" + _C_ESCAPES[ch]
    raw = os.fsencode(ch) if 0xD800 <= ord(ch) <= 0xDFFF else ch.encode("utf-8", "surrogateescape")
    return "".join(f"\\{byte:03o}" for byte in raw)


def quote_name(name: str | os.PathLike[str]) -> str:
    """A file name (or URL, or id) for a message, as ``ls``/``cp`` show it: bare when it holds
    only ordinary characters, else in single quotes, with each non-printable character as an
    ANSI-C escape (``'a'$'\\n''b'``). Undecodable bytes (surrogate-escaped) are shown in octal."""
    text = os.fspath(name)
    if text and all(_SHELL_SAFE.match(ch) or (ord(ch) > 0x7F and _printable(ch) and not ch.isspace())
                    for ch in text) and text[0] not in "~#":
        return text
    if all(_printable(ch) for ch in text):
        if "'" not in text:
            return f"'{text}'"
        if not re.search(r'["$`\\!]', text):
            return f'"{text}"'
        return "'" + text.replace("'", "'\\''") + "'"
    parts: list[str] = []
    run: list[str] = []
    for ch in text:
        if _printable(ch):
            run.append(ch)
            continue
        if run:
            parts.append("'" + "".join(run).replace("'", "'\\''") + "'")
            run = []
        parts.append("$'" + _escaped(ch) + "'")
    if run:
        parts.append("'" + "".join(run).replace("'", "'\\''") + "'")
    return "".join(parts)


def quote_source(source: str) -> str:
    """An article's source in a message: ``<stdin>`` as it is, a file name or URL quoted like
    coreutils (:func:`quote_name`)."""
    return source if source in ("<stdin>", "<text>") else quote_name(source)


# --- the CLI's streams ------------------------------------------------------------------------

class SafeStream:
    """A text stream that passes everything written through :func:`visible` (tabs and newlines
    kept) to the stream it wraps. :func:`rewrite_line` is the one way to send a carriage return
    (a progress line that redraws itself); ``raw`` is the wrapped stream, for a trusted writer
    that sends its own escapes (Rich's progress bar) and sanitises its text itself."""

    raw: IO[str]

    def __init__(self, raw: IO[str]) -> None:
        self.raw = raw.raw if isinstance(raw, SafeStream) else raw

    def write(self, text: str) -> int:
        self.raw.write(visible(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer, ...
        return getattr(self.raw, name)


def raw_stream(stream: IO[str]) -> IO[str]:
    """The stream under a :class:`SafeStream` (or ``stream`` itself), for a writer of its own
    escapes that sanitises its text itself."""
    return stream.raw if isinstance(stream, SafeStream) else stream


def rewrite_line(stream: IO[str], text: str, *, end: bool = False) -> None:
    """Redraw the current line of ``stream`` (``\\r`` + ``text`` made one safe line)."""
    raw = raw_stream(stream)
    raw.write("\r" + one_line(text) + ("\n" if end else ""))
    raw.flush()
