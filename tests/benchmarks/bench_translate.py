#!/usr/bin/env python3
"""Translation throughput: qari's engine against Argos Translate's own path and raw CTranslate2.

In ONE process, interleaved rounds (the order of the contenders rotates every round), each
contender translates the same sentences of the sample article (``--quick``: its first 8
paragraphs, one round):

(a) argos  ``argostranslate.translate.translate(text, "ar", "en")`` on the article's paragraphs
           joined by newlines, exactly as a user of Argos would call it, with two changes:
           * the sentencizer of the ``PackageTranslation`` is replaced by an object whose
             ``split_sentences`` is ``reader.text.segment.sentences`` (MiniSBD would download a
             model; offline it fails). Argos then sees exactly qari's sentences (checked);
           * fixed decode length: Argos's ``apply_packaged_translation`` makes ONE
             ``translate_batch`` call per paragraph with no length bound. The package's
             ``ctranslate2.Translator`` (built by Argos itself, with its own settings) is wrapped
             in a proxy whose ``translate_batch`` splits the call by decode length and passes
             ``min_decoding_length = max_decoding_length = reader.translation.translate.decoding_length(n)``
             for each group; every other argument (``max_batch_size=32`` tokens,
             ``batch_type="tokens"``, beam 4, length penalty 0.2, replace_unknowns,
             return_scores) is Argos's own. A paragraph whose sentences fall in k length buckets
             makes k calls instead of one; CTranslate2 cuts Argos's calls into 32-token
             sub-batches anyway (about one sentence each), so the split costs nothing measurable.
           Argos's per-paragraph result cache (``CachedTranslation.cache``) is emptied before
           every round. ``ARGOS_INTRA_THREADS`` and ``ARGOS_COMPUTE_TYPE`` are set to the
           values qari's engine uses, so thread count and int8 compute are the same.
(b) qari   ``ArgosTranslator.translate_iter`` (what ``qari translate`` and the TUI use) with
           ``DecodingOptions(fixed_length=True)`` and a NEW empty sqlite ``TranslationCache`` in
           a temporary dir each round (cold cache; its writes are part of the time).
(c) ct2    raw ``ctranslate2.Translator.translate_batch`` over the same token ids (the
           engine's own tokenisation, done before timing), one call per entry of
           ``reader.translation.translate.plan_batches`` -- the engine's batching (length buckets, at most
           ``BATCH_TOKENS`` padded source tokens per call) -- each with
           ``min = max = decoding_length(bucket)``, beam 4, length penalty 0.2,
           replace_unknowns, ``max_batch_size=BATCH_TOKENS, batch_type="tokens"``, same device,
           compute type and threads as (b). No detokenisation, no cache: the limit for this
           model on this machine with this batching. (One call over all sentences is not the
           limit: CTranslate2 takes one decode length per call, so with a fixed length every
           sentence would decode as long as the longest one; ``--single-call`` measures it.)

The model is the transformer-base-size random-weight package from
``tests/fixtures/make_argosmodel.py`` (built once into ``--model-dir``, default
``~/.cache/qari-bench``; never into the repository). With a fixed decode length the work does
not depend on the weights. All three contenders load their model once, before the rounds; a
warm-up translation of 3 sentences each and one full raw CTranslate2 pass (to grow the
process heap once: the first large batches of a process are much slower) precede round 1.

Reported per contender: median wall time, [min-max], CPU share (process CPU time / wall: about
the thread count when the machine is otherwise idle, lower when other processes take the
cores), sentences/s and source tokens/s; time to the first translated sentence: for (b) the
first ``translate_iter`` yield, and the app-like case (``first=`` the first paragraph, as the
TUI asks, iterator abandoned after the first yield); for (a) the time until Argos's
``apply_packaged_translation`` returned the first paragraph (a caller of
``argostranslate.translate`` sees nothing until the whole text is done: that is the total).

Peak memory: (b) and (c) each run again in a fresh child process (same model, same sentences,
one translation); reported is the child's VmHWM (peak resident set size from
/proc/self/status) after imports, after loading the model, and after translating. tracemalloc
is not used: CTranslate2 allocates outside Python's allocator.

Last line: ``RESULT qari_vs_argos=<b/a> qari_vs_ct2=<b/c> ...`` (ratios of medians).
Targets: qari_vs_argos <= 0.67, qari_vs_ct2 <= 1.10.

Usage:
  python tests/benchmarks/bench_translate.py                  # full: whole article, 3 rounds
  python tests/benchmarks/bench_translate.py --quick          # first 8 paragraphs, 1 round
  python tests/benchmarks/bench_translate.py --model-size tiny --quick   # seconds (smoke test)
  options: --rounds N, --paragraphs N, --model-dir DIR, --single-call, --no-memory
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402  (also puts the repository on sys.path)

QUICK_PARAGRAPHS = 8


# --- the workload ----------------------------------------------------------------------------

def workload(paragraphs: int | None):
    """(paragraph texts, sentence texts, index of the paragraph of each sentence)."""
    from reader.article import load_article, sample_article_path

    article = load_article(sample_article_path())
    paras = article.paragraphs[:paragraphs] if paragraphs else article.paragraphs
    texts = [s.text for p in paras for s in p.sentences]
    para_of = [k for k, p in enumerate(paras) for _ in p.sentences]
    return [p.text for p in paras], texts, para_of


def find_package():
    from reader.translation.translate import find_package as find

    pkg = find("ar", "en")
    if pkg is None:
        raise SystemExit("benchmark package not found (internal error)")
    return pkg


def engine_settings(packages: Path) -> tuple[int, str]:
    """(intra_threads, compute_type) qari's engine picks for the package in ``packages``."""
    import ctranslate2

    from reader.translation.translate import _default_threads

    model_bins = list(packages.glob("*/model/model.bin"))
    threads = _default_threads(model_bins[0])
    compute = "int8" if "int8" in ctranslate2.get_supported_compute_types("cpu") else "default"
    return threads, compute


