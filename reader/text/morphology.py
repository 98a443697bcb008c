"""Word lookup: the analyses of an Arabic word (vocalised form, lemma, prefixes + stem +
suffixes with their tags, part of speech, English glosses), offline.

Arabic is written without short vowels and glues clitics to words (و، ف، ب، ل، ك، ال, pronoun
suffixes), so a plain dictionary cannot answer: `للتواصل` is li + al + tawASul, and `المرشح` is
either al-muraššaḥ "the candidate" or al-muraššiḥ "the filter". A morphological analyser lists
every reading. This module is the small interface the reader, the CLI and the library use; the
analyser behind it is an adapter module (`ADAPTER`, today `reader.text.morphology_buckwalter`) that
can be swapped without touching the callers.

The lexicon takes 0.5–1 s and about 36 MB to load, so it is loaded lazily, once per
process, by the first `lookup` (or by `load_lexicon()` from a worker, which the reader calls
after its first paint); importing this module costs nothing. A lookup is then well under a
millisecond. Also here: a readable romanisation and Buckwalter transliteration for words with
no analysis, the word spans of a sentence for a word cursor, and lemma search.

(Named `morphology`, not `lookup`: a submodule `reader.lookup` would replace the library
function `reader.lookup(word)` as an attribute of the package once imported.)
"""

from __future__ import annotations

import importlib
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Protocol

from reader.background import checkpoint

ADAPTER = "reader.text.morphology_buckwalter"
"""The module that provides `load() -> Analyser`: the one place that names the lexicon."""


class LexiconUnavailable(RuntimeError):
    """The lexicon package is missing or unreadable (one line, for the user)."""


# --- data -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Morpheme:
    """One segment of a word: its vocalised Arabic form ("" for a null morpheme that only
    carries a tag, e.g. the 3rd person singular subject of a past verb) and its tag."""

    form: str
    tag: str

    @property
    def transliteration(self) -> str:
        return arabic_to_buckwalter(self.form)

    @property
    def romanised(self) -> str:
        return romanise(self.form)

    @property
    def display(self) -> str:
        """The form as it can be shown alone: a vowel-only suffix (the `a` of kataba) sits on a
        tatweel, since a bare combining mark has nothing to draw on."""
        if self.form and all(_MARKS_RE.fullmatch(c) for c in self.form):
            return "\u0640" + self.form
        return self.form


POS_LABELS = {
    "NOUN": "noun", "NOUN_PROP": "proper noun", "ADJ": "adjective", "ADV": "adverb",
    "VERB_PERFECT": "verb (perfect)", "VERB_IMPERFECT": "verb (imperfect)",
    "VERB_IMPERATIVE": "verb (imperative)", "FUNC_WORD": "function word", "PREP": "preposition",
    "CONJ": "conjunction", "PRON": "pronoun", "DEM_PRON": "demonstrative pronoun",
    "REL_PRON": "relative pronoun", "INTERROG_PART": "interrogative particle",
    "NEG_PART": "negative particle", "NUM": "number", "ABBREV": "abbreviation", "INTERJ": "interjection",
}


@dataclass(frozen=True)
class Analysis:
    """One reading of a word. `prefixes`/`stem`/`suffixes` is the segmentation; `pos` is the
    stem's tag (see `POS_LABELS`); `glosses` are the stem's English senses; the affix glosses
    ("to/for + the", "he/it <verb>") are kept apart because they are grammar, not meaning."""

    vocalised: str
    lemma: str
    lemma_id: str
    prefixes: tuple[Morpheme, ...]
    stem: Morpheme
    suffixes: tuple[Morpheme, ...]
    pos: str
    glosses: tuple[str, ...]
    prefix_gloss: str = ""
    suffix_gloss: str = ""

    @property
    def segmentation(self) -> tuple[tuple[Morpheme, ...], Morpheme, tuple[Morpheme, ...]]:
        return self.prefixes, self.stem, self.suffixes

    @property
    def pos_label(self) -> str:
        return POS_LABELS.get(self.pos, self.pos.lower().replace("_", " "))

    @property
    def transliteration(self) -> str:
        return arabic_to_buckwalter(self.vocalised)

    @property
    def lemma_transliteration(self) -> str:
        return arabic_to_buckwalter(self.lemma)

    @property
    def romanised(self) -> str:
        """The vocalised form, readable (`al-murashshaḥ`); `transliteration` is Buckwalter."""
        return romanise(self.vocalised)

    @property
    def lemma_romanised(self) -> str:
        return romanise(self.lemma)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["pos_label"] = self.pos_label
        data["transliteration"] = self.transliteration
        data["romanised"] = self.romanised
        data["lemma_romanised"] = self.lemma_romanised
        return data


