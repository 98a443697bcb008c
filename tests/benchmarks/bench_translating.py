#!/usr/bin/env python3
"""Is the reader usable WHILE a long article translates? Keys, resize, quit and the first
English, timed from outside in a real terminal, against the same keys at rest, in this tree
and in a baseline tree, in the same run.

Each measurement runs `python -m reader ARTICLE` (``PYTHONPATH`` = the tree) under a
pseudo-terminal of 160x45 with private, EMPTY config, cache and library dirs and the tiny
fixture model installed (`tests/fixtures/translate-ar_en-tiny.argosmodel`, unpacked into a
private ``ARGOS_PACKAGES_DIR``). The benchmark reads the terminal output through pyte (a VT100
emulator) and times what a reader sees:

* **first paint**: a word of the first body paragraph on screen (bench_startup's marker);
* **first English**: the first Latin word in the English pane's text (a translation, not the
  pane title or the pending "…" marks);
* **keys while translating**: `j`, `space`, `G`, `g`, `k` ... each timed from writing the key
  to the first frame whose Arabic pane title shows the new position (`Arabic · N/T`), while
  the English pane title still shows an ETA; a key is counted only if translation was still
  running when its frame came;
* **resize**: 160x45 -> 100x30 (and back) while translating, until a whole frame at the new
  size is drawn: both pane titles present, the pane border ending in the last column, the
  footer on the last row;
* **quit**: `q` while translating, until the process has exited (and whether "quitting…"
  was shown);
* **keys at rest**: the same keys after the whole article is translated ("T/T translated"),
  in a second process of the same tree (its translation finishes first; `--no-rest` skips).

The baseline tree (``--baseline``, default the commit before the reader was made responsive)
is a `git worktree`, removed afterwards. Rounds interleave the trees. Figures: p50/p95/max of
all keys of all rounds; medians of the rest. The machine's load is printed: on a shared
2-core machine absolute figures are noisy, the same-run comparison is what counts.

Targets (2 cores, tiny model): keys p95 <= 100 ms and max <= 250 ms while translating, at rest
<= 50 ms, resize <= 500 ms, quit <= 500 ms, first English <= 1.5 s on the 2 MB article.

Last line: ``RESULT key_p95_ms=... key_max_ms=... key_p50_ms=... rest_p95_ms=... resize_ms=...
quit_ms=... first_english_s=... first_paint_s=... base_key_p95_ms=... ...``

Usage:
  python tests/benchmarks/bench_translating.py              # 2 MB article, baseline, 1 round
  python tests/benchmarks/bench_translating.py --rounds 2
  python tests/benchmarks/bench_translating.py --quick      # 20x sample, this tree only, no rest run
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import pyte

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as C  # noqa: E402

DEFAULT_BASELINE = "HEAD"
WIDE = (160, 45)
NARROW = (100, 30)
KEYS = [b"j", b"j", b" ", b"j", b"G", b"g", b"j", b" ", b"k", b"j", b" ", b"G", b"k", b"g", b"j", b"j"]
POSITION = re.compile(r"Arabic(?: · English)? · (\d+)/(\d+)")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class Term:
    """A child process under a pseudo-terminal, its output fed to a pyte screen."""

    def __init__(self, cmd: list[str], env: dict[str, str], size: tuple[int, int], cwd: Path) -> None:
        """`cwd`: the tree under test. `python -m` puts the working directory first on
        sys.path, before PYTHONPATH: run from anywhere else, a baseline run imported the
        working tree's code."""
        self.cols, self.rows = size
        self.screen = pyte.Screen(self.cols, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.t0 = time.perf_counter()
        pid, fd = os.forkpty()
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
                os.chdir(cwd)
                os.execvpe(cmd[0], cmd, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.exited: float | None = None
        self.status: int | None = None
        self.quitting_seen = False

    # -- output -------------------------------------------------------------------------------

    def pump(self, timeout: float) -> bool:
        """Read what the child wrote within `timeout` s; False once it closed the terminal."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            data = os.read(self.fd, 1 << 20)
        except OSError:
            data = b""
        if not data:
            self._reap()
            return False
        if "quitting…".encode() in data:
            self.quitting_seen = True
        self.stream.feed(data)
        return True

    def lines(self) -> list[str]:
        return list(self.screen.display)

    def wait(self, predicate, timeout: float) -> float | None:
        """Seconds until `predicate(self)` holds (checked after each read), None on timeout."""
        start = time.perf_counter()
        while True:
            if predicate(self):
                return time.perf_counter() - start
            left = timeout - (time.perf_counter() - start)
            if left <= 0 or self.exited is not None:
                return None
            if not self.pump(min(left, 0.05)):
                return None if not predicate(self) else time.perf_counter() - start

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and self.pump(end - time.perf_counter()):
            pass

    # -- input --------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def resize(self, size: tuple[int, int]) -> None:
        self.cols, self.rows = size
        self.screen.resize(self.rows, self.cols)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        try:
            os.killpg(self.pid, signal.SIGWINCH)
        except ProcessLookupError:
            pass

    def _reap(self) -> None:
        if self.exited is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid:
                self.exited = time.perf_counter()
                self.status = status

    def wait_exit(self, timeout: float) -> float | None:
        start = time.perf_counter()
        while self.exited is None and time.perf_counter() - start < timeout:
            if not self.pump(0.02):
                while self.exited is None and time.perf_counter() - start < timeout:
                    self._reap()
                    time.sleep(0.002)
            self._reap()
        return None if self.exited is None else self.exited - start

    def close(self) -> None:
        if self.exited is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        try:
            os.close(self.fd)
        except OSError:
            pass


# --- what is on screen -------------------------------------------------------------------------

def position(term: Term) -> tuple[int, int] | None:
    for line in term.lines():
        m = POSITION.search(line)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def english_title(term: Term) -> tuple[int, int, str] | None:
    """(row, column, title text) of the English pane's title."""
    for y, line in enumerate(term.lines()):
        x = line.find("English")
        if x >= 0 and "Arabic · English" not in line[max(0, x - 9):x + 7]:
            return y, x, line[x:]
    return None


def thread_cpu(pid: int, tid: int) -> float:
    """CPU seconds (user + system) of one thread of a process (the UI thread: tid == pid)."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def translated_count(term: Term) -> int | None:
    title = english_title(term)
    m = re.search(r"(\d+)/\d+", title[2]) if title else None
    return int(m.group(1)) if m else None


def translating(term: Term) -> bool:
    """The English title shows progress `N/T` with N < T (its ETA may be cut on a narrow pane)."""
    title = english_title(term)
    m = re.search(r"(\d+)/(\d+)", title[2]) if title else None
    return m is not None and int(m.group(1)) < int(m.group(2))


def translated_all(term: Term) -> bool:
    title = english_title(term)
    return title is not None and re.search(r"(\d+)/\1 translated", title[2]) is not None


def english_shown(term: Term) -> bool:
    """A Latin word in the English pane's text rows (below its title, right of its left edge)."""
    title = english_title(term)
    if title is None:
        return False
    y0, x0, _ = title
    lines = term.lines()
    for line in lines[y0 + 1:len(lines) - 2]:
        if LATIN_WORD.search(line[max(0, x0 - 2):]):
            return True
    return False


def whole_frame(term: Term) -> bool:
    """A frame drawn at the terminal's current size: titles present, the pane's top border
    reaches the last column, the footer is on the last row."""
    lines = term.lines()
    if len(lines) != term.rows or position(term) is None or english_title(term) is None:
        return False
    title_row = next(y for y, line in enumerate(lines) if POSITION.search(line))
    last = lines[title_row].rstrip()
    footer = lines[-1]
    return (len(last) == term.cols and last[-1] in "╮┐┓╗" and "Quit" in footer
            and "Quit" not in footer[term.cols:])


# --- one process ---------------------------------------------------------------------------------

def child_env(root: Path, tree: Path, packages: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "QARI_", "ARGOS_", "COLORTERM", "NO_COLOR", "TMUX", "PYTHON"))}
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = root / name.lower()
        shutil.rmtree(path, ignore_errors=True)  # an EMPTY cache every run
        path.mkdir(parents=True)
        env[name] = str(path)
    env.update(ARGOS_PACKAGES_DIR=str(packages), ARGOS_DEVICE_TYPE="cpu", TERM="xterm-256color",
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONPATH=str(tree))
    return env


