#!/usr/bin/env python3
"""Imported OPUS-MT-shaped models against the Argos-format base model: sentences/s, in one run.

What a reader gets from ``qari models import``: the translation speed of a Marian release of
transformer-base size (what OPUS-MT's 2019/2020 models are) and of transformer-big size (what
``opus-mt-tc-big-ar-en`` is), against the Argos-format transformer-base-size package of
``tests/fixtures/make_argosmodel.py`` (the one ``bench_translate.py`` uses), measured in the
same process, in interleaved rounds.

* The releases are made by ``tests/fixtures/make_marian.py`` (seeded random weights in Marian's
  .npz layout, SentencePiece models, decoder.yml, vocabulary .yml; transformer-base: 6+6
  layers, d 512, 8 heads, ffn 2048; transformer-big: 6+6 layers, d 1024, 16 heads, ffn 4096;
  both with a 32,000-entry joint vocabulary and tied embeddings, like OPUS-MT's), built once
  into ``--model-dir`` (default ``~/.cache/qari-bench``), never into the repository.
* Each is imported with ``reader.translation.marian.import_release`` (CTranslate2's OpusMTConverter, int8,
  packed and installed as qari does) into a private packages dir; the import time is printed.
* Each contender is qari's own engine (``ArgosTranslator``: what the reader, ``qari translate``
  and ``qari batch`` use) on its package, no cache, with a FIXED decode length
  (``DecodingOptions(fixed_length=True)``: min = max = ``decoding_length(bucket)``), beam 4, so
  the work does not depend on the random weights; same threads (qari's default: every usable
  core) and int8 compute for all.
* The workload is the sample article's sentences (``--quick``: its first 8 paragraphs, 1
  round, and the tiny sizes: the committed tiny Argos fixture against a tiny Marian release,
  for smoke tests). Each model tokenizes with its own SentencePiece model, so the source token
  counts differ a little; both are printed.

These are speed measurements of synthetic weights: they say nothing about translation quality.

Last line: ``RESULT marian_base_vs_argos=<time ratio> marian_big_vs_argos=<time ratio> ...``
(ratios of median wall times; > 1 = slower than the Argos-format base model), plus sentences/s
of each contender, the import times and the package sizes.

Usage:
  python tests/benchmarks/bench_models_import.py            # base and big vs Argos base, 3 rounds
  python tests/benchmarks/bench_models_import.py --quick    # tiny models, 8 paragraphs, 1 round (seconds)
  options: --rounds N, --paragraphs N, --model-dir DIR
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402  (also puts the repository on sys.path)

QUICK_PARAGRAPHS = 8


def _marian_generator():
    sys.path.insert(0, str(C.FIXTURES))
    try:
        import make_marian  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(C.FIXTURES))
    return make_marian


def release_dir(size: str, bench_dir: Path, log=print) -> Path:
    """The Marian release folder of ``size``, built once into ``bench_dir``."""
    gen = _marian_generator()
    folder = bench_dir / f"marian-release-{size}-g{gen.GENERATOR_VERSION}"
    done = folder / ".complete"
    if not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        log(f"# building the {size} Marian release into {folder} (once) ...")
        t0 = time.perf_counter()
        gen.build_release(folder, size=size, seed=0, zipped=False)
        done.write_text("ok")
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        log(f"# built in {time.perf_counter() - t0:.1f} s ({size_mb:.0f} MB)")
    return folder


def workload(paragraphs: int | None) -> list[str]:
    from reader.article import load_article, sample_article_path

    article = load_article(sample_article_path())
    paras = article.paragraphs[:paragraphs] if paragraphs else article.paragraphs
    return [s.text for p in paras for s in p.sentences]


def engine_for(path: Path):
    from argostranslate import package as argos_package

    from reader.translation.translate import ArgosTranslator, DecodingOptions

    engine = ArgosTranslator(argos_package.Package(path), cache=None, decoding=DecodingOptions(fixed_length=True))
    engine.load()
    return engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"tiny models, first {QUICK_PARAGRAPHS} paragraphs, 1 round")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 3, --quick 1)")
    parser.add_argument("--paragraphs", type=int, default=None, help="only the first N paragraphs")
    parser.add_argument("--model-dir", type=Path, default=None, help="benchmark model cache (default ~/.cache/qari-bench)")
    args = parser.parse_args(argv)
    bench_dir = (args.model_dir or C.default_bench_dir()).resolve()
    bench_dir.mkdir(parents=True, exist_ok=True)
    paragraphs = args.paragraphs or (QUICK_PARAGRAPHS if args.quick else None)
    rounds = args.rounds or (1 if args.quick else 3)
    argos_size, marian_sizes = ("tiny", ("tiny",)) if args.quick else ("base", ("base", "big"))

    print(C.machine_line())
    releases = {size: release_dir(size, bench_dir) for size in marian_sizes}
    archive = C.model_archive(argos_size, bench_dir)
    packages = bench_dir / f"packages-import-{argos_size}"
    shutil.rmtree(packages, ignore_errors=True)
    packages.mkdir(parents=True)
    C.isolate_argos(bench_dir, packages)

    from reader.translation import marian
    from reader.translation import packages as models

    argos_pkg = models.install_file(archive, replace=False)
    installed = {}
    import_s = {}
    for size, folder in releases.items():
        t0 = time.perf_counter()
        installed[size] = marian.import_release(folder, name=f"opus-mt-bench-{size}", version="1.0",
                                                quantization="int8")
        import_s[size] = time.perf_counter() - t0
        print(f"# imported {size}: {import_s[size]:.1f} s (convert + pack + install), "
              f"package {installed[size].size_bytes / 1e6:.0f} MB")
    print(f"# Argos-format {argos_size}: {argos_pkg.path.name}, package {argos_pkg.size_bytes / 1e6:.0f} MB")

    texts = workload(paragraphs)
    contenders = {"argos": engine_for(argos_pkg.path)}
    for size in marian_sizes:
        contenders[f"marian_{size}"] = engine_for(installed[size].path)
    from reader.translation.translate import DecodingOptions

    tokens = {name: sum(len(tok) for t in texts for _, tok in e.pieces(t)) for name, e in contenders.items()}
    first = next(iter(contenders.values()))
    print(f"# workload: {len(texts)} sentences; source tokens: "
          + ", ".join(f"{name} {n}" for name, n in tokens.items()))
    print(f"# engine: qari ArgosTranslator, {first.intra_threads} intra threads, compute "
          f"{first.load().compute_type}, no cache; decoding: {DecodingOptions(fixed_length=True).key()}")

    # warm-up: a few sentences each, then one full pass of the largest model (grows the heap once)
    for engine in contenders.values():
        engine.translate(texts[:3])
    list(contenders.values())[-1].translate(texts)

    times: dict[str, list[float]] = {name: [] for name in contenders}
    shares: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            with C.Timer() as t:
                out = contenders[name].translate(texts)
            assert len(out) == len(texts)
            times[name].append(t.wall)
            shares[name].append(t.share)
        print(f"# round {r + 1}/{rounds} done (load {C.loadavg()})")

    rate = {name: len(texts) / C.median(v) for name, v in times.items()}
    for name in names:
        print(f"{name:<14} {C.spread(times[name])}, cpu share {C.median(shares[name]):.2f}, "
              f"{rate[name]:.2f} sentences/s, {tokens[name] / C.median(times[name]):.1f} source tokens/s")
    base = C.median(times["argos"])
    fields = {f"marian_{size}_vs_argos": C.fmt_ratio(C.median(times[f"marian_{size}"]) / base) for size in marian_sizes}
    if "marian_big" in times:
        fields["big_vs_base"] = C.fmt_ratio(C.median(times["marian_big"]) / C.median(times["marian_base"]))
    fields["argos_sent_per_s"] = f"{rate['argos']:.3f}"
    for size in marian_sizes:
        fields[f"marian_{size}_sent_per_s"] = f"{rate[f'marian_{size}']:.3f}"
        fields[f"import_{size}_s"] = f"{import_s[size]:.2f}"
        fields[f"package_{size}_mb"] = f"{installed[size].size_bytes / 1e6:.1f}"
    fields["sentences"] = str(len(texts))
    fields["argos_model"] = argos_size
    fields["rounds"] = str(rounds)
    print("RESULT " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
