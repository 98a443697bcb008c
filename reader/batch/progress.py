"""The batch's progress line: articles and sentences done, rate and ETA (Rich on a terminal).

Separate because it is the run's only output to the user while it works, fed from the worker
threads of a local run and from the client; Rich (already a dependency) draws the bar.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from reader.untrusted import one_line, raw_stream


class Progress:
    """Articles and sentences done, rate and ETA for the whole run. Plain lines (at most one per
    ``interval`` seconds, plus the last) when the stream is not a terminal; Rich otherwise.

    Sentences count as they are translated (`advance`, from the worker threads of a local
    run), not only when their article is written: one article of 9,000 sentences would
    otherwise freeze the line and its ETA for minutes. The ETA is in sentences: what is left of
    the articles in flight, plus the articles not started at the average length so far."""

    def __init__(self, stream: Any = None, *, interval: float = 10.0, rich: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.total = 0
        self.done = self.unchanged = self.failed = self.sentences = 0
        self.started = time.monotonic()
        self._last = 0.0
        self._inflight: dict[str, tuple[int, int]] = {}  # article id -> (translated, sentences)
        self._lock = threading.Lock()
        use_rich = self.stream.isatty() if rich is None else rich
        self._rich: Any = None
        if use_rich:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(TextColumn("qari batch"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[info]}"), TimeRemainingColumn(),
                                      console=Console(file=raw_stream(self.stream)), transient=False)

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self._rich is not None:
            self._rich.start()
            self._task = self._rich.add_task("batch", total=total, info="")

    def message(self, line: str) -> None:
        """One line about one article (it may name a file or id from outside: made safe here,
        since Rich writes to the terminal itself)."""
        line = one_line(line)
        if self._rich is not None:
            self._rich.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)

    def _rates(self) -> tuple[float, str]:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        inflight_done = sum(done for done, _ in self._inflight.values())
        rate = (self.sentences + inflight_done) / elapsed
        worked = self.done + self.failed
        left = self.total - worked - self.unchanged
        eta = "?"
        if left <= 0:
            eta = "0"
        elif worked or self._inflight:
            inflight_left = sum(total - done for done, total in self._inflight.values())
            known = self.done + len(self._inflight)
            average = (self.sentences + sum(total for _, total in self._inflight.values())) / max(1, known)
            not_started = max(0, left - len(self._inflight))
            seconds = (inflight_left + not_started * average) / rate if rate > 0 else None
            if seconds is not None:
                eta = time.strftime("%H:%M:%S", time.gmtime(seconds)) if seconds < 86400 else f"{seconds / 3600:.0f} h"
        return rate, eta

    def advance(self, article: str, done: int, total: int) -> None:
        """`done` of the `total` sentences of `article` are translated (any thread)."""
        with self._lock:
            self._inflight[article] = (done, total)
            self._report(final=False)

    def update(self, *, done: int = 0, unchanged: int = 0, failed: int = 0, sentences: int = 0,
               article: str | None = None) -> None:
        with self._lock:
            if article is not None:
                self._inflight.pop(article, None)
            self.done += done
            self.unchanged += unchanged
            self.failed += failed
            self.sentences += sentences
            self._report(final=True)

    def _report(self, *, final: bool) -> None:
        finished = self.done + self.unchanged + self.failed
        rate, eta = self._rates()
        sentences = self.sentences + sum(done for done, _ in self._inflight.values())
        if self._rich is not None:
            info = f"{sentences} sentences, {rate:.1f}/s, {self.failed} failed"
            self._rich.update(self._task, completed=finished, info=info)
            return
        now = time.monotonic()
        if not (final and finished >= self.total) and now - self._last < self.interval:
            return
        self._last = now
        print(f"qari: {finished}/{self.total} articles ({self.done} done, {self.unchanged} unchanged, "
              f"{self.failed} failed), {sentences} sentences, {rate:.2f} sentences/s, ETA {eta}",
              file=self.stream, flush=True)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