@dataclass(frozen=True)
class WordLookup:
    """What qari says about one word: its kind (`arabic`, `latin`, `number`, `other`), its
    analyses (best first) and, when there are none, why and how it reads (`romanised`, and
    the exact `buckwalter` transliteration)."""

    word: str
    kind: str
    analyses: tuple[Analysis, ...] = ()
    romanised: str = ""
    buckwalter: str = ""
    note: str = ""
    diacritics_ignored: bool = False

    @property
    def found(self) -> bool:
        return bool(self.analyses)

    def to_dict(self) -> dict:
        return {
            "word": self.word, "kind": self.kind, "found": self.found,
            "analyses": [a.to_dict() for a in self.analyses],
            "romanised": self.romanised, "buckwalter": self.buckwalter, "note": self.note,
            "diacritics_ignored": self.diacritics_ignored,
        }


class Analyser(Protocol):
    name: str
    licence: str

    def analyse(self, word: str) -> list[Analysis]:
        """Every analysis of an undiacritised Buckwalter-transliterated word.

        An adapter may also offer `lemma_readings(word) -> [(lemma id, lemma key, stem key,
        affixes)]`, the same readings without building `Analysis` objects; `lemma_reader`
        uses it when present (the article-wide counts of `reader.store.vocabulary` need the speed)."""


# --- transliteration ----------------------------------------------------------------------------

_BUCKWALTER = {
    "'": "\u0621", "|": "\u0622", ">": "\u0623", "&": "\u0624", "<": "\u0625", "}": "\u0626",
    "A": "\u0627", "b": "\u0628", "p": "\u0629", "t": "\u062a", "v": "\u062b", "j": "\u062c",
    "H": "\u062d", "x": "\u062e", "d": "\u062f", "*": "\u0630", "r": "\u0631", "z": "\u0632",
    "s": "\u0633", "$": "\u0634", "S": "\u0635", "D": "\u0636", "T": "\u0637", "Z": "\u0638",
    "E": "\u0639", "g": "\u063a", "_": "\u0640", "f": "\u0641", "q": "\u0642", "k": "\u0643",
    "l": "\u0644", "m": "\u0645", "n": "\u0646", "h": "\u0647", "w": "\u0648", "Y": "\u0649",
    "y": "\u064a", "F": "\u064b", "N": "\u064c", "K": "\u064d", "a": "\u064e", "u": "\u064f",
    "i": "\u0650", "~": "\u0651", "o": "\u0652", "`": "\u0670", "{": "\u0671",
    "P": "\u067e", "J": "\u0686", "V": "\u06a4", "G": "\u06af",
}
_TO_ARABIC = str.maketrans(_BUCKWALTER)
_TO_BUCKWALTER = str.maketrans({v: k for k, v in _BUCKWALTER.items()} | {
    "\u06a9": "k", "\u06cc": "y", "\u06c1": "h",  # Persian kaf, Farsi yeh, heh goal
})


def buckwalter_to_arabic(text: str) -> str:
    return text.translate(_TO_ARABIC)


def arabic_to_buckwalter(text: str) -> str:
    """Tim Buckwalter's one-to-one ASCII transliteration (reversible; what the lexicon uses)."""
    return text.translate(_TO_BUCKWALTER)


_ROMAN = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "ḥ", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r",
    "ز": "z", "س": "s", "ش": "sh", "ص": "ṣ", "ض": "ḍ", "ط": "ṭ", "ظ": "ẓ", "ع": "ʿ", "غ": "gh",
    "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "ء": "ʾ",
    "ؤ": "ʾ", "ئ": "ʾ", "پ": "p", "چ": "ch", "ڤ": "v", "گ": "g", "ک": "k",
}
_VOWEL_MARKS = {"\u064e": "a", "\u064f": "u", "\u0650": "i", "\u064b": "an", "\u064c": "un", "\u064d": "in",
                "\u0670": "ā"}


