#!/usr/bin/env python3
"""Batch throughput: `qari batch` over many distinct articles, single process vs ``--workers 2``
vs a 2-worker Dask LocalCluster, and Dask's overhead against the in-process path at equal cores.

Every contender runs ``reader.batch.run`` (what ``qari batch`` calls) in a FRESH child process
with an empty translation cache and an empty OUTDIR, over the same corpus:

  process   the defaults: one process (on 2 cores: 2 articles at once, one core each, since
            this benchmark showed that beats one article on two cores; before, 1 x 2 threads)
  workers2  ``--workers 2``: two processes load, segment and summarize ahead of translation
  inproc2   ``--inter-threads 2 --intra-threads 1``: two articles translated at once in one
            process, one core each -- the in-process twin of the 2-worker cluster
  dask2     ``--cluster local:2``: a LocalCluster of 2 worker processes, one core each (the
            model loaded once per worker, outputs streamed back and written by the client)

Dask overhead = dask2 / inproc2 - 1 (same cores, same parallelism: two articles at a time, one
core each; only Dask differs). Reported end to end (child start to last file written: cluster
start-up and model loading included) and in the steady state (from the first article written
to the last, from the manifest's timestamps).

Articles: ``--articles`` (default 200) distinct articles, each ``--paragraphs`` (default 1)
consecutive paragraphs of the sample article, every sentence made distinct by a number
(``_common.scaled_article_text``'s method), so no cache sees a repeat. Decoding is fixed-length
(``DecodingOptions(fixed_length=True)``, as bench_translate.py), so the work does not depend on
the random weights of the base-size model (built once into ``~/.cache/qari-bench``). The
contenders' outputs are compared byte for byte (``identical=yes|no``).

Last line: ``RESULT dask_overhead=<dask2/inproc2-1> workers2_vs_process=<t/t> ...``; target:
dask_overhead < 0.10.

Usage:
  python tests/benchmarks/bench_batch.py                # 200 articles, base model (~20 min on 2 cores)
  python tests/benchmarks/bench_batch.py --articles 60  # fewer articles
  python tests/benchmarks/bench_batch.py --quick        # tiny model, 12 articles (seconds; the smoke test)
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402  (also puts the repository on sys.path)

CONTENDERS = {
    "process": {},
    "workers2": {"workers": 2},
    "inproc2": {"inter_threads": 2, "intra_threads": 1},
    "dask2": {"cluster": 2},
}


def make_corpus(folder: Path, articles: int, paragraphs_per_article: int) -> int:
    """Write the articles; return their sentence count."""
    from reader.article import load_article, sample_article_path

    sample = load_article(sample_article_path())
    paras = sample.paragraphs
    total = 0
    for i in range(articles):
        out = []
        for k in range(paragraphs_per_article):
            p = paras[(i * paragraphs_per_article + k) % len(paras)]
            sentences = []
            for j, s in enumerate(p.sentences):
                body, tail = C._TAIL.match(s.text).groups()
                sentences.append(f"{body} {(i + 1) * 1000 + k * 10 + j}{tail}")
                total += 1
            out.append(" ".join(sentences))
        (folder / f"article-{i:04d}.txt").write_text("\n\n".join(out) + "\n", encoding="utf-8")
    return total


# --- one contender, in a child process ----------------------------------------------------------

def child(args) -> int:
    packages = C.install_package(args.model_size, args.model_dir, log=lambda *a: None)
    C.isolate_argos(args.model_dir, packages)
    cache = tempfile.mkdtemp(prefix="qari-bench-batch-cache-")
    os.environ["XDG_CACHE_HOME"] = cache  # an empty translation cache for every contender
    t0 = time.perf_counter()
    from reader import batch
    from reader.translation.translate import DecodingOptions

    options = dict(CONTENDERS[args.child])
    settings = batch.BatchSettings(formats=("jsonl",), decoding=DecodingOptions(fixed_length=True),
                                   inter_threads=options.pop("inter_threads", None),
                                   intra_threads=options.pop("intra_threads", None))
    with open(os.devnull, "w") as quiet:
        summary = batch.run([str(args.corpus)], args.out, settings=settings, progress=batch.Progress(quiet),
                            **options)
    wall = time.perf_counter() - t0
    conn = sqlite3.connect(Path(args.out) / batch.MANIFEST)
    rows = conn.execute("SELECT finished, sentences, translate_s FROM articles WHERE status='done' "
                        "ORDER BY finished").fetchall()
    conn.close()
    first, last = rows[0][0], rows[-1][0]
    steady_sentences = sum(r[1] for r in rows[1:])
    C.emit_json("BATCH", {"wall_s": wall, "sentences": summary.sentences, "done": summary.done,
                          "failed": summary.failed, "steady_s": last - first, "steady_sentences": steady_sentences,
                          "translate_s": sum(r[2] or 0 for r in rows), "cpu_s": time.process_time()})
    return 0


def run_child(args, which: str, corpus: Path, out: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", which, "--model-size", args.model_size,
           "--model-dir", str(args.model_dir), "--corpus", str(corpus), "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(C.REPO))
    if proc.returncode != 0:
        raise RuntimeError(f"contender {which} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return C.parse_json_line(proc.stdout, "BATCH")


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.jsonl")}


# --- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny model, 12 articles, 1 round")
    parser.add_argument("--articles", type=int, default=None, help="distinct articles (default 200, --quick 12)")
    parser.add_argument("--paragraphs", type=int, default=1, help="paragraphs of the sample per article (default 1)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds, contenders interleaved (default 1)")
    parser.add_argument("--model-size", choices=("base", "tiny"), default=None)
    parser.add_argument("--model-dir", type=Path, default=None, help="benchmark model cache (default ~/.cache/qari-bench)")
    parser.add_argument("--only", help="comma-separated contenders (default all: " + ",".join(CONTENDERS) + ")")
    parser.add_argument("--child", choices=tuple(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.model_size = args.model_size or ("tiny" if args.quick else "base")
    args.model_dir = (args.model_dir or C.default_bench_dir()).resolve()
    if args.child:
        return child(args)
    articles = args.articles or (12 if args.quick else 200)
    names = [n for n in (args.only.split(",") if args.only else CONTENDERS) if n]
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        parser.error(f"unknown contender(s): {', '.join(unknown)}")
    print(C.machine_line())
    C.install_package(args.model_size, args.model_dir)
    times: dict[str, list[dict]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="qari-bench-batch-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        sentences = make_corpus(corpus, articles, args.paragraphs)
        print(f"# corpus: {articles} distinct articles, {sentences} sentences; model {args.model_size}; "
              f"fixed-length decoding; {args.rounds} round(s), contenders interleaved")
        first_outputs: dict[str, dict[str, bytes]] = {}
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                out = Path(tmp) / f"out-{name}-{r}"
                got = run_child(args, name, corpus, out)
                if got["done"] != articles or got["failed"]:
                    raise RuntimeError(f"{name}: {got['done']} of {articles} done, {got['failed']} failed")
                times[name].append(got)
                first_outputs.setdefault(name, outputs(out))
                print(f"  round {r + 1} {name:<9} {got['wall_s']:8.2f} s end to end, "
                      f"{got['sentences'] / got['wall_s']:6.2f} sentences/s; steady "
                      f"{got['steady_sentences'] / max(got['steady_s'], 1e-9):6.2f} sentences/s; "
                      f"load {C.loadavg()}", flush=True)
        reference = next(iter(first_outputs.values()))
        identical = all(o == reference for o in first_outputs.values())

    def med(name: str, key: str) -> float:
        return C.median([t[key] for t in times[name]])

    def rate(name: str) -> float:
        return sentences / med(name, "wall_s")

    def steady(name: str) -> float:
        return C.median([t["steady_sentences"] / max(t["steady_s"], 1e-9) for t in times[name]])

    print()
    print("| contender | end to end | sentences/s | steady sentences/s |")
    print("| --- | --- | --- | --- |")
    for name in names:
        print(f"| {name} | {C.spread([t['wall_s'] for t in times[name]])} | {rate(name):.2f} | {steady(name):.2f} |")
    fields = {}
    if "dask2" in times and "inproc2" in times:
        fields["dask_overhead"] = med("dask2", "wall_s") / med("inproc2", "wall_s") - 1
        fields["dask_overhead_steady"] = steady("inproc2") / steady("dask2") - 1
    if "workers2" in times and "process" in times:
        fields["workers2_vs_process"] = med("workers2", "wall_s") / med("process", "wall_s")
    if "dask2" in times and "process" in times:
        fields["dask2_vs_process"] = med("dask2", "wall_s") / med("process", "wall_s")
    for name in names:
        fields[f"{name}_sent_per_s"] = rate(name)
    print(f"# outputs byte-identical across contenders: {'yes' if identical else 'no'}")
    if "dask_overhead" in fields:
        verdict = "met" if fields["dask_overhead"] < 0.10 else "missed"
        print(f"# Dask overhead at equal cores: {fields['dask_overhead']:.1%} end to end "
              f"({fields['dask_overhead_steady']:.1%} steady); target < 10%: {verdict}")
    line = " ".join(f"{k}={v:.3f}" for k, v in fields.items())
    print(f"RESULT {line} articles={articles} sentences={sentences} model={args.model_size} "
          f"identical={'yes' if identical else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