def make_engine():
    from reader.translation.translate import DecodingOptions, load_translator

    engine = load_translator("ar", "en", cache=None, decoding=DecodingOptions(fixed_length=True))
    engine.load()
    return engine


def raw_units(engine, texts: list[str]) -> list[list[str]]:
    """The engine's model inputs for ``texts`` (pieces of over-long sentences included)."""
    return [tokens for t in texts for _, tokens in engine.pieces(t)]


def raw_translate(model, units: list[list[str]], target_prefix: str = "") -> int:
    """What the engine's model calls do, straight to CTranslate2; returns the number of calls."""
    from reader.translation.translate import BATCH_TOKENS, MAX_SOURCE_TOKENS, DecodingOptions, decoding_length, plan_batches

    options = DecodingOptions(fixed_length=True)
    calls = 0
    for edge, members in plan_batches([len(u) for u in units], batch_tokens=BATCH_TOKENS,
                                      max_source_tokens=MAX_SOURCE_TOKENS):
        length = decoding_length(edge, options, MAX_SOURCE_TOKENS)
        batch = [units[m] for m in members]
        kwargs = {}
        if target_prefix:
            kwargs["target_prefix"] = [[target_prefix] for _ in batch]
        model.translate_batch(batch, max_batch_size=BATCH_TOKENS, batch_type="tokens", beam_size=options.beam_size,
                              num_hypotheses=1, length_penalty=options.length_penalty,
                              replace_unknowns=options.replace_unknowns, max_decoding_length=length,
                              min_decoding_length=length, **kwargs)
        calls += 1
    return calls


def raw_single_call(model, units: list[list[str]]) -> int:
    from reader.translation.translate import BATCH_TOKENS, DecodingOptions, decoding_length

    options = DecodingOptions(fixed_length=True)
    length = decoding_length(max(len(u) for u in units), options)
    model.translate_batch(units, max_batch_size=BATCH_TOKENS, batch_type="tokens", beam_size=options.beam_size,
                          num_hypotheses=1, length_penalty=options.length_penalty,
                          replace_unknowns=options.replace_unknowns, max_decoding_length=length,
                          min_decoding_length=length)
    return length