def romanise(word: str) -> str:
    """A readable romanisation (ALA-LC-like letters, long vowels from ا و ي, short vowels only
    where the text has tashkeel): `ترامب` -> `trāmb`, `إيلون` -> `īlūn`, `مُرَشَّح` ->
    `murashshaḥ`, `يَقُول` -> `yaqūl`. What the lookup shows (the reader and `qari lookup`);
    `arabic_to_buckwalter` is the exact, reversible one, shown on demand."""
    out: list[str] = []
    prev_consonant = False  # the previous letter was a consonant with no vowel mark yet
    last_consonant: int | None = None  # where in `out` the last consonant is (shadda doubles it)
    letters = [c for c in word if c != "\u0640"]
    i = 0
    if len(letters) > 2 and letters[0] in "اٱ" and letters[1] == "ل":
        out.append("al-")
        i = 2
    while i < len(letters):
        ch = letters[i]
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        if ch in _VOWEL_MARKS:
            out.append(_VOWEL_MARKS[ch])
            prev_consonant = False
        elif ch == "\u0651":  # shadda: double the consonant before it (its vowel may come first)
            if last_consonant is not None:
                out.insert(last_consonant + 1, out[last_consonant])
                last_consonant = None
        elif ch == "\u0652":
            prev_consonant = False
        elif ch in "اى":
            if out and out[-1] == "a" and i > 0:
                out[-1] = "ā"  # fatha + alif: one long vowel
            else:
                out.append("ā" if i > 0 else "a")
            prev_consonant = False
        elif ch == "آ":
            out.append("ā")
            prev_consonant = False
        elif ch in "أإ":
            vowel = "i" if ch == "إ" else "a"
            if nxt == "ي" and ch == "إ":
                out.append("ī")
                i += 1
            elif nxt == "و" and ch == "أ":
                out.append("ū")
                i += 1
            else:
                out.append(("ʾ" if i > 0 else "") + vowel)
            prev_consonant = False
        elif ch in "وي":
            short = "u" if ch == "و" else "i"
            # After its own short vowel (damma + waw, kasra + ya) and not voweled itself: long.
            after_vowel = bool(out) and out[-1] == short and nxt not in _VOWEL_MARKS and nxt != "\u0651"
            long_vowel = after_vowel or (prev_consonant and (nxt == "" or nxt not in "اوىي") and i > 0
                                         and nxt not in _VOWEL_MARKS and nxt != "\u0651")
            if after_vowel:
                out[-1] = "ū" if ch == "و" else "ī"
            elif long_vowel:
                out.append("ū" if ch == "و" else "ī")
            else:
                last_consonant = len(out)
                out.append("w" if ch == "و" else "y")
            prev_consonant = not long_vowel
        elif ch in _ROMAN:
            if ch not in "ة":
                last_consonant = len(out)
            out.append(_ROMAN[ch])
            prev_consonant = ch not in "ة"
        elif unicodedata.category(ch).startswith("M"):
            continue
        else:
            out.append(ch)
            prev_consonant = False
        i += 1
    return "".join(out)


# --- words --------------------------------------------------------------------------------------

_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff"
_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640"
ARABIC_WORD_PATTERN = rf"[{_ARABIC_LETTERS}][{_ARABIC_LETTERS}{_ARABIC_MARKS}]*"
"""An Arabic word with its tashkeel, as `word_spans` finds it."""
_WORD_RE = re.compile(
    ARABIC_WORD_PATTERN +                                          # an Arabic word with its tashkeel
    r"|[0-9\u0660-\u0669\u06f0-\u06f9]+(?:[.,٫٬][0-9\u0660-\u0669\u06f0-\u06f9]+)*"  # a number
    r"|[^\W\d_\u0600-\u06ff]+(?:['’][^\W\d_\u0600-\u06ff]+)*"    # a Latin (or other script) word
)
_MARKS_RE = re.compile(f"[{_ARABIC_MARKS}]")


