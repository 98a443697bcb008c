"""Hostile file names (and batch ids): escapes, C1 controls, a newline and bytes that are not
UTF-8 in the name of an article file. They reach the summary's title and `Source:` line, error
messages, and `qari batch`'s "skipped" lines; stdout and stderr must hold no control character
(tests/hostile.py), a message must stay one line, and the name must be quoted the way
coreutils quotes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from clirun import QariEnv, assert_one_line_error
from hostile import OSC_CLIPBOARD, OSC_TITLE, assert_no_controls, run_clean
from paths import SAMPLE

from reader.untrusted import quote_name

NAMES = {
    "osc": f"news {OSC_TITLE}{OSC_CLIPBOARD}.txt",
    "c1-newline": "news\x9b31m\n\x9d2;x\x9c.txt",
    "not-utf8": os.fsdecode(b"news-\xff\xfe\x1b[8m.txt"),
}


def body_without_headings() -> str:
    """Article text whose every line is a sentence (no heading), so the title is the file's stem."""
    lines = [line.rstrip() for line in SAMPLE.read_text(encoding="utf-8").splitlines() if len(line) > 80][:5]
    return "\n".join(line if line.endswith(".") else line + "." for line in lines) + "\n"


def run(env: QariEnv, *args: str, cwd: Path | None = None):
    return run_clean(env, *args, timeout=90, cwd=cwd)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> QariEnv:
    return QariEnv.create(tmp_path_factory.mktemp("hostile-names"))


@pytest.mark.parametrize("kind", NAMES)
def test_summary_title_and_source_of_a_hostile_file_name(env: QariEnv, tmp_path: Path, kind: str) -> None:
    path = tmp_path / NAMES[kind]
    path.write_text(body_without_headings(), encoding="utf-8")
    result = run(env, "summarize", path, "--no-translate", "-n", "1")
    assert result.code == 0, result
    title = result.out.split("# ", 1)[1].splitlines()[0]
    assert title.startswith("news"), result.out
    source = next(line for line in result.out.splitlines() if line.startswith("- Source: "))
    assert source.count("\n") == 0 and "news" in source


@pytest.mark.parametrize("kind", NAMES)
def test_error_naming_a_hostile_file_is_one_quoted_line(env: QariEnv, tmp_path: Path, kind: str) -> None:
    missing = tmp_path / NAMES[kind]
    result = run(env, "summarize", missing)
    line = assert_one_line_error(result, 2, "no such file")
    assert line == f"qari: {quote_name(str(missing))}: no such file", line
    empty = tmp_path / NAMES[kind]
    empty.write_bytes(b"")
    assert_one_line_error(run(env, "translate", empty), 2, "the file is empty")


def test_quoting_is_like_coreutils() -> None:
    assert quote_name("plain-name_1.txt") == "plain-name_1.txt"
    assert quote_name("مقال.txt") == "مقال.txt"
    assert quote_name("a b.txt") == "'a b.txt'"
    assert quote_name("it's") == '"it\'s"'
    assert quote_name("a\nb") == "'a'$'\\n''b'"
    assert quote_name("x\x1b]2;y\x07") == "'x'$'\\033'']2;y'$'\\a'"
    assert quote_name(os.fsdecode(b"\xff.txt")) == "$'\\377''.txt'"
    assert quote_name("\u202eevil") == "$'\\342\\200\\256''evil'"


def test_batch_skipped_lines_name_hostile_files_and_ids_safely(env: QariEnv, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in NAMES.values():
        (folder / name).write_bytes(b"\x00\x01binary\x02" * 50)  # fails: not text
    (folder / "good.txt").write_text(body_without_headings(), encoding="utf-8")
    lines = tmp_path / "feed.jsonl"
    lines.write_text("".join(json.dumps({"id": f"id{OSC_TITLE}{n}", "text": ""}) + "\n" for n in range(2)),
                     encoding="utf-8")
    result = run(env, "batch", folder, lines, "-o", tmp_path / "out")
    assert result.code == 1, result
    skipped = [line for line in result.err.splitlines() if line.startswith("qari: skipped ")]
    assert len(skipped) == len(NAMES) + 2, result.err
    assert sum("$'" in line for line in skipped) == len(NAMES), skipped  # quoted like coreutils


def test_batch_outputs_of_hostile_file_names_hold_no_control(env: QariEnv, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in NAMES.values():
        (folder / name).write_text(body_without_headings(), encoding="utf-8")
    out = tmp_path / "out"
    result = run(env, "batch", folder, "-o", out, "--format", "jsonl,markdown")
    assert result.code == 0, result
    written = [p for p in out.iterdir() if p.suffix in (".jsonl", ".md")]
    assert len(written) == 2 * len(NAMES)
    assert_no_controls(*(p.read_text(encoding="utf-8") for p in written))
