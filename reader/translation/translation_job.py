"""The reader's translation schedule for one article, as a pure job (no Textual).

A reader wants the section under the cursor translated first, a sentence re-translated on
request, a progress figure with an ETA, and nothing lost when they quit. `TranslationJob.run`
does exactly that over any `reader.translation.translate.Translator` and reports through a callback; the
App runs it in a thread worker and turns each `JobUpdate` into one message (one per
CTranslate2 batch, not per sentence); the reading view applies them together, at most every
100 ms.

Thread model: `run` is called on one worker thread; `prioritise`, `retranslate` and `stop` may
be called from any thread (they only put commands on a queue). When every sentence is done the
job *blocks* on that queue until the next command — no polling loop.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from reader.background import checkpoint

if TYPE_CHECKING:
    from reader.translation.translate import Translator


def format_eta(seconds: float | None) -> str:
    """`ETA 1:05` (or `ETA …` while unknown) for the progress line."""
    if seconds is None:
        return "ETA …"
    seconds = max(0, int(round(seconds)))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"ETA {hours}:{minutes:02d}:{seconds:02d}"
    return f"ETA {minutes}:{seconds:02d}"


@dataclass(frozen=True)
class JobUpdate:
    """What changed since the last update: translations (sentence number → English), whether
    they were re-translated on request, and the progress after them."""

    translations: dict[int, str]
    done: int
    total: int
    eta: float | None
    """Seconds left, estimated from the sentences the model translated in this run."""
    finished: bool
    """True on the update that completes the article (sent once per completion)."""
    fresh: bool = False
    """True for a re-translation that bypassed the cache."""


class TranslationJob:
    """Translate `texts` (the article's sentences by number) with `translator`."""

    def __init__(
        self,
        translator: "Translator",
        texts: Sequence[str],
        *,
        first: Sequence[int] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.translator = translator
        self.texts = list(texts)
        self.first = list(first)
        self.clock = clock
        self.done: set[int] = set()
        self._commands: queue.Queue[tuple[str, int | list[int] | None]] = queue.Queue()

    # ------------------------------------------------------------------ commands (any thread)

    def prioritise(self, numbers: Sequence[int]) -> None:
        """Translate these sentences next (the latest call wins)."""
        self._commands.put(("first", list(numbers)))

    def retranslate(self, number: int) -> None:
        """Translate this sentence again, bypassing the cache."""
        self._commands.put(("retranslate", int(number)))

    def stop(self) -> None:
        """End `run` after the batch in progress (finished batches are already cached)."""
        self._commands.put(("stop", None))

    # ------------------------------------------------------------------ the job (one thread)

    def run(self, emit: Callable[[JobUpdate], None]) -> None:
        """Translate everything, then serve re-translations until `stop`."""
        total = len(self.texts)
        started = self.clock()
        translated = 0  # by the model in this run, for the ETA
        if total == 0:
            emit(JobUpdate({}, 0, 0, 0.0, True))
        retranslate: list[int] = []
        while True:
            more, stop = self._drain(block=len(self.done) == total and not retranslate)
            retranslate += more
            if stop:
                return
            for number in retranslate:
                if 0 <= number < total:
                    text = self.translator.translate([self.texts[number]], use_cache=False)[0]
                    newly = number not in self.done
                    self.done.add(number)
                    emit(JobUpdate({number: text}, len(self.done), total, None,
                                   newly and len(self.done) == total, fresh=True))
            retranslate = []
            remaining = [i for i in range(total) if i not in self.done]
            if not remaining:
                continue
            position = {number: k for k, number in enumerate(remaining)}
            first = [position[n] for n in self.first if n in position]
            for batch in self._batches([self.texts[i] for i in remaining], first):
                numbers = {remaining[k]: text for k, text in batch}
                self.done.update(numbers)
                translated += len(numbers)
                left = total - len(self.done)
                elapsed = self.clock() - started
                eta = elapsed / translated * left if translated >= 2 else None
                emit(JobUpdate(numbers, len(self.done), total, 0.0 if not left else eta, not left))
                if left:
                    # The reader's keys first (reader.background); the wait is not in the ETA.
                    started += checkpoint()
                if not self._commands.empty():
                    more, stop = self._drain(block=False)
                    if stop:
                        return
                    retranslate += more
                    # Re-plan only for work the plan lacks: a re-translation, or a priority
                    # with sentences still to do (a reader going back to a translated section
                    # must not cost the whole article's re-planning).
                    if retranslate or any(n not in self.done for n in self.first):
                        break

    def _drain(self, *, block: bool) -> tuple[list[int], bool]:
        """Apply queued commands; with `block`, wait for at least one first."""
        retranslate: list[int] = []
        while True:
            try:
                kind, value = self._commands.get() if block else self._commands.get_nowait()
            except queue.Empty:
                return retranslate, False
            block = False
            if kind == "stop":
                return retranslate, True
            if kind == "retranslate" and isinstance(value, int):
                retranslate.append(value)
            elif kind == "first" and isinstance(value, list):
                self.first = value

    def _batches(self, texts: list[str], first: list[int]) -> Iterator[list[tuple[int, str]]]:
        batches = getattr(self.translator, "translate_batches", None)
        if batches is not None:
            yield from batches(texts, first=first)
        else:  # a Translator with only translate_iter: one update per sentence
            for item in self.translator.translate_iter(texts, first=first):
                yield [item]
