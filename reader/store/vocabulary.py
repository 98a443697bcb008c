"""Vocabulary: the words a reader saves (with the sentence they came from), the lemmas they
know, how frequent a word is in Arabic, and how hard an article is for this reader.

Why by lemma: Arabic glues clitics to words and inflects richly, so والكتاب، الكتب and
كتابهم are three strings but one word (كِتاب). Marking a word known marks its *lemma*
(`reader.text.morphology`), so every inflected form of it counts as known, in the underline of
unknown words, in the difficulty of articles and in `qari words`.

Frequency comes from wordfreq (its Arabic list ships in the wheel: no download), loaded on
first use (~0.3 s), never at start-up. wordfreq ranks *written forms*; a word's rank here is
the best of its form's rank and, where the lexicon analyses it, the ranks of its lemma's
citation form and of its stem without clitics (so والكتاب ranks like كتاب). Only the
`RANK_LIMIT` most frequent forms are kept (a few MB instead of wordfreq's whole list); a
rarer word has no rank.

Difficulty of an article = the share of its distinct lemmas (best reading of each distinct
form; forms the lexicon does not know, mostly names, count as their own lemma) that are
neither known nor frequent (any of their forms within the `common_words` most frequent,
`reader.config`). What depends only on the text (the lemma count and the rare lemmas, each
with every lemma its forms may have) is an `ArticleProfile`, stored in the library beside the
article, so listing a library needs neither the lexicon nor wordfreq; the known lemmas are
applied when the difficulty is asked for. Each distinct form is analysed once per process
(`form_info`, cached), so a 2 MB article costs one pass over its words plus one analysis per
distinct form (`tests/benchmarks/bench_vocabulary.py`), through the lexicon's cheap
`lemma_readings` (in a few ties, about 1 form in 1,000, the lemma counted is not the one
`qari lookup` lists first; known-ness checks every lemma of a form anyway).

Saved words and known lemmas live in the library's sqlite (`reader.store.library`, schema step 2)
and go through its transactions and fallbacks (`Vocabulary` uses the library's `_read` and
`_write`: one file, one lock, one way of failing). No Textual here.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.text.morphology import ARABIC_WORD_PATTERN as _ARABIC_WORD_PATTERN
from reader.text.morphology import lexicon_key, word_spans

if TYPE_CHECKING:
    from reader.store.library import Library
    from reader.text.morphology import Analysis

RANK_LIMIT = 50_000  # = reader.config.COMMON_WORDS_MAX
"""How many of wordfreq's most frequent Arabic forms are kept (and the largest `common_words`)."""
PROFILE_VERSION = "1"
"""Bumped when the way a profile is computed changes, so stored profiles are recomputed."""
STATES = ("learning", "known")
WORDLIST_MAX_BYTES = 16 * 1024 * 1024
"""A list of known words bigger than this is refused (a large learner's list is < 1 MB)."""
CONTEXT_MAX = 1000
"""A saved sentence longer than this (a run-on paragraph) is cut, around the word."""
NAME_PREFIX = "="
"""Lemma key of a form the lexicon does not know (a name): `=` + its lexicon key."""


class VocabularyError(Exception):
    """Bad input (a word list that is not text, too big); the message is one line."""


# --- frequency -----------------------------------------------------------------------------------

_rank_lock = threading.Lock()
_ranks: dict[str, int] | None = None


def frequency_ranks() -> dict[str, int]:
    """{lexicon key: rank} of wordfreq's `RANK_LIMIT` most frequent Arabic forms (1 = most
    frequent; forms differing only in tashkeel share the better rank). Loaded once per process,
    thread-safe; wordfreq's own caches (its whole list) are dropped afterwards."""
    global _ranks
    if _ranks is not None:
        return _ranks
    with _rank_lock:
        if _ranks is None:
            import wordfreq

            ranks: dict[str, int] = {}
            for rank, word in enumerate(wordfreq.top_n_list("ar", RANK_LIMIT), 1):
                ranks.setdefault(lexicon_key(word), rank)
            for name in ("get_frequency_list", "get_frequency_dict", "top_n_list"):
                clear = getattr(getattr(wordfreq, name, None), "cache_clear", None)
                if clear is not None:
                    clear()
            _ranks = ranks
    return _ranks


def form_rank(word: str) -> int | None:
    """wordfreq's rank of this written form among Arabic words (tashkeel ignored), or None
    when it is not among the `RANK_LIMIT` most frequent."""
    return frequency_ranks().get(lexicon_key(word))