def press_keys(term: Term, keys: list[bytes], *, need_translating: bool, timeout: float) -> list[float]:
    """Seconds from each key to the frame with the new position (counted only while
    translating when `need_translating`)."""
    times: list[float] = []
    for key in keys:
        before = position(term)
        if before is None:
            break
        if need_translating and not translating(term):
            break
        cur, total = before
        if (key == b"j" and cur == total) or (key == b"k" and cur == 1) or (key == b" " and cur == total):
            key = b"g"
        if key == b"g" and cur == 1:
            key = b"j"
        if key == b"G" and cur == total:
            key = b"k"
        want = {b"G": total, b"g": 1}.get(key)
        start = time.perf_counter()
        term.send(key)
        # While translating, a key is timed only until the translation ends: a key whose
        # position never changes (Space on the last page) must not stall the run for `timeout`.
        waited = term.wait(lambda t: (need_translating and not translating(t))
                           or ((p := position(t)) is not None and p[0] != cur
                               and (want is None or p[0] == want)), timeout)
        if waited is None:
            times.append(timeout)
            print(f"#   key {key!r}: no new position within {timeout:.0f} s", flush=True)
            continue
        if need_translating and not translating(term):
            break
        times.append(time.perf_counter() - start)
        term.drain(0.05)  # a reader does not type faster than this
    return times


