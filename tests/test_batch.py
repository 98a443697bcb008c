"""`qari batch`: many real-text articles through the real tiny model, single process, `--workers`,
and a Dask LocalCluster of 2 worker processes (one per module); resume after a killed client or
worker; bad articles, a read-only OUTDIR and a full disk. Outputs are compared byte for byte
between runs and with `qari translate`, never with expected English."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirun import QariEnv, Result, assert_no_traceback, jsonl
from mounts import tmpfs
from paths import PAGES, REPO, SAMPLE

from reader import batch
from reader.article import load_article
FORMATS = "jsonl,markdown"
REAL_PAGES = ("alnahar_bookfair_cp1256.html", "alofuq_desalination.html", "sawt_elections_br.html")
"""The three fixture pages modelled on whole real news pages (the others test one rule each)."""
MANIFEST_FILES = {batch.MANIFEST, batch.MANIFEST + "-wal", batch.MANIFEST + "-shm", batch.LOCK_FILE}
"""The run's bookkeeping in OUTDIR (the lock file is left only by a killed run; the next run removes it)."""


# --- the corpus: distinct real-text articles --------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 articles made of overlapping runs of the sample's paragraphs (each a different
    window, so each is distinct), the three fixture pages as text, and one page as HTML in a
    subfolder (folders are searched recursively)."""
    folder = tmp_path_factory.mktemp("corpus")
    paragraphs = [p.text for p in load_article(SAMPLE).paragraphs]
    for i in range(24):
        start, size = i % len(paragraphs), 3 + i % 4
        window = [paragraphs[(start + k) % len(paragraphs)] for k in range(size)]
        (folder / f"zad-{i:02d}.txt").write_text("\n\n".join(window) + "\n", encoding="utf-8")
    (folder / "pages").mkdir()
    for page in [PAGES / name for name in REAL_PAGES]:
        (folder / "pages" / f"{page.stem}.txt").write_text(load_article(page).text + "\n", encoding="utf-8")
    (folder / "pages" / "desalination.html").write_bytes((PAGES / "alofuq_desalination.html").read_bytes())
    hashes = {batch.sha256(p.read_bytes()) for p in folder.rglob("*.*")}
    assert len(hashes) == 28
    return folder


def snapshot(outdir: Path) -> dict[str, bytes]:
    """Every output file (not the manifest), by name."""
    return {p.name: p.read_bytes() for p in sorted(outdir.iterdir()) if p.name not in MANIFEST_FILES}


def manifest_rows(outdir: Path) -> dict[str, dict]:
    conn = sqlite3.connect(outdir / batch.MANIFEST)
    conn.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM articles")}
    finally:
        conn.close()


def run_batch(env: QariEnv, *args: str | os.PathLike, timeout: float = 120) -> Result:
    result = env.run("batch", *args, timeout=timeout)
    assert_no_traceback(result)
    return result


@pytest.fixture(scope="module")
def reference(with_model: QariEnv, corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The single-process run: what every other way of running must reproduce byte for byte."""
    out = tmp_path_factory.mktemp("reference")
    result = run_batch(with_model, corpus, "-o", out, "--format", FORMATS)
    assert result.code == 0, result
    assert result.out == ""
    assert result.err_lines[-1].startswith("qari: 28 done, 0 unchanged, 0 failed of 28 articles"), result
    return snapshot(out)


# --- one Dask LocalCluster (2 worker processes) for the module --------------------------------

@pytest.fixture(scope="module")
def cluster(with_model: QariEnv):
    distributed = pytest.importorskip("distributed")
    import logging

    # Dask's nannies write their workers' settings (OMP_NUM_THREADS=1, MKL_NUM_THREADS=1,
    # MALLOC_TRIM_THRESHOLD_...) into THIS process's environment: every later subprocess of the
    # suite would inherit them (CTranslate2 on one thread made later CLI tests 4x slower).
    saved = dict(os.environ)
    # the workers (and the ones the nannies restart) see the fixture model and private dirs
    local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                     silence_logs=logging.ERROR, env=with_model.env())
    client = distributed.Client(local)
    try:
        client.wait_for_workers(2, timeout=60)
        yield local, client
    finally:
        client.close()
        local.close()
        os.environ.clear()
        os.environ.update(saved)


def _rich_render(markdown: str) -> str:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(record=True, width=400, color_system=None, file=open(os.devnull, "w"))
    console.print(Markdown(markdown))
    return console.export_text()


