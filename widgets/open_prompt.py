"""`o` — open another article (a path or an http(s) URL) in the same window, with path
completion (the suggestion shows dimmed; → accepts it)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Label

from widgets.bidi_input import BidiInput


class PathSuggester(Suggester):
    """Completes the last part of a path from what is on disk (first match, sorted)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or "://" in value:
            return None
        expanded = os.path.expanduser(value)
        folder, stem = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if name.startswith(stem) and name != stem and not name.startswith("."):
                path = os.path.join(folder, name)
                completed = value[: len(value) - len(stem)] + name
                return completed + ("/" if os.path.isdir(path) else "")
        return None


class OpenPrompt(ModalScreen[str | None]):
    """Ask for a path or URL; dismisses with it (stripped) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    OpenPrompt { align: center middle; }
    OpenPrompt > Vertical {
        width: 80%; max-width: 100; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Open an article"
            yield Label("A file (text or saved page) or an http(s) URL · Enter: open · → completes · Esc: cancel")
            value = f"{self.start}/" if self.start else ""
            yield BidiInput(value=value, placeholder="path or URL", suggester=PathSuggester(), id="open-path",
                            shape=bool(getattr(self.app, "shape", True)),
                            reorder=bool(getattr(self.app, "reorder", True)))

    def on_mount(self) -> None:
        self.query_one(BidiInput).focus()

    def on_input_submitted(self, event: BidiInput.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
