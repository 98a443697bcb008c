"""Helpers shared by the Pilot (App.run_test) test modules."""

from __future__ import annotations

import asyncio
from typing import Any

from reader.app import QariApp


def make_app(article, config, factory=None, *, app_class: Any = None, **kwargs):
    """The reader App for a Pilot test: `factory` makes the translator (None: no translation);
    the summary is off unless asked (`start_summary=True`), so tests that do not read it do not
    wait for it. `app_class`: a recording subclass of `reader.app.QariApp`."""
    kwargs.setdefault("start_summary", False)
    return (app_class or QariApp)(article, config, factory, **kwargs)


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (workers post messages asynchronously). A
    condition that asks for a widget not mounted yet (the first article's screen composes after
    the App starts) is not met yet."""
    from textual.css.query import NoMatches

    def met() -> bool:
        try:
            return bool(condition())
        except (NoMatches, LookupError):
            return False

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not met():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


class Told:
    """What the reader is told, seen through Textual's public seam: pass an instance as
    ``run_test(message_hook=...)``; ``notifications`` then holds every notification as Textual
    received it (after the App's own processing: Arabic in visual order, markup off)."""

    def __init__(self) -> None:
        self.notifications: list = []
        self.seen: list = []
        """Every message the app's widgets handled, in order (e.g. an Input's SuggestionReady)."""

    def __call__(self, message) -> None:
        from textual.notifications import Notify

        self.seen.append(message)
        if isinstance(message, Notify):
            self.notifications.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [n.message for n in self.notifications]


async def wait_until_still(pilot, timeout: float = 30.0) -> None:
    """Let the app run until its screen stops changing: three screenshots in a row identical
    (for snapshot tests: never a frame between a re-layout and the scroll that follows it)."""
    last: list[str | None] = [None]
    same = [0]

    def still() -> bool:
        shot = pilot.app.export_screenshot()
        same[0] = same[0] + 1 if shot == last[0] else 0
        last[0] = shot
        return same[0] >= 2

    await wait_for(pilot, still, timeout)


class Recording(QariApp):
    """The reader App that also keeps the text of everything it tells the reader (as given to
    `notify`), in `told`; the summary is off unless asked, as in `make_app`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("start_summary", False)
        super().__init__(*args, **kwargs)
        self.told: list[str] = []

    def notify(self, message, **kwargs) -> None:
        self.told.append(message)
        super().notify(message, **kwargs)