# --- single process ---------------------------------------------------------------------------

def test_outputs_per_article_match_qari_translate(with_model: QariEnv, corpus: Path, reference) -> None:
    articles = sorted(p for p in corpus.rglob("*.*"))
    assert len(reference) == 2 * len(articles)
    for path in (corpus / "zad-05.txt", corpus / "pages" / "desalination.html"):
        article_id = path.relative_to(corpus).as_posix()
        names = batch.output_names(article_id, ["jsonl", "markdown"])
        rows = jsonl(reference[names["jsonl"]].decode("utf-8"))
        single = with_model.run("translate", path)
        assert single.code == 0, single
        expected = jsonl(single.out)
        assert [{k: v for k, v in r.items() if k not in ("article", "summary")} for r in rows] == expected
        assert {r["article"] for r in rows} == {article_id}
        assert all(isinstance(r["en"], str) and r["en"] for r in rows if r["ar"].strip())
        picked = [r for r in rows if r["summary"]]
        assert 1 <= len(picked) < len(rows) and not any(r["heading"] for r in picked)
        markdown = reference[names["markdown"]].decode("utf-8")
        assert markdown.count('<div dir="rtl" lang="ar">') >= len(picked) + 1
        assert "<p " not in markdown  # plain Markdown between direction hints, as the reader saves it
        for r in picked:
            assert r["ar"] in markdown
        # A terminal Markdown renderer (Rich, as glow-like viewers do) shows the Arabic words:
        # raw HTML blocks would be dropped, and with them every Arabic paragraph.
        rendered = _rich_render(markdown)
        for r in rows:
            assert all(word in rendered for word in r["ar"].split() if word.isalpha()), r["ar"]


def test_rerun_skips_finished_articles_by_content(with_model: QariEnv, corpus: Path, reference,
                                                  tmp_path: Path) -> None:
    work = tmp_path / "in"
    subprocess.run(["cp", "-r", str(corpus), str(work)], check=True)
    out = tmp_path / "out"
    assert run_batch(with_model, work, "-o", out, "--format", FORMATS).code == 0
    first = manifest_rows(out)
    assert snapshot(out) == reference
    # unchanged: nothing is redone
    again = run_batch(with_model, work, "-o", out, "--format", FORMATS)
    assert again.code == 0 and "0 done, 28 unchanged, 0 failed" in again.err_lines[-1], again
    assert manifest_rows(out) == first
    # same name, new content -> redone; a damaged output -> redone; the rest untouched
    (work / "zad-03.txt").write_text((work / "zad-04.txt").read_text(encoding="utf-8") + "\nجملة جديدة.\n",
                                     encoding="utf-8")
    damaged = out / batch.output_names("zad-07.txt", ["markdown"])["markdown"]
    damaged.write_bytes(damaged.read_bytes()[:100])
    third = run_batch(with_model, work, "-o", out, "--format", FORMATS)
    assert third.code == 0 and "2 done, 26 unchanged, 0 failed" in third.err_lines[-1], third
    rows = manifest_rows(out)
    redone = {k for k in rows if rows[k]["run"] != first[k]["run"]}
    assert redone == {"zad-03.txt", "zad-07.txt"}
    assert rows["zad-03.txt"]["input_hash"] != first["zad-03.txt"]["input_hash"]
    now = snapshot(out)
    assert {k for k in now if now[k] != reference[k]} == set(batch.output_names("zad-03.txt", ["jsonl", "markdown"]).values())
    # other settings are other work: a different summary length redoes everything
    fourth = run_batch(with_model, work, "-o", out, "--format", FORMATS, "-n", "1")
    assert "28 done, 0 unchanged" in fourth.err_lines[-1], fourth


def test_workers_2_is_byte_identical(with_model: QariEnv, corpus: Path, reference, tmp_path: Path) -> None:
    result = run_batch(with_model, corpus, "-o", tmp_path / "out", "--format", FORMATS, "--workers", "2",
                       "--inter-threads", "2")
    assert result.code == 0, result
    assert snapshot(tmp_path / "out") == reference