def run_translating(tree: Path, article: Path, env: dict[str, str], marks: list[str], keys: list[bytes],
                    timeout: float, keys_after: float = 0.0) -> dict:
    """First paint, first English, keys while translating, resize, quit: one process."""
    out: dict = {"keys": [], "resize": [], "quit": None, "first_paint": None, "first_english": None,
                 "quitting_shown": False}
    term = Term([sys.executable, "-m", "reader", str(article)], env, WIDE, cwd=tree)
    try:
        t0 = term.t0
        if term.wait(lambda t: any(m in line for line in t.lines() for m in marks), timeout) is not None:
            out["first_paint"] = time.perf_counter() - t0
        if term.wait(english_shown, timeout) is not None:
            out["first_english"] = time.perf_counter() - t0
        term.wait(translating, timeout)
        if keys_after > 0:
            # Later in a long translation the panes hold more laid-out text: the cost of each
            # batch of translations on the UI is not the same as in its first seconds.
            term.drain(keys_after)
        cpu0, done0 = thread_cpu(term.pid, term.pid), translated_count(term)
        out["keys"] = press_keys(term, keys, need_translating=True, timeout=timeout)
        for size in (NARROW, WIDE):
            if not translating(term):
                break
            start = time.perf_counter()
            term.resize(size)
            waited = term.wait(whole_frame, timeout)
            out["resize"].append(timeout if waited is None else time.perf_counter() - start)
            term.drain(0.2)
        out["still_translating_at_quit"] = translating(term)
        cpu1, done1 = thread_cpu(term.pid, term.pid), translated_count(term)
        if done0 is not None and done1 is not None and done1 > done0:
            # The UI thread's CPU time per 1000 sentences translated (keys and resizes included):
            # what translation costs the UI, nearly independent of the machine's load. Not
            # comparable across trees where one pauses translation while keys are pressed (the
            # reader does since 2026-12-07): the same keys then come with far fewer sentences.
            out["ui_cpu_per_1000"] = (cpu1 - cpu0) / (done1 - done0) * 1000
        term.send(b"q")
        quit_s = term.wait_exit(max(timeout, 60))
        out["quit"] = quit_s
        out["quitting_shown"] = term.quitting_seen
    finally:
        term.close()
    return out


