#!/usr/bin/env python3
"""Fit the ``news`` summarizer's feature weights (reader/summary/news.py WEIGHTS) on a development set.

Not run by tests and not needed at run time: qari ships the numbers this prints.  numpy only.

Data: the JSON-lines development set of bench_summary_quality.py (``--dev PATH`` or
``$QARI_SUMMARY_DEV``), its **fit** split only (the held-out split, by a hash of the id, is
left for bench_summary_quality.py to report on).

Method: pairwise ranking (RankNet: logistic loss on score differences) with L2.  For every
document the candidate sentences get the features `reader.summary.summarize.news_features` computes at
run time (from the text parsed as qari parses it, paragraphs included) and a gain: the mean of
their ROUGE-1/2/L F1 against the reference summaries, each sentence alone.  Every pair of
sentences of the same document whose gains differ by more than ``--margin`` is a training pair,
weighted by the gain difference, each document's pairs summing to 1 (long articles do not
outweigh short ones).  Every document is seen twice, with its title as the headline feature and
without, so the weights work whether or not an article has a headline.  Features are
standardised for the fit and the standardisation is folded back into raw weights, scaled so the
largest is 1 in absolute value.  Gradient descent (Adam) from zero, a fixed number of steps:
deterministic.

Printed: the weights (paste into reader/summary/news.py), the standardised weights (which features
matter), an ablation (the first pick's mean gain on the fit split when a feature is left out
and the rest refitted), and the first pick's mean gain for Lead and for the fit.

Later picks (``--tune-later``): the fit sees which sentence comes first, not how the second and
later ones are chosen.  This mode instead scores whole summaries on the fit split: Lead-n and
``news`` with each LATER_POSITION in ``--positions`` and each MMR lambda in ``--lambdas``, on the
documents whose references have two or more sentences (sentence budget) and on the first 400
documents under the word budget, and prints news minus Lead for each setting.

Usage:
  python tests/benchmarks/fit_news_weights.py --dev PATH [--limit N] [--steps 600] [--l2 1e-3]
  python tests/benchmarks/fit_news_weights.py --dev PATH --tune-later [--positions -0.8,-1.5,-2.5,-4]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_summary_quality as Q  # noqa: E402

from reader.summary import news  # noqa: E402
from reader.summary import summarize as S  # noqa: E402
from reader.article import parse_text  # noqa: E402


def document_rows(doc: dict) -> list[tuple[numpy.ndarray, numpy.ndarray]]:
    """[(features, gains)] for the document without and with its title as headline."""
    article = parse_text(doc["text"])
    body = [s for p in article.paragraphs if not p.is_heading for s in p.sentences] or list(article.sentences)
    keys = [(s.id.section, s.id.paragraph) for s in body]
    numbers = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    paragraphs = [numbers[k] for k in keys]
    texts = [s.text for s in body]
    refs = [Q.rouge_tokens(r) for r in doc["summaries"]]
    out = []
    gains = None
    for title in (None, doc.get("title") or None):
        indices, rows, _terms = S.news_features(texts, paragraphs=paragraphs, title=title)
        if gains is None:
            gains = numpy.array([sum(Q.document_scores(Q.rouge_tokens(texts[i]), refs)) / 3 for i in indices])
        out.append((rows, gains))
    return out


def pairs(docs_rows: list[tuple[numpy.ndarray, numpy.ndarray]], margin: float):
    """Stacked (x_better - x_worse, weight) over all documents."""
    diffs, weights = [], []
    for rows, gains in docs_rows:
        if len(gains) < 2:
            continue
        delta = gains[:, None] - gains[None, :]
        a, b = numpy.nonzero(delta > margin)
        if not len(a):
            continue
        w = delta[a, b]
        diffs.append(rows[a] - rows[b])
        weights.append(w / w.sum())
    return numpy.vstack(diffs), numpy.concatenate(weights)


def listwise(docs_rows, temperature: float):
    """Stacked rows, document number of each row, and each document's target distribution
    over its sentences: softmax(gain / temperature) (a soft "which sentence is best")."""
    rows, target = [], []
    for d, (x, gains) in enumerate(docs_rows):
        if len(gains) < 2:
            continue
        t = numpy.exp((gains - gains.max()) / temperature)
        rows.append(x)
        target.append(t / t.sum())
    owner = numpy.concatenate([numpy.full(len(t), k) for k, t in enumerate(target)])
    return numpy.vstack(rows), owner, numpy.concatenate(target)


def fit(diffs: numpy.ndarray, weights: numpy.ndarray, l2: float, steps: int, mask: numpy.ndarray | None = None,
        lists=None, list_weight: float = 1.0):
    """Standardised weights minimising the pairwise loss (sum weight * log(1 + exp(-w . diff)),
    per document) + list_weight * the listwise loss (cross-entropy of each document's softmax
    over its sentences' scores against its target) + l2 |w|^2."""
    scale = diffs.std(axis=0)
    scale[scale == 0] = 1.0
    z = diffs / scale
    if mask is not None:
        z = z * mask
    if lists is not None:
        lx, owner, target = lists
        lz = lx / scale
        if mask is not None:
            lz = lz * mask
        n_docs = owner[-1] + 1
    w = numpy.zeros(z.shape[1])
    m = numpy.zeros_like(w)
    v = numpy.zeros_like(w)
    total = weights.sum()
    for t in range(1, steps + 1):
        margin = z @ w
        p = 1.0 / (1.0 + numpy.exp(numpy.clip(margin, -50, 50)))  # d loss / d margin = -p
        grad = -(z.T @ (weights * p)) / total + 2 * l2 * w
        if lists is not None:
            s = lz @ w
            top = numpy.full(n_docs, -numpy.inf)
            numpy.maximum.at(top, owner, s)
            e = numpy.exp(s - top[owner])
            q = e / numpy.bincount(owner, e, n_docs)[owner]
            grad += list_weight * (lz.T @ (q - target)) / n_docs
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= 0.05 * (m / (1 - 0.9 ** t)) / (numpy.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w, scale


def first_pick_gain(docs_rows, raw: numpy.ndarray) -> float:
    total = 0.0
    for rows, gains in docs_rows:
        if len(gains):
            scores = numpy.round(rows @ raw, 9)
            total += gains[int(numpy.argmax(scores))]  # argmax: the earliest of equal scores
    return total / len(docs_rows)


def tune_later(docs: list[dict], positions: list[float], lambdas: list[float]) -> None:
    """Print news minus Lead (R1/R2/RL x 100) on the multi-sentence references (sentence budget)
    and under the word budget for each (LATER_POSITION, MMR_LAMBDA); the module's values are
    restored afterwards."""
    multi = [d for d in docs if Q.budgets(d)[0] >= 2]
    sample = docs[:400]
    runs = Q.systems(["lead", "news"])

    def scores(name: str, subset: list[dict], budget: str) -> numpy.ndarray:
        r = Q.evaluate(runs[name], subset, budget)
        return numpy.array([r[m] for m in Q.METRICS])

    lead_multi, lead_words = scores("lead", multi, "sentences"), scores("lead", sample, "words")
    print(f"{len(multi)} fit documents with multi-sentence references; word budget on {len(sample)}")
    print(f"{'position':>9} {'lambda':>7}  {'multi R1/R2/RL - lead':<26} words R1/R2/RL - lead")
    saved = news.LATER_POSITION, news.MMR_LAMBDA
    try:
        for position in positions:
            for lam in lambdas:
                news.LATER_POSITION, news.MMR_LAMBDA = position, lam
                m = scores("news", multi, "sentences") - lead_multi
                w = scores("news", sample, "words") - lead_words
                print(f"{position:9.2f} {lam:7.2f}  {m[0]:+6.2f} {m[1]:+6.2f} {m[2]:+6.2f}        "
                      f"{w[0]:+6.2f} {w[1]:+6.2f} {w[2]:+6.2f}", flush=True)
    finally:
        news.LATER_POSITION, news.MMR_LAMBDA = saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", default=os.environ.get(Q.ENV))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--margin", type=float, default=0.02)
    parser.add_argument("--temperature", type=float, default=0.02, help="of the listwise target")
    parser.add_argument("--list-weight", type=float, default=1.0, help="listwise loss weight (0: pairwise only)")
    parser.add_argument("--cache", help="keep the computed features here (outside the repository)")
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--tune-later", action="store_true", help="grid the later-pick settings instead")
    parser.add_argument("--positions", default="-0.8,-1.5,-2.5,-4", help="LATER_POSITION values for --tune-later")
    parser.add_argument("--lambdas", default="0.7,1.0", help="MMR lambdas for --tune-later")
    args = parser.parse_args()
    if not args.dev or not Path(args.dev).is_file():
        print("no development set: give --dev PATH or set $" + Q.ENV, file=sys.stderr)
        return 2
    docs = Q.load(args.dev, "fit")[: args.limit]
    if args.tune_later:
        tune_later(docs, [float(x) for x in args.positions.split(",")], [float(x) for x in args.lambdas.split(",")])
        return 0
    start = time.perf_counter()
    if args.cache and Path(args.cache).is_file():
        import pickle

        docs_rows = pickle.loads(Path(args.cache).read_bytes())
    else:
        docs_rows = [r for d in docs for r in document_rows(d)]
        if args.cache:
            import pickle

            Path(args.cache).write_bytes(pickle.dumps(docs_rows))
    print(f"{len(docs)} fit documents, {sum(len(g) for _, g in docs_rows) // 2} candidate sentences, "
          f"features in {time.perf_counter() - start:.0f} s")
    diffs, weights = pairs(docs_rows, args.margin)
    lists = listwise(docs_rows, args.temperature)
    print(f"{len(weights)} pairs")
    w, scale = fit(diffs, weights, args.l2, args.steps, lists=lists, list_weight=args.list_weight)
    raw = w / scale
    raw /= numpy.abs(raw).max()
    raw = numpy.round(raw, 4)
    lead = numpy.zeros(len(news.FEATURES))
    lead[news.FEATURES.index("lead")] = 1.0
    print(f"first pick mean gain (fit split): lead {first_pick_gain(docs_rows, lead):.4f}, "
          f"fitted {first_pick_gain(docs_rows, raw):.4f}")
    print("\nstandardised weights (how much each feature moves the ranking):")
    for name, value in sorted(zip(news.FEATURES, w), key=lambda x: -abs(x[1])):
        print(f"  {name:<16} {value:+.3f}")
    print("\nablation (feature left out, the rest refitted): first pick mean gain")
    for k, name in enumerate(news.FEATURES if not args.no_ablation else ()):
        mask = numpy.ones(len(news.FEATURES))
        mask[k] = 0.0
        wk, sk = fit(diffs, weights, args.l2, args.steps, mask, lists=lists, list_weight=args.list_weight)
        print(f"  without {name:<16} {first_pick_gain(docs_rows, wk * mask / sk):.4f}")
    print("\nWEIGHTS = {")
    for name, value in zip(news.FEATURES, raw):
        print(f'    "{name}": {value:+.4f},')
    print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
