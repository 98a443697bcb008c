"""widgets/activity.py: background work waits while the reader is busy, within a cap."""

from __future__ import annotations

import pytest

from widgets import activity


@pytest.fixture(autouse=True)
def idle_reader():
    activity._active_until[0] = 0.0
    yield
    activity._active_until[0] = 0.0


def test_an_idle_reader_costs_no_wait():
    assert not activity.is_active()
    assert activity.wait_while_active(5.0) < 0.01


def test_a_busy_reader_is_waited_for_up_to_the_cap():
    activity.reader_active()
    assert activity.is_active()
    waited = activity.wait_while_active(0.05)
    assert 0.05 <= waited < activity.READER_ACTIVE_SECONDS  # the cap, not the whole busy time


def test_the_wait_ends_when_the_reader_pauses():
    activity.reader_active()
    waited = activity.wait_while_active(10.0)
    assert activity.READER_ACTIVE_SECONDS - 0.03 <= waited < 5.0
    assert not activity.is_active()


def test_stop_ends_the_wait():
    activity.reader_active()
    assert activity.wait_while_active(10.0, stop=lambda: True) < 0.01


def test_release_ends_every_wait_until_a_reader_starts_again():
    activity.reader_active()
    activity.release_waits()
    try:
        assert activity.wait_while_active(10.0) < 0.01
    finally:
        activity.release_waits(False)
    assert activity.wait_while_active(0.05) >= 0.05  # waits again


def test_core_checkpoints_wait_only_on_worker_threads_and_only_when_installed():
    """reader.background.checkpoint: a no-op headless (nothing installed) and on the main
    thread (the UI's); on a worker thread it runs what the reader installed."""
    import threading

    from reader.background import checkpoint, set_checkpoint

    calls: list[str] = []
    assert checkpoint() == 0.0
    set_checkpoint(lambda: calls.append(threading.current_thread().name) or 0.5)
    try:
        assert checkpoint() == 0.0 and calls == []  # main thread: never waits
        got: list[float] = []
        worker = threading.Thread(target=lambda: got.append(checkpoint()), name="worker")
        worker.start()
        worker.join(5)
        assert got == [0.5] and calls == ["worker"]
    finally:
        set_checkpoint(None)
    assert checkpoint() == 0.0


def test_a_checkpoint_stops_the_work_once_the_reader_quits():
    from reader.background import Stopped

    assert activity.checkpoint_wait() < 0.01  # idle: no wait, go on
    activity.release_waits()
    try:
        with pytest.raises(Stopped):
            activity.checkpoint_wait()
    finally:
        activity.release_waits(False)


def test_a_paced_loop_passes_a_checkpoint_before_its_first_item_and_every_n_after():
    """reader.background.paced: every item, in order, with one checkpoint per `every` items
    (the first before any work: the summary and the lexicon wait before their imports)."""
    import threading

    from reader.background import paced, set_checkpoint

    seen: list[object] = []
    set_checkpoint(lambda: seen.append("checkpoint") or 0.0)
    try:
        worker = threading.Thread(target=lambda: seen.extend(paced(range(7), every=3)))
        worker.start()
        worker.join(5)
    finally:
        set_checkpoint(None)
    assert seen == ["checkpoint", 0, 1, 2, "checkpoint", 3, 4, 5, "checkpoint", 6]