def test_device_cuda_without_gpu_and_auto(with_model: QariEnv, corpus: Path, reference, tmp_path: Path) -> None:
    result = run_batch(with_model, corpus, "-o", tmp_path / "cuda", "--device", "cuda")
    assert result.code == 2, result
    assert [line for line in result.err_lines if not line.startswith("qari: warning")] == [
        "qari: --device cuda: no CUDA GPU is available to CTranslate2 (use --device cpu, or auto to fall back "
        "to the CPU)"]
    assert not (tmp_path / "cuda").exists()  # refused before anything is written
    auto = run_batch(with_model, corpus, "-o", tmp_path / "auto", "--format", FORMATS, "--device", "auto")
    assert auto.code == 0, auto
    assert snapshot(tmp_path / "auto") == reference


def test_progress_lines_when_not_a_terminal(with_model: QariEnv, corpus: Path, tmp_path: Path) -> None:
    result = run_batch(with_model, corpus / "pages", "-o", tmp_path / "out")
    assert result.code == 0, result
    progress = [line for line in result.err_lines if " articles (" in line]
    assert progress and progress[-1].startswith("qari: 4/4 articles (4 done, 0 unchanged, 0 failed), ")
    assert "sentences/s" in progress[-1] and "ETA" in progress[-1]


def test_rich_progress_draws_the_whole_run() -> None:
    import io

    stream = io.StringIO()
    progress = batch.Progress(stream, rich=True)
    progress.start(3)
    progress.update(done=1, sentences=10)
    progress.update(failed=1)
    progress.update(unchanged=1)
    progress.close()
    text = stream.getvalue()
    assert "qari batch" in text and "3/3" in text and "10 sentences" in text and "1 failed" in text


def test_json_lines_source(with_model: QariEnv, tmp_path: Path) -> None:
    paragraphs = [p.text for p in load_article(SAMPLE).paragraphs if not p.is_heading]
    records = [{"id": "a/1", "body": paragraphs[4]}, {"id": "a/1", "body": paragraphs[6]},
               {"body": paragraphs[7]}, {"id": "no-text"}, "not an object"]
    source = tmp_path / "dump.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\nnot json\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    result = run_batch(with_model, source, "-o", out, "--field", "body")
    assert result.code == 1, result
    assert "3 done, 0 unchanged, 3 failed of 6 articles" in result.err_lines[-1]
    skipped = [line for line in result.err_lines if line.startswith("qari: skipped")]
    assert len(skipped) == 3 and any("'body' is missing" in line for line in skipped)
    ids = {}
    for name, data in snapshot(out).items():
        rows = jsonl(data.decode("utf-8"))
        ids[rows[0]["article"]] = [r["ar"] for r in rows]
    assert set(ids) == {"a/1", "a/1~2", "dump:3"}
    assert " ".join(ids["a/1"]) == paragraphs[4] and " ".join(ids["a/1~2"]) == paragraphs[6]
    assert all("/" not in name for name in snapshot(out))


def test_urls_are_fetched_and_resumed_by_content(with_model: QariEnv, tmp_path: Path) -> None:
    from loopback import LoopbackServer, Response

    with LoopbackServer() as server:
        server.route("/a.html", Response.file(PAGES / "alofuq_desalination.html", content_type="text/html; charset=utf-8"))
        server.route("/b.html", Response.file(PAGES / "sawt_elections_br.html", content_type="text/html; charset=utf-8"))
        listing = tmp_path / "urls.txt"
        listing.write_text(f"# today\n{server.url('/a.html')}\n{server.url('/b.html')}\nftp://x/y\n", encoding="utf-8")
        out = tmp_path / "out"
        first = run_batch(with_model, "--urls", listing, "-o", out)
        assert first.code == 1 and "2 done, 0 unchanged, 1 failed" in first.err_lines[-1], first
        server.route("/b.html", Response.file(PAGES / "alnahar_bookfair_cp1256.html", content_type="text/html"))
        changed = run_batch(with_model, "--urls", listing, "-o", out)
        assert "1 done, 1 unchanged, 1 failed" in changed.err_lines[-1], changed  # fetched, compared, kept
        assert server.requests.count("/a.html") == 2


# --- bad input, bad output folder -------------------------------------------------------------

