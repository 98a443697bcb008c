#!/usr/bin/env python3
"""Install time and peak memory of `qari models install` (reader.translation.packages) for a package.

Each measurement runs in a fresh Python process with its own HOME and ARGOS_PACKAGES_DIR:
  * install_file(PACKAGE)                      ("qari models install FILE.argosmodel")
  * install_pair("ar", "en") over loopback HTTP ("qari models install ar en"), the index and
    the package served by a server in THIS process (so its buffers do not count).
Reported: time to import reader.translation.packages, time of the install call, peak RSS of the process
(VmHWM) before and after the call, and the tracemalloc peak of Python allocations during
the call. No network beyond 127.0.0.1.

Usage:
  python tests/benchmarks/bench_models_install.py                 # the tiny fixture package
  python tests/benchmarks/bench_models_install.py --base          # also a transformer-base size package (~60 MB, built once)
  python tests/benchmarks/bench_models_install.py PATH.argosmodel  # any package
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
REPO = TESTS.parent
FIXTURE = TESTS / "fixtures" / "translate-ar_en-tiny.argosmodel"

CHILD = r"""
import json, resource, sys, time, tracemalloc

def hwm_kib():
    # VmHWM is this process's own peak RSS (ru_maxrss survives exec on Linux: it would
    # report the parent's peak)
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

mode, arg = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from reader.translation import packages as models
t1 = time.perf_counter()
validate_s = None
argos_import_s = None
if mode == "file-preloaded":  # what the install costs once Argos's translate module is loaded
    ta = time.perf_counter(); import argostranslate.translate; argos_import_s = time.perf_counter() - ta
    mode = "file"
if mode == "file":
    tv = time.perf_counter(); models.validate_package(arg); validate_s = time.perf_counter() - tv
rss0 = hwm_kib()
tracemalloc.start()
calls = []
t2 = time.perf_counter()
if mode == "file":
    installed = models.install_file(arg)
else:
    installed = models.install_pair("ar", "en", index_url=arg, timeout=30, progress=lambda d, t: calls.append(d))
t3 = time.perf_counter()
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
rss1 = hwm_kib()
print(json.dumps({"import_s": t1 - t0, "install_s": t3 - t2, "validate_s": validate_s, "rss_before_kib": rss0,
                  "rss_after_kib": rss1, "traced_peak_bytes": peak, "size_bytes": installed.size_bytes,
                  "progress_calls": len(calls), "argos_import_s": argos_import_s}))
"""


def run_child(mode: str, arg: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="qari-bench-") as home:
        env = {**os.environ, "HOME": home, "XDG_DATA_HOME": f"{home}/data", "XDG_CONFIG_HOME": f"{home}/config",
               "XDG_CACHE_HOME": f"{home}/cache", "ARGOS_PACKAGES_DIR": f"{home}/packages"}
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(name, None)
        out = subprocess.run([sys.executable, "-c", CHILD, mode, arg], env=env, cwd=REPO,
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])


def measure(package: Path, repeat: int) -> None:
    sys.path.insert(0, str(TESTS))
    from loopback import LoopbackServer, Response

    size = package.stat().st_size
    print(f"\n{package.name}: {size / 1e6:.2f} MB file")
    print(f"  {'how':<34} {'import s':>8} {'install s':>9} {'RSS before':>11} {'RSS peak':>9} {'py peak':>8}")
    with LoopbackServer() as server:
        url = server.route(f"/files/{package.name}", Response.file(package, content_type="application/zip"))
        server.route("/index/index.json", Response.json([{
            "package_version": "1.0", "argos_version": "1.9", "from_code": "ar", "to_code": "en",
            "from_name": "Arabic", "to_name": "English", "code": "translate-ar_en", "links": [url]}]))
        for mode, arg, label in (("file", str(package), "install_file"),
                                 ("file-preloaded", str(package), "install_file, Argos pre-imported"),
                                 ("pair", server.url("/index/"), "install_pair (loopback)")):
            for _ in range(repeat):
                r = run_child(mode, arg)
                print(f"  {label:<34} {r['import_s']:8.3f} {r['install_s']:9.3f} "
                      f"{r['rss_before_kib'] / 1024:9.1f} MB {r['rss_after_kib'] / 1024:6.1f} MB "
                      f"{r['traced_peak_bytes'] / 2**20:6.2f} MB"
                      + (f"  ({r['progress_calls']} progress calls)" if mode == "pair" else
                         f"  (argostranslate.translate import {r['argos_import_s']:.3f} s before)"
                         if mode == "file-preloaded" else f"  (validation alone {r['validate_s']:.3f} s)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", type=Path)
    parser.add_argument("--base", action="store_true", help="also build and measure a transformer-base size package")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    packages = list(args.packages) or [FIXTURE]
    with tempfile.TemporaryDirectory(prefix="qari-bench-pkg-") as tmp:
        if args.base:
            sys.path.insert(0, str(TESTS / "fixtures"))
            from make_argosmodel import build_argosmodel

            print("building the base-size package ...", flush=True)
            packages.append(build_argosmodel(Path(tmp), size="base"))
        for package in packages:
            measure(package, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
