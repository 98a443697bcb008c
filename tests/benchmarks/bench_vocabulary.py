"""Vocabulary: word lookup latency once the lexicon is loaded, and the difficulty of a 2 MB
article, measured in the same run so the difficulty is read against the lookup baseline.

  lookup      every Arabic word of the sample, one `lookup_word` call each, the analysis cache
              cleared before every word (a word never seen before); target < 1 ms (median
              and p95) after the lexicon is loaded.
  difficulty  `reader.store.vocabulary.article_profile` + `difficulty` of a 2 MB article, the
              per-form cache cleared first (a fresh process; wordfreq and the lexicon already
              loaded, as in the reader after the first lookup), on two articles:
                repeated  the sample repeated to 2 MB with distinct numbers (what bench_keys
                          uses: few distinct forms, so this is the cost of the pass itself);
                varied    2 MB drawn from wordfreq's 50,000 most frequent Arabic forms with a
                          Zipf law (seeded), 12 words a sentence: tens of thousands of distinct
                          forms, like a large real corpus; each distinct form is analysed once.
              Target < 1 s. Printed also as a multiple of one uncached lookup (the baseline).

Last line: RESULT lookup_median_ms=... lookup_p95_ms=... difficulty_repeated_s=...
difficulty_varied_s=... varied_vs_lookup=...; no timed test.
Usage: python tests/benchmarks/bench_vocabulary.py [--rounds R] [--quick] [--size-mb 2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _common import machine_line, scaled_article_text  # noqa: E402

TARGET_BYTES = 2_000_000


def pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def repeated_article(target: int = TARGET_BYTES) -> str:
    one = len(scaled_article_text(1).encode("utf-8"))
    return scaled_article_text(-(-target // one))


def varied_article(seed: int = 7, target: int = TARGET_BYTES) -> str:
    """~2 MB of sentences of Zipf-distributed frequent Arabic forms (seeded)."""
    from reader.text.morphology import word_kind
    from reader.store.vocabulary import RANK_LIMIT

    import wordfreq

    forms = [w for w in wordfreq.top_n_list("ar", RANK_LIMIT) if word_kind(w) == "arabic"]
    weights = [1 / (rank + 10) for rank in range(len(forms))]
    rng = random.Random(seed)
    sentences, size = [], 0
    while size < target:
        sentence = " ".join(rng.choices(forms, weights, k=12)) + "."
        sentences.append(sentence)
        size += len(sentence.encode("utf-8")) + 1
    return "\n".join(" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5))


def time_difficulty(text: str) -> tuple[float, float, int, int]:
    """(wall s, CPU s of this process, lemmas, distinct forms): CPU time is the figure to read
    on a shared machine, where wall time also counts the waits for a core."""
    from reader.store import vocabulary as V

    V._infos.clear()  # a fresh process: no form analysed yet
    started, cpu = time.perf_counter(), time.process_time()
    profile = V.article_profile(text, 5000)
    profile.difficulty(frozenset())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    forms = len({text[s:e] for s, e in V.arabic_words(text)})
    return seconds, cpu, profile.lemmas, forms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round")
    parser.add_argument("--size-mb", type=float, default=TARGET_BYTES / 1e6,
                        help="article size in MB (default 2; the smoke test uses less)")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else max(1, args.rounds)
    print(machine_line())

    from reader.text import morphology as M
    from reader.store import vocabulary as V
    from reader.article import sample_article_path

    started = time.perf_counter()
    M.load_lexicon()
    lexicon_s = time.perf_counter() - started
    started = time.perf_counter()
    V.frequency_ranks()
    ranks_s = time.perf_counter() - started
    print(f"loaded: lexicon {lexicon_s:.2f} s, wordfreq ranks {ranks_s:.2f} s ({len(V.frequency_ranks()):,} forms)")

    text = sample_article_path().read_text(encoding="utf-8")
    words = [text[s:e] for s, e in V.arabic_words(text)]
    target = int(args.size_mb * 1e6)
    repeated, varied = repeated_article(target), varied_article(target=target)
    for name, article in (("repeated", repeated), ("varied", varied)):
        print(f"{name} article: {len(article.encode('utf-8')) / 1e6:.2f} MB")

    lookups: list[float] = []
    results: dict[str, list[float]] = {"repeated": [], "varied": []}
    cpus: dict[str, list[float]] = {"repeated": [], "varied": []}
    sizes: dict[str, tuple[int, int]] = {}
    for r in range(rounds):
        for which in (("lookup", "repeated", "varied") if r % 2 == 0 else ("varied", "repeated", "lookup")):
            if which == "lookup":
                for word in words:
                    M._cached_analyse.cache_clear()
                    t = time.perf_counter()
                    M.lookup_word(word)
                    lookups.append(time.perf_counter() - t)
            else:
                seconds, cpu, lemmas, forms = time_difficulty(repeated if which == "repeated" else varied)
                results[which].append(seconds)
                cpus[which].append(cpu)
                sizes[which] = (lemmas, forms)

    med, p95 = statistics.median(lookups), pctl(lookups, 0.95)
    print(f"lookup (uncached)    median {med * 1000:.3f} ms  p95 {p95 * 1000:.3f} ms  (n={len(lookups)})  target < 1 ms")
    for name, values in results.items():
        lemmas, forms = sizes[name]
        best = min(values)
        print(f"difficulty {name:<9} median {statistics.median(values):.3f} s  best {best:.3f} s  "
              f"CPU {statistics.median(cpus[name]):.3f} s  "
              f"({forms:,} distinct forms, {lemmas:,} lemmas; {statistics.median(values) / med:,.0f}x one lookup)"
              f"  target < 1 s")
    rep, var = statistics.median(results["repeated"]), statistics.median(results["varied"])
    print(f"RESULT lookup_median_ms={med * 1000:.3f} lookup_p95_ms={p95 * 1000:.3f} difficulty_repeated_s={rep:.3f} "
          f"difficulty_varied_s={var:.3f} varied_cpu_s={statistics.median(cpus['varied']):.3f} "
          f"repeated_vs_lookup={rep / med:.0f} varied_vs_lookup={var / med:.0f} "
          f"varied_forms={sizes['varied'][1]} rounds={rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