@dataclass(frozen=True, slots=True)
class FormInfo:
    """What the vocabulary needs to know of one distinct written form."""

    lemma: str
    """Key of its lemma: the lemma id of its best reading, or `=` + the form for names."""
    lemmas: frozenset[str]
    """Every lemma any reading of the form may have (it is known if any of them is)."""
    rank: int | None
    """Best rank of the form, its lemma's citation form and its stem (None: rarer than all)."""


_info_lock = threading.Lock()
_infos: dict[str, FormInfo] = {}
_INFO_MAX = 500_000


def form_info(word: str) -> FormInfo:
    """The lemma(s) and rank of an Arabic `word`, from the lexicon and wordfreq (loaded on
    first use), cached per lexicon key for the process."""
    key = lexicon_key(word)
    info = _infos.get(key)
    if info is None:
        info = _form_infos([key])[key]
    return info


def _form_infos(keys: Iterable[str]) -> dict[str, FormInfo]:
    """FormInfo of each lexicon key (all new to the cache), then cached in one step."""
    from reader.text.morphology import lemma_reader

    ranks = frequency_ranks()
    read = lemma_reader()
    rank_of = ranks.get
    out: dict[str, FormInfo] = {}
    for key in keys:
        readings = read(key)
        best = rank_of(key)
        if readings:
            lemma = readings[0][0]
            lemmas = frozenset([r[0] for r in readings])
            for _lemma_id, lemma_key_, stem_key, _affixes in readings:
                for candidate in (rank_of(lemma_key_), rank_of(stem_key)):
                    if candidate is not None and (best is None or candidate < best):
                        best = candidate
        else:
            lemma = NAME_PREFIX + key
            lemmas = frozenset((lemma,))
        out[key] = FormInfo(lemma, lemmas, best)
    with _info_lock:
        if len(_infos) + len(out) > _INFO_MAX:
            _infos.clear()
        _infos.update(out)
    return out


def lemma_key(word: str, analysis: Analysis | None = None) -> tuple[str, str]:
    """(key, lemma as shown) of the word's lemma: the given analysis's, else the best reading
    of `word` (its tashkeel narrows the readings, as in `qari lookup`), else `=`+form."""
    if analysis is None:
        from reader.text.morphology import lookup_word

        result = lookup_word(word)
        if result.found:
            analysis = result.analyses[0]
        else:
            return NAME_PREFIX + lexicon_key(result.word), result.word
    return analysis.lemma_id, analysis.lemma


# --- articles ------------------------------------------------------------------------------------

_ARABIC_START = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_ARABIC_WORD = re.compile(_ARABIC_WORD_PATTERN)
"""The Arabic words of `reader.text.morphology.word_spans`, alone: the other kinds of word there
(numbers, Latin) never contain an Arabic letter, so `findall` gives the same Arabic words
without a Python step per word (`tests/test_vocabulary.py` checks it)."""


def arabic_words(text: str) -> Iterable[tuple[int, int]]:
    """Spans of the Arabic words of `text` (as the word cursor steps through them)."""
    for start, end in word_spans(text):
        if _ARABIC_START.match(text, start):
            yield start, end


@dataclass(frozen=True)
class ArticleProfile:
    """What an article's difficulty needs, independent of what the reader knows."""

    lemmas: int
    """Distinct lemmas in the article."""
    rare: dict[str, frozenset[str]]
    """Lemmas none of whose forms is frequent: key -> every lemma its forms may have."""
    common_words: int
    """The frequency threshold it was computed with."""

    def difficulty(self, known: frozenset[str] | set[str]) -> float:
        """Share of the distinct lemmas that are neither known nor frequent, 0..1."""
        if not self.lemmas:
            return 0.0
        unknown = sum(1 for lemmas in self.rare.values() if lemmas.isdisjoint(known))
        return unknown / self.lemmas

    def to_json(self) -> str:
        return json.dumps({"v": PROFILE_VERSION, "n": self.common_words, "lemmas": self.lemmas,
                           "rare": {k: sorted(v) for k, v in self.rare.items()}}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, common_words: int) -> ArticleProfile | None:
        """The stored profile, or None when it is stale (other threshold or version) or broken."""
        try:
            data = json.loads(text)
            if data.get("v") != PROFILE_VERSION or data.get("n") != common_words:
                return None
            return cls(int(data["lemmas"]), {k: frozenset(v) for k, v in data["rare"].items()}, common_words)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