def run_rest(tree: Path, article: Path, env: dict[str, str], keys: list[bytes], timeout: float) -> dict:
    """The same keys once the whole article is translated (a fresh process, empty cache)."""
    term = Term([sys.executable, "-m", "reader", str(article)], env, WIDE, cwd=tree)
    try:
        waited = term.wait(translated_all, 900)
        if waited is None:
            return {"keys": [], "translate_s": None}
        translate_s = time.perf_counter() - term.t0
        term.drain(0.5)
        times = press_keys(term, keys, need_translating=False, timeout=timeout)
        term.send(b"q")
        term.wait_exit(30)
        return {"keys": times, "translate_s": translate_s}
    finally:
        term.close()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git ref of the baseline tree")
    parser.add_argument("--no-baseline", action="store_true", help="this tree only")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--megabytes", type=float, default=2.0, help="article size (default 2 MB)")
    parser.add_argument("--no-rest", action="store_true", help="skip the at-rest run")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a key or a resize may take")
    parser.add_argument("--model-dir", type=Path, default=C.default_bench_dir())
    parser.add_argument("--keys-after", type=float, default=0.0, metavar="S",
                        help="seconds of translation before the keys, resize and quit (default 0: at once)")
    parser.add_argument("--quick", action="store_true", help="20x sample, this tree only, no rest run, 6 keys")
    args = parser.parse_args(argv)
    print(C.machine_line(), flush=True)
    work = Path(tempfile.mkdtemp(prefix="qari-bench-translating-"))
    try:
        packages = C.install_package("tiny", args.model_dir)
        one = len(C.scaled_article_text(1).encode("utf-8"))
        copies = 20 if args.quick else max(1, -(-int(args.megabytes * 1e6) // one))
        article = work / "article.txt"
        article.write_text(C.scaled_article_text(copies), encoding="utf-8")
        from reader.article import parse_text
        from reader.text.bidi import layout_paragraph

        n_sentences = len(parse_text(article.read_text(encoding="utf-8")).sentences)
        print(f"# article: {article.stat().st_size / 1e6:.2f} MB, {n_sentences} sentences ({copies}x the sample); "
              f"tiny model, terminal {WIDE[0]}x{WIDE[1]}, empty cache", flush=True)
        word = C.first_visible_word(article)
        marks = [layout_paragraph(word, 200)[0].text, word]
        trees = {"new": C.REPO}
        if not (args.quick or args.no_baseline):
            base = work / "baseline"
            subprocess.run(["git", "-C", str(C.REPO), "worktree", "add", "--detach", "-q", str(base), args.baseline],
                           check=True)
            trees["base"] = base
        keys = KEYS[:6] if args.quick else KEYS
        rest = not (args.quick or args.no_rest)
        results: dict[str, dict[str, list]] = {name: {} for name in trees}
        order = list(trees)
        for round_ in range(args.rounds):
            for name in order[round_ % len(order):] + order[:round_ % len(order)]:
                env = child_env(work / f"env-{name}", trees[name], packages)
                print(f"# round {round_ + 1} {name}: load {C.loadavg()}", flush=True)
                r = run_translating(trees[name], article, env, marks, keys, args.timeout, args.keys_after)
                print(f"#   first paint {r['first_paint']}, first English {r['first_english']}, "
                      f"keys {[round(k * 1000) for k in r['keys']]} ms, resize "
                      f"{[round(k * 1000) for k in r['resize']]} ms, quit {r['quit']} "
                      f"(quitting… shown: {r['quitting_shown']}, still translating: "
                      f"{r.get('still_translating_at_quit')}); UI thread CPU per 1000 sentences translated: "
                      f"{r.get('ui_cpu_per_1000')}", flush=True)
                acc = results[name]
                for key in ("keys", "resize"):
                    acc.setdefault(key, []).extend(r[key])
                for key in ("quit", "first_paint", "first_english", "ui_cpu_per_1000"):
                    if r.get(key) is not None:
                        acc.setdefault(key, []).append(r[key])
                if rest:
                    env = child_env(work / f"env-{name}", trees[name], packages)
                    r = run_rest(trees[name], article, env, keys, args.timeout)
                    print(f"#   at rest (translated in {r['translate_s']} s): keys "
                          f"{[round(k * 1000) for k in r['keys']]} ms", flush=True)
                    acc.setdefault("rest", []).extend(r["keys"])
                    if r["translate_s"] is not None:
                        acc.setdefault("translate_s", []).append(r["translate_s"])
        print(f"# load after: {C.loadavg()}")
        fields: dict[str, float] = {}
        for name in order:
            acc = results[name]
            prefix = "" if name == "new" else "base_"
            keys_ms = [k * 1000 for k in acc.get("keys", [])]
            rest_ms = [k * 1000 for k in acc.get("rest", [])]
            line = {
                "key_p50_ms": percentile(keys_ms, 0.5), "key_p95_ms": percentile(keys_ms, 0.95),
                "key_max_ms": max(keys_ms) if keys_ms else float("nan"),
                "rest_p50_ms": percentile(rest_ms, 0.5), "rest_p95_ms": percentile(rest_ms, 0.95),
                "rest_max_ms": max(rest_ms) if rest_ms else float("nan"),
                "resize_ms": max(acc["resize"]) * 1000 if acc.get("resize") else float("nan"),
                "quit_ms": C.median(acc.get("quit", [])) * 1000,
                "first_english_s": C.median(acc.get("first_english", [])),
                "first_paint_s": C.median(acc.get("first_paint", [])),
                "translate_s": C.median(acc.get("translate_s", [])),
                "ui_cpu_per_1000_s": C.median(acc.get("ui_cpu_per_1000", [])),
            }
            print(f"{name:>4}: while translating keys p50 {line['key_p50_ms']:.0f} / p95 {line['key_p95_ms']:.0f} / "
                  f"max {line['key_max_ms']:.0f} ms (n={len(keys_ms)}); at rest p50 {line['rest_p50_ms']:.0f} / "
                  f"p95 {line['rest_p95_ms']:.0f} / max {line['rest_max_ms']:.0f} ms (n={len(rest_ms)}); "
                  f"resize (worst) {line['resize_ms']:.0f} ms; quit {line['quit_ms']:.0f} ms; "
                  f"first paint {line['first_paint_s']:.2f} s; first English {line['first_english_s']:.2f} s; "
                  f"whole article translated in {line['translate_s']:.1f} s; UI thread CPU per 1000 sentences "
                  f"translated {line['ui_cpu_per_1000_s']:.2f} s")
            for key, value in line.items():
                fields[prefix + key] = value
        print("RESULT " + " ".join(f"{k}={v:.3f}" if k.endswith("_s") else f"{k}={v:.0f}"
                                   for k, v in fields.items()))
    finally:
        if (work / "baseline").exists():
            subprocess.run(["git", "-C", str(C.REPO), "worktree", "remove", "--force", str(work / "baseline")],
                           check=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
