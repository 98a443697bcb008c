"""Feeds: updating 50 feeds x 50 items from a loopback server, and the feed screen at 10,000 items.

update      `reader.store.feeds.update_feeds` over F feeds of I items each (default 50 x 50), served by
            tests/loopback.py with ETag/Last-Modified: the first update (every feed a full 200,
            every item new and stored) and the second (every feed answers 304, nothing parsed).
            Baseline: the same F bodies fetched one after the other with plain `urllib` and
            nothing else (the transfer floor); and feedparser alone on the F bodies.
screen      a library holding N feed items (default 10,000; inserted directly), opened in the
            real App under Textual's headless Pilot: `f` to the first frame with rows painted
            (the newest page; "every item read" is when the whole list is in), and each of 3
            typed filter letters (key to painted frame).
            Baseline: the library screen (`h`) holding N articles with the same headlines, open
            and the same 3 letters, in the same App and the same rounds.

Targets: feed screen open <= 200 ms, each filter keystroke <= 50 ms (medians).
Last line: RESULT update_s=... conditional_s=... fetch_floor_s=... open_ms=... filter_max_ms=...
           open_vs_library=... filter_vs_library=... items=... target=ok|miss
Usage: python tests/benchmarks/bench_feeds.py [--feeds F] [--items I] [--screen-items N] [--rounds R] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

sys.path.insert(0, str(C.TESTS))

OPEN_TARGET_MS = 200.0
FILTER_TARGET_MS = 50.0
WORD = "الانتخابات"


def headlines(seed: int = 0) -> list[str]:
    from reader.article import load_article, sample_article_path

    article = load_article(sample_article_path())
    words = [w for s in article.sentences for w in s.text.split()]
    rng = random.Random(seed)
    return [" ".join(rng.sample(words, rng.randint(5, 11))) for _ in range(400)]


def rss(feed: int, items: int, titles: list[str], base: str) -> bytes:
    from email.utils import formatdate
    from xml.sax.saxutils import escape

    parts = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
             f"<title>قناة {feed}</title><link>{base}</link>"]
    for i in range(items):
        title = titles[(feed * items + i) % len(titles)] + f" {feed}-{i}"
        parts.append(f"<item><title>{escape(title)}</title><link>{base}a/{feed}/{i}</link>"
                     f"<guid>urn:bench:{feed}:{i}</guid><pubDate>{formatdate(1.79e9 - i * 60, usegmt=True)}</pubDate>"
                     f"<description>{escape(title)}</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def bench_update(feeds: int, items: int, rounds: int) -> dict[str, float]:
    import urllib.request

    import feedparser
    from feedsite import ConditionalFeed
    from loopback import LoopbackServer

    from reader.store.feeds import FeedStore, update_feeds
    from reader.store.library import Library

    titles = headlines()
    first, second, floor, parse = [], [], [], []
    with LoopbackServer() as server:
        bodies = []
        for f in range(feeds):
            body = rss(f, items, titles, server.url("/"))
            bodies.append(body)
            server.route(f"/feed/{f}.xml", ConditionalFeed(body, "application/rss+xml", f'"v{f}"', 1.79e9))
        urls = [server.url(f"/feed/{f}.xml") for f in range(feeds)]
        for _ in range(rounds):
            with tempfile.TemporaryDirectory(prefix="qari-bench-feeds-") as tmp:
                with Library.open(Path(tmp) / "library.sqlite3") as lib:
                    store = FeedStore(lib)
                    for n, url in enumerate(urls):
                        store.add(url, f"feed {n}")
                    t0 = time.perf_counter()
                    results = update_feeds(store)
                    first.append(time.perf_counter() - t0)
                    assert sum(len(r.new) for r in results) == feeds * items and not any(r.error for r in results)
                    t0 = time.perf_counter()
                    results = update_feeds(store)
                    second.append(time.perf_counter() - t0)
                    assert all(r.unchanged for r in results), [r.error for r in results if r.error][:3]
            t0 = time.perf_counter()
            for url in urls:
                with urllib.request.urlopen(url, timeout=20) as response:
                    response.read()
            floor.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for body in bodies:
                feedparser.parse(__import__("io").BytesIO(body))
            parse.append(time.perf_counter() - t0)
    return {"update_s": C.median(first), "conditional_s": C.median(second), "fetch_floor_s": C.median(floor),
            "parse_only_s": C.median(parse)}


def fill_library(path: Path, count: int) -> None:
    """`count` feed items over 20 feeds, and `count` library articles with the same headlines."""
    from reader.text.arabic import search_key
    from reader.store.feeds import FeedStore, ParsedFeed, ParsedItem
    from reader.store.library import Library

    titles = headlines(1)
    with Library.open(path) as lib:
        store = FeedStore(lib)
        per = count // 20
        made = 0
        for f in range(20):
            feed = store.add(f"http://bench.example/{f}.xml", f"قناة {f}")
            n = per if f < 19 else count - made
            parsed = ParsedFeed(f"قناة {f}", "", [
                ParsedItem(f"k{f}-{i}", f"http://bench.example/{f}/{i}", titles[(f * per + i) % len(titles)] + f" {f}-{i}",
                           "", 1.79e9 - (f * per + i) * 7.0) for i in range(n)], "rss20")
            store.store(feed, None, parsed, now=1.8e9)
            made += n

        def articles(conn) -> None:
            conn.executemany(
                "INSERT INTO articles (id, text, title, source, title_key, source_key, first_opened, opened_at,"
                " position, sentences, translated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 3, 0)",
                [(f"{i:064x}", "نص قصير. ونص آخر. وثالث.", titles[i % len(titles)] + f" {i}", f"http://bench.example/{i}",
                  search_key(titles[i % len(titles)] + f" {i}"), f"http://bench.example/{i}", 1.7e9 + i, 1.7e9 + i)
                 for i in range(count)])

        lib._write(articles, "fill the bench library")
        assert not lib.warnings, lib.warnings


async def bench_screens(path: Path, rounds: int) -> dict[str, list]:
    """Key to painted frame, for `f`/`h` and each filter letter, in the real App (Pilot).

    The time of a paint is taken by ``call_after_refresh`` right after the screen's own
    list update (``FeedScreen.apply_filter``, ``LibraryScreen.refresh_entries``): it runs once
    the compositor has drawn the frame with the new rows. Pilot's own waiting is not counted."""
    from reader.app import QariApp
    from reader.article import load_article, sample_article_path
    from reader.config import Config
    from reader.store.library import Library
    from widgets.feed_screen import FeedScreen
    from widgets.library_screen import LibraryScreen

    painted: list[float] = []

    def mark_paint(method):
        def wrapper(self, *args, **kwargs):
            result = method(self, *args, **kwargs)
            self.call_after_refresh(lambda: painted.append(time.perf_counter()))
            return result
        return wrapper

    FeedScreen.apply_filter = mark_paint(FeedScreen.apply_filter)
    LibraryScreen.refresh_entries = mark_paint(LibraryScreen.refresh_entries)

    async def paint_after(t0: float, pilot, *, then=None) -> float:
        while not any(t > t0 for t in painted) or (then is not None and not then()):
            await pilot.pause(0.002)
        return min(t for t in painted if t > t0) - t0

    config = Config(layout="side", show_translation=False, show_summary=False, algorithm="news", summary_sentences=0,
                    bidi="app", shape=True, theme="textual-dark")
    app = QariApp(load_article(sample_article_path()), config, None, start_summary=False)
    library = Library.open(path)
    app.library = library
    times: dict[str, list] = {"feed_open": [], "feed_all": [], "lib_open": [], "feed_filter": [], "lib_filter": []}
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        for r in range(rounds + 1):  # round 0 warms imports and caches; not counted
            order = ("feed", "lib") if r % 2 == 0 else ("lib", "feed")
            for which in order:
                key, kind = ("f", FeedScreen) if which == "feed" else ("h", LibraryScreen)
                painted.clear()
                t0 = time.perf_counter()
                await pilot.press(key)
                opened = await paint_after(t0, pilot)
                if which == "feed":
                    while not app.screen.complete:
                        await pilot.pause(0.002)
                    everything = max(painted) - t0
                    assert len(app.screen.shown) == len(app.screen.items) > 0
                else:
                    while not app.screen.entries:
                        await pilot.pause(0.002)
                steps = []
                for letter in WORD[:3]:
                    t0 = time.perf_counter()
                    await pilot.press(letter)
                    steps.append(await paint_after(t0, pilot))
                if r:
                    times[f"{which}_open"].append(opened)
                    times[f"{which}_filter"].append(steps)
                    if which == "feed":
                        times["feed_all"].append(everything)
                await pilot.press("escape", "escape")
                while isinstance(app.screen, kind):
                    await pilot.pause()
    library.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--screen-items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10 feeds x 20 items, 1,000 screen items, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.items, args.screen_items, args.rounds = 10, 20, 1_000, 2

    print(C.machine_line())
    up = bench_update(args.feeds, args.items, args.rounds)
    print(f"update {args.feeds} feeds x {args.items} items: first {up['update_s']:.2f} s, "
          f"unchanged (304) {up['conditional_s']:.3f} s; floor: plain sequential GETs {up['fetch_floor_s']:.3f} s, "
          f"feedparser alone {up['parse_only_s']:.2f} s")

    with tempfile.TemporaryDirectory(prefix="qari-bench-feedscreen-") as tmp:
        path = Path(tmp) / "library.sqlite3"
        t0 = time.perf_counter()
        fill_library(path, args.screen_items)
        print(f"library with {args.screen_items} feed items and {args.screen_items} articles in "
              f"{time.perf_counter() - t0:.1f} s")
        times = asyncio.run(bench_screens(path, args.rounds))

    open_ms = C.median(times["feed_open"]) * 1000
    lib_open_ms = C.median(times["lib_open"]) * 1000
    feed_steps = [C.median([r[i] for r in times["feed_filter"]]) * 1000 for i in range(3)]
    lib_steps = [C.median([r[i] for r in times["lib_filter"]]) * 1000 for i in range(3)]
    print(f"{'step':<20}{'feed screen ms':>16}{'library screen ms':>19}")
    print(f"{'open':<20}{open_ms:>16.1f}{lib_open_ms:>19.1f}")
    print(f"{'  every item read':<20}{C.median(times['feed_all']) * 1000:>16.1f}{'':>19}")
    for n in range(3):
        print(f"{'filter ' + repr(WORD[: n + 1]):<20}{feed_steps[n]:>16.1f}{lib_steps[n]:>19.1f}")
    worst = max(feed_steps)
    ok = open_ms <= OPEN_TARGET_MS and worst <= FILTER_TARGET_MS
    print(f"target: open <= {OPEN_TARGET_MS:.0f} ms, each filter keystroke <= {FILTER_TARGET_MS:.0f} ms: "
          f"{'ok' if ok else 'MISSED'}")
    print(f"RESULT update_s={up['update_s']:.3f} conditional_s={up['conditional_s']:.3f} "
          f"fetch_floor_s={up['fetch_floor_s']:.3f} open_ms={open_ms:.1f} filter_max_ms={worst:.1f} "
          f"open_vs_library={C.fmt_ratio(open_ms / lib_open_ms)} "
          f"filter_vs_library={C.fmt_ratio(worst / max(lib_steps))} items={args.screen_items} "
          f"target={'ok' if ok else 'miss'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