def article_profile(text: str, common_words: int) -> ArticleProfile:
    """Count the distinct lemmas of `text` and find the rare ones (loads the lexicon and
    wordfreq on first use). One pass over the words; each distinct form analysed once."""
    keys = {lexicon_key(form) for form in set(_ARABIC_WORD.findall(text))}
    infos = {key: info for key in keys if (info := _infos.get(key)) is not None}
    missing = [key for key in keys if key not in infos]
    if missing:
        infos.update(_form_infos(missing))
    frequent: set[str] = set()
    rarely: dict[str, list[frozenset[str]]] = {}
    for info in infos.values():
        rank = info.rank
        if rank is not None and rank <= common_words:
            frequent.add(info.lemma)
        else:
            rarely.setdefault(info.lemma, []).append(info.lemmas)
    rare = {lemma: frozenset().union(*sets) for lemma, sets in rarely.items() if lemma not in frequent}
    lemmas = len(frequent) + sum(1 for lemma in rarely if lemma not in frequent)
    return ArticleProfile(lemmas, rare, common_words)


def unknown_spans(sentences: Sequence[str], known: frozenset[str] | set[str], common_words: int) -> dict[int, list[tuple[int, int]]]:
    """{sentence index: [(start, end)]} of the Arabic words that are neither known (by any of
    their lemmas) nor among the `common_words` most frequent: what the reader underlines."""
    out: dict[int, list[tuple[int, int]]] = {}
    for index, sentence in enumerate(sentences):
        spans = []
        for start, end in arabic_words(sentence):
            info = form_info(sentence[start:end])
            if (info.rank is None or info.rank > common_words) and info.lemmas.isdisjoint(known):
                spans.append((start, end))
        if spans:
            out[index] = spans
    return out


