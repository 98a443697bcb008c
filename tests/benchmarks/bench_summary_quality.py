#!/usr/bin/env python3
"""Summary quality: ROUGE-1/2/L F1 of qari's summarizers against human summaries, vs Lead-n.

Data: a JSON-lines file of news articles, one object a line with ``id``, ``text`` (paragraphs
separated by blank lines), ``summaries`` (list of reference summaries) and optionally
``title``; given with ``--dev PATH`` or the environment variable ``QARI_SUMMARY_DEV``.  The
data is not part of the repository (its licence is internal use only): without it the script
says it skipped and exits 0.

Split.  A document is held out when the first 8 hex digits of sha256(id) mod 10 < 3 (about 30 %);
the ``news`` weights (reader/summary/news.py) are fitted on the rest (fit_news_weights.py), and the
figures reported here are on the held-out part (``--split all`` / ``fit`` for the others).

Protocol (the one the development set's own scorer documents, re-implemented here):

* Tokens: NFKC; tashkeel (U+0610-061A, U+064B-065F, U+0670, U+06D6-06ED) and tatweel removed;
  alef forms -> bare alef, alef maqsura -> ya, ta marbuta -> ha; Arabic-Indic digits -> ASCII;
  lower case; tokens are the runs of letters/digits.  No stemming, no stop words.
* ROUGE-1/2: clipped n-gram overlap; ROUGE-L: LCS of the whole token sequences (not Lsum);
  F1 = 2PR / (P + R); per document the mean over references; report the macro mean x 100.
* Sentence budget: n = max(1, round(mean number of reference sentences)), sentences split at
  newlines and after . ! ? ؟ followed by white space; Lead-n is the first n of those.
* Word budget (``--budget words`` or ``both``): each system is asked for n, n+1, ... sentences
  until it returns at least B tokens (B = the mean reference length in tokens, rounded) or
  stops growing, and its tokens are cut to the first B.

Systems: ``lead``, ``news`` (the default, text only, as `reader.summarize_text` is called),
``news+title`` (the article's title given as `Article.title`, as a fetched page
has it), and qari's other algorithms (``--systems`` to choose; ``--limit N`` takes
the first N documents of the split).

Last line: ``RESULT news_r1_ratio=<news R1 / lead R1> news_r2_ratio=... news_rl_ratio=...``
(sentence budget, held-out split), then the absolute figures.

Usage:
  python tests/benchmarks/bench_summary_quality.py --dev PATH                  # held-out, all systems
  python tests/benchmarks/bench_summary_quality.py --dev PATH --systems lead,news --limit 300
  python tests/benchmarks/bench_summary_quality.py --dev PATH --check-scorer OTHER_SCORER.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import _common as C  # noqa: E402

ENV = "QARI_SUMMARY_DEV"
HELD_OUT_TENTHS = 3
METRICS = ("r1", "r2", "rl")

# ----------------------------------------------------------------------------- tokens

_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_FOLD = {ord(a): b for a, b in (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"))}
_DIGIT_FOLD = {base + d: str(d) for base in (0x0660, 0x06F0) for d in range(10)}
_FOLD = {**_LETTER_FOLD, **_DIGIT_FOLD}
_RUN = re.compile(r"[^\W_]+")


def rouge_tokens(text: str) -> list[str]:
    """The protocol's tokens of `text` (see the module doc)."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_FOLD).lower()
    return _RUN.findall(folded)


_BREAK = re.compile(r"(?<=[.!?\u061f])\s+")


def plain_sentences(text: str) -> list[str]:
    """The protocol's sentences: lines, split after . ! ? ؟ + white space; token-less ones dropped."""
    out = []
    for line in text.replace("\r", "\n").split("\n"):
        for piece in _BREAK.split(line.strip()):
            piece = " ".join(piece.split())
            if _RUN.search(piece):
                out.append(piece)
    return out


# ----------------------------------------------------------------------------- ROUGE


