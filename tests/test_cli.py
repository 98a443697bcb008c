"""The `qari` command line, run as a user runs it: a subprocess (`python -m reader ...`) with
its own HOME, XDG dirs and Argos packages dir. The tiny fixture model is installed once per
module with `qari models install FILE`. Every run is checked for its exit code and for the
absence of a traceback; every bad input for a one-line error."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest

from clirun import QariEnv, assert_no_traceback, assert_one_line_error, jsonl
from paths import SAMPLE
from reader.article import load_article
from reader.export import arabic_sentences_from_markdown, escape_markdown
from reader.model import looks_like_byline

ARTICLE = load_article(SAMPLE)
N_SENTENCES = len(ARTICLE.sentences)
BODY = [s for p in ARTICLE.paragraphs if not p.is_heading for s in p.sentences]


@pytest.fixture(scope="module")
def translated(with_model: QariEnv) -> list[dict]:
    """`qari translate SAMPLE` with the tiny model (jsonl), run once for the module."""
    result = with_model.run("translate", SAMPLE)
    assert result.code == 0, result
    assert_no_traceback(result)
    assert result.err == "", result
    return jsonl(result.out)


# --------------------------------------------------------------------------------------
# --version and --help
# --------------------------------------------------------------------------------------


def test_version(no_model: QariEnv) -> None:
    result = no_model.run("--version")
    assert result.code == 0, result
    assert result.out.strip() == f"qari {version('qari')}"
    assert_no_traceback(result)


HELP_CASES = {
    "qari": ([], ["summarize", "translate", "models", "config", "SOURCE", "--bidi", "--layout"]),
    "summarize": (["summarize"], ["--algorithm", "--sentences", "--ratio", "--output", "--force", "--no-translate"]),
    "translate": (["translate"], ["--format", "jsonl", "markdown", "text", "--output", "--no-cache"]),
    "models": (["models"], ["list", "available", "install", "remove", "pack"]),
    "models list": (["models", "list"], ["installed"]),
    "models available": (["models", "available"], ["--index", "--timeout"]),
    "models install": (["models", "install"], [".argosmodel", "--retries", "--keep-others"]),
    "models remove": (["models", "remove"], ["FROM", "TO"]),
    "models pack": (["models", "pack"], ["CT2_MODEL_DIR", "SENTENCEPIECE_MODEL", "--output"]),
    "config": (["config"], ["show", "init", "path"]),
    "feeds": (["feeds"], ["add", "remove", "update", "items", "import", "export"]),
}


@pytest.mark.parametrize("name", list(HELP_CASES))
def test_help_on_every_command(no_model: QariEnv, name: str) -> None:
    args, words = HELP_CASES[name]
    result = no_model.run(*args, "--help")
    assert result.code == 0, result
    assert result.err == "", result
    assert result.out.startswith("usage: qari"), result
    for word in words:
        assert word in result.out, word


def test_usage_errors_exit_2_without_traceback(no_model: QariEnv) -> None:
    for args in (["summarize", "--ratio", "0", "x"], ["summarize", "--sentences", "0", "x"],
                 ["summarize", "-n", "2", "-r", "0.5", "x"], ["translate", "--format", "xml", "x"],
                 ["translate"], ["models", "frob"], ["summarize", "--algorithm", "nope", "x"]):
        result = no_model.run(*args)
        assert result.code == 2, (args, result)
        assert_no_traceback(result)
        assert result.out == ""
        assert "error:" in result.err_lines[-1], (args, result)


# --------------------------------------------------------------------------------------
# translate
# --------------------------------------------------------------------------------------


def test_translate_jsonl_with_model_is_aligned_in_article_order(with_model: QariEnv, translated: list[dict],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    rows = translated
    assert len(rows) == N_SENTENCES
    for row, sentence in zip(rows, ARTICLE.sentences, strict=True):
        assert {"section", "paragraph", "index", "ar", "en"} <= set(row)
        assert (row["section"], row["paragraph"], row["index"]) == (
            sentence.id.section, sentence.id.paragraph, sentence.id.index)
        assert row["ar"] == sentence.text
        assert isinstance(row["en"], str) and row["en"].strip()
    # Each English is the model's translation of THAT sentence: the same engine, in this
    # process, on the sentences one by one, gives the same strings (nothing shifted).
    from argostranslate import settings as argos_settings

    from reader.translation.translate import load_translator

    monkeypatch.setattr(argos_settings, "package_data_dir", with_model.packages)
    monkeypatch.setattr(argos_settings, "package_dirs", [with_model.packages])
    engine = load_translator("ar", "en", cache=None)
    for k in (0, 5, N_SENTENCES - 1):
        assert engine.translate([ARTICLE.sentences[k].text]) == [rows[k]["en"]]


def test_translate_again_uses_the_cache_and_no_cache_gives_the_same(with_model: QariEnv,
                                                                    translated: list[dict]) -> None:
    import sqlite3

    with sqlite3.connect(with_model.cache_db) as conn:
        cached = conn.execute("SELECT count(*) FROM translations").fetchone()[0]
    assert 0 < cached <= N_SENTENCES
    again = with_model.run("translate", SAMPLE)
    fresh = with_model.run("translate", "--no-cache", SAMPLE)
    for result in (again, fresh):
        assert result.code == 0, result
        assert jsonl(result.out) == translated


def test_translate_without_model_prints_every_sentence_and_warns_once(no_model: QariEnv) -> None:
    result = no_model.run("translate", SAMPLE)
    assert result.code == 0, result
    assert_no_traceback(result)
    rows = jsonl(result.out)
    assert [r["ar"] for r in rows] == [s.text for s in ARTICLE.sentences]
    assert all(r["en"] is None for r in rows)
    assert [(r["section"], r["paragraph"], r["index"]) for r in rows] == [
        (s.id.section, s.id.paragraph, s.id.index) for s in ARTICLE.sentences]
    warnings = [line for line in result.err_lines if line.startswith("qari:")]
    assert len(warnings) == 1 and warnings[0].startswith("qari: warning: ")
    assert "qari models install ar en" in result.err and "qari models install FILE.argosmodel" in result.err


def test_translate_markdown_and_text_formats(with_model: QariEnv, translated: list[dict]) -> None:
    english = [row["en"] for row in translated]
    markdown = with_model.run("translate", "--format", "markdown", SAMPLE)
    text = with_model.run("translate", "--format", "text", SAMPLE)
    for result in (markdown, text):
        assert result.code == 0, result
        assert result.err == "", result
    md = markdown.out
    assert md.startswith(f'<div dir="rtl" lang="ar">\n\n# {ARTICLE.title}\n')
    assert "- Model: translate-ar_en" in md  # the model is named
    position = 0
    title = next(p for p in ARTICLE.paragraphs if p.text == ARTICLE.title)  # once, at the top
    for paragraph in [title] + [p for p in ARTICLE.paragraphs if p is not title]:
        subheading = paragraph.is_heading and not (paragraph.section == 0 and looks_like_byline(paragraph.text))
        heading = "# " if paragraph is title else "## " if subheading else ""  # a site byline is plain
        block = f'<div dir="rtl" lang="ar">\n\n{heading}{paragraph.text}\n\n</div>'
        found = md.find(block, position)
        assert found >= position, paragraph.text  # every paragraph, in article order, as plain text
        position = found + len(block)
        en = " ".join(english[s.number] for s in paragraph.sentences)
        assert md.startswith(f"\n\n{'**' if heading else ''}{escape_markdown(en)}", position), paragraph.text
    headings = [line for line in md.splitlines() if line.startswith("#")]
    bylines = sum(p.section == 0 and looks_like_byline(p.text) for p in ARTICLE.paragraphs)
    assert len(headings) == len(set(headings)) == sum(p.is_heading for p in ARTICLE.paragraphs) - bylines
    assert "(no translation)" not in md
    # text: the English of each paragraph (its sentences joined), one block per paragraph.
    blocks = text.out.rstrip("\n").split("\n\n")
    assert blocks == [" ".join(english[s.number] for s in p.sentences) for p in ARTICLE.paragraphs]


def test_translate_markdown_without_model(no_model: QariEnv) -> None:
    result = no_model.run("translate", "-f", "markdown", SAMPLE)
    assert result.code == 0, result
    plain = [p for p in ARTICLE.paragraphs  # paragraphs and the site byline (a plain line)
             if not p.is_heading or (p.section == 0 and looks_like_byline(p.text))]
    assert result.out.count("*(no translation)*") == len(plain)
    assert "none (no translation model installed)" in result.out


def test_translate_output_file_and_force(no_model: QariEnv, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    first = no_model.run("translate", SAMPLE, "-o", target)
    assert first.code == 0 and first.out == "", first
    assert f"qari: wrote {target}" in first.err
    assert [r["ar"] for r in jsonl(target.read_text(encoding="utf-8"))] == [s.text for s in ARTICLE.sentences]
    target.write_text("keep", encoding="utf-8")
    refused = no_model.run("translate", SAMPLE, "-o", target)
    assert refused.code == 1, refused
    assert "already exists" in refused.err_lines[-1] and "--force" in refused.err_lines[-1]
    assert target.read_text(encoding="utf-8") == "keep"
    forced = no_model.run("translate", SAMPLE, "-o", target, "--force")
    assert forced.code == 0, forced
    assert len(jsonl(target.read_text(encoding="utf-8"))) == N_SENTENCES


def test_translate_reads_stdin(no_model: QariEnv) -> None:
    result = no_model.run("translate", "-", input=SAMPLE.read_bytes())
    assert result.code == 0, result
    assert [r["ar"] for r in jsonl(result.out)] == [s.text for s in ARTICLE.sentences]
    empty = no_model.run("translate", "-", input=b"")
    assert_one_line_error(empty, 2, "no input on stdin")


# --------------------------------------------------------------------------------------
# summarize
# --------------------------------------------------------------------------------------

ARABIC_BLOCK = re.compile(r'^<div dir="rtl" lang="ar">\n\n(?!#)', re.M)


def summary_sentences(markdown: str) -> list[str]:
    found = arabic_sentences_from_markdown(markdown)
    texts = [s.text for s in BODY]
    assert all(t in texts for t in found)
    assert [texts.index(t) for t in found] == sorted(texts.index(t) for t in found)  # article order
    return found


def test_summarize_to_stdout_with_model(with_model: QariEnv, translated: list[dict]) -> None:
    result = with_model.run("summarize", SAMPLE)
    assert result.code == 0, result
    assert result.err == "", result
    md = result.out
    assert md.startswith(f'<div dir="rtl" lang="ar">\n\n# {ARTICLE.title}\n')
    for line in ("- Algorithm: news", f"of {N_SENTENCES} sentences", "- Model: translate-ar_en"):
        assert line in md
    found = summary_sentences(md)
    assert 1 <= len(found) <= len(BODY)
    # Each Arabic sentence is followed by ITS English translation (as `translate` gave it).
    by_ar = {row["ar"]: row["en"] for row in translated}
    chunks = ARABIC_BLOCK.split(md)[1:]
    assert len(chunks) == len(found)
    for sentence, chunk in zip(found, chunks, strict=True):
        assert f"> {escape_markdown(by_ar[sentence])}" in chunk
    assert "(no translation)" not in md


def test_summarize_no_translate_and_without_model(with_model: QariEnv, no_model: QariEnv) -> None:
    for env, args in ((with_model, ["--no-translate"]), (no_model, ["--no-translate"]), (no_model, [])):
        result = env.run("summarize", *args, SAMPLE)
        assert result.code == 0, result
        assert_no_traceback(result)
        found = summary_sentences(result.out)
        assert result.out.count("> *(no translation)*") == len(found) > 0
        assert "- Model: none" in result.out
        if args:
            assert result.err == "", result  # --no-translate: no model warning either
        else:
            assert result.err.startswith("qari: warning: No Arabic→English translation model")


def test_summarize_no_translate_says_translation_was_not_asked_for(with_model: QariEnv, no_model: QariEnv) -> None:
    """With a model installed, `--no-translate` must not claim there is none (issue 22)."""
    asked = with_model.run("summarize", "--no-translate", SAMPLE)
    assert asked.code == 0, asked
    model_line = next(line for line in asked.out.splitlines() if line.startswith("- Model:"))
    assert model_line == "- Model: none (translation not asked for: --no-translate)", model_line
    missing = no_model.run("summarize", SAMPLE)
    assert "- Model: none (no translation model installed)" in missing.out


@pytest.mark.parametrize(("args", "expected"), [
    (["--ratio", "0.5"], max(1, round(0.5 * len(BODY)))),
    (["-r", "1"], len(BODY)),
    (["--sentences", "4"], 4),
    (["-n", "1000"], len(BODY)),
])
def test_summarize_length(no_model: QariEnv, args: list[str], expected: int) -> None:
    result = no_model.run("summarize", "--no-translate", *args, SAMPLE)
    assert result.code == 0, result
    assert len(summary_sentences(result.out)) == expected
    assert f"- Length: {expected} of {N_SENTENCES} sentences" in result.out


def test_summarize_algorithm(no_model: QariEnv) -> None:
    result = no_model.run("summarize", "--no-translate", "-a", "lexrank", "-n", "3", SAMPLE)
    assert result.code == 0, result
    assert "- Algorithm: lexrank" in result.out and len(summary_sentences(result.out)) == 3


def test_summarize_output_file_refused_then_forced(no_model: QariEnv, tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    stdout = no_model.run("summarize", "--no-translate", SAMPLE)
    written = no_model.run("summarize", "--no-translate", SAMPLE, "-o", target)
    assert written.code == 0, written
    assert written.out == ""
    assert written.err_lines == [f"qari: wrote {target}"]
    assert target.read_text(encoding="utf-8") == stdout.out
    # An existing file is refused and kept ...
    target.write_text("my notes", encoding="utf-8")
    refused = no_model.run("summarize", "--no-translate", SAMPLE, "-o", target)
    assert_one_line_error(refused, 1, str(target), "already exists", "--force")
    assert target.read_text(encoding="utf-8") == "my notes"
    # ... unless --force.
    forced = no_model.run("summarize", "--no-translate", SAMPLE, "--output", target, "--force")
    assert forced.code == 0, forced
    assert target.read_text(encoding="utf-8") == stdout.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.md"]  # no temp files left
    # Into a folder that does not exist, or onto a directory: one-line errors.
    missing = no_model.run("summarize", "--no-translate", SAMPLE, "-o", tmp_path / "nope" / "s.md")
    assert_one_line_error(missing, 1, "does not exist")
    directory = no_model.run("summarize", "--no-translate", SAMPLE, "-o", tmp_path)
    assert_one_line_error(directory, 1, "is a directory")


# --------------------------------------------------------------------------------------
# models list
# --------------------------------------------------------------------------------------


def test_models_list_without_a_model(no_model: QariEnv) -> None:
    result = no_model.run("models", "list")
    assert result.code == 0, result
    assert result.out.startswith("no Argos packages installed")
    assert "qari models install ar en" in result.out
    assert result.err == ""


def test_models_list_with_the_model(with_model: QariEnv) -> None:
    result = with_model.run("models", "list")
    assert result.code == 0, result
    lines = result.out.splitlines()
    used = [line for line in lines if line.startswith("* ar->en")]
    assert len(used) == 1 and str(with_model.packages) in used[0]
    assert "used by qari for Arabic -> English" in result.out


# --------------------------------------------------------------------------------------
# Bad input: a one-line error, exit 2, no traceback (both commands)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad-inputs")
    (folder / "binary.dat").write_bytes(bytes(range(256)) * 8)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("  \n\t\n \u00a0 \u3000\r\n\n", encoding="utf-8")
    (folder / "invisible.txt").write_text("\u200f\u200b\u2066\u2069\n\ufeff\u00ad\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("قال الرئيس".encode("utf-8") + b" caf\xe9 \xff\xfe.")
    (folder / "adir").mkdir()
    return folder


BAD_CASES = {
    "missing file": (["nope.txt"], ["nope.txt", "no such file"]),
    "directory": (["adir"], ["adir", "is a directory"]),
    "binary": (["binary.dat"], ["binary.dat", "binary"]),
    "empty": (["empty.txt"], ["empty.txt", "empty"]),
    "whitespace only": (["blank.txt"], ["blank.txt", "empty"]),
    "only invisible characters": (["invisible.txt"], ["invisible.txt", "empty"]),
    "unknown encoding": (["--encoding", "klingon-8", "latin1.txt"], ["unknown encoding", "klingon-8"]),
}


@pytest.mark.parametrize("command", ["translate", "summarize"])
@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_one_line_error(no_model: QariEnv, bad_inputs: Path, command: str, case: str) -> None:
    args, phrases = BAD_CASES[case]
    result = no_model.run(command, *args, cwd=bad_inputs)
    assert_one_line_error(result, 2, *phrases)


# --------------------------------------------------------------------------------------
# The command line says what it means (issue 10, section 6)
# --------------------------------------------------------------------------------------


def test_translate_text_without_model_prints_the_arabic(no_model: QariEnv) -> None:
    result = no_model.run("translate", "--format", "text", SAMPLE)
    assert result.code == 0, result
    blocks = result.out.rstrip("\n").split("\n\n")
    assert blocks == [" ".join(s.text for s in p.sentences) for p in ARTICLE.paragraphs]
    assert all(block.strip() for block in blocks)


def test_summarize_without_model_still_shows_the_arabic(no_model: QariEnv) -> None:
    result = no_model.run("summarize", SAMPLE)
    assert result.code == 0, result
    found = summary_sentences(result.out)
    assert found and all(sentence in result.out.splitlines() for sentence in found)
    assert "Sentence 3 (section" not in result.out
    from reader.article import sample_article_path

    bundled = no_model.run("summarize", "--no-translate", sample_article_path())
    assert "- Source: zad-jordan-musk-trump-interview.ar.txt (the sample article bundled with qari)" in bundled.out
    assert str(sample_article_path().parent) not in bundled.out


def test_models_alone_lists(no_model: QariEnv) -> None:
    alone = no_model.run("models")
    assert alone.code == 0, alone
    assert alone.out == no_model.run("models", "list").out
    assert alone.out.startswith("no Argos packages installed")


def test_models_install_one_code_explains_both_forms(no_model: QariEnv) -> None:
    line = assert_one_line_error(no_model.run("models", "install", "ar"), 2)
    assert "qari models install ar en" in line and "FILE.argosmodel" in line
    missing = no_model.run("models", "install", "missing.argosmodel")  # a file name stays a file name
    assert missing.code != 0 and "missing.argosmodel" in missing.err_lines[-1]


def test_config_init_force(no_model: QariEnv) -> None:
    path = Path(no_model.run("config", "path").out.strip())
    assert no_model.run("config", "init").code == 0
    path.write_text('layout = "stacked"\n', encoding="utf-8")
    refused = no_model.run("config", "init")
    line = assert_one_line_error(refused, 1, "already exists", "--force")
    assert line.count(str(path)) == 1
    forced = no_model.run("config", "init", "--force")
    assert forced.code == 0, forced
    text = path.read_text(encoding="utf-8")
    assert 'layout = "side"' in text and "nord" in text and "dracula" in text  # the themes are listed
    assert no_model.run("config").err == ""  # the generated file is valid


def test_unknown_theme_is_a_warning(no_model: QariEnv) -> None:
    path = Path(no_model.run("config", "path").out.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "solarised"\nlayout = "stacked"\n', encoding="utf-8")
    result = no_model.run("config")
    assert result.code == 0, result
    (warning,) = result.err_lines
    assert warning.startswith("qari: warning: ") and "'solarised'" in warning and "solarized-dark" in warning
    assert 'theme = "textual-dark"' in result.out and 'layout = "stacked"' in result.out


def test_pdf_file_is_refused_with_a_hint(no_model: QariEnv, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)))
    for command in ("translate", "summarize"):
        line = assert_one_line_error(no_model.run(command, pdf), 2, "PDF", "pdftotext")
        assert line.count(str(pdf)) == 1
    assert_one_line_error(no_model.run("translate", "-", input=pdf.read_bytes()), 2, "PDF", "pdftotext")


def test_output_errors_name_the_path_once(no_model: QariEnv, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "summary.md"
    line = assert_one_line_error(no_model.run("summarize", "--no-translate", SAMPLE, "-o", missing), 1)
    assert line == f"qari: {missing}: cannot write, its folder does not exist"
    target = tmp_path / "out.jsonl"
    target.write_text("keep", encoding="utf-8")
    line = assert_one_line_error(no_model.run("summarize", "--no-translate", SAMPLE, "-o", target), 1,
                                 "already exists")
    assert line.count(str(target)) == 1


@pytest.mark.parametrize("args", [["--encoding", "utf-8", "latin1.txt"], ["latin1.txt"]])
def test_undecodable_bytes_are_replaced_with_a_one_line_warning(no_model: QariEnv, bad_inputs: Path,
                                                                args: list[str]) -> None:
    # Issue 10: a file that is UTF-8 but for a few bytes is read as UTF-8 with U+FFFD for those
    # bytes (also with --encoding utf-8, which used to refuse it) and one warning line.
    result = no_model.run("translate", "--format", "jsonl", *args, cwd=bad_inputs)
    assert_no_traceback(result)
    assert result.code == 0, result
    assert [r["ar"] for r in jsonl(result.out)] == ["قال الرئيس caf\ufffd \ufffd\ufffd."]
    decoding = [line for line in result.err_lines if "not valid utf-8" in line]
    assert decoding == ["qari: warning: latin1.txt: 3 bytes that are not valid utf-8 shown as \ufffd "
                        "(the first at byte 23, line 1)"]