def word_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) offsets of the words of `text` in logical order: Arabic words (with their
    tashkeel), numbers (1.3, ٤٠) and Latin words; punctuation and spaces are not words. The
    reader's word cursor steps through these."""
    return [m.span() for m in _WORD_RE.finditer(text)]


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The span of the word at logical `offset` of `text` (e.g. under a mouse click, via
    reader.text.bidi.logical_offset_at), or None when the offset falls between words."""
    for start, end in word_spans(text):
        if start <= offset < end:
            return start, end
        if start > offset:
            break
    return None


def word_kind(word: str) -> str:
    """`arabic`, `number`, `latin` (any other letters) or `other` (no word at all)."""
    word = word.strip()
    match = _WORD_RE.fullmatch(word)
    if not match:
        return "other"
    if re.match(f"[{_ARABIC_LETTERS}]", word):
        return "arabic"
    if word[0].isdigit():
        return "number"
    return "latin"


def _bare(word: str) -> str:
    """The undiacritised Buckwalter key the lexicon is indexed by."""
    return arabic_to_buckwalter(_MARKS_RE.sub("", word).replace("\u0671", "\u0627"))


# --- the lexicon (lazy, cached, thread-safe) ------------------------------------------------------

_lock = threading.Lock()
_analyser: Analyser | None = None


def load_lexicon() -> Analyser:
    """The analyser, loaded on first call and cached for the process. Safe from any thread:
    the first caller loads, the others wait for it. Raises LexiconUnavailable."""
    global _analyser
    if _analyser is not None:
        return _analyser
    checkpoint()  # the reader's keys first (reader.background): loading is 0.5 s of Python
    with _lock:
        if _analyser is None:
            _analyser = importlib.import_module(ADAPTER).load()
            _cached_analyse.cache_clear()
    return _analyser


def lexicon_loaded() -> bool:
    return _analyser is not None


@lru_cache(maxsize=8192)
def _cached_analyse(bare: str) -> tuple[Analysis, ...]:
    seen: set[tuple] = set()
    out = []
    for analysis in load_lexicon().analyse(bare):
        key = (analysis.vocalised, analysis.lemma_id, analysis.pos,
               tuple(m.tag for m in analysis.prefixes + analysis.suffixes))
        if key not in seen:
            seen.add(key)
            out.append(analysis)
    return tuple(out)


# --- ranking ------------------------------------------------------------------------------------

_STOP = frozenset("a an the to of be by in on at for and or with as is are it its he she they "
                  "him her them his their from into up out one".split())
_TOKEN_RE = re.compile(r"[a-z]+")


def _english_tokens(text: str) -> set[str]:
    return {t for t in _TOKEN_RE.findall(text.lower()) if t not in _STOP and len(t) > 2}


def _agrees(gloss_word: str, context: set[str]) -> bool:
    """`candidate` agrees with `candidates`: equal, or one a prefix of the other with >= 5 letters."""
    if gloss_word in context:
        return True
    if len(gloss_word) < 5:
        return False
    return any(len(c) >= 5 and (c.startswith(gloss_word) or gloss_word.startswith(c)) for c in context)


def context_score(analysis: Analysis, context: str) -> int:
    """How many of the analysis's gloss words occur in an English `context` (e.g. the
    sentence's machine translation)."""
    words = _english_tokens(" ".join(analysis.glosses))
    tokens = _english_tokens(context)
    return sum(1 for w in words if _agrees(w, tokens))


def rank(analyses: Sequence[Analysis], context: str | None = None) -> list[Analysis]:
    """Most likely first, deterministically. The lexicon has no frequencies, so the order is:
    agreement with the English `context` when given; then the reading with fewer clitics and
    affixes (an unsegmented proper noun or a bare stem beats a chain of clitics that happens to
    fit); then lexicon order (stable sort)."""
    affixes = _affix_count
    if context:
        scores = {id(a): context_score(a, context) for a in analyses}
        return sorted(analyses, key=lambda a: (-scores[id(a)], affixes(a)))
    return sorted(analyses, key=affixes)


