"""The benchmark scripts still run: each in a subprocess with its quickest setting, checking
only the format of its last line (``RESULT key=value ...``), never a speed."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO, TESTS

BENCH = TESTS / "benchmarks"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the scripts use a pseudo-terminal and /proc")


def run_script(name: str, *args: str) -> dict[str, str]:
    proc = subprocess.run([sys.executable, str(BENCH / name), *args], capture_output=True, text=True,
                          timeout=180, cwd=str(REPO))
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    last = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"RESULT( [a-z0-9_]+=\S+)+", last), last
    assert "WARNING" not in proc.stdout, proc.stdout
    return dict(field.split("=", 1) for field in last.split()[1:])


def positive(value: str) -> float:
    x = float(value)
    assert math.isfinite(x) and x > 0, value
    return x


def test_bench_translate_quick_tiny(tmp_path: Path) -> None:
    fields = run_script("bench_translate.py", "--model-size", "tiny", "--quick", "--model-dir", str(tmp_path))
    assert list(fields)[:2] == ["qari_vs_argos", "qari_vs_ct2"]
    for key in ("qari_vs_argos", "qari_vs_ct2", "argos_s", "qari_s", "ct2_s", "qari_sent_per_s",
                "qari_src_tok_per_s", "qari_first_s", "argos_first_para_s", "qari_peak_mb", "ct2_peak_mb"):
        positive(fields[key])
    assert fields["model"] == "tiny"
    assert int(fields["sentences"]) > 0 and int(fields["src_tokens"]) >= int(fields["sentences"])
    assert not any(tmp_path.glob("*.argosmodel")), "the tiny fixture is used in place, never rebuilt"


def test_bench_startup_quick() -> None:
    fields = run_script("bench_startup.py", "--rounds", "1")
    assert list(fields)[0] == "first_paint_ratio"
    ratio = positive(fields["first_paint_ratio"])
    assert ratio == pytest.approx(positive(fields["qari_ms"]) / positive(fields["bare_ms"]), rel=0.05, abs=0.01)


def test_bench_scale_quick() -> None:
    fields = run_script("bench_scale.py", "--quick")
    assert list(fields)[:4] == ["segment_growth", "summarize_growth", "layout_growth", "tui_ratio"]
    for key in ("segment_growth", "summarize_growth", "layout_growth"):
        float(fields[key])  # an exponent: any finite number
        assert math.isfinite(float(fields[key]))
    positive(fields["tui_ratio"])
    assert fields["largest"] == "10x"


def test_bench_rewrap_small() -> None:
    fields = run_script("bench_rewrap.py", "--lines", "300", "--rounds", "1", "--no-tui")
    assert list(fields)[0] == "rewrap_ratio"
    ratio = positive(fields["rewrap_ratio"])
    assert ratio == pytest.approx(positive(fields["qari_rewrap_ms"]) / positive(fields["naive_ms"]), rel=0.05, abs=0.01)
    assert fields["lines"] == "300"


def test_bench_summary_quality_skips_without_data(tmp_path: Path, monkeypatch) -> None:
    """The development set is not in the repository: without it the script says so and exits 0."""
    monkeypatch.delenv("QARI_SUMMARY_DEV", raising=False)
    assert run_script("bench_summary_quality.py") == {"skipped": "1"}
    assert run_script("bench_summary_quality.py", "--dev", str(tmp_path / "missing.jsonl")) == {"skipped": "1"}


def test_bench_batch_quick(tmp_path: Path) -> None:
    fields = run_script("bench_batch.py", "--quick", "--model-dir", str(tmp_path))
    assert list(fields)[:2] == ["dask_overhead", "dask_overhead_steady"]
    assert math.isfinite(float(fields["dask_overhead"])) and float(fields["dask_overhead"]) > -1
    for key in ("workers2_vs_process", "dask2_vs_process", "process_sent_per_s", "workers2_sent_per_s",
                "inproc2_sent_per_s", "dask2_sent_per_s"):
        positive(fields[key])
    assert fields["model"] == "tiny" and fields["articles"] == "12" and int(fields["sentences"]) >= 12
    assert fields["identical"] == "yes"  # every way of running wrote the same bytes


def test_bench_library_quick() -> None:
    fields = run_script("bench_library.py", "--quick")
    assert list(fields)[:4] == ["open_ms", "filter_max_ms", "open_vs_scan", "filter_vs_scan"]
    for key in ("open_ms", "filter_max_ms", "open_vs_scan", "filter_vs_scan"):
        positive(fields[key])
    assert fields["articles"] == "1000" and fields["target"] in ("ok", "miss")


def test_bench_vocabulary_quick() -> None:
    fields = run_script("bench_vocabulary.py", "--quick", "--size-mb", "0.2")
    for key in ("lookup_median_ms", "lookup_p95_ms", "difficulty_repeated_s", "difficulty_varied_s", "varied_cpu_s"):
        positive(fields[key])
    assert int(fields["varied_forms"]) > 1_000 and fields["rounds"] == "1"


def test_bench_models_import_quick(tmp_path: Path) -> None:
    fields = run_script("bench_models_import.py", "--quick", "--model-dir", str(tmp_path))
    assert list(fields)[0] == "marian_tiny_vs_argos"
    for key in ("marian_tiny_vs_argos", "argos_sent_per_s", "marian_tiny_sent_per_s", "import_tiny_s",
                "package_tiny_mb"):
        positive(fields[key])
    assert fields["argos_model"] == "tiny" and int(fields["sentences"]) > 0
    assert not any(tmp_path.glob("*.argosmodel")), "the tiny Argos fixture is used in place, never rebuilt"


def test_bench_feeds_quick() -> None:
    fields = run_script("bench_feeds.py", "--quick")
    assert list(fields)[:3] == ["update_s", "conditional_s", "fetch_floor_s"]
    for key in ("update_s", "conditional_s", "fetch_floor_s", "open_ms", "filter_max_ms", "open_vs_library",
                "filter_vs_library"):
        positive(fields[key])
    assert fields["items"] == "1000" and fields["target"] in ("ok", "miss")


def test_bench_bounds_quick_against_itself() -> None:
    fields = run_script("bench_bounds.py", "--baseline", str(REPO), "--quick")
    for path in ("fetch", "index", "install", "pair", "batch"):
        positive(fields[f"{path}_ratio"])
        positive(fields[f"{path}_best_ratio"])


def test_bench_translating_quick() -> None:
    # --timeout 10: a key the reader does not answer costs 10 s here, not the default 30 (the
    # smoke test checks the format; the stall itself is what the benchmark reports).
    fields = run_script("bench_translating.py", "--quick", "--timeout", "10")
    assert list(fields)[:3] == ["key_p50_ms", "key_p95_ms", "key_max_ms"]
    positive(fields["first_paint_s"])
    positive(fields["first_english_s"])
    assert "base_key_p95_ms" not in fields  # --quick: this tree only
