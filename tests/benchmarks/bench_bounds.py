#!/usr/bin/env python3
"""The normal paths that the hostile-input bounds touch, timed against another checkout.

The bounds (an overall network deadline kept by a watchdog thread, capped zip members, a
staging dir for installs, bounded batch reads, an OUTDIR lock, stems and ids) must not make
the ordinary case slower. Each contender is one checkout of qari (this one, and ``--baseline
DIR``, e.g. ``git worktree add --detach /tmp/qari-base main``); each measurement runs in a
fresh process whose ``reader`` is that checkout's, against loopback HTTP served by THIS process:

  * fetch:   ``reader.web.fetch.fetch_url`` of a fixture news page (``--fetches`` times)
  * index:   ``reader.translation.packages.available`` of a one-package index (same count)
  * install: ``install_file`` of the tiny fixture package into an empty packages dir
  * pair:    ``install_pair("ar", "en")`` over loopback (index + download + install)
  * batch:   ``reader.batch.run`` of 24 distinct articles (discovery, summaries, outputs,
             manifest; no translation: the model path is unchanged)

Rounds are interleaved (each round runs both checkouts, the order alternating). Printed per
path: the median over rounds of each process's median, and the best single time seen (on a
loaded machine medians move by milliseconds with the scheduler; the best is the noise floor).
Ends with ``RESULT`` and the ratios this/baseline of both (below 1: this is faster).

Usage:
  python tests/benchmarks/bench_bounds.py --baseline /tmp/qari-base            # 5 rounds
  python tests/benchmarks/bench_bounds.py --baseline /tmp/qari-base --quick    # 1 round, fewer fetches
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(TESTS))

from _common import machine_line, median, spread  # noqa: E402

PAGE = TESTS / "fixtures" / "pages" / "alofuq_desalination.html"
PACKAGE = TESTS / "fixtures" / "translate-ar_en-tiny.argosmodel"
SAMPLE = REPO / "assets" / "articles" / "zad-jordan-musk-trump-interview.ar.txt"
PATHS = ("fetch", "index", "install", "pair", "batch")

CHILD = r"""
import io, json, sys, tempfile, time
from pathlib import Path
path, arg, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

# A module of qari in this tree, or in a baseline checkout from before reader/ had layer
# subpackages (there, `fetch` of `reader.web` sits directly under `reader`).
def reader_module(name):
    import importlib
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return importlib.import_module("reader." + name.rsplit(".", 1)[1])
times = []
if path == "fetch":
    fetch = reader_module("reader.web.fetch")
    for _ in range(count):
        t = time.perf_counter(); fetch.fetch_url(arg, timeout=20); times.append(time.perf_counter() - t)
elif path == "index":
    packages = reader_module("reader.translation.packages")
    for _ in range(count):
        t = time.perf_counter(); packages.available(arg, timeout=20); times.append(time.perf_counter() - t)
elif path in ("install", "pair"):
    packages = reader_module("reader.translation.packages")
    import argostranslate.settings  # imported before timing, as in a running reader
    t = time.perf_counter()
    if path == "install":
        packages.install_file(arg)
    else:
        packages.install_pair("ar", "en", index_url=arg, timeout=30)
    times.append(time.perf_counter() - t)
elif path == "batch":
    from reader import batch
    out = Path(tempfile.mkdtemp()) / "out"
    progress = batch.Progress(io.StringIO(), rich=False)
    t = time.perf_counter()
    summary = batch.run([arg], out, translator=None, progress=progress)
    times.append(time.perf_counter() - t)
    assert summary.done == summary.articles, summary
