"""Shared helpers for qari's benchmark scripts (not a test module; pytest never collects it).

* where benchmark models live (``--model-dir``, default ``$XDG_CACHE_HOME/qari-bench`` or
  ``~/.cache/qari-bench``), building the transformer-base model on demand and unpacking a
  package into a private ``ARGOS_PACKAGES_DIR`` (never into the repository);
* an isolated environment for Argos Translate (it reads its settings and creates directories
  under ``HOME`` when first imported, so the variables are set before that import);
* medians, load average and CPU-share readings, peak-RSS readings, the scaled test articles.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
TINY_ARCHIVE = FIXTURES / "translate-ar_en-tiny.argosmodel"

if str(REPO) not in sys.path:  # run as a script from anywhere: import reader/ from this checkout
    sys.path.insert(0, str(REPO))


# --- where things live -----------------------------------------------------------------------

def default_bench_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qari-bench"


def _generator():
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_argosmodel  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(FIXTURES))
    return make_argosmodel


def model_archive(size: str, bench_dir: Path, log=print) -> Path:
    """The ``.argosmodel`` for ``size``: the committed tiny fixture, or the base model built once
    into ``bench_dir`` (rebuilt when the generator version changes)."""
    if size == "tiny":
        return TINY_ARCHIVE
    gen = _generator()
    bench_dir.mkdir(parents=True, exist_ok=True)
    archive = bench_dir / f"translate-ar_en-{size}-g{gen.GENERATOR_VERSION}.argosmodel"
    if not archive.is_file():
        log(f"# building the {size} benchmark model into {archive} (once) ...")
        t0 = time.perf_counter()
        gen.build_argosmodel(archive, size=size, seed=0)
        log(f"# built in {time.perf_counter() - t0:.1f} s ({archive.stat().st_size / 1e6:.1f} MB)")
    return archive


def install_package(size: str, bench_dir: Path, log=print) -> Path:
    """Unpack the package for ``size`` into ``bench_dir/packages-<size>`` (a private
    ARGOS_PACKAGES_DIR holding only it) unless already there; return that packages dir."""
    archive = model_archive(size, bench_dir, log)
    packages = bench_dir / f"packages-{size}"
    st = archive.stat()
    stamp_value = f"{archive.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    stamp = packages / ".qari-bench-stamp"
    if stamp.is_file() and stamp.read_text() == stamp_value:
        return packages
    import shutil

    shutil.rmtree(packages, ignore_errors=True)
    packages.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(packages)
    stamp.write_text(stamp_value)
    return packages


def isolate_argos(bench_dir: Path, packages: Path, *, intra_threads: int | None = None,
                  compute_type: str | None = None) -> dict[str, str]:
    """Point Argos Translate (and qari's config/cache lookups) at private dirs under
    ``bench_dir``; must run before ``argostranslate`` is imported. Returns the variables set."""
    if "argostranslate.settings" in sys.modules:
        raise RuntimeError("isolate_argos() must run before argostranslate is imported")
    home = bench_dir / "home"
    env = {
        "ARGOS_PACKAGES_DIR": str(packages),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "ARGOS_DEVICE_TYPE": "cpu",
    }
    if intra_threads:
        env["ARGOS_INTRA_THREADS"] = str(intra_threads)
    if compute_type:
        env["ARGOS_COMPUTE_TYPE"] = compute_type
    for path in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        Path(env[path]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    os.environ.pop("QARI_CONFIG", None)
    return env


# --- measuring -------------------------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float]) -> str:
    """``median [min-max] (n=..)`` in seconds or ms, for a report line."""
    if not values:
        return "n/a"
    m = median(values)
    unit, k = ("ms", 1e3) if m < 1 else ("s", 1.0)
    return f"{m * k:.3g} {unit} [{min(values) * k:.3g}-{max(values) * k:.3g}] (n={len(values)})"


def loadavg() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} {five:.2f} {fifteen:.2f}"
    except OSError:  # pragma: no cover
        return "n/a"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover
        return os.cpu_count() or 1


def machine_line() -> str:
    return (f"# machine: {usable_cores()} usable cores, load average {loadavg()} (1/5/15 min), "
            f"python {sys.version.split()[0]}")


class Timer:
    """Wall time and this process's CPU time (user+sys, all threads) of a block; ``share`` =
    cpu / wall, which falls below the thread count when other processes take the cores."""

    def __enter__(self) -> "Timer":
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.c0
        self.share = self.cpu / self.wall if self.wall > 0 else float("nan")


def vm_hwm_kib() -> int:
    """Peak resident set size of THIS process (VmHWM). ``ru_maxrss`` is not used: on Linux it
    survives exec, so a child started from a big parent would report the parent's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def vm_rss_kib() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:  # pragma: no cover
        pass
    return 0


def emit_json(tag: str, payload: dict) -> None:
    """One machine-readable line from a child process."""
    print(f"{tag} {json.dumps(payload)}", flush=True)


def parse_json_line(output: str, tag: str) -> dict:
    for line in reversed(output.splitlines()):
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise RuntimeError(f"no {tag} line in child output:\n{output[-2000:]}")


def fmt_ratio(x: float) -> str:
    return f"{x:.3f}"


# --- articles --------------------------------------------------------------------------------

_TAIL = re.compile(r"^(.*?)([\s.!?؟…:;؛،,\"'”’»)\]}\-–—]*)$", re.S)


def scaled_article_text(copies: int) -> str:
    """The sample article repeated ``copies`` times, every sentence made distinct by a number
    inserted before its closing punctuation (copy * 1000 + sentence index), so no cache (bidi
    layout, summary de-duplication, translation) sees a repeat. copies=1 is the sample with
    numbers, so every size has sentences of the same form."""
    from reader.article import load_article, sample_article_path

    article = load_article(sample_article_path())
    text = article.text
    parts: list[str] = []
    for copy in range(1, copies + 1):
        out: list[str] = []
        pos = 0
        for k, s in enumerate(article.sentences):
            out.append(text[pos:s.start])
            body, tail = _TAIL.match(s.text).groups()
            out.append(f"{body} {copy * 1000 + k}{tail}")
            pos = s.end
        out.append(text[pos:])
        parts.append("".join(out).strip("\n"))
    return "\n".join(parts) + "\n"


def first_visible_word(path: str | os.PathLike | None = None, min_letters: int = 5) -> str:
    """A word of the article's first body paragraph that any reader shows in its first
    screen: Arabic letters only, no lam-alef pair (a ligature changes how it appears)."""
    from reader.article import load_article, sample_article_path

    article = load_article(path or sample_article_path())
    paragraphs = [p for p in article.paragraphs if not p.is_heading] or article.paragraphs
    for word in paragraphs[0].text.split():
        if (len(word) >= min_letters and all("\u0621" <= ch <= "\u064a" for ch in word)
                and not re.search("ل[اأإآ]", word)):
            return word
    raise RuntimeError("no suitable marker word in the sample article")