def _f1(hits: int, produced: int, wanted: int) -> float:
    if not hits:
        return 0.0
    precision, recall = hits / produced, hits / wanted
    return 2 * precision * recall / (precision + recall)


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (one row of the DP table at a time)."""
    if len(b) > len(a):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal = 0
        for j, y in enumerate(b, 1):
            above = row[j]
            row[j] = diagonal + 1 if x == y else max(above, row[j - 1])
            diagonal = above
    return row[-1]


def rouge_f1(system: Sequence[str], reference: Sequence[str]) -> tuple[float, float, float]:
    """(R1, R2, RL) F1 of a system token list against one reference token list."""
    out = []
    for n in (1, 2):
        sys_grams = Counter(zip(*(system[i:] for i in range(n))))
        ref_grams = Counter(zip(*(reference[i:] for i in range(n))))
        hits = sum(min(c, ref_grams[g]) for g, c in sys_grams.items() if g in ref_grams)
        out.append(_f1(hits, sum(sys_grams.values()), sum(ref_grams.values())))
    out.append(_f1(_lcs_length(system, reference), len(system), len(reference)))
    return out[0], out[1], out[2]


def document_scores(system: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[float, float, float]:
    """Mean over references of (R1, R2, RL) F1."""
    per = [rouge_f1(system, r) for r in references]
    return tuple(sum(p[m] for p in per) / len(per) for m in range(3))  # type: ignore[return-value]


# ----------------------------------------------------------------------------- data


def held_out(doc_id: str) -> bool:
    """The fixed split: about 30 % of documents, chosen by a hash of the id."""
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 10 < HELD_OUT_TENTHS


def load(path: str | os.PathLike, split: str = "held-out") -> list[dict]:
    docs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                doc = json.loads(line)
                if split == "all" or held_out(doc["id"]) == (split == "held-out"):
                    docs.append(doc)
    return docs


def budgets(doc: dict) -> tuple[int, int]:
    """(n sentences, B tokens) for a document, from its references."""
    refs = doc["summaries"]
    n = max(1, round(sum(len(plain_sentences(r)) for r in refs) / len(refs)))
    b = max(1, round(sum(len(rouge_tokens(r)) for r in refs) / len(refs)))
    return n, b


System = Callable[[dict, int], list[str]]


def system_output(system: System, doc: dict, budget: str) -> list[str]:
    """The system's tokens under `budget` ("sentences" or "words")."""
    n, b = budgets(doc)
    sentences = [str(s) for s in system(doc, n)]
    tokens = rouge_tokens(" ".join(sentences))
    if budget == "sentences":
        return tokens
    total = len(plain_sentences(doc["text"]))
    k = n
    while len(tokens) < b and k < total:
        k += 1
        more = [str(s) for s in system(doc, k)]
        if len(more) <= len(sentences):
            break
        sentences, tokens = more, rouge_tokens(" ".join(more))
    return tokens[:b]


def evaluate(system: System, docs: Sequence[dict], budget: str) -> dict:
    """Macro-averaged F1 x 100 per metric, mean tokens, and ``per_document``: each document's
    (R1, R2, RL) F1 and its tokens (for `paired_difference`)."""
    sums = [0.0, 0.0, 0.0]
    length = 0
    per_document = []
    for doc in docs:
        tokens = system_output(system, doc, budget)
        refs = [rouge_tokens(r) for r in doc["summaries"]]
        scores = document_scores(tokens, refs)
        for m, v in enumerate(scores):
            sums[m] += v
        length += len(tokens)
        per_document.append((scores, tokens))
    count = max(1, len(docs))
    out: dict = {m: 100 * s / count for m, s in zip(METRICS, sums)}
    out["tokens"] = length / count
    out["per_document"] = per_document
    return out


