"""Re-wrap on resize for a 5,000-line article: what a terminal resize costs.

Measured, interleaved over several rounds, on 5,000 distinct paragraphs (the sample article's
lines repeated with a running number, so no cache can answer for another line):

  qari layout   re-wrap of every paragraph from width 70 to 100 with reader.text.bidi's prepared
                paragraphs (shaping and bidi levels done once, kept across widths);
  naive         the pipeline of docs/architecture.md, done from scratch at the new width with no
                index maps: arabic_reshaper, textwrap by characters, python-bidi get_display
                per line (the baseline: what a widget without qari's caching pays on resize);
  TUI resize    the reader itself (headless App.run_test): time from a terminal resize to the
                refreshed screen, where only the paragraphs around the view are laid out
                before the frame and the rest finish in a background thread.

Last line: RESULT rewrap_ratio=<qari/naive> ... ; nothing here is a timed test.
Usage: python tests/benchmarks/bench_rewrap.py [--lines N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reader.article import parse_text, sample_article_path  # noqa: E402
from reader.text.bidi import clear_cache, layout_prepared, prepare_paragraph  # noqa: E402


def make_article_text(lines: int) -> str:
    sample = [line for line in sample_article_path().read_text(encoding="utf-8").splitlines() if line.strip()]
    body = sample[2:]  # skip the title lines so every generated line is a body paragraph
    return "\n".join(f"{body[i % len(body)]} ({i})" for i in range(lines))


def qari_rewrap(prepared: list, width: int) -> float:
    started = time.perf_counter()
    for paragraph in prepared:
        layout_prepared(paragraph, width)
    return time.perf_counter() - started


def naive_layout(paragraphs: list[str], width: int) -> float:
    import arabic_reshaper
    from bidi.algorithm import get_display

    reshaper = arabic_reshaper.ArabicReshaper({"delete_harakat": False, "ARABIC LIGATURE ALLAH": False})
    started = time.perf_counter()
    for text in paragraphs:
        shaped = reshaper.reshape(text)
        for line in textwrap.wrap(shaped, width) or [""]:
            get_display(line, base_dir="R")
    return time.perf_counter() - started


async def tui_resize(text: str, rounds: int) -> list[float]:
    """Seconds from resize_terminal to the refreshed frame, alternating 100 and 140 columns."""
    from reader.app import QariApp
    from reader.config import Config

    article = parse_text(text, "bench-5000-lines")
    config = Config(show_summary=False)
    app = QariApp(article, config, lambda: None, start_translation=False, start_summary=False)
    times = []
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(3.0)  # let the first background layout finish
        for r in range(rounds):
            width = 100 if r % 2 == 0 else 140
            started = time.perf_counter()
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            times.append(time.perf_counter() - started)
            await pilot.pause(3.0)  # let the background layout finish before the next resize
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-tui", action="store_true", help="skip the TUI resize measurement")
    args = parser.parse_args(argv)

    text = make_article_text(args.lines)
    paragraphs = text.split("\n")
    clear_cache()
    started = time.perf_counter()
    prepared = [prepare_paragraph(p) for p in paragraphs]
    prepare_s = time.perf_counter() - started
    qari_first = qari_rewrap(prepared, 70)
    print(f"{args.lines} paragraphs: prepare (shape + bidi levels, once) {prepare_s * 1000:.0f} ms, "
          f"first wrap at 70 {qari_first * 1000:.0f} ms")

    qari_times, naive_times = [], []
    for r in range(args.rounds):
        qari_times.append(qari_rewrap(prepared, 100 if r % 2 == 0 else 70))
        naive_times.append(naive_layout(paragraphs, 100 if r % 2 == 0 else 70))
        print(f"# round {r + 1}/{args.rounds}: qari re-wrap {qari_times[-1] * 1000:.0f} ms, "
              f"naive {naive_times[-1] * 1000:.0f} ms")
    qari_ms = statistics.median(qari_times) * 1000
    naive_ms = statistics.median(naive_times) * 1000
    print(f"re-wrap all {args.lines} paragraphs: qari {qari_ms:.0f} ms vs naive pipeline {naive_ms:.0f} ms")

    tui_ms = float("nan")
    if not args.no_tui:
        tui = asyncio.run(tui_resize(text, args.rounds))
        tui_ms = statistics.median(tui) * 1000
        print(f"TUI: resize to refreshed frame {tui_ms:.0f} ms median "
              f"[{min(tui) * 1000:.0f}-{max(tui) * 1000:.0f}] over {len(tui)} resizes (visible part first)")
    print(f"RESULT rewrap_ratio={qari_ms / naive_ms:.3f} qari_rewrap_ms={qari_ms:.0f} naive_ms={naive_ms:.0f} "
          f"tui_resize_ms={tui_ms:.0f} lines={args.lines} rounds={args.rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