# --- Argos's own path ------------------------------------------------------------------------

class QariSentencizer:
    """Stands in for Argos's MiniSBD sentencizer: qari's splitter, offline."""

    def __init__(self) -> None:
        from reader.text.segment import sentences

        self._split = sentences
        self.seen: list[str] = []

    def split_sentences(self, text: str) -> list[str]:
        out = self._split(text)
        self.seen.extend(out)
        return out


class FixedLengthTranslator:
    """Proxy for Argos's ``ctranslate2.Translator``: ``translate_batch`` is split by decode
    length, each part with min = max = qari's ``decoding_length(n)``; all else passes through."""

    def __init__(self, inner) -> None:
        from reader.translation.translate import DecodingOptions, decoding_length

        self.inner = inner
        self._length = lambda n: decoding_length(n, DecodingOptions(fixed_length=True))
        self.calls = 0

    def translate_batch(self, source, target_prefix=None, **kwargs):
        groups: dict[int, list[int]] = {}
        for i, tokens in enumerate(source):
            groups.setdefault(self._length(len(tokens)), []).append(i)
        results = [None] * len(source)
        for length, members in sorted(groups.items()):
            prefix = None if target_prefix is None else [target_prefix[i] for i in members]
            part = self.inner.translate_batch([source[i] for i in members], target_prefix=prefix,
                                              min_decoding_length=length, max_decoding_length=length, **kwargs)
            self.calls += 1
            for i, r in zip(members, part):
                results[i] = r
        return results

    def __getattr__(self, name):
        return getattr(self.inner, name)