def compatible_with_diacritics(analysis: Analysis, word: str) -> bool:
    """Does the tashkeel written on `word` agree with the analysis's vocalised form? Letters are
    aligned one to one; a mark on a letter must be among the vocalised form's marks on that
    letter, unless the vocalised form has none there (the lexicon leaves case endings and some
    sukuns unwritten). When the letters cannot be aligned, nothing is contradicted."""
    def marks_per_letter(text: str) -> list[set[str]]:
        out: list[set[str]] = []
        for ch in text:
            if _MARKS_RE.fullmatch(ch):
                if out and ch != "\u0640":
                    out[-1].add(ch)
            else:
                out.append(set())
        return out

    given, vocalised = marks_per_letter(word), marks_per_letter(analysis.vocalised)
    if len(given) != len(vocalised):
        return True
    return all(not g or not v or g <= v for g, v in zip(given, vocalised, strict=True))


# --- the interface --------------------------------------------------------------------------------

def lookup(word: str, context: str | None = None) -> list[Analysis]:
    """Every analysis of an Arabic `word`, best first ([] for names the lexicon lacks, Latin
    words, numbers). Tashkeel in `word` narrows the readings to those it agrees with (all are
    kept if it agrees with none). `context`: optional English text to rank by (e.g. the
    sentence's translation). Loads the lexicon on first use (LexiconUnavailable if missing)."""
    return list(lookup_word(word, context).analyses)


def _analyses_of(word: str) -> tuple[Sequence[Analysis], bool]:
    """The lexicon's analyses of an Arabic word, narrowed by its tashkeel; and whether the
    tashkeel had to be ignored because it agrees with none of them."""
    analyses: Sequence[Analysis] = _cached_analyse(_bare(word))
    if analyses and _MARKS_RE.search(word.replace("\u0640", "")):
        narrowed = [a for a in analyses if compatible_with_diacritics(a, word)]
        return (narrowed, False) if narrowed else (analyses, True)
    return analyses, False


def lookup_word(word: str, context: str | None = None) -> WordLookup:
    """`lookup` plus what to say when there is no analysis: the kind of word, a note, and a
    romanisation and Buckwalter transliteration of Arabic words the lexicon does not know."""
    word = unicodedata.normalize("NFC", word.strip())
    spans = word_spans(word)
    if len(spans) == 1:  # «المرشح»، or "Musk," as pasted: the word without its punctuation
        word = word[spans[0][0]:spans[0][1]]
    kind = word_kind(word)
    if kind == "number":
        return WordLookup(word, kind, note="a number: no analysis")
    if kind == "latin":
        return WordLookup(word, kind, note="not Arabic script: no analysis")
    if kind == "other":
        return WordLookup(word, kind, note="not a word: no analysis")
    analyses, ignored = _analyses_of(word)
    analyses = rank(analyses, context)
    if analyses:
        return WordLookup(word, kind, tuple(analyses), diacritics_ignored=ignored,
                          note="the tashkeel agrees with no analysis; all are shown" if ignored else "")
    return WordLookup(word, kind, romanised=romanise(word), buckwalter=arabic_to_buckwalter(word),
                      note="no analysis (a name or a foreign word?)")


def lemma_ids(word: str) -> frozenset[str]:
    """The lexicon's lemma ids of every reading of `word` (empty when it has none)."""
    return frozenset(a.lemma_id for a in lookup(word))


def lexicon_key(word: str) -> str:
    """The key the lexicon indexes `word` by: no tashkeel, Buckwalter transliteration. Two
    spellings of a word that differ only in tashkeel have the same key."""
    return _bare(unicodedata.normalize("NFC", word))


def _affix_count(analysis: Analysis) -> int:
    return sum(1 for m in analysis.prefixes + analysis.suffixes if m.form)


def lemma_readings(key: str) -> list[tuple[str, str, str, int]]:
    """The readings of the word with lexicon key `key` (`lexicon_key(word)`), reduced to
    (lemma id, lemma key, stem key, affix count) and ranked as `lookup` ranks them without
    context (fewest affixes first, then lexicon order): the first is the lemma `lookup` puts
    first for a word written without tashkeel (but for rare ties, see the adapter). Keys are
    `lexicon_key` strings, so a caller can compare them with other words' keys without
    converting anything. Loads the lexicon on first use."""
    return lemma_reader()(key)


