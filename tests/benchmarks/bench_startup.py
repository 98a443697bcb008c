#!/usr/bin/env python3
"""First paint: qari's TUI against a bare Textual app showing the same text in one Static.

Each measurement starts a fresh process under a pseudo-terminal of a fixed size (120x40,
TERM=xterm-256color, private empty config/cache/Argos dirs, so no model is installed and no
user setting applies) and reads the terminal output until a word of the article's first body
paragraph appears on it, in the form that app draws it: qari draws Arabic shaped and in visual
order (``reader.text.bidi.layout_paragraph`` of the word), the bare app draws the logical text.
That is the first frame that shows the article. The time is from just before ``fork`` to that
moment; then the process group is killed. Nothing inside either app is changed or hooked.

* qari:  ``python -m reader ARTICLE`` (the ``qari`` command; the summary and the translator
         start only after the first paint, see widgets/reader_screen.py ``_after_first_paint``);
* bare:  ``python -c <app>`` whose App composes one ``Static(rich.text.Text(file text))``.

Rounds are interleaved (qari, bare, bare, qari, ...) after one discarded warm-up of each (disk
cache, .pyc files). Reported: median, [min-max], and the ratio of medians.

Heavy imports: one extra run of each app (not timed) records ``sys.modules`` at the first
paint (qari: the moment ``ReaderScreen._after_first_paint`` runs, i.e. after the first refresh;
bare: the same point via ``call_after_refresh`` in ``on_mount``), and lists the heavy modules
present plus the import cost (``python -X importtime``) of the top-level packages qari loads
that the bare app does not.

Last line: ``RESULT first_paint_ratio=<qari/bare> ...``; target <= 1.5.

Usage:
  python tests/benchmarks/bench_startup.py                 # 7 rounds
  python tests/benchmarks/bench_startup.py --quick         # 2 rounds, no import report
  python tests/benchmarks/bench_startup.py --article FILE  # another article (bench_scale uses it)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

COLUMNS, ROWS = 120, 40
TIMEOUT = 60.0

HEAVY = ("ctranslate2", "sumy", "numpy", "argostranslate", "sentencepiece", "nltk", "trafilatura", "lxml",
         "scipy", "sacremoses", "minisbd", "onnxruntime", "sqlite3", "charset_normalizer", "pyarabic",
         "arabic_reshaper", "bidi", "reader.summary.summarize", "reader.translation.translate", "reader.translation.cache",
         "reader.web.fetch", "reader.web.extract", "reader.web.net", "reader.translation.packages", "reader.translation.packing", "wordfreq", "genanki",
         "reader.store.vocabulary", "reader.text.morphology_buckwalter")

BARE_APP = r"""
import os, sys
from rich.text import Text
from textual.app import App
from textual.widgets import Static

TEXT = open(sys.argv[1], encoding="utf-8").read()

class Bare(App):
    def compose(self):
        yield Static(Text(TEXT))

    def on_mount(self):
        out = os.environ.get("QARI_BENCH_MODULES_OUT")
        if out:
            def dump():
                with open(out, "w") as fh:
                    fh.write("\n".join(sorted(sys.modules)))
                os._exit(0)
            self.call_after_refresh(dump)

Bare().run()
"""

# Runs qari exactly as `python -m reader ARTICLE`, but records sys.modules when the first
# paint is reached (only for the import report; never in the timed runs).
QARI_MODULES = r"""
import os, sys
import reader.app as app_module
from widgets.reader_screen import ReaderScreen

def after_first_paint(self):
    with open(os.environ["QARI_BENCH_MODULES_OUT"], "w") as fh:
        fh.write("\n".join(sorted(sys.modules)))
    os._exit(0)

ReaderScreen._after_first_paint = after_first_paint
from reader.cli import main
sys.exit(main(sys.argv[1:]))
"""


def child_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "QARI_", "ARGOS_", "COLORTERM", "NO_COLOR", "TMUX", "PYTHON"))}
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        path = tmp / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    (tmp / "argos-packages").mkdir(exist_ok=True)
    env["ARGOS_PACKAGES_DIR"] = str(tmp / "argos-packages")
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", COLUMNS=str(COLUMNS), LINES=str(ROWS))
    env["PYTHONPATH"] = str(C.REPO)
    return env


def qari_command(article: Path) -> list[str]:
    return [sys.executable, "-m", "reader", str(article)]


def bare_command(article: Path) -> list[str]:
    return [sys.executable, "-c", BARE_APP, str(article)]


def markers(article: Path) -> list[bytes]:
    """The marker word as qari draws it (shaped, visual order) and as the bare app does."""
    from reader.text.bidi import layout_paragraph

    word = C.first_visible_word(article)
    visual = layout_paragraph(word, 200)[0].text
    return [visual.encode("utf-8"), word.encode("utf-8")]


_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()#][0-9A-Za-z]|\x1b[=>78cDEHMNOZ]")


def screen_text(data: bytes) -> str:
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, all its threads (/proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def first_paint(cmd: list[str], env: dict[str, str], marks: list[bytes], timeout: float = TIMEOUT) -> tuple[float, float]:
    """(seconds from fork to the first output that contains one of ``marks``, CPU seconds the
    process had used by then). The CPU time barely depends on what else runs on the machine;
    /proc counts it in clock ticks (10 ms), so it is only meaningful as a median."""
    t0 = time.perf_counter()
    pid, fd = os.forkpty()
    if pid == 0:  # child: the pty is its controlling terminal and stdio
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    buffer = bytearray()
    found = None
    cpu = float("nan")
    try:
        longest = max(len(m) for m in marks)
        while found is None:
            left = timeout - (time.perf_counter() - t0)
            if left <= 0:
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal (it exited)
                break
            if not chunk:
                break
            start = max(0, len(buffer) - longest)
            buffer += chunk
            if any(bytes(buffer).find(m, start) >= 0 for m in marks):
                found = time.perf_counter() - t0
                cpu = cpu_seconds(pid)
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)  # forkpty made the child a session (group) leader
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    if found is None:
        tail = screen_text(bytes(buffer))[-1500:]
        raise RuntimeError(f"no first paint within {timeout:.0f} s for {cmd[:3]}...; screen text tail:\n{tail}")
    return found, cpu


def measure(contenders: dict[str, list[str]], marks: list[bytes], rounds: int, env: dict[str, str],
            log=print) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Interleaved rounds (order reversed every other round) after one discarded warm-up each;
    returns (wall times, CPU times) per contender."""
    names = list(contenders)
    for name in names:
        first_paint(contenders[name], env, marks)
    times: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            wall, cpu = first_paint(contenders[name], env, marks)
            times[name].append(wall)
            cpus[name].append(cpu)
        log(f"# round {r + 1}/{rounds}: " + ", ".join(f"{n} {times[n][-1] * 1e3:.0f} ms (cpu {cpus[n][-1] * 1e3:.0f})"
                                                      for n in names) + f" (load {C.loadavg().split()[0]})")
    return times, cpus


