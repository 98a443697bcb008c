#!/usr/bin/env python3
"""How fast the reader answers keys: `j`, `PageDown` and a terminal resize, on the sample and
on a 2 MB article, in this tree and in a baseline commit, measured in the same run.

Each contender runs in its own child process (`PYTHONPATH` = its tree) with the same headless
Textual App at 120x40, no model (translation off) and the summary off, so only the reading
view's work is timed. A measurement is the wall time from sending the key (or the resize) to
the App being idle again with the new frame composed (`pilot.press` / `pilot.resize_terminal`
followed by `pilot.pause()`): what the reader waits for. `j` and `PageDown` are pressed from
the top, `rounds` times each (after `g`), resizes alternate 120x40 and 100x36. Medians.

The baseline tree is a `git worktree` of `--baseline` (default: the commit before the reading
view was rebuilt), removed afterwards. Both trees run in interleaved rounds.

Last line: ``RESULT j_ratio=<new/base, sample> pagedown_ratio=... resize_ratio=... j_2mb_ratio=...
pagedown_2mb_ratio=... resize_2mb_ratio=... j_ms=... pagedown_ms=... resize_ms=... (new tree, sample)``.

Usage:
  python tests/benchmarks/bench_keys.py                 # sample + 2 MB, baseline c84bef1, 3 rounds
  python tests/benchmarks/bench_keys.py --quick         # sample only, this tree only, 1 round
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from _common import machine_line, median, scaled_article_text  # noqa: E402

CHILD = r'''
import asyncio, json, sys, time
from pathlib import Path
from reader.article import parse_text
from reader.app import QariApp
from reader.config import Config

text = Path(sys.argv[1]).read_text(encoding="utf-8")
presses = int(sys.argv[2])
article = parse_text(text, source="bench.txt")

async def main():
    app = QariApp(article, Config(), None, start_translation=False, start_summary=False)
    out = {"j": [], "pagedown": [], "resize": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        for _ in range(50):  # let a big article's background layout finish first
            pane = app.query_one("#arabic")
            if not getattr(pane, "layout_pending", False):
                break
            await pilot.pause(0.1)
        for key in ("j", "pagedown"):
            await pilot.press("g")
            await pilot.pause()
            for _ in range(presses):
                start = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                out[key].append(time.perf_counter() - start)
        sizes = [(100, 36), (120, 40)]
        for i in range(presses):
            start = time.perf_counter()
            await pilot.resize_terminal(*sizes[i % 2])
            await pilot.pause()
            out["resize"].append(time.perf_counter() - start)
    print("KEYS " + json.dumps(out))

asyncio.run(main())
'''


def run_child(tree: Path, article: Path, presses: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run([sys.executable, "-c", CHILD, str(article), str(presses)], env=env,
                            capture_output=True, text=True, timeout=900, cwd=str(tree))
    line = next((l for l in result.stdout.splitlines() if l.startswith("KEYS ")), None)
    if line is None:
        raise SystemExit(f"child failed in {tree}:\n{result.stderr[-2000:]}")
    data = json.loads(line[5:])
    return {key: median(values) * 1000 for key, values in data.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="c84bef1", help="git ref of the baseline tree")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="sample only, no baseline, 1 round")
    args = parser.parse_args()
    print(machine_line())
    work = Path(tempfile.mkdtemp(prefix="qari-bench-keys-"))
    try:
        sample = REPO / "assets" / "articles" / "zad-jordan-musk-trump-interview.ar.txt"
        articles = {"sample": sample}
        if not args.quick:
            one = len(scaled_article_text(1).encode("utf-8"))
            copies = -(-2_000_000 // one)
            big = work / "big.txt"
            big.write_text(scaled_article_text(copies), encoding="utf-8")
            articles["2mb"] = big
            print(f"2 MB article: {big.stat().st_size / 1e6:.1f} MB ({copies}x the sample)")
        trees = {"new": REPO}
        if not args.quick:
            base = work / "baseline"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(base), args.baseline],
                           check=True)
            trees["base"] = base
        rounds = 1 if args.quick else args.rounds
        presses = 4 if args.quick else args.presses
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        for _ in range(rounds):
            for name, path in articles.items():
                for tree_name, tree in trees.items():
                    results.setdefault((tree_name, name), []).append(run_child(tree, path, presses))
        summary: dict[tuple[str, str], dict[str, float]] = {}
        for key, runs in results.items():
            summary[key] = {k: median([r[k] for r in runs]) for k in runs[0]}
            print(f"{key[0]:>4} {key[1]:>6}: " + "  ".join(f"{k} {v:.1f} ms" for k, v in summary[key].items()))
        fields = {}
        if "base" in trees:
            for name, suffix in (("sample", ""), ("2mb", "_2mb")):
                for key in ("j", "pagedown", "resize"):
                    fields[f"{key}{suffix}_ratio"] = summary[("new", name)][key] / summary[("base", name)][key]
        for key in ("j", "pagedown", "resize"):
            fields[f"{key}_ms"] = summary[("new", "sample")][key]
        if "2mb" in articles:
            for key in ("j", "pagedown", "resize"):
                fields[f"{key}_2mb_ms"] = summary[("new", "2mb")][key]
        print("RESULT " + " ".join(f"{k}={v:.3f}" if "ratio" in k else f"{k}={v:.1f}" for k, v in fields.items()))
    finally:
        if (work / "baseline").exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / "baseline")],
                           check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