# --- saved words ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class SavedWord:
    """A word the reader saved, with the reading they chose and the sentence it came from."""

    id: int
    word: str
    lemma_id: str
    lemma: str
    vocalised: str
    pos: str
    gloss: str
    context: str
    context_en: str | None
    article_id: str | None
    title: str
    source: str
    sentence: int | None
    added: float
    lookups: int
    state: str

    def to_json(self) -> dict:
        return {
            "word": self.word, "lemma": self.lemma, "lemma_id": self.lemma_id, "vocalised": self.vocalised,
            "pos": self.pos, "gloss": self.gloss, "context": self.context, "context_en": self.context_en,
            "article": self.article_id, "title": self.title, "source": self.source, "sentence": self.sentence,
            "added": self.added, "lookups": self.lookups, "state": self.state,
        }

    @property
    def note_key(self) -> str:
        """What identifies this word across exports (Anki note guid): lemma id and form."""
        return f"{self.lemma_id}\t{lexicon_key(self.word)}"


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None, limit: int = CONTEXT_MAX) -> str:
    """One line of text fit to store and show: controls and bidi overrides gone, space
    collapsed, at most `limit` characters."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:limit]


def _context_around(sentence: str, start: int, end: int) -> str:
    """The sentence, or CONTEXT_MAX characters of it around the word when it is longer."""
    if len(sentence) <= CONTEXT_MAX:
        return sentence
    begin = max(0, min(start - CONTEXT_MAX // 2, len(sentence) - CONTEXT_MAX))
    return sentence[begin:begin + CONTEXT_MAX]


_WORD_COLUMNS = ("id, form, lemma_id, lemma, vocalised, pos, gloss, context, context_en, article_id, title,"
                 " source, sentence, added, lookups,"
                 " CASE WHEN EXISTS (SELECT 1 FROM known_lemmas k WHERE k.lemma_id = words.lemma_id)"
                 " THEN 'known' ELSE 'learning' END")


class Vocabulary:
    """Saved words, known lemmas and article profiles, in a `reader.store.library.Library`."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- saved words ------------------------------------------------------------------------

    def add(self, word: str, analysis: Analysis, *, sentence: str = "", sentence_en: str | None = None,
            article_id: str | None = None, title: str = "", source: str = "", number: int | None = None,
            span: tuple[int, int] | None = None, now: float | None = None) -> SavedWord | None:
        """Save `word` with the chosen `analysis` and its sentence. Saving the same form with
        the same lemma again keeps the first sentence (filling in its English if it had none);
        look-ups are counted by `count_lookup`. Returns the saved word (None if the library failed)."""
        form = clean(word, 100)
        if not form:
            return None
        stamp = time.time() if now is None else now
        context = clean(_context_around(sentence, *span) if span else sentence)
        gloss = clean("; ".join(analysis.glosses), 300)
        values = (form, lexicon_key(form), analysis.lemma_id, analysis.lemma, analysis.vocalised, analysis.pos,
                  gloss, context, clean(sentence_en) or None, article_id, clean(title, 300), clean(source, 500),
                  number, stamp)

        def run(conn) -> None:
            conn.execute(
                "INSERT INTO words (form, form_key, lemma_id, lemma, vocalised, pos, gloss, context, context_en,"
                " article_id, title, source, sentence, added, lookups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (form_key, lemma_id) DO UPDATE SET"
                " context_en = coalesce(context_en, excluded.context_en)",
                values,
            )

        if not self.library._write(run, "save the word"):
            return None
        found = self.words(form_key=lexicon_key(form), lemma_id=analysis.lemma_id)
        return found[0] if found else None

    def count_lookup(self, word: str) -> int:
        """A look-up of `word` in the reader: one more look-up for each saved word of that
        form. Returns how many saved words it touched."""
        touched = [0]

        def run(conn) -> None:
            touched[0] = conn.execute("UPDATE words SET lookups = lookups + 1 WHERE form_key = ?",
                                      (lexicon_key(word),)).rowcount

        self.library._write(run, "count the look-up")
        return touched[0]

    def words(self, *, state: str | None = None, article_id: str | None = None, form_key: str | None = None,
              lemma_id: str | None = None) -> list[SavedWord]:
        """Saved words, oldest first, optionally only one state, one article, one form/lemma."""
        where, params = [], []
        if article_id is not None:
            where.append("article_id = ?")
            params.append(article_id)
        if form_key is not None:
            where.append("form_key = ?")
            params.append(form_key)
        if lemma_id is not None:
            where.append("lemma_id = ?")
            params.append(lemma_id)
        if state in STATES:
            where.append(("" if state == "known" else "NOT ")
                         + "EXISTS (SELECT 1 FROM known_lemmas k WHERE k.lemma_id = words.lemma_id)")
        sql = f"SELECT {_WORD_COLUMNS} FROM words" + (" WHERE " + " AND ".join(where) if where else "")
        rows: list = self.library._read(lambda conn: conn.execute(sql + " ORDER BY added, id", params).fetchall(), [])
        return [SavedWord(*row) for row in rows]

    def remove(self, word_id: int) -> bool:
        removed = [False]

        def run(conn) -> None:
            removed[0] = conn.execute("DELETE FROM words WHERE id = ?", (int(word_id),)).rowcount > 0

        self.library._write(run, "remove the word")
        return removed[0]

    # -- known lemmas -----------------------------------------------------------------------

    def known(self) -> frozenset[str]:
        """Keys of the known lemmas."""
        rows: list = self.library._read(lambda conn: conn.execute("SELECT lemma_id FROM known_lemmas").fetchall(), [])
        return frozenset(r[0] for r in rows)

    def set_known(self, lemmas: Iterable[tuple[str, str]], known: bool = True, *, now: float | None = None) -> bool:
        """Mark (key, lemma shown) pairs known (or no longer known), in one transaction."""
        pairs = list(dict.fromkeys((k, clean(shown, 100)) for k, shown in lemmas if k))
        stamp = time.time() if now is None else now

        def run(conn) -> None:
            if known:
                conn.executemany("INSERT INTO known_lemmas (lemma_id, lemma, added) VALUES (?, ?, ?)"
                                 " ON CONFLICT (lemma_id) DO NOTHING", [(k, s, stamp) for k, s in pairs])
            else:
                conn.executemany("DELETE FROM known_lemmas WHERE lemma_id = ?", [(k,) for k, _ in pairs])

        return self.library._write(run, "save the known words")

    def is_known(self, word: str) -> bool:
        """Whether any lemma `word` may have is known (every form of a known lemma is)."""
        known = self.known()
        return not form_info(word).lemmas.isdisjoint(known)

    # -- article profiles -------------------------------------------------------------------

    def stored_profiles(self, article_ids: Sequence[str], common_words: int) -> dict[str, ArticleProfile]:
        """The up-to-date stored profiles of these articles (missing or stale ones left out)."""
        out: dict[str, ArticleProfile] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            rows: list = self.library._read(lambda conn: conn.execute(  # called at once, in this iteration
                f"SELECT article_id, profile FROM article_profiles WHERE article_id IN ({marks})", chunk).fetchall(), [])
            for article_id, text in rows:
                profile = ArticleProfile.from_json(text, common_words)
                if profile is not None:
                    out[article_id] = profile
        return out

    def profile(self, article_id: str, common_words: int, text: str | None = None) -> ArticleProfile | None:
        """The article's profile: stored, or computed (lexicon and wordfreq) and stored."""
        stored = self.stored_profiles([article_id], common_words).get(article_id)
        if stored is not None:
            return stored
        if text is None:
            entry = self.library.get(article_id)
            if entry is None or entry.text is None:
                return None
            text = entry.text
        profile = article_profile(text, common_words)

        def run(conn) -> None:
            conn.execute("INSERT INTO article_profiles (article_id, profile) VALUES (?, ?)"
                         " ON CONFLICT (article_id) DO UPDATE SET profile = excluded.profile",
                         (article_id, profile.to_json()))

        self.library._write(run, "save the article's difficulty")
        return profile

    def difficulties(self, article_ids: Sequence[str], common_words: int, *, compute: bool = True) -> dict[str, float]:
        """{article id: difficulty 0..1}; without `compute`, only articles with a stored profile."""
        known = self.known()
        profiles = self.stored_profiles(article_ids, common_words)
        if compute:
            for article_id in article_ids:
                if article_id not in profiles:
                    profile = self.profile(article_id, common_words)
                    if profile is not None:
                        profiles[article_id] = profile
        return {a: p.difficulty(known) for a, p in profiles.items()}


