"""The vocabulary (reader/store/vocabulary.py): known words by lemma, saved words, the library
migration that adds them, article difficulty, word-list import (hostile input too), and the
Anki / CSV exports. Real lexicon, real wordfreq data, real sqlite, real genanki packages."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from clirun import QariEnv, assert_one_line_error

from reader.store import vocabulary as V
from reader.store.library import SCHEMA_VERSION, Library, _SCHEMA_V1, article_id
from reader.text.morphology import lookup

ARTICLE = ("قال الكاتب إن الكتاب الجديد يتناول تاريخ المدينة. "
           "وأضاف أن الكتب القديمة في المكتبة تحتاج إلى ترميم عاجل.")


@pytest.fixture
def library(tmp_path: Path):
    lib = Library.open(tmp_path / "library.sqlite3")
    yield lib
    lib.close()


@pytest.fixture
def vocabulary(library) -> V.Vocabulary:
    return V.Vocabulary(library)


def best(word: str):
    return lookup(word)[0]


# --- known by lemma ------------------------------------------------------------------------------

def test_marking_one_form_known_makes_every_form_of_its_lemma_known(vocabulary):
    assert not vocabulary.is_known("والكتاب")
    assert vocabulary.set_known([V.lemma_key("الكتاب")])
    assert vocabulary.known() == {"kitAb_1"}
    for form in ("والكتاب", "كتابهم", "الكتب", "كتاب"):
        assert vocabulary.is_known(form), form
    assert not vocabulary.is_known("قال")
    vocabulary.set_known([V.lemma_key("كتابهم")], known=False)
    assert not vocabulary.is_known("الكتب")


def test_tashkeel_chooses_the_lemma_marked_known(vocabulary):
    key, lemma = V.lemma_key("كَتَبَ")
    assert key.startswith("katab")
    assert V.lemma_key("كُتُب")[0] == "kitAb_1"
    assert V.lemma_key("ترامب")[0] == "=trAmb"  # no analysis: the form is its own lemma


# --- saved words -----------------------------------------------------------------------------------

def test_a_saved_word_keeps_its_reading_sentence_and_article_and_counts_lookups(vocabulary, library):
    from reader.article import parse_text

    entry = library.record(parse_text(ARTICLE))
    analysis = [a for a in lookup("الكتاب") if a.lemma_id == "kitAb_1"][0]
    sentence = ARTICLE.split(". ")[0] + "."
    start = sentence.index("الكتاب")
    saved = vocabulary.add("الكتاب", analysis, sentence=sentence, sentence_en="the new book",
                           article_id=entry.id, title="t", source="s", number=0,
                           span=(start, start + 6), now=100.0)
    assert saved is not None
    assert (saved.word, saved.lemma, saved.vocalised, saved.state, saved.lookups) == (
        "الكتاب", analysis.lemma, analysis.vocalised, "learning", 1)
    assert saved.context == sentence and saved.context_en == "the new book" and "book" in saved.gloss
    assert vocabulary.count_lookup("الكتاب") == 1
    vocabulary.add("الكتاب", analysis, sentence="another sentence", now=200.0)  # same word: one row
    [again] = vocabulary.words()
    assert again.lookups == 2 and again.context == sentence and again.added == 100.0
    vocabulary.set_known([("kitAb_1", "كتاب")])
    assert [w.state for w in vocabulary.words()] == ["known"]
    assert vocabulary.words(state="learning") == [] and len(vocabulary.words(article_id=entry.id)) == 1
    assert set(again.to_json()) >= {"word", "lemma", "vocalised", "gloss", "context", "context_en", "source",
                                    "added", "lookups", "state"}


def test_hostile_text_is_cleaned_before_it_is_stored(vocabulary):
    saved = vocabulary.add("الكتاب\x1b[31m", best("الكتاب"), sentence="قال\x00 \u202eالكتاب\x07" + "ب" * 5000,
                           title="\x1b]0;evil\x07")
    assert saved is not None
    assert not any(ord(c) < 32 or c == "\u202e" for c in saved.word + saved.context + saved.title)
    assert len(saved.context) <= V.CONTEXT_MAX


# --- migration -------------------------------------------------------------------------------------

def test_a_version_1_library_is_migrated_and_keeps_its_articles_and_marks(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for statement in _SCHEMA_V1:
        conn.execute(statement)
    ident = article_id(ARTICLE)
    conn.execute("INSERT INTO articles (id, title, source, title_key, source_key, first_opened, opened_at, position,"
                 " sentences, translated, text) VALUES (?, 'old', 'old.txt', 'old', 'old.txt', 1, 2, 1, 2, 0, ?)",
                 (ident, ARTICLE))
    conn.execute("INSERT INTO marks (article_id, number, note, created_at) VALUES (?, 1, 'note', 3)", (ident,))
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()

    lib = Library.open(path)
    try:
        assert lib.warnings == [] and not lib.in_memory
        assert [e.id for e in lib.recent()] == [ident] and lib.get(ident).text == ARTICLE
        assert [m.note for m in lib.marks(ident)] == ["note"]
        vocabulary = V.Vocabulary(lib)
        vocabulary.set_known([("kitAb_1", "كتاب")])
        assert vocabulary.add("الكتاب", best("الكتاب")) is not None
        assert 0 < vocabulary.difficulties([ident], 5000)[ident] <= 1
    finally:
        lib.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM words").fetchone()[0] == 1
    conn.close()


# --- difficulty ----------------------------------------------------------------------------------

def test_difficulty_with_and_without_known_words(vocabulary, library):
    from reader.article import parse_text

    profile = V.article_profile(ARTICLE, 5000)
    assert profile.lemmas > 5 and profile.rare
    unknown = profile.difficulty(frozenset())
    assert 0 < unknown < 1
    one = next(iter(profile.rare.values()))
    assert profile.difficulty(one) == pytest.approx(unknown - 1 / profile.lemmas)
    everything = frozenset().union(*profile.rare.values())
    assert profile.difficulty(everything) == 0
    # A larger threshold counts more words as frequent: never harder.
    assert V.article_profile(ARTICLE, 50_000).difficulty(frozenset()) <= unknown
    assert V.article_profile("في من على", 5000).difficulty(frozenset()) == 0  # the commonest words
    assert V.article_profile("no Arabic here", 5000).difficulty(frozenset()) == 0

    entry = library.record(parse_text(ARTICLE))
    assert vocabulary.difficulties([entry.id], 5000, compute=False) == {}
    assert vocabulary.difficulties([entry.id], 5000)[entry.id] == pytest.approx(unknown)
    assert vocabulary.difficulties([entry.id], 5000, compute=False)[entry.id] == pytest.approx(unknown)  # stored
    assert vocabulary.difficulties([entry.id], 1000, compute=False) == {}  # stale for another threshold
    vocabulary.set_known([(k, "") for k in one])
    assert vocabulary.difficulties([entry.id], 5000)[entry.id] < unknown


def test_underlined_words_are_neither_known_nor_frequent():
    sentences = ["قال الكاتب إن الكتاب الجديد يتناول تاريخ المدينة", "ترميم عاجل"]
    spans = V.unknown_spans(sentences, frozenset(), 5000)
    words = {sentences[i][s:e] for i, found in spans.items() for s, e in found}
    assert "قال" not in words and "إن" not in words  # among the most frequent
    assert "ترميم" in words
    info = V.form_info("ترميم")
    assert V.unknown_spans(sentences, info.lemmas, 5000).get(1, []) != spans[1]


def test_frequency_ranks_by_form_and_by_lemma():
    assert V.form_rank("في") == 1
    assert V.form_rank("الْكِتَاب") == V.form_rank("الكتاب")  # tashkeel ignored
    assert V.form_rank("zzzz") is None
    # والكتاب is rarer as a form than its lemma كتاب: the lemma's rank counts.
    assert V.form_info("والكتاب").rank <= V.form_rank("كتاب") < V.form_rank("والكتاب")


# --- word lists ----------------------------------------------------------------------------------

def test_a_word_list_marks_its_lemmas_known(vocabulary, tmp_path):
    path = tmp_path / "known.txt"
    path.write_text("\ufeffكتاب\tbook\nhello\n\nيقول\n", encoding="utf-8")
    result = V.import_known(vocabulary, path)
    assert (result.words, result.lemmas, result.skipped) == (2, 2, 2)
    assert vocabulary.is_known("الكتب") and vocabulary.is_known("قالت")


@pytest.mark.parametrize("data, phrase", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    (b"\xff\xfe\x00\x00garbage\xc3\x28", "binary"),
    (b"\xd9\x83\xd8\xaa\xd8\xa7\xd8\xa8\n\xc3\x28\n", "not UTF-8"),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f\x10", "control characters"),
])
def test_binary_junk_is_refused_in_one_line(vocabulary, data, phrase):
    with pytest.raises(V.VocabularyError, match=phrase) as error:
        V.import_known(vocabulary, "list.txt", data=data)
    assert "\n" not in str(error.value)
    assert vocabulary.known() == frozenset()


def test_huge_lists_are_bounded_and_large_ones_handled(vocabulary, tmp_path, monkeypatch):
    monkeypatch.setattr(V, "WORDLIST_MAX_BYTES", 4096)
    big = tmp_path / "big.txt"
    big.write_bytes(b"\xd9\x83\n" * 3000)
    with pytest.raises(V.VocabularyError, match="a word list may have at most"):
        V.import_known(vocabulary, big)
    with pytest.raises(V.VocabularyError, match="more than 0.00390625 MB"):
        V.import_known(vocabulary, "-", data=b"a" * 5000)
    monkeypatch.undo()
    # 200,000 lines of 2,000 distinct words: one transaction, each distinct word analysed once.
    import wordfreq

    from reader.text.morphology import word_kind

    common = [w for w in wordfreq.top_n_list("ar", 2100) if word_kind(w) == "arabic"][:2000]
    many = tmp_path / "many.txt"
    many.write_text("\n".join(common[i % 2000] for i in range(200_000)), encoding="utf-8")
    result = V.import_known(vocabulary, many)
    assert result.words == 200_000 and result.skipped == 0 and 0 < result.lemmas <= 2000
    assert len(vocabulary.known()) == result.lemmas


def test_cli_refuses_a_binary_word_list_in_one_line(tmp_path):
    env = QariEnv.create(tmp_path)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    assert_one_line_error(env.run("words", "import", junk), 1, "junk.bin", "binary")
    assert_one_line_error(env.run("words", "import", tmp_path), 1, "directory")
    assert_one_line_error(env.run("words", "known", "hello"), 2, "not an Arabic word")


# --- exports -------------------------------------------------------------------------------------

def anki_notes(path: Path, tmp_path: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(path) as archive:
        folder = tmp_path / f"unzipped-{path.stem}"
        archive.extract("collection.anki2", folder)
    conn = sqlite3.connect(folder / "collection.anki2")
    try:
        return conn.execute("SELECT guid, flds FROM notes ORDER BY id").fetchall()
    finally:
        conn.close()


def test_anki_notes_keep_their_ids_across_exports(vocabulary, tmp_path):
    vocabulary.add("الكتاب", best("الكتاب"), sentence="قرأت الكتاب أمس", sentence_en="I read the book <b>")
    first = V.write_anki(vocabulary.words(), tmp_path / "one.apkg", deck="Arabic")
    vocabulary.add("المدينة", best("المدينة"), sentence="في المدينة")
    second = V.write_anki(vocabulary.words(), tmp_path / "two.apkg", deck="Arabic")
    one, two = anki_notes(first, tmp_path), anki_notes(second, tmp_path)
    assert len(one) == 1 and len(two) == 2
    assert one[0][0] == two[0][0] and two[0][0] != two[1][0]
    fields = one[0][1].split("\x1f")
    assert fields[0] == "قرأت <b>الكتاب</b> أمس" and "book" in fields[4]
    assert fields[5] == "I read the book &lt;b&gt;"  # escaped: the sentence is shown as text
    from reader.export import ExportExists

    with pytest.raises(ExportExists, match="already exists"):
        V.write_anki(vocabulary.words(), first)
    assert anki_notes(V.write_anki(vocabulary.words(), first, force=True), tmp_path)[0][0] == one[0][0]
    assert not list(tmp_path.glob(".*.tmp"))


def test_csv_has_a_header_and_one_row_per_word(vocabulary):
    vocabulary.add("الكتاب", best("الكتاب"), sentence="قرأت، \"الكتاب\" أمس")
    rows = V.words_csv(vocabulary.words()).splitlines()
    assert rows[0] == ",".join(V.CSV_HEADER) and len(rows) == 2
    import csv

    [row] = list(csv.DictReader(V.words_csv(vocabulary.words()).splitlines()[0:2]))
    assert row["word"] == "الكتاب" and row["context"] == "قرأت، \"الكتاب\" أمس" and row["state"] == "learning"


def test_the_fast_paths_agree_with_the_word_cursor_and_the_full_analysis():
    from reader.article import sample_article_path
    from reader.text.morphology import lemma_readings, lexicon_key, load_lexicon

    text = sample_article_path().read_text(encoding="utf-8") + " abcكتب ٣الكتاب e\u0301الكتب"
    assert V._ARABIC_WORD.findall(text) == [text[s:e] for s, e in V.arabic_words(text)]
    analyser = load_lexicon()
    for word in set(V._ARABIC_WORD.findall(text)):
        key = lexicon_key(word)
        readings = lemma_readings(key)
        assert {r[0] for r in readings} == {a.lemma_id for a in analyser.analyse(key)}, word
        assert [r[3] for r in readings] == sorted(r[3] for r in readings)