def paired_difference(mine: dict, base: dict, resamples: int = 1000, seed: int = 0) -> str:
    """How `mine` differs from `base` document by document: on how many documents the output
    differs, is better or worse (mean of R1/R2/RL), and each metric's mean difference x 100
    with a 95 % paired percentile-bootstrap interval over documents (seeded)."""
    a, b = mine["per_document"], base["per_document"]
    diffs = [[100 * (x[0][m] - y[0][m]) for x, y in zip(a, b)] for m in range(3)]
    changed = sum(x[1] != y[1] for x, y in zip(a, b))
    better = sum(sum(x[0]) > sum(y[0]) for x, y in zip(a, b))
    worse = sum(sum(x[0]) < sum(y[0]) for x, y in zip(a, b))
    rng = random.Random(seed)
    n = len(a)
    parts = []
    for m, d in zip(METRICS, diffs):
        means = sorted(sum(d[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
        low, high = means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]
        parts.append(f"{m} {sum(d) / n:+.3f} [{low:+.3f}, {high:+.3f}]")
    return f"{changed} of {n} outputs differ ({better} better, {worse} worse); " + ", ".join(parts)


# ----------------------------------------------------------------------------- systems


def lead(doc: dict, n: int) -> list[str]:
    return plain_sentences(doc["text"])[:n]


def qari(algorithm: str, with_title: bool = False) -> System:
    import reader
    from reader.article import parse_text
    from reader.summary.summarize import summarize_article

    def run(doc: dict, n: int) -> list[str]:
        if not with_title:
            return list(reader.summarize_text(doc["text"], sentences=n, algorithm=algorithm))
        article = parse_text(doc["text"])
        article.title = doc.get("title") or article.title
        return [s.text for s in summarize_article(article, algorithm=algorithm, count=n)]

    return run


def systems(names: Sequence[str]) -> dict[str, System]:
    out: dict[str, System] = {}
    for name in names:
        if name == "lead":
            out[name] = lead
        elif name == "news+title":
            out[name] = qari("news", with_title=True)
        else:
            out[name] = qari(name)
    return out


def check_scorer(path: str, docs: Sequence[dict]) -> None:
    """Compare this file's tokens and ROUGE with another implementation of the protocol
    (a module exposing ``tokens(text)`` and ``rouge(sys, ref)`` -> {"rouge1": (P, R, F), ...})
    on Lead and on qari's default, document by document."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("other_scorer", path)
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)  # type: ignore[union-attr]
    worst = 0.0
    compared = 0
    for doc in docs:
        n, _b = budgets(doc)
        assert plain_sentences(doc["text"]) == other.split_sentences(doc["text"]), doc["id"]
        for ref in doc["summaries"]:
            assert rouge_tokens(ref) == other.tokens(ref), doc["id"]
        for system in (lead, qari("news")):
            out = " ".join(system(doc, n))
            assert rouge_tokens(out) == other.tokens(out), doc["id"]
            for ref in doc["summaries"]:
                mine = rouge_f1(rouge_tokens(out), rouge_tokens(ref))
                theirs = other.rouge(other.tokens(out), other.tokens(ref))
                for m, key in zip(mine, ("rouge1", "rouge2", "rougeL")):
                    worst = max(worst, abs(m - theirs[key][2]))
                compared += 1
    print(f"scorer check: {compared} summary/reference pairs, {len(docs)} documents, "
          f"largest F1 difference {worst:.2e}")
    if worst > 1e-12:
        raise SystemExit("the scorers disagree")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", default=os.environ.get(ENV), help=f"the JSON-lines file (default: ${ENV})")
    parser.add_argument("--split", choices=("held-out", "fit", "all"), default="held-out")
    parser.add_argument("--systems", default="lead,news,news+title,lexrank,lsa,textrank,luhn,kl,sumbasic,reduction")
    parser.add_argument("--budget", choices=("sentences", "words", "both"), default="both")
    parser.add_argument("--limit", type=int, help="only the first N documents of the split")
    parser.add_argument("--check-scorer", metavar="FILE", help="compare the scorer with another implementation")
    args = parser.parse_args(argv)

    print(C.machine_line())
    if not args.dev or not Path(args.dev).is_file():
        where = args.dev or f"no --dev and no ${ENV}"
        print(f"skipped: no development set ({where})")
        print("RESULT skipped=1")
        return 0
    docs = load(args.dev, args.split)[: args.limit]
    print(f"{len(docs)} documents ({args.split} split), "
          f"{sum(len(d['summaries']) for d in docs) / max(1, len(docs)):.2f} references each")
    if args.check_scorer:
        check_scorer(args.check_scorer, docs)
    names = [s.strip() for s in args.systems.split(",") if s.strip()]
    if "lead" not in names:
        names.insert(0, "lead")
    runs = systems(names)
    budgets_run = ("sentences", "words") if args.budget == "both" else (args.budget,)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for budget in budgets_run:
        print(f"\nbudget: {budget}")
        print(f"{'system':<12} {'R1':>6} {'R2':>6} {'RL':>6} {'tokens':>7} {'s':>6}")
        for name, run in runs.items():
            start = time.perf_counter()
            res = evaluate(run, docs, budget)
            res["seconds"] = time.perf_counter() - start
            results.setdefault(budget, {})[name] = res
            print(f"{name:<12} {res['r1']:6.2f} {res['r2']:6.2f} {res['rl']:6.2f} {res['tokens']:7.1f} "
                  f"{res['seconds']:6.1f}", flush=True)
    head = "news" if "news" in runs else names[-1]
    if head != "lead":
        print(f"\n{head} minus lead, paired over documents (95 % bootstrap interval):")
        for budget in budgets_run:
            print(f"  {budget}: {paired_difference(results[budget][head], results[budget]['lead'])}")
    main_budget = budgets_run[0]
    base = results[main_budget]["lead"]
    mine = results[main_budget][head]
    fields = [f"{head.replace('+', '_')}_{m}_ratio={mine[m] / base[m]:.4f}" for m in METRICS]
    fields += [f"lead_{m}={base[m]:.2f}" for m in METRICS] + [f"{head.replace('+', '_')}_{m}={mine[m]:.2f}"
                                                              for m in METRICS]
    fields += [f"documents={len(docs)}", f"budget={main_budget}", f"split={args.split}"]
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