def test_bad_articles_among_good_ones(with_model: QariEnv, corpus: Path, reference, tmp_path: Path) -> None:
    work = tmp_path / "in"
    subprocess.run(["cp", "-r", str(corpus), str(work)], check=True)
    (work / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    (work / "empty.txt").write_bytes(b"  \n\n")
    # (A few bad bytes in UTF-8 are now read with U+FFFD and a warning, not refused: a PDF is.)
    (work / "report.pdf.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    (work / "huge.txt").write_text(SAMPLE.read_text(encoding="utf-8") * 20, encoding="utf-8")
    out = tmp_path / "out"
    result = run_batch(with_model, work, "-o", out, "--format", FORMATS, "--max-bytes", "100000")
    assert result.code == 1, result
    skipped = sorted(line for line in result.err_lines if line.startswith("qari: skipped"))
    assert len(skipped) == 4, result
    for line, phrase in zip(skipped, ("binary file", "empty", "too big", "PDF"), strict=True):
        assert phrase in line, (phrase, line)
    assert result.err_lines[-1].startswith("qari: 28 done, 0 unchanged, 4 failed of 32 articles")
    assert snapshot(out) == reference  # every good article, nothing for the bad ones
    rows = manifest_rows(out)
    failed = {k: r["error"] for k, r in rows.items() if r["status"] == "failed"}
    assert set(failed) == {"binary.txt", "empty.txt", "report.pdf.txt", "huge.txt"}
    assert all(e and "\n" not in e for e in failed.values())


def test_usage_errors_are_one_line(with_model: QariEnv, corpus: Path, tmp_path: Path) -> None:
    cases = [
        (["batch", tmp_path / "missing", "-o", tmp_path / "o1"], 2, "no such file or folder"),
        (["batch", corpus, "-o", tmp_path / "o2", "--format", "pdf"], 2, "unknown format"),
        (["batch", corpus, "-o", tmp_path / "o3", "--cluster", "remote:2"], 2, "local:N"),
        (["batch", corpus, "-o", tmp_path / "o4", "--pattern", "*.docx"], 2, "no articles found"),
        (["batch", corpus, "-o", tmp_path / "o5", "--scheduler", "tcp://127.0.0.1:9"], 1, "cannot reach the Dask scheduler"),
    ]
    for args, code, phrase in cases:
        result = with_model.run(*args, timeout=60)
        assert_no_traceback(result)
        assert result.code == code, result
        assert len(result.err_lines) == 1 and phrase in result.err_lines[0], result
        assert not Path(args[3]).exists()  # OUTDIR is not even created




@contextlib.contextmanager
def read_only_dir(path: Path):
    """chmod for a normal user; for root (who ignores permissions) a read-only tmpfs."""
    if os.geteuid() != 0:
        path.mkdir()
        path.chmod(0o500)
        try:
            yield path
        finally:
            path.chmod(0o700)
        return
    with tmpfs(path, "1m", read_only=True):
        yield path


def test_read_only_outdir(with_model: QariEnv, corpus: Path, tmp_path: Path) -> None:
    with read_only_dir(tmp_path / "ro") as out:
        result = run_batch(with_model, corpus, "-o", out)
        assert result.code == 1, result
        assert len(result.err_lines) == 1, result
        line = result.err_lines[0]
        assert line.startswith(f"qari: {out / batch.MANIFEST}: cannot write the run manifest (")
        assert "Read-only file system" in line or "Permission denied" in line
        assert list(out.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="dropping privileges needs root")
def test_read_only_outdir_for_another_user(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """As root (CI), the same through permissions: `qari batch` run as nobody (setpriv) into a
    root-owned 0755 OUTDIR. Everything it reads lives in a world-readable temp folder."""
    import shutil
    import tempfile

    if shutil.which("setpriv") is None:
        pytest.skip("setpriv is not installed")
    base = Path(tempfile.mkdtemp(prefix="qari-batch-nobody-"))
    try:
        base.chmod(0o755)
        source = base / "in"
        source.mkdir()
        for name in ("zad-01.txt", "zad-02.txt"):
            shutil.copy(corpus / name, source / name)
        home = base / "home"
        home.mkdir()
        home.chmod(0o777)
        out = base / "out"
        out.mkdir(mode=0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARGOS_"))}
        env.update(HOME=str(home), XDG_CACHE_HOME=str(home), XDG_CONFIG_HOME=str(home), XDG_DATA_HOME=str(home),
                   ARGOS_PACKAGES_DIR=str(home / "packages"), PYTHONPATH=str(REPO))
        proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable,
                               "-m", "reader", "batch", str(source), "-o", str(out)],
                              capture_output=True, text=True, env=env, cwd=str(home), timeout=120)
        if proc.returncode != 0 and "setpriv" in proc.stderr:
            pytest.skip(f"setpriv cannot drop privileges here: {proc.stderr.strip()}")
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        assert_no_traceback(result)
        assert result.code == 1, result
        assert result.err_lines == [f"qari: {out / batch.MANIFEST}: cannot write the run manifest (Permission denied)"]
        assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _assert_complete_outputs_only(out: Path, reference: dict[str, bytes], *, killed: bool = False) -> dict[str, bytes]:
    """Every output file present is exactly the reference file; no temp file is left (after a
    SIGKILL mid-write the hidden temp file of that write may be, until the re-run sweeps it)."""
    files = snapshot(out)
    temps = [n for n in files if n.startswith(".")]
    if killed:
        assert len(temps) <= 1 and all(n.endswith(".tmp") for n in temps), temps
        files = {n: d for n, d in files.items() if n not in temps}
    assert not temps or killed, temps
    for name, data in files.items():
        assert name in reference and data == reference[name], name
    return files


def test_full_disk_tmpfs(with_model: QariEnv, corpus: Path, reference, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", "160k") as out:
        result = run_batch(with_model, corpus, "-o", out, "--format", FORMATS)
        assert result.code == 1, result
        last = result.err_lines[-1]
        assert "No space left on device" in last, result
        assert "cannot write" in last
        files = _assert_complete_outputs_only(out, reference)
        assert 0 < len(files) < len(reference)


def test_full_disk_enospc_in_process(app_tiny_model, corpus: Path, reference, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC from the atomic write after 7 files (no root needed): the run stops with one
    clear error, the files written are complete, no temp file is left, the manifest knows."""
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] > 7:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr("reader.export.os.fsync", fsync)
    out = tmp_path / "out"
    settings = batch.BatchSettings(formats=("jsonl", "markdown"))
    with pytest.raises(batch.BatchError) as caught:
        batch.run([str(corpus)], out, settings=settings, translator=app_tiny_model(),
                  progress=batch.Progress(open(os.devnull, "w")))
    message = str(caught.value)
    assert "cannot write (No space left on device)" in message and "run again to resume" in message
    assert "\n" not in message
    files = _assert_complete_outputs_only(out, reference)
    assert len(files) == 7
    done = {k for k, r in manifest_rows(out).items() if r["status"] == "done"}
    assert len(done) == 3  # the 4th article had one of its two files written
    monkeypatch.setattr("reader.export.os.fsync", real_fsync)
    summary = batch.run([str(corpus)], out, settings=settings, translator=app_tiny_model(),
                        progress=batch.Progress(open(os.devnull, "w")))
    assert (summary.done, summary.unchanged, summary.failed) == (25, 3, 0)
    assert snapshot(out) == reference


# --- killed mid-run -----------------------------------------------------------------------------

def test_client_killed_mid_run_then_resumed(with_model: QariEnv, corpus: Path, reference, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "reader", "batch", str(corpus), "-o", str(out),
                             "--format", FORMATS], env=with_model.env(), cwd=with_model.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    done_at_kill = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with contextlib.suppress(sqlite3.Error):
                if (out / batch.MANIFEST).exists():
                    conn = sqlite3.connect(out / batch.MANIFEST, timeout=1)
                    done_at_kill = conn.execute("SELECT count(*) FROM articles WHERE status='done'").fetchone()[0]
                    conn.close()
                    if done_at_kill >= 3:
                        break
            time.sleep(0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert 3 <= done_at_kill < 28
    files = _assert_complete_outputs_only(out, reference, killed=True)
    before = {k: r for k, r in manifest_rows(out).items() if r["status"] == "done"}
    assert len(before) >= 3
    for article_id in before:
        for name in batch.output_names(article_id, ["jsonl", "markdown"]).values():
            assert files[name] == reference[name]
    result = run_batch(with_model, corpus, "-o", out, "--format", FORMATS)
    assert result.code == 0, result
    assert f"{28 - len(before)} done, {len(before)} unchanged, 0 failed" in result.err_lines[-1], result
    after = manifest_rows(out)
    for article_id, row in before.items():
        assert after[article_id] == row  # not redone
    assert snapshot(out) == reference
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_local_cluster_is_byte_identical(with_model: QariEnv, cluster, corpus: Path, reference,
                                         tmp_path: Path) -> None:
    local, client = cluster
    out = tmp_path / "out"
    result = run_batch(with_model, corpus, "-o", out, "--format", FORMATS, "--scheduler", local.scheduler_address)
    assert result.code == 0, result
    assert snapshot(out) == reference
    workers = {r["worker"] for r in manifest_rows(out).values()}
    assert workers == set(client.scheduler_info()["workers"]), workers  # both workers took articles


def test_worker_killed_mid_run_loses_nothing(with_model: QariEnv, cluster, corpus: Path, reference,
                                            tmp_path: Path) -> None:
    local, client = cluster
    out = tmp_path / "out"
    killed: list[int] = []
    seen: list[str] = []

    def on_result(result: batch.Result) -> None:
        seen.append(result.status)
        if not killed:
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(len(seen))

    settings = batch.BatchSettings(formats=("jsonl", "markdown"))
    summary = batch.run([str(corpus)], out, settings=settings, client=client, on_result=on_result,
                        progress=batch.Progress(open(os.devnull, "w")))
    assert killed == [1]
    assert (summary.done, summary.failed) == (28, 0)
    assert snapshot(out) == reference
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it
    again = batch.run([str(corpus)], out, settings=settings, client=client,
                      progress=batch.Progress(open(os.devnull, "w")))
    assert (again.done, again.unchanged) == (0, 28)


def test_a_local_cluster_run_leaves_this_process_environment_as_it_was(with_model: QariEnv, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         recwarn: pytest.WarningsRecorder) -> None:
    """`cluster=N` starts a LocalCluster whose nannies write OMP_NUM_THREADS=1 (and more) into
    this process's environment for their workers: the run puts it back, so what runs next here
    (or in a subprocess) is not pinned to one thread. With Dask's usual port taken (another
    cluster runs), the run says nothing about it."""
    import socket

    pytest.importorskip("distributed")
    taken = socket.socket()
    with contextlib.suppress(OSError):  # already taken is as good
        taken.bind(("127.0.0.1", 8787))
        taken.listen()
    for key, value in with_model.env().items():
        monkeypatch.setenv(key, value)  # the workers inherit this process's environment
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text(load_article(SAMPLE).paragraphs[1].text + "\n", encoding="utf-8")
    before = dict(os.environ)
    summary = batch.run([str(corpus)], tmp_path / "out", settings=batch.BatchSettings(formats=("jsonl",)),
                        cluster=1, progress=batch.Progress(open(os.devnull, "w")))
    taken.close()
    assert (summary.done, summary.failed) == (1, 0)
    assert dict(os.environ) == before
    assert not [w for w in recwarn.list if "already in use" in str(w.message)]


# --- ids, and what a killed run leaves (issue 26) ---------------------------------------------

def test_ids_that_differ_only_in_unsafe_characters_write_different_files() -> None:
    stems = {batch.output_stem(i) for i in ("a/1", "a_1", "a:1", "a 1")}
    assert len(stems) == 4
    assert batch.output_stem("a_1") == "a_1"  # a safe id is kept as it is
    for stem in stems:
        assert "/" not in stem and ":" not in stem and " " not in stem


def test_json_lines_ids_may_be_numbers(tmp_path: Path) -> None:
    source = tmp_path / "feed.jsonl"
    lines = [{"id": 17, "text": "نص أول."}, {"id": "x-2", "text": "نص ثان."}, {"id": None, "text": "نص ثالث."},
             {"id": True, "text": "نص رابع."}]
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    ids = [item.id for item in batch.discover([str(source)])]
    assert ids[:3] == ["17", "x-2", "feed:3"]
    assert ids[3] in ("True", "feed:4") and len(set(ids)) == 4


def test_a_killed_runs_temp_files_are_swept_and_nothing_else(tmp_path: Path) -> None:
    """A run killed mid-write leaves `.NAME.XXXX.tmp` files (write_text_atomic's); the next
    run removes them, and leaves the user's own hidden files alone."""
    import io

    source = tmp_path / "in"
    source.mkdir()
    (source / "one.txt").write_text("مقال قصير عن الطقس. وقالت الأرصاد إن المنخفض يستمر.\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    leftovers = [out / f".one{suffix}.k3j9x_2a.tmp" for suffix in batch.FORMATS.values()]
    for path in leftovers:
        path.write_text("half", encoding="utf-8")
    mine = [out / ".notes.tmp", out / ".todo.txt.tmp"]
    for path in mine:
        path.write_text("keep", encoding="utf-8")
    summary = batch.run([str(source)], out, translator=None, progress=batch.Progress(io.StringIO()),
                        settings=batch.BatchSettings(formats=tuple(batch.FORMATS)))
    assert summary.counts["done"] == 1
    assert not any(path.exists() for path in leftovers)
    assert all(path.read_text(encoding="utf-8") == "keep" for path in mine)