def lemma_reader() -> Callable[[str], list[tuple[str, str, str, int]]]:
    """`lemma_readings` as one function to call many times (no per-call set-up): several
    times cheaper than `lookup` when the adapter offers `lemma_readings`, which the
    article-wide counts of `reader.store.vocabulary` need. Loads the lexicon."""
    fast = getattr(load_lexicon(), "lemma_readings", None)
    if fast is not None:
        def read(key: str) -> list[tuple[str, str, str, int]]:
            readings = fast(key)
            if len(readings) > 1:
                readings.sort(key=_fourth)
            return readings
        return read

    def read_slowly(key: str) -> list[tuple[str, str, str, int]]:
        readings = [(a.lemma_id, lexicon_key(a.lemma), lexicon_key(a.stem.form), _affix_count(a))
                    for a in _cached_analyse(key)]
        readings.sort(key=_fourth)
        return readings
    return read_slowly


def _fourth(item: tuple) -> int:
    return item[3]


def lemma_matches(sentences: Sequence[str], word: str,
                  lemmas: frozenset[str] | None = None) -> list[tuple[int, int, int]]:
    """Every form of `word`'s lemma(s) in `sentences`: (sentence index, start, end), in order.
    `lemmas` narrows to chosen lemma ids (e.g. the one analysis the reader picked); by default
    all readings of `word` count (`المرشح` finds forms of both "candidate" and "filter").
    Each distinct token is analysed once (cached), so an article costs one pass."""
    wanted = lemma_ids(word) if lemmas is None else frozenset(lemmas)
    if not wanted:
        return []
    hits: list[tuple[int, int, int]] = []
    for index, sentence in enumerate(sentences):
        for start, end in word_spans(sentence):
            token = sentence[start:end]
            if word_kind(token) != "arabic":
                continue
            if any(a.lemma_id in wanted for a in _analyses_of(token)[0]):
                hits.append((index, start, end))
    return hits


def format_text(result: WordLookup, *, buckwalter: bool = False) -> str:
    """Readable plain text for `qari lookup` (Arabic in logical order, for pipes and files):
    a readable romanisation (`al-murashshaḥ`), and with `buckwalter` the exact Buckwalter
    transliteration beside it (`Almura$~aH`)."""
    def both(arabic: str) -> str:
        readable = romanise(arabic)
        return f"{readable} · {arabic_to_buckwalter(arabic)}" if buckwalter else readable

    lines = [result.word]
    if not result.found:
        line = f"  {result.note}"
        if result.romanised:
            line += f"; transliteration: {result.romanised} (Buckwalter: {result.buckwalter})"
        return "\n".join([*lines, line])
    if result.note:
        lines.append(f"  ({result.note})")
    for n, a in enumerate(result.analyses, 1):
        parts = " + ".join(
            f"{m.display} {both(m.form)}/{m.tag}" if m.form else f"∅/{m.tag}"
            for m in (*a.prefixes, a.stem, *a.suffixes)
        )
        lines.append(f"  {n}. {a.vocalised}  {both(a.vocalised)}  [{a.pos_label}]")
        lines.append(f"     lemma: {a.lemma} ({both(a.lemma)})")
        lines.append(f"     parts: {parts}")
        gloss = "; ".join(a.glosses) or "-"
        extra = " ".join(x for x in (f"[{a.prefix_gloss}]" if a.prefix_gloss else "",
                                     f"[{a.suffix_gloss}]" if a.suffix_gloss else "") if x)
        lines.append(f"     gloss: {gloss}" + (f"   {extra}" if extra else ""))
    return "\n".join(lines)


__all__ = [
    "ADAPTER", "Analysis", "Analyser", "LexiconUnavailable", "Morpheme", "WordLookup",
    "arabic_to_buckwalter", "buckwalter_to_arabic", "compatible_with_diacritics", "context_score",
    "format_text", "lemma_ids", "lemma_matches", "lemma_reader", "lemma_readings", "lexicon_key", "lexicon_loaded", "load_lexicon", "lookup",
    "lookup_word", "rank", "romanise", "word_at", "word_kind", "word_spans",
]
