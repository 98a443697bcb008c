"""The library screen's data at 10,000 articles: open, and filter as you type.

A library of N articles (default 10,000; `--quick`: 1,000) is generated into a temp file with
the real API (`Library.record` of `parse_text` articles): short Arabic texts made of the
sample article's sentences, each distinct, with a heading line as title. Then, medians over
`--rounds`:

  open        a fresh `Library.open` + `recent()` of every entry ("qari ms"), and what the
              screen does on `h` ("screen ms"): open, `recent(limit=MAX_ROWS)`, `count()`, and
              the rows laid out (`widgets.library_screen.entry_label`);
  filter      typing 3 letters of a word that occurs in many titles: `recent(filter=...)` of
              every match for each prefix (1, 2, 3 letters), and the screen's step as above;
  baseline    the same rows already in a Python list with their folded keys (what a
              load-everything-then-scan design costs per keystroke, with no I/O at all):
              a list comprehension with `in` per prefix, and a sort by time for "open".

Target: the screen's open and each filter step < 200 ms.
Last line: RESULT open_ms=... filter_max_ms=... open_vs_scan=... filter_vs_scan=... target=ok|miss
Usage: python tests/benchmarks/bench_library.py [--articles N] [--rounds R] [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C

TARGET_MS = 200.0
WORD = "ترامب"  # in many of the sample's sentences, so each prefix matches thousands of titles


def sample_sentences() -> list[str]:
    from reader.article import load_article, sample_article_path

    article = load_article(sample_article_path())
    return [" ".join(s.text.split()) for s in article.sentences if len(s.text.split()) >= 4]


def build(path: Path, count: int, seed: int = 0) -> float:
    """Fill a library with `count` distinct articles; returns the seconds it took."""
    from reader.article import parse_text
    from reader.store.library import Library

    rng = random.Random(seed)
    sentences = sample_sentences()
    t0 = time.perf_counter()
    with Library.open(path, timeout=30) as lib:
        for i in range(count):
            head = rng.choice(sentences).rstrip(".!؟?")
            words = head.split()[: rng.randint(4, 9)]
            title = " ".join(words) + f" {i}"
            body = " ".join(rng.sample(sentences, rng.randint(2, 5)))
            article = parse_text(f"{title}\n{body}", source=f"https://news.example/{i}")
            entry = lib.record(article, now=1_700_000_000.0 + i)
            if i % 3 == 0:
                lib.set_position(entry.id, rng.randrange(max(1, entry.sentences)))
        assert not lib.warnings, lib.warnings
    return time.perf_counter() - t0


def timed(fn, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return C.median(times) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="1,000 articles, 3 rounds (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.rounds = 1_000, 3

    from reader.text.arabic import search_key
    from reader.store.library import Library
    from widgets.library_screen import MAX_ROWS, entry_label

    print(C.machine_line())
    with tempfile.TemporaryDirectory(prefix="qari-bench-library-") as tmp:
        path = Path(tmp) / "library.sqlite3"
        build_s = build(path, args.articles)
        print(f"built {args.articles} articles in {build_s:.1f} s ({path.stat().st_size / 1e6:.1f} MB + WAL)")

        def screen_step(lib, text=None) -> int:
            """What LibraryScreen.refresh_entries does: the first MAX_ROWS, the total, the rows."""
            entries = lib.recent(limit=MAX_ROWS, filter=text)
            total = lib.count(filter=text)
            for e in entries:
                entry_label(e, 100, now=1_700_000_000.0)
            return total

        def open_data():
            with Library.open(path) as lib:
                return lib.recent()

        def open_screen():
            with Library.open(path) as lib:
                return screen_step(lib)

        open_ms, entries = timed(open_data, args.rounds)
        open_rows_ms, _ = timed(open_screen, args.rounds)
        assert len(entries) == args.articles

        # The baseline: every row already in memory with its folded keys.
        rows = [(e.opened_at, e, search_key(e.title), search_key(e.source)) for e in entries]
        scan_open_ms, _ = timed(lambda: [r[1] for r in sorted(rows, key=lambda r: -r[0])], args.rounds)

        lib = Library.open(path)
        print(f"{'step':<22}{'qari ms':>10}{'screen ms':>10}{'scan ms':>10}{'matches':>9}")
        print(f"{'open':<22}{open_ms:>10.2f}{open_rows_ms:>10.2f}{scan_open_ms:>10.2f}{len(entries):>9}")
        filter_ms, filter_rows_ms, scan_ms = [], [], []
        for n in range(1, 4):
            prefix = WORD[:n]
            key = search_key(prefix)
            q_ms, found = timed(lambda p=prefix: lib.recent(filter=p), args.rounds)
            qr_ms, total = timed(lambda p=prefix: screen_step(lib, p), args.rounds)
            assert total == len(found)
            s_ms, scanned = timed(lambda k=key: [r[1] for r in rows if k in r[2] or k in r[3]], args.rounds)
            assert [e.id for e in found] == [e.id for e in scanned], "the SQL filter and the scan disagree"
            filter_ms.append(q_ms)
            filter_rows_ms.append(qr_ms)
            scan_ms.append(s_ms)
            print(f"{'filter ' + repr(prefix):<22}{q_ms:>10.2f}{qr_ms:>10.2f}{s_ms:>10.2f}{len(found):>9}")
        lib.close()

    worst_filter = max(filter_rows_ms)
    ok = open_rows_ms < TARGET_MS and worst_filter < TARGET_MS
    print(f"target: the screen's open and each filter step < {TARGET_MS:.0f} ms: {'ok' if ok else 'MISSED'}")
    open_ratio = open_ms / scan_open_ms if scan_open_ms else float("inf")
    filter_ratio = C.median([q / s for q, s in zip(filter_ms, scan_ms, strict=True) if s]) if any(scan_ms) else 0.0
    print(f"RESULT open_ms={open_rows_ms:.2f} filter_max_ms={worst_filter:.2f} "
          f"open_vs_scan={C.fmt_ratio(open_ratio)} filter_vs_scan={C.fmt_ratio(filter_ratio)} "
          f"articles={args.articles} target={'ok' if ok else 'miss'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