def modules_at_first_paint(cmd: list[str], env: dict[str, str], tmp: Path, name: str) -> set[str]:
    out = tmp / f"modules-{name}.txt"
    env = dict(env, QARI_BENCH_MODULES_OUT=str(out))
    pid, fd = os.forkpty()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:
                    break
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                break
    finally:
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
        os.close(fd)
    if not out.is_file():
        raise RuntimeError(f"{name}: no module list written")
    return set(out.read_text().split())


def import_costs(modules: set[str], env: dict[str, str]) -> dict[str, float]:
    """Import time (ms, ``python -X importtime`` self times summed per top-level package) of
    ``modules``, imported after what the bare app imports (textual.app, Static, rich.text), so
    only qari's extra imports are counted."""
    code = "import textual.app, rich.text\nfrom textual.widgets import Static\n" + "".join(
        f"try:\n    import {m}\nexcept Exception:\n    pass\n" for m in sorted(modules))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          env=env, cwd=str(C.REPO))
    costs: dict[str, float] = {}
    seen: set[str] = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s*(\S+)", line)
        if m and m.group(2) in modules and m.group(2) not in seen:
            seen.add(m.group(2))
            top = m.group(2).split(".")[0]
            costs[top] = costs.get(top, 0.0) + int(m.group(1)) / 1000
    return costs


def import_report(article: Path, env: dict[str, str], tmp: Path) -> list[str]:
    qari_mods = modules_at_first_paint([sys.executable, "-c", QARI_MODULES, str(article)], env, tmp, "qari")
    bare_mods = modules_at_first_paint(bare_command(article), env, tmp, "bare")
    heavy = [h for h in HEAVY if h in qari_mods]
    absent = [h for h in HEAVY if h not in qari_mods]
    extra = qari_mods - bare_mods - {"__main__"}
    costs = import_costs(extra, env)
    ranked = sorted(costs.items(), key=lambda kv: -kv[1])
    return [
        f"modules loaded at first paint: qari {len(qari_mods)}, bare {len(bare_mods)}; "
        f"{len(extra)} only in qari, in packages: {', '.join(sorted({m.split('.')[0] for m in extra}))}",
        f"heavy modules loaded before qari's first paint: {', '.join(heavy) or 'none'}",
        f"not loaded before qari's first paint: {', '.join(absent)}",
        "import time of qari's extra modules (ms, self times by package): "
        + ", ".join(f"{k} {v:.1f}" for k, v in ranked[:12]) + f"; total {sum(costs.values()):.1f} ms",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, no import report")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 7, --quick 2)")
    parser.add_argument("--article", type=Path, default=None, help="article file (default: the sample)")
    parser.add_argument("--no-imports", action="store_true", help="skip the heavy-import report")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 7)
    from reader.article import sample_article_path

    article = (args.article or sample_article_path()).resolve()
    print(C.machine_line())
    print(f"# article: {article} ({article.stat().st_size / 1024:.0f} KiB); terminal {COLUMNS}x{ROWS}")
    marks = markers(article)
    with tempfile.TemporaryDirectory(prefix="qari-bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        env = child_env(tmp)
        times, cpus = measure({"qari": qari_command(article), "bare": bare_command(article)}, marks, rounds, env)
        report = [] if (args.quick or args.no_imports) else import_report(article, env, tmp)
    q, b = C.median(times["qari"]), C.median(times["bare"])
    ratio = q / b
    print()
    cpu_ratio = C.median(cpus["qari"]) / C.median(cpus["bare"])
    print(f"qari first paint: {C.spread(times['qari'])}; CPU time by then {C.spread(cpus['qari'])}")
    print(f"bare first paint: {C.spread(times['bare'])}; CPU time by then {C.spread(cpus['bare'])}")
    print(f"CPU-time ratio qari/bare {cpu_ratio:.3f} (less sensitive to other load than the wall-time ratio)")
    for line in report:
        print(line)
    print(f"target: first_paint_ratio {ratio:.3f} <= 1.5 {'met' if ratio <= 1.5 else 'MISSED'}")
    print(f"RESULT first_paint_ratio={ratio:.3f} qari_ms={q * 1e3:.0f} bare_ms={b * 1e3:.0f} "
          f"cpu_ratio={cpu_ratio:.3f} rounds={rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
