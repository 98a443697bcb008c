"""Snapshot tests (pytest-textual-snapshot) of the reader's main layouts at a fixed size.

The config is injected, the article has a fixed source name (the header shows it), the
English comes from a deterministic stand-in translator (tests/standin.py: the real tiny model's
wording changes with the CPU, so it never appears in a screenshot) and every worker has
finished before the screenshot. Update after an intended change with
`pytest tests/test_app_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from widgets.reader_screen import ModelState

from pilot_helpers import make_app, wait_for, wait_until_still
from standin import StandInTranslator

from reader.app import QariApp
from reader.article import parse_text

SIZE = (160, 48)


@pytest.fixture(scope="module")
def snapshot_article(request):
    from conftest import SAMPLE

    return parse_text(SAMPLE.read_text(encoding="utf-8"), source=SAMPLE.name)


async def settle(pilot, condition, timeout: float = 30.0) -> None:
    await wait_for(pilot, lambda: condition(pilot.app), timeout)
    # Let the last messages land (a scroll after a re-layout, the summary's follow) so the
    # screenshot never catches a frame in between.
    await pilot.wait_for_scheduled_animations()
    await wait_until_still(pilot)


def finished(app: QariApp) -> bool:
    return app.reader.translation_done and app.reader.summary_pane.summary_numbers is not None and not app.reader.arabic_pane.layout_pending


@pytest.mark.parametrize("layout", ["side", "stacked", "interleaved"])
def test_layout_snapshot(snap_compare, snapshot_article, app_config, layout):
    app_config.layout = layout
    app = make_app(snapshot_article, app_config, StandInTranslator, start_summary=True)

    async def run_before(pilot) -> None:
        await settle(pilot, finished)
        start = pilot.app.reader.cursor
        await pilot.press("j", "j", "j")  # move the highlight off the first sentence
        await wait_for(pilot, lambda: pilot.app.reader.cursor == start + 3)
        await wait_until_still(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_no_model_snapshot(snap_compare, snapshot_article, app_config, app_translator_factory, monkeypatch):
    # The pane names the real packages folder; give it a fixed name so the screen is the same
    # on every machine (the folder searched stays the test's empty one).
    from argostranslate import settings

    monkeypatch.setattr(settings, "package_data_dir", Path("/home/reader/.local/share/argos-translate/packages"))
    # The summary starts once the no-model state is known, so the two never race (the summary
    # drops its English lines when there is no model).
    app = make_app(snapshot_article, app_config, app_translator_factory, start_summary=False)

    async def run_before(pilot) -> None:
        await settle(pilot, lambda app: app.reader.model_state is ModelState.MISSING)
        app.reader.summary_pane.refresh_summary()
        await settle(pilot, lambda app: app.reader.summary_pane.summary_numbers is not None)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_narrow_snapshot(snap_compare, snapshot_article, app_config):
    """80x24 falls back to stacked panes; translation off; the summary starts hidden (short window)."""
    app = make_app(snapshot_article, app_config, None, start_summary=True)

    async def run_before(pilot) -> None:
        await settle(pilot, lambda app: app.reader.summary_pane.summary_numbers is not None)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
