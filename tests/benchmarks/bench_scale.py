#!/usr/bin/env python3
"""How segmentation, summarizing and RTL layout grow with article length, and how the TUI's
first paint grows.

Articles: the sample repeated 1x, 10x, 100x (``--quick``: 1x, 10x), every sentence made
distinct by a number before its closing punctuation (``_common.scaled_article_text``), so no
cache (bidi's prepared paragraphs, the summary's de-duplication of repeated sentences) is
flattered by repeats. Stages, each on the same article text:

* segment:   ``reader.article.parse_text(text)`` (normalise, paragraphs, headings, sentences);
* summarize: ``reader.summary.summarize.summarize_article(article, algorithm=A)`` for ``news`` and
             each other algorithm (``--quick``: news only);
* layout:    ``reader.text.bidi.layout_paragraph(p.text, 70)`` for every paragraph, after
             ``reader.text.bidi.clear_cache()`` (shaping, bidi levels and wrapping all counted).

Each stage is warmed up once (imports, lazy tables), then timed in interleaved rounds (every
round runs every size); a measurement repeats the call until it lasts about 0.2 s (the 100x
calls once) and reports the time per call, after a gc.collect(). Medians over rounds.

Growth: for each 10x step, ratio = t(10n) / t(n) and exponent k = log10(ratio) (1 = linear,
2 = quadratic). Verdict from the largest step: k <= 1.12 "~linear", <= 1.25 "~n log n",
< 1.8 "superlinear", else "quadratic", with the reason where the algorithm needs it.

TUI: qari's first paint (bench_startup's method: pseudo-terminal 120x40, until a word of the
first body paragraph appears) on the 1x and the largest article, interleaved rounds. Target:
the 100x article paints in under 2x the 1x time (the pane lays out what is visible first, see
widgets/article_pane.py SYNC_LAYOUT_BLOCKS), compared with what laying out EVERY paragraph
would add (the layout stage above).

Last line: ``RESULT segment_growth=<k> summarize_growth=<k> layout_growth=<k> tui_ratio=<t100/t1> ...``
(k: the exponent of the largest 10x step; summarize: news).

Usage:
  python tests/benchmarks/bench_scale.py            # 1x 10x 100x, 5 rounds, all algorithms
  python tests/benchmarks/bench_scale.py --quick    # 1x 10x, 1 round, news only (seconds)
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

WIDTH = 70
MIN_SECONDS = 0.2  # a 1x measurement repeats the call until about this long

PAIRWISE = {"news", "lexrank", "textrank", "reduction"}


def timed(fn, reps: int) -> float:
    gc.collect()  # a collection of the big articles' objects must not land in one measurement
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def calibrate(fn) -> int:
    t = timed(fn, 1)
    return max(1, min(200, int(MIN_SECONDS / max(t, 1e-6))))


def verdict(k: float, stage: str) -> str:
    if math.isnan(k):
        return "n/a"
    if k <= 1.12:
        v = "~linear"
    elif k <= 1.25:
        v = "~n log n"
    elif k < 1.8:
        v = "superlinear"
    else:
        v = "quadratic"
    algorithm = stage.split(":", 1)[-1]
    if stage.startswith("summarize") and algorithm in PAIRWISE:
        why = ("the algorithm compares every pair of sentences (O(n^2) similarity matrix, in numpy), "
               "capped at reader.summary.summarize.MAX_SCORED_SENTENCES candidates")
        v += f" ({'its O(n^2) part is not dominant at these sizes: ' if k <= 1.25 else 'needed: '}{why})"
    elif stage.startswith("summarize") and algorithm in {"kl", "sumbasic"}:
        v += " (greedy selection: summary length x candidates, linear for a bounded summary length)"
    elif stage.startswith("summarize") and algorithm == "lsa":
        v += " (qari's FastLsa: no SVD, term-sentence counts)"
    elif k > 1.25:
        v += " (NOT needed by the algorithm: investigate)"
    return v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1x and 10x, 1 round, news only")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5, --quick 1)")
    parser.add_argument("--tui-rounds", type=int, default=None, help="TUI first-paint rounds (default 5, --quick 1)")
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI first-paint part")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    tui_rounds = args.tui_rounds or (1 if args.quick else 5)
    sizes = (1, 10) if args.quick else (1, 10, 100)

    from reader.text import bidi
    from reader.article import parse_text
    from reader.config import ALGORITHMS
    from reader.summary.summarize import summarize_article

    algorithms = ("news",) if args.quick else tuple(ALGORITHMS)
    print(C.machine_line())
    texts = {n: C.scaled_article_text(n) for n in sizes}
    articles = {n: parse_text(texts[n]) for n in sizes}
    for n in sizes:
        a = articles[n]
        body = sum(len(p.sentences) for p in a.paragraphs if not p.is_heading)
        print(f"# {n}x: {len(texts[n])} chars, {len(a.paragraphs)} paragraphs, {len(a.sentences)} sentences "
              f"({body} in body paragraphs)")

    def layout_all(article):
        bidi.clear_cache()
        for p in article.paragraphs:
            bidi.layout_paragraph(p.text, WIDTH)

    stages: dict[str, dict[int, object]] = {}
    stages["segment"] = {n: (lambda n=n: parse_text(texts[n])) for n in sizes}
    for alg in algorithms:
        stages[f"summarize:{alg}"] = {n: (lambda n=n, alg=alg: summarize_article(articles[n], algorithm=alg))
                                      for n in sizes}
    stages["layout"] = {n: (lambda n=n: layout_all(articles[n])) for n in sizes}

    reps: dict[tuple[str, int], int] = {}
    for stage, fns in stages.items():  # warm-up + repetition counts
        for n, fn in fns.items():
            reps[stage, n] = calibrate(fn)
    times: dict[tuple[str, int], list[float]] = {key: [] for key in reps}
    for r in range(rounds):
        for stage, fns in stages.items():
            for n in (sizes if r % 2 == 0 else sizes[::-1]):
                times[stage, n].append(timed(fns[n], reps[stage, n]))
        print(f"# round {r + 1}/{rounds} done (load {C.loadavg().split()[0]})", flush=True)

    print()
    header = f"{'stage':<20}" + "".join(f"{f'{n}x':>12}" for n in sizes) + "   growth per 10x (ratio, exponent k)"
    print(header)
    growth: dict[str, float] = {}
    verdicts: dict[str, str] = {}
    for stage in stages:
        meds = [C.median(times[stage, n]) for n in sizes]
        steps = []
        k = float("nan")
        for a, b in zip(meds, meds[1:]):
            ratio = b / a if a > 0 else float("nan")
            k = math.log10(ratio) if ratio > 0 else float("nan")
            steps.append(f"x{ratio:.1f} (k={k:.2f})")
        growth[stage] = k
        verdicts[stage] = verdict(k, stage)
        cells = "".join(f"{m * 1e3:>9.2f} ms" for m in meds)
        print(f"{stage:<20}{cells}   {' then '.join(steps)}")
    print()
    for stage in stages:
        print(f"verdict {stage}: {verdicts[stage]}")

    tui_ratio = float("nan")
    tui_line = ""
    if not args.no_tui:
        import bench_startup as S

        big = sizes[-1]
        with tempfile.TemporaryDirectory(prefix="qari-bench-scale-") as tmp_name:
            tmp = Path(tmp_name)
            paths = {}
            for n in (1, big):
                paths[n] = tmp / f"article-{n}x.txt"
                paths[n].write_text(texts[n], encoding="utf-8")
            marks = S.markers(paths[1])
            env = S.child_env(tmp / "env")
            tui, tui_cpu = S.measure({f"{n}x": S.qari_command(paths[n]) for n in (1, big)}, marks, tui_rounds, env)
        t1, tb = C.median(tui["1x"]), C.median(tui[f"{big}x"])
        tui_ratio = tb / t1
        all_layout = C.median(times["layout", big])
        parse_big = C.median(times["segment", big])
        cpu_ratio = C.median(tui_cpu[f"{big}x"]) / C.median(tui_cpu["1x"])
        print(f"TUI first paint: 1x {C.spread(tui['1x'])}, {big}x {C.spread(tui[f'{big}x'])}; "
              f"ratio {tui_ratio:.2f} (target < 2: {'met' if tui_ratio < 2 else 'MISSED'}); "
              f"CPU time by then: 1x {C.spread(tui_cpu['1x'])}, {big}x {C.spread(tui_cpu[f'{big}x'])}, "
              f"ratio {cpu_ratio:.2f}")
        tui_line = (f"  for scale: parsing the {big}x article takes {parse_big * 1e3:.0f} ms and laying out ALL its "
                    f"paragraphs at width {WIDTH} would take {all_layout * 1e3:.0f} ms; the {big}x paint costs "
                    f"{(tb - t1) * 1e3:.0f} ms more than 1x")
        print(tui_line)

    seg_k = growth["segment"]
    fields = {
        "segment_growth": f"{seg_k:.2f}",
        "summarize_growth": f"{growth['summarize:news']:.2f}",
        "layout_growth": f"{growth['layout']:.2f}",
        "tui_ratio": f"{tui_ratio:.2f}",
        "segment_ms": f"{C.median(times['segment', sizes[-1]]) * 1e3:.1f}",
        "summarize_ms": f"{C.median(times['summarize:news', sizes[-1]]) * 1e3:.1f}",
        "layout_ms": f"{C.median(times['layout', sizes[-1]]) * 1e3:.1f}",
        "largest": f"{sizes[-1]}x",
        "rounds": str(rounds),
    }
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