# --- importing a word list -------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    words: int
    lemmas: int
    skipped: int


def _too_big(name: str, size: int | None = None) -> str:
    limit = WORDLIST_MAX_BYTES / (1024 * 1024)
    what = f"{size / (1024 * 1024):.1f} MB" if size is not None else f"more than {limit:g} MB"
    return f"{name}: {what}; a word list may have at most {limit:g} MB"


def read_word_list(data: bytes, name: str = "word list") -> list[str]:
    """The words of a plain list, one a line (the first Arabic word of each line: a line may
    carry a translation after a tab). Refuses, in one line, what is not a text list: too big,
    NUL bytes or other binary, not UTF-8."""
    if len(data) > WORDLIST_MAX_BYTES:
        raise VocabularyError(_too_big(name))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise VocabularyError(f"{name}: binary data (NUL bytes), not a list of words")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VocabularyError(f"{name}: not UTF-8 text (bad byte at offset {exc.start})") from None
    controls = sum(1 for ch in text[:65536] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    if controls > 8:
        raise VocabularyError(f"{name}: binary data (control characters), not a list of words")
    words = []
    for line in text.splitlines():
        for start, end in arabic_words(line):
            words.append(unicodedata.normalize("NFC", line[start:end]))
            break
    return words


def import_known(vocabulary: Vocabulary, path: str | Path, *, data: bytes | None = None) -> ImportResult:
    """Mark the lemmas of every word of a word list known (`qari words import FILE`)."""
    name = str(path)
    if data is None:
        target = Path(path)
        try:
            size = target.stat().st_size
            if target.is_dir():
                raise VocabularyError(f"{name}: is a directory, not a word list")
            if size > WORDLIST_MAX_BYTES:
                raise VocabularyError(_too_big(name, size))
            with target.open("rb") as handle:
                data = handle.read(WORDLIST_MAX_BYTES + 1)
        except OSError as exc:
            raise VocabularyError(f"{name}: cannot read ({exc.strerror or exc})") from None
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    words = read_word_list(data, name)
    pairs: dict[str, str] = {}
    for word in dict.fromkeys(words):
        if any(unicodedata.category(c) == "Mn" for c in word):
            key, shown = lemma_key(word)  # tashkeel chooses the reading
        else:
            info = form_info(word)
            key, shown = info.lemma, word
        pairs.setdefault(key, shown)
    if pairs and not vocabulary.set_known(pairs.items()):
        raise VocabularyError(f"{name}: could not save the known words (see the warnings)")
    return ImportResult(len(words), len(pairs), max(0, lines - len(words)))


# --- exports -------------------------------------------------------------------------------------

CSV_HEADER = ("word", "lemma", "vocalised", "pos", "gloss", "context", "context_en", "title", "source",
              "added", "lookups", "state")


def words_csv(words: Sequence[SavedWord]) -> str:
    """The words as CSV with a header row (RFC 4180 quoting, UTF-8)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for w in words:
        writer.writerow((w.word, w.lemma, w.vocalised, w.pos, w.gloss, w.context, w.context_en or "", w.title,
                         w.source, time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(w.added)), w.lookups,
                         w.state))
    return out.getvalue()


ANKI_MODEL_ID = 1_733_240_241
"""The note type's id: fixed, so every export uses the same note type in Anki."""


def _stable_id(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:6], "big") or 1


