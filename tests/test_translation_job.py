"""The translation schedule (reader/translation/translation_job.py) with a fake translator: priority, batching,
re-translation, stop, ETA and the idle wait — in milliseconds, no model, no Textual."""

from __future__ import annotations

import threading

from reader.background import set_checkpoint
from reader.translation.translation_job import JobUpdate, TranslationJob, format_eta


class FakeTranslator:
    """Translates by tagging the sentence; batches of `batch` sentences, in the order asked."""

    model_name = "fake"

    def __init__(self, batch: int = 3) -> None:
        self.batch = batch
        self.calls: list[list[str]] = []
        self.uncached: list[str] = []
        self.gate: threading.Event | None = None
        self.plans: list[list[int]] = []

    def translate(self, sentences, *, progress=None, first=(), use_cache=True):
        if not use_cache:
            self.uncached.extend(sentences)
        return [f"<{s}>" for s in sentences]

    def translate_batches(self, sentences, *, first=(), use_cache=True):
        order = list(dict.fromkeys([*first, *range(len(sentences))]))
        self.plans.append(order)
        for k in range(0, len(order), self.batch):
            if self.gate is not None:
                self.gate.wait(5)
            chunk = order[k:k + self.batch]
            self.calls.append([sentences[i] for i in chunk])
            yield [(i, f"<{sentences[i]}>") for i in chunk]


def run_in_thread(job: TranslationJob) -> tuple[threading.Thread, list[JobUpdate]]:
    updates: list[JobUpdate] = []
    thread = threading.Thread(target=job.run, args=(updates.append,), daemon=True)
    thread.start()
    return thread, updates


