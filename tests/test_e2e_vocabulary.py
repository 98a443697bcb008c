"""End to end: save a word in the reader (tmux), then list and export it from the command line.

`j j w w Enter a Esc q` on the sample in a real terminal: the word under the word cursor is
saved with the reading shown; `qari words --json` then has exactly that word, with its lemma,
an English gloss and its sentence; the Anki and CSV exports hold it; and `qari library --json`
gives the article a difficulty. HOME and the XDG dirs are temporary (no model installed).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from screen import Terminal, qari_command, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.tmux]


def run_qari(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(qari_command(*args), env=env, capture_output=True, text=True, timeout=120, cwd=cwd)


def test_save_a_word_in_the_reader_then_list_and_export_it(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from reader.article import load_article, sample_article_path
    from reader.text.morphology import word_spans

    env = terminal_env(tmp_path)
    term = Terminal(env, 120, 40, f"qari-vocab-{os.getpid()}-{tmp_path.name}")
    try:
        term.start(qari_command())
        term.wait_for(lambda s: "Arabic ·" in s.plain and "? Help" in s.plain, timeout=60)
        term.keys("j", "j")
        term.wait_for(lambda s: "Arabic · 4/" in s.plain)
        term.keys("w", "w", "Enter")
        term.wait_for(lambda s: "Esc to close" in s.plain and "a save" in s.plain, timeout=60)
        term.keys("a")
        term.wait_for(lambda s: "Saved" in s.plain and "to your words" in s.plain)
        term.keys("Escape")
        term.wait_for(lambda s: "Esc to close" not in s.plain)
        term.keys("q")
        final = term.wait_for(lambda s: "QARI_EXIT=" in s.plain)
        assert "QARI_EXIT=0" in final.plain
    finally:
        term.close()

    article = load_article(str(sample_article_path()))
    sentence = article.sentences[article.headline_sentence() + 2].text
    start, end = word_spans(sentence)[1]
    expected = sentence[start:end]

    listed = run_qari(env, "words", "--json")
    assert listed.returncode == 0, listed.stderr
    words = json.loads(listed.stdout)
    assert [w["word"] for w in words] == [expected]
    word = words[0]
    assert word["lemma"] and word["vocalised"] and word["gloss"].strip()
    assert word["context"] == " ".join(sentence.split()) and expected in word["context"]
    assert word["state"] == "learning" and word["lookups"] == 1
    assert word["source"] and set(word) >= {"word", "lemma", "vocalised", "gloss", "context", "context_en",
                                            "source", "added", "lookups", "state"}

    exported = run_qari(env, "words", "export", "--anki", "deck.apkg", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(tmp_path / "deck.apkg") as archive:
        archive.extract("collection.anki2", tmp_path / "unzipped")
    conn = sqlite3.connect(tmp_path / "unzipped" / "collection.anki2")
    notes = conn.execute("SELECT flds FROM notes").fetchall()
    conn.close()
    assert len(notes) == 1
    fields = notes[0][0].split("\x1f")
    assert f"<b>{expected}</b>" in fields[0] and word["gloss"].split(";")[0] in fields[4]

    csv_out = run_qari(env, "words", "export", "--csv", "words.csv", cwd=tmp_path)
    assert csv_out.returncode == 0, csv_out.stderr
    rows = (tmp_path / "words.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and rows[0].startswith("word,lemma,vocalised") and rows[1].startswith(expected + ",")

    library = run_qari(env, "library", "--json")
    assert library.returncode == 0, library.stderr
    entries = json.loads(library.stdout)
    assert entries and all(isinstance(e["difficulty"], float) and 0 <= e["difficulty"] <= 1 for e in entries)