def anki_guid(word: SavedWord) -> str:
    """The note's guid: a stable hash of the lemma id and the form, so exporting again updates
    the same notes in Anki instead of adding copies."""
    import genanki

    return genanki.guid_for("qari", word.lemma_id, lexicon_key(word.word))


def _marked_sentence(word: SavedWord) -> str:
    """The sentence as HTML with the word in bold (the first occurrence), escaped."""
    from html import escape

    context = word.context or word.word
    at = context.find(word.word)
    if at < 0:
        return f"<b>{escape(word.word)}</b><br>{escape(context)}"
    return escape(context[:at]) + f"<b>{escape(word.word)}</b>" + escape(context[at + len(word.word):])


def anki_package(words: Sequence[SavedWord], deck: str = "qari"):
    """A genanki Package: one note per word. Front: the sentence with the word marked; back:
    vocalised form, lemma, gloss, the sentence's English, the source."""
    from html import escape

    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID, "qari word",
        fields=[{"name": n} for n in ("Sentence", "Word", "Vocalised", "Lemma", "Gloss", "SentenceEnglish", "Source")],
        templates=[{
            "name": "Word in its sentence",
            "qfmt": '<div dir="rtl" lang="ar" class="ar">{{Sentence}}</div>',
            "afmt": '{{FrontSide}}<hr id="answer"><div dir="rtl" lang="ar" class="ar">{{Vocalised}} · {{Lemma}}</div>'
                    "<div>{{Gloss}}</div><div><i>{{SentenceEnglish}}</i></div><div><small>{{Source}}</small></div>",
        }],
        css=".card { font-size: 20px; text-align: center; } .ar { font-size: 28px; } b { color: #c33; }",
    )
    deck_name = clean(deck, 100) or "qari"
    package_deck = genanki.Deck(_stable_id("qari deck\t" + deck_name), deck_name)
    for w in words:
        package_deck.add_note(genanki.Note(
            model=model,
            fields=[_marked_sentence(w), escape(w.word), escape(w.vocalised), escape(w.lemma), escape(w.gloss),
                    escape(w.context_en or ""), escape(w.title or w.source)],
            guid=anki_guid(w),
        ))
    return genanki.Package(package_deck)


def write_anki(words: Sequence[SavedWord], path: str | Path, *, deck: str = "qari", force: bool = False) -> Path:
    """Write an Anki package (.apkg) atomically; refuses an existing file without `force`."""
    from reader.export import write_atomic

    package = anki_package(words, deck)

    def write(handle) -> None:
        # genanki's `write_to_file` leaves its temporary collection behind in the temp dir;
        # the same steps, with the collection in a folder that is removed afterwards.
        import itertools
        import sqlite3
        import tempfile
        import zipfile

        stamp = time.time()
        with tempfile.TemporaryDirectory(prefix="qari-anki-") as folder:
            collection = Path(folder) / "collection.anki2"
            conn = sqlite3.connect(collection)
            try:
                package.write_to_db(conn.cursor(), stamp, itertools.count(int(stamp * 1000)))
                conn.commit()
            finally:
                conn.close()
            with zipfile.ZipFile(handle, "w") as archive:
                archive.write(collection, "collection.anki2")
                archive.writestr("media", "{}")

    return write_atomic(path, write, force=force)


__all__ = [
    "ArticleProfile", "FormInfo", "ImportResult", "SavedWord", "Vocabulary", "VocabularyError",
    "anki_guid", "anki_package", "article_profile", "form_info", "form_rank", "frequency_ranks",
    "import_known", "lemma_key", "read_word_list", "unknown_spans", "words_csv", "write_anki",
]