def wait_until(condition, timeout: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if condition():
            return
        event.wait(0.005)
    raise AssertionError("condition not reached")


TEXTS = [f"s{i}" for i in range(10)]


def test_every_sentence_once_one_update_per_batch_and_finished_once():
    translator = FakeTranslator(batch=4)
    job = TranslationJob(translator, TEXTS)
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(2)
    assert not thread.is_alive()
    assert [len(u.translations) for u in updates] == [4, 4, 2]
    merged = {n: t for u in updates for n, t in u.translations.items()}
    assert merged == {i: f"<s{i}>" for i in range(10)}
    assert [u.done for u in updates] == [4, 8, 10]
    assert [u.finished for u in updates] == [False, False, True]
    assert updates[-1].eta == 0.0


def test_first_sentences_come_first():
    translator = FakeTranslator(batch=2)
    job = TranslationJob(translator, TEXTS, first=[7, 8])
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(2)
    assert set(updates[0].translations) == {7, 8}


def test_prioritise_mid_run_replans_with_the_new_section_first():
    translator = FakeTranslator(batch=2)
    translator.gate = threading.Event()
    job = TranslationJob(translator, TEXTS)
    thread, updates = run_in_thread(job)
    job.prioritise([9])
    translator.gate.set()
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(2)
    # The batch in flight finishes, then sentence 9 is next.
    order = [n for u in updates for n in u.translations]
    assert order.index(9) <= 3
    assert sorted(order) == list(range(10))


def test_moving_to_another_section_while_a_batch_runs_replans():
    """The reader moves on while the job is mid-article (here: right after its first batch, on
    the job's own thread, so there is no race): the next batch is the new section."""
    translator = FakeTranslator(batch=2)
    job = TranslationJob(translator, TEXTS)
    updates: list[JobUpdate] = []

    def emit(update: JobUpdate) -> None:
        updates.append(update)
        if len(updates) == 1:
            job.prioritise([8, 9])

    thread = threading.Thread(target=job.run, args=(emit,), daemon=True)
    thread.start()
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(2)
    assert set(updates[0].translations) == {0, 1}
    assert set(updates[1].translations) == {8, 9}
    assert sorted(n for u in updates for n in u.translations) == list(range(10))


def test_going_back_to_a_translated_section_does_not_replan():
    """A priority whose sentences are all done (the reader returns to where it started) keeps
    the plan running: re-planning costs the whole remaining article's cache look-up."""
    translator = FakeTranslator(batch=2)
    job = TranslationJob(translator, TEXTS)
    updates: list[JobUpdate] = []

    def emit(update: JobUpdate) -> None:
        updates.append(update)
        if len(updates) == 2:
            job.prioritise([0, 1])  # translated by the first batch

    thread = threading.Thread(target=job.run, args=(emit,), daemon=True)
    thread.start()
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(2)
    assert len(translator.plans) == 1
    assert sorted(n for u in updates for n in u.translations) == list(range(10))


def test_retranslate_bypasses_the_cache_and_is_marked_fresh():
    translator = FakeTranslator()
    job = TranslationJob(translator, TEXTS)
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    job.retranslate(3)
    wait_until(lambda: updates[-1].fresh)
    job.stop()
    thread.join(2)
    assert translator.uncached == ["s3"]
    fresh = updates[-1]
    assert fresh.translations == {3: "<s3>"} and not fresh.finished and fresh.done == 10


def test_idle_job_blocks_until_a_command_and_stops_promptly():
    """Once everything is translated the job waits on its queue: no translator calls and no
    CPU (a polling loop would burn a whole core while the reader reads)."""
    import time

    translator = FakeTranslator()
    job = TranslationJob(translator, TEXTS[:2])
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    calls = len(translator.calls)
    clock = time.pthread_getcpuclockid(thread.ident)
    cpu = time.clock_gettime(clock)
    threading.Event().wait(0.2)  # a window to measure over, not a wait for a condition
    used = time.clock_gettime(clock) - cpu
    assert thread.is_alive() and len(translator.calls) == calls  # waiting, not working
    assert used < 0.02, f"the idle job used {used:.3f} s of CPU in 0.2 s"
    job.stop()
    thread.join(1)
    assert not thread.is_alive()


def test_empty_article_finishes_at_once():
    job = TranslationJob(FakeTranslator(), [])
    thread, updates = run_in_thread(job)
    wait_until(lambda: bool(updates))
    job.stop()
    thread.join(1)
    assert updates == [JobUpdate({}, 0, 0, 0.0, True)]


def test_eta_from_the_rate_so_far():
    ticks = iter([0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
    job = TranslationJob(FakeTranslator(batch=2), TEXTS[:6], clock=lambda: next(ticks))
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(1)
    # After 2 sentences in 2 s, 4 are left: 4 s; after 4 in 4 s, 2 left: 2 s.
    assert [u.eta for u in updates] == [4.0, 2.0, 0.0]


def test_the_reader_checkpoint_runs_between_batches_and_its_wait_is_not_in_the_eta():
    """The reader's checkpoint (reader.background: wait while keys are pressed) runs after a
    batch is handed over and before the next is translated, never after the last; the seconds
    it waited do not count as translation time in the ETA."""
    translator = FakeTranslator(batch=2)
    now = [0.0]
    seen: list[int] = []  # batches translated at each call

    def wait() -> float:
        seen.append(len(translator.calls))
        now[0] += 10.0  # the reader kept the job waiting 10 s
        return 10.0

    def clock() -> float:
        now[0] += 2.0  # each batch takes 2 s
        return now[0]

    job = TranslationJob(translator, TEXTS[:6], clock=clock)
    set_checkpoint(wait)
    try:
        thread, updates = run_in_thread(job)
        wait_until(lambda: any(u.finished for u in updates))
        job.stop()
        thread.join(1)
    finally:
        set_checkpoint(None)
    assert seen == [1, 2]  # between batches 1-2 and 2-3, not after the last
    assert [u.eta for u in updates] == [4.0, 2.0, 0.0]  # as without any wait


def test_translator_with_only_translate_iter():
    class IterOnly:
        model_name = "iter"

        def translate_iter(self, sentences, *, first=(), use_cache=True):
            for i, s in enumerate(sentences):
                yield i, s.upper()

    job = TranslationJob(IterOnly(), ["a", "b"])
    thread, updates = run_in_thread(job)
    wait_until(lambda: any(u.finished for u in updates))
    job.stop()
    thread.join(1)
    assert [u.translations for u in updates] == [{0: "A"}, {1: "B"}]


def test_format_eta():
    assert format_eta(None) == "ETA …"
    assert format_eta(65.4) == "ETA 1:05"
    assert format_eta(3725) == "ETA 1:02:05"