class TimedModel:
    """Proxy for the engine's ``ctranslate2.Translator``: adds up the time spent inside
    ``translate_batch``, so the engine's own overhead (tokenising, detokenising, planning, the
    cache) can be told apart from CTranslate2's work without relying on another contender."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0

    def translate_batch(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.inner.translate_batch(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0

    def __getattr__(self, name):
        return getattr(self.inner, name)


class ArgosPath:
    def __init__(self, warm_text: str) -> None:
        import argostranslate.translate as at

        self.at = at
        self.cached = at.get_translation_from_codes("ar", "en")  # CachedTranslation
        self.package_translation = getattr(self.cached, "underlying", self.cached)
        self.sentencizer = QariSentencizer()
        self.package_translation.sentencizer = self.sentencizer
        at.translate(warm_text, "ar", "en")  # Argos builds its ctranslate2.Translator (its settings)
        self.package_translation.translator = FixedLengthTranslator(self.package_translation.translator)
        self.first_paragraph_at: float | None = None
        original = at.apply_packaged_translation

        def timed(*args, **kwargs):
            result = original(*args, **kwargs)
            if self.first_paragraph_at is None:
                self.first_paragraph_at = time.perf_counter()
            return result

        at.apply_packaged_translation = timed  # the module global PackageTranslation calls

    def translate(self, text: str) -> tuple[str, float]:
        """Translate; return (result, seconds to the first paragraph's result)."""
        self.cached.cache = {}
        self.sentencizer.seen = []
        self.first_paragraph_at = None
        t0 = time.perf_counter()
        result = self.at.translate(text, "ar", "en")
        return result, (self.first_paragraph_at or time.perf_counter()) - t0


# --- memory children -------------------------------------------------------------------------

def child(args) -> int:
    """Run in a fresh process: load, translate once, report VmHWM at each step."""
    packages = C.install_package(args.model_size, args.model_dir, log=lambda *a: None)
    C.isolate_argos(args.model_dir, packages)
    t0 = time.perf_counter()
    import ctranslate2  # noqa: F401

    from reader.translation.translate import DecodingOptions, load_translator

    _, texts, _ = workload(args.paragraphs)
    after_import = C.vm_hwm_kib()
    engine = load_translator("ar", "en", cache=None, decoding=DecodingOptions(fixed_length=True))
    t1 = time.perf_counter()
    if args.child == "qari":
        engine.load()
        load_s = time.perf_counter() - t1
        after_load = C.vm_hwm_kib()
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            from reader.translation.cache import TranslationCache

            engine.cache = TranslationCache(Path(tmp) / "cache.sqlite")
            out = engine.translate(texts)
            engine.cache.close()
        assert len(out) == len(texts)
    else:
        units = raw_units(engine, texts)
        model = ctranslate2.Translator(str(engine.package_path / "model"), device="cpu",
                                       compute_type="int8" if "int8" in ctranslate2.get_supported_compute_types("cpu")
                                       else "default", inter_threads=1, intra_threads=engine.intra_threads)
        load_s = time.perf_counter() - t1
        after_load = C.vm_hwm_kib()
        t2 = time.perf_counter()
        raw_translate(model, units, engine.target_prefix)
    C.emit_json("MEM", {"after_import_kib": after_import, "after_load_kib": after_load,
                        "peak_kib": C.vm_hwm_kib(), "load_s": load_s,
                        "translate_s": time.perf_counter() - t2, "import_s": t1 - t0})
    return 0


def run_child(args, which: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", which, "--model-size", args.model_size,
           "--model-dir", str(args.model_dir)]
    if args.paragraphs:
        cmd += ["--paragraphs", str(args.paragraphs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(C.REPO))
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {which} failed:\n{proc.stderr[-3000:]}")
    return C.parse_json_line(proc.stdout, "MEM")


# --- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"first {QUICK_PARAGRAPHS} paragraphs, 1 round")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 3, --quick 1)")
    parser.add_argument("--paragraphs", type=int, default=None, help="only the first N paragraphs")
    parser.add_argument("--model-size", choices=("base", "tiny"), default="base")
    parser.add_argument("--model-dir", type=Path, default=None, help="benchmark model cache (default ~/.cache/qari-bench)")
    parser.add_argument("--single-call", action="store_true", help="also time ONE raw call over all sentences")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    parser.add_argument("--child", choices=("qari", "ct2"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.model_dir = (args.model_dir or C.default_bench_dir()).resolve()
    if args.quick and args.paragraphs is None:
        args.paragraphs = QUICK_PARAGRAPHS
    rounds = args.rounds or (1 if args.quick else 3)
    if args.child:
        return child(args)

    print(C.machine_line())
    packages = C.install_package(args.model_size, args.model_dir)
    threads, compute = engine_settings(packages)
    C.isolate_argos(args.model_dir, packages, intra_threads=threads, compute_type=compute)
    paragraphs, texts, para_of = workload(args.paragraphs)
    engine = make_engine()
    units = raw_units(engine, texts)
    n_sent, n_tok = len(texts), sum(len(u) for u in units)
    from reader.translation.translate import BATCH_TOKENS, DecodingOptions, decoding_length, plan_batches

    plan = plan_batches([len(u) for u in units], batch_tokens=BATCH_TOKENS)
    opts = DecodingOptions(fixed_length=True)
    print(f"# model: {args.model_size} ({engine.package_path.name}), {engine.intra_threads} intra threads, "
          f"compute {engine.load().compute_type}; decoding: {opts.key()}")
    print(f"# workload: {len(paragraphs)} paragraphs, {n_sent} sentences, {len(units)} model inputs, "
          f"{n_tok} source tokens; engine plan: "
          + ", ".join(f"{len(m)}x{decoding_length(e, opts)} steps" for e, m in plan))

    import ctranslate2

    raw = ctranslate2.Translator(str(engine.package_path / "model"), device="cpu",
                                 compute_type=str(engine.load().compute_type), inter_threads=1,
                                 intra_threads=engine.intra_threads)
    timed_model = TimedModel(engine.load())
    engine._model = timed_model  # the engine calls translate_batch on this object
    argos = ArgosPath(texts[0])
    argos_text = "\n".join(paragraphs)

    from reader.translation.cache import TranslationCache

    tmp = tempfile.TemporaryDirectory(prefix="qari-bench-cache-")
    first_para = [i for i, k in enumerate(para_of) if k == 0]

    # warm-up: every contender on a few sentences (thread pools, first-call costs), then one
    # full raw pass: the first big batches in a process are much slower (glibc hands the large
    # CTranslate2 buffers back to the kernel and they page-fault in again; measured: without this
    # pass, whoever ran first in round 1 lost 25-150%), so the process heap is grown once for all.
    warm = texts[:3]
    argos.translate("\n".join(warm))
    list(engine.translate_iter(warm))
    raw_translate(raw, raw_units(engine, warm), engine.target_prefix)
    raw_translate(raw, units, engine.target_prefix)

    results: dict[str, list[float]] = {"argos": [], "qari": [], "ct2": []}
    shares: dict[str, list[float]] = {"argos": [], "qari": [], "ct2": []}
    argos_first: list[float] = []
    qari_first: list[float] = []
    qari_first_para: list[float] = []
    qari_app_first: list[float] = []
    qari_overhead: list[float] = []
    loads: list[str] = []
    check: list[str] = []

    def run_argos(r: int) -> None:
        with C.Timer() as t:
            out, first = argos.translate(argos_text)
        results["argos"].append(t.wall)
        shares["argos"].append(t.share)
        argos_first.append(first)
        if argos.sentencizer.seen != texts:
            check.append(f"round {r}: Argos saw {len(argos.sentencizer.seen)} sentences, qari {len(texts)} (differ)")
        if len(out.split("\n")) != len(paragraphs):
            check.append(f"round {r}: Argos returned {len(out.split(chr(10)))} paragraphs for {len(paragraphs)}")

    def run_qari(r: int) -> None:
        engine.cache = TranslationCache(Path(tmp.name) / f"round{r}.sqlite")
        remaining = set(first_para)
        got = 0
        first = first_para_done = None
        timed_model.seconds = 0.0
        with C.Timer() as t:
            for i, _ in engine.translate_iter(texts):
                got += 1
                if first is None:
                    first = time.perf_counter() - t.t0
                remaining.discard(i)
                if not remaining and first_para_done is None:
                    first_para_done = time.perf_counter() - t.t0
        qari_overhead.append(t.wall - timed_model.seconds)
        engine.cache.close()
        results["qari"].append(t.wall)
        shares["qari"].append(t.share)
        qari_first.append(first)
        qari_first_para.append(first_para_done)
        if got != n_sent:
            check.append(f"round {r}: qari yielded {got} of {n_sent}")
        # app-like time to first sentence: fresh cache, first= the first paragraph, abandon
        engine.cache = TranslationCache(Path(tmp.name) / f"round{r}-first.sqlite")
        t0 = time.perf_counter()
        it = engine.translate_iter(texts, first=first_para)
        next(it)
        qari_app_first.append(time.perf_counter() - t0)
        it.close()
        engine.cache.close()

    def run_ct2(r: int) -> None:
        with C.Timer() as t:
            raw_translate(raw, units, engine.target_prefix)
        results["ct2"].append(t.wall)
        shares["ct2"].append(t.share)

    order = [("argos", run_argos), ("qari", run_qari), ("ct2", run_ct2)]
    for r in range(rounds):
        loads.append(C.loadavg().split()[0])
        rotated = order[r % 3:] + order[:r % 3]
        for name, fn in rotated:
            fn(r)
        print(f"# round {r + 1}/{rounds}: " + ", ".join(f"{n} {results[n][-1]:.2f} s" for n, _ in order)
              + f" (load {loads[-1]})", flush=True)
    tmp.cleanup()

    single = None
    if args.single_call:
        t0 = time.perf_counter()
        length = raw_single_call(raw, units)
        single = (time.perf_counter() - t0, length)

    mem = {}
    if not args.no_memory:
        for which in ("qari", "ct2"):
            mem[which] = run_child(args, which)

    med = {k: C.median(v) for k, v in results.items()}
    print()
    print(f"{'contender':<8} {'median wall':>12} {'min-max':>16} {'cpu share':>9} {'sent/s':>8} {'src tok/s':>10}")
    for name in ("argos", "qari", "ct2"):
        v = results[name]
        print(f"{name:<8} {med[name]:>10.3f} s {min(v):>7.3f}-{max(v):<7.3f}s {C.median(shares[name]):>9.2f} "
              f"{n_sent / med[name]:>8.2f} {n_tok / med[name]:>10.1f}")
    print(f"time to first translated sentence: qari {C.median(qari_first):.3f} s (first yield, no priority), "
          f"{C.median(qari_app_first):.3f} s (app-like: first= first paragraph); "
          f"qari first paragraph complete {C.median(qari_first_para):.3f} s; "
          f"argos first paragraph {C.median(argos_first):.3f} s (internal; argostranslate.translate returns "
          f"everything at once, after {med['argos']:.3f} s)")
    overhead = C.median(qari_overhead)
    print(f"qari time outside CTranslate2 (tokenise, plan, detokenise, cache): {overhead:.3f} s "
          f"({100 * overhead / med['qari']:.1f}% of qari's time)")
    if single:
        print(f"ct2 single call (all {len(units)} inputs, fixed length {single[1]}): {single[0]:.3f} s "
              f"({single[0] / med['ct2']:.2f}x the planned calls)")
    for which, m in mem.items():
        print(f"peak RSS {which:<5} (child process VmHWM): after imports {m['after_import_kib'] / 1024:.0f} MB, "
              f"after model load {m['after_load_kib'] / 1024:.0f} MB, after translating {m['peak_kib'] / 1024:.0f} MB "
              f"(load {m['load_s']:.2f} s, translate {m['translate_s']:.2f} s)")
    print(f"Argos proxy made {argos.package_translation.translator.calls} CTranslate2 calls in all rounds; "
          f"load average during rounds: {' '.join(loads)}")
    for line in check:
        print("WARNING:", line)

    ratio_a = med["qari"] / med["argos"]
    ratio_c = med["qari"] / med["ct2"]
    verdict_a = "met" if ratio_a <= 0.67 else "MISSED"
    verdict_c = "met" if ratio_c <= 1.10 else "MISSED"
    print(f"targets: qari/argos {ratio_a:.3f} <= 0.67 {verdict_a}; qari/ct2 {ratio_c:.3f} <= 1.10 {verdict_c}")
    fields = {
        "qari_vs_argos": C.fmt_ratio(ratio_a),
        "qari_vs_ct2": C.fmt_ratio(ratio_c),
        "argos_s": f"{med['argos']:.3f}",
        "qari_s": f"{med['qari']:.3f}",
        "ct2_s": f"{med['ct2']:.3f}",
        "qari_sent_per_s": f"{n_sent / med['qari']:.2f}",
        "qari_src_tok_per_s": f"{n_tok / med['qari']:.1f}",
        "argos_sent_per_s": f"{n_sent / med['argos']:.2f}",
        "ct2_sent_per_s": f"{n_sent / med['ct2']:.2f}",
        "qari_overhead_pct": f"{100 * overhead / med['qari']:.2f}",
        "qari_first_s": f"{C.median(qari_app_first):.3f}",
        "argos_first_para_s": f"{C.median(argos_first):.3f}",
        "sentences": str(n_sent),
        "src_tokens": str(n_tok),
        "rounds": str(rounds),
        "model": args.model_size,
    }
    if mem:
        fields["qari_peak_mb"] = f"{mem['qari']['peak_kib'] / 1024:.0f}"
        fields["ct2_peak_mb"] = f"{mem['ct2']['peak_kib'] / 1024:.0f}"
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