print(json.dumps(times))
"""


def run_child(checkout: Path, path: str, arg: str, count: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="qari-bench-bounds-") as home:
        env = {**os.environ, "HOME": home, "XDG_DATA_HOME": f"{home}/data", "XDG_CONFIG_HOME": f"{home}/config",
               "XDG_CACHE_HOME": f"{home}/cache", "ARGOS_PACKAGES_DIR": f"{home}/packages",
               "PYTHONPATH": str(checkout)}
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(name, None)
        out = subprocess.run([sys.executable, "-c", CHILD, path, arg, str(count)], env=env, cwd=checkout,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"{checkout} {path} failed:\n{out.stderr[-2000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def corpus(folder: Path) -> Path:
    """24 distinct articles from overlapping windows of the sample's paragraphs."""
    sys.path.insert(0, str(REPO))
    paragraphs = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    for i in range(24):
        window = [paragraphs[(i + k) % len(paragraphs)] for k in range(3 + i % 4)]
        (folder / f"zad-{i:02d}.txt").write_text("\n\n".join(window) + "\n", encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another qari checkout (the previous commit)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fetches", type=int, default=40, help="fetches (and index reads) per process")
    parser.add_argument("--quick", action="store_true", help="1 round, 10 fetches")
    parser.add_argument("--paths", default=",".join(PATHS), help=f"which paths (default {','.join(PATHS)})")
    args = parser.parse_args(argv)
    paths = [p for p in args.paths.split(",") if p]
    if not paths or any(p not in PATHS for p in paths):
        parser.error(f"--paths takes some of {','.join(PATHS)}")
    if args.quick:
        args.rounds, args.fetches = 1, 10
    baseline = args.baseline.resolve()
    if not (baseline / "reader" / "cli.py").is_file():
        parser.error(f"{baseline} is not a qari checkout")
    contenders = {"this": REPO, "baseline": baseline}
    print(machine_line())
    print(f"this: {REPO}\nbaseline: {baseline}")

    from loopback import LoopbackServer, Response

    # per process: the median and the best of its iterations (the best is the machine's noise floor:
    # on a loaded machine a median moves by milliseconds with the scheduler, the best does not)
    results: dict[str, dict[str, list[float]]] = {name: {p: [] for p in PATHS} for name in contenders}
    bests: dict[str, dict[str, list[float]]] = {name: {p: [] for p in PATHS} for name in contenders}
    with tempfile.TemporaryDirectory(prefix="qari-bench-corpus-") as tmp, LoopbackServer() as server:
        page = server.route("/news/page.html", Response(PAGE.read_bytes(), content_type="text/html; charset=utf-8"))
        link = server.route("/files/pkg.argosmodel", Response.file(PACKAGE, content_type="application/zip"))
        server.route("/index/index.json", Response.json([{
            "package_version": "1.0", "from_code": "ar", "to_code": "en", "code": "translate-ar_en", "links": [link]}]))
        index = server.url("/index/")
        folder = corpus(Path(tmp))
        jobs = {"fetch": (page, args.fetches), "index": (index, args.fetches), "install": (str(PACKAGE), 1),
                "pair": (index, 1), "batch": (str(folder), 1)}
        for round_ in range(args.rounds):
            order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
            for path in paths:
                for name in order:
                    arg, count = jobs[path]
                    times = run_child(contenders[name], path, arg, count)
                    results[name][path].append(median(times))
                    bests[name][path].append(min(times))
            print(f"round {round_ + 1}/{args.rounds} done", flush=True)

    print(f"\n{'path':<8} {'this (median)':>16} {'baseline (median)':>18} {'ratio':>6} "
          f"{'this (best)':>14} {'baseline (best)':>16} {'ratio':>6}")
    ratios, best_ratios = {}, {}
    for path in paths:
        this, base = results["this"][path], results["baseline"][path]
        this_best, base_best = min(bests["this"][path]), min(bests["baseline"][path])
        ratios[path] = median(this) / median(base)
        best_ratios[path] = this_best / base_best
        print(f"{path:<8} {median(this) * 1e3:13.2f} ms {median(base) * 1e3:15.2f} ms {ratios[path]:6.3f} "
              f"{this_best * 1e3:11.2f} ms {base_best * 1e3:13.2f} ms {best_ratios[path]:6.3f}")
        print(f"{'':<8} this {spread(this)}; baseline {spread(base)}")
    print("RESULT " + " ".join(f"{p}_ratio={ratios[p]:.3f}" for p in paths) + " "
          + " ".join(f"{p}_best_ratio={best_ratios[p]:.3f}" for p in paths)
          + f" rounds={args.rounds} fetches={args.fetches}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
