"""Hostile batch inputs against `qari batch`'s bounds: ids, file names, special files, two runs
into one folder, and sources that never end.

Library runs use ``translator=None`` (structure is checked, not English); the cases that used
to hang or abort run the real command in a subprocess with a timeout, so a regression fails
instead of hanging the suite.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import MEASURED_MAIN, QariEnv, assert_one_line_error, jsonl
from paths import REPO, SAMPLE

from reader import batch
from reader.article import load_article

CHECKOUT = {"PYTHONPATH": str(REPO)}  # subprocesses run this checkout's code, whatever is installed
PARAGRAPHS = [p.text for p in load_article(SAMPLE).paragraphs if not p.is_heading]


def run(sources, out: Path, **kwargs) -> batch.RunSummary:
    progress = batch.Progress(io.StringIO(), rich=False)
    return batch.run([str(s) for s in sources], out, translator=None, progress=progress, **kwargs)


def outputs(out: Path) -> dict[str, list[dict]]:
    """Each output file's rows, by the article id written in them."""
    found: dict[str, list[dict]] = {}
    for path in sorted(out.glob("*.jsonl")):
        rows = jsonl(path.read_text(encoding="utf-8"))
        assert rows[0]["article"] not in found, f"two files for {rows[0]['article']!r}"
        found[rows[0]["article"]] = rows
    return found


def text_of(rows: list[dict]) -> str:
    return " ".join(r["ar"] for r in rows)


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    encoding="utf-8")
    return path


def test_an_id_of_100_cjk_characters_does_not_abort_the_run(tmp_path: Path) -> None:
    long_id = "新闻" * 50  # 100 characters, 300 bytes of UTF-8
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": long_id, "text": PARAGRAPHS[0]},
                                                {"id": "short", "text": PARAGRAPHS[1]}])
    summary = run([source], tmp_path / "out")
    assert (summary.done, summary.failed) == (2, 0)
    found = outputs(tmp_path / "out")
    assert set(found) == {long_id, "short"}
    assert text_of(found[long_id]) == PARAGRAPHS[0]
    assert all(len(p.name.encode()) <= 255 for p in (tmp_path / "out").iterdir())


def test_dup_dup_and_dup_2_each_get_their_own_output(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "dup", "text": PARAGRAPHS[0]},
                                                {"id": "dup", "text": PARAGRAPHS[1]},
                                                {"id": "dup~2", "text": PARAGRAPHS[2]}])
    summary = run([source], tmp_path / "out")
    assert (summary.done, summary.failed) == (3, 0)
    found = outputs(tmp_path / "out")
    assert {text_of(rows) for rows in found.values()} == set(PARAGRAPHS[:3])
    assert text_of(found["dup"]) == PARAGRAPHS[0] and text_of(found["dup~2"]) == PARAGRAPHS[2]


def test_an_id_equal_to_another_ids_stem_does_not_take_its_files(tmp_path: Path) -> None:
    stem = batch.output_stem("a b")  # "a_b-" + a hash
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a b", "text": PARAGRAPHS[0]},
                                                {"id": stem, "text": PARAGRAPHS[1]}])
    out = tmp_path / "out"
    assert run([source], out).done == 2
    found = outputs(out)
    assert text_of(found["a b"]) == PARAGRAPHS[0] and text_of(found[stem]) == PARAGRAPHS[1]
    again = run([source], out)  # reruns settle: both are finished and intact
    assert (again.done, again.unchanged, again.failed) == (0, 2, 0)


def test_stems_are_distinct_and_short() -> None:
    ids = ["a b", batch.output_stem("a b"), "x" * 400, "x" * 401, "文" * 300, "ok", "ok-0123456789", ".hidden"]
    stems = [batch.output_stem(i) for i in ids]
    assert len(set(stems)) == len(ids)
    assert all(len(s.encode()) <= 200 and not s.startswith(".") for s in stems)
    assert batch.output_stem("ok") == "ok"


def test_upper_case_suffixes_are_taken(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "NOTES.TXT").write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    (src / "PAGE.HTML").write_text(f"<html><body><p>{PARAGRAPHS[1]}</p></body></html>", encoding="utf-8")
    (src / "other.dat").write_text(PARAGRAPHS[2], encoding="utf-8")
    summary = run([src], tmp_path / "out")
    assert (summary.articles, summary.done) == (2, 2)
    assert set(outputs(tmp_path / "out")) == {"NOTES.TXT", "PAGE.HTML"}


def test_a_deeply_nested_jsonl_line_is_one_failed_article(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "before", "text": PARAGRAPHS[0]}, "[" * 100_000,
                                                {"id": "after", "text": PARAGRAPHS[1]}])
    summary = run([source], tmp_path / "out")
    assert (summary.done, summary.failed) == (2, 1)
    assert summary.failures == [("in:2", f"{source}:2: not a JSON object (nested too deeply)")]


def _env(tmp_path: Path) -> QariEnv:
    return QariEnv.create(tmp_path / "env")


def test_a_fifo_in_the_source_folder_is_skipped_not_waited_on(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    os.mkfifo(src / "pipe.txt")  # nobody ever writes it: opening it for reading would block
    result = _env(tmp_path).run("batch", src, "-o", tmp_path / "out", timeout=60, **CHECKOUT)
    assert result.code == 0, result
    assert "1 done, 0 unchanged, 0 failed of 1 articles" in result.err_lines[-1]


def test_a_second_run_into_the_same_outdir_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / batch.LOCK_FILE, "a+b") as held:  # what a first run holds while it works
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _env(tmp_path).run("batch", src, "-o", out, timeout=60, **CHECKOUT)
        assert_one_line_error(result, 1, str(out), "another qari batch run is writing to this folder")
        assert sorted(p.name for p in out.iterdir()) == [batch.LOCK_FILE]
    assert run([src], out).done == 1  # the lock ends with its holder


def test_urls_from_dev_zero_are_refused_after_a_bounded_read(tmp_path: Path) -> None:
    result = _env(tmp_path).run("batch", "--urls", "/dev/zero", "-o", tmp_path / "out", timeout=60, **CHECKOUT)
    assert_one_line_error(result, 2, "/dev/zero: cannot read the URL list (larger than 64 MiB)")


def test_a_huge_jsonl_line_is_one_failed_article_read_with_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    huge = 512 * 1024 * 1024
    with open(source, "wb") as handle:
        handle.write(json.dumps({"id": "before", "text": PARAGRAPHS[0]}).encode() + b"\n")
        handle.write(b'{"id": "huge", "text": "')
        handle.truncate(handle.tell() + huge)  # a sparse run of NUL bytes: no disk used
        handle.seek(0, os.SEEK_END)
        handle.write(b'"}\n' + json.dumps({"id": "after", "text": PARAGRAPHS[1]}).encode() + b"\n")
    env = _env(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", MEASURED_MAIN, "batch", str(source), "-o", str(out), "--max-bytes", "100000"],
                          capture_output=True, text=True, timeout=120, cwd=env.root, env=env.env(**CHECKOUT))
    assert proc.returncode == 1, proc.stderr
    assert "2 done, 0 unchanged, 1 failed of 3 articles" in proc.stderr
    assert f"{source}:2: line longer than 665,536 bytes" in proc.stderr
    peak = int(proc.stdout.split()[-1])
    assert peak < 300 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB"
    assert {rows[0]["article"] for rows in map(jsonl, (p.read_text("utf-8") for p in out.glob("*.jsonl")))} \
        == {"before", "after"}
