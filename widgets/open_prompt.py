"""`o` — open another article (a path or an http(s) URL) in the same window, with path
completion like a shell's: the suggestion (dimmed; → accepts it) goes as far as every match
agrees, and the matching names are listed under the field."""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Label

from widgets.bidi_input import BidiInput


MAX_LISTED = 8
"""Matching names listed under the field (then "+N more")."""


def path_matches(value: str) -> tuple[str, list[str]]:
    """(folder, the visible names in it that start with the last part of `value`, sorted)."""
    expanded = os.path.expanduser(value)
    folder, stem = os.path.split(expanded)
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        return folder, []
    return folder, [name for name in names if name.startswith(stem) and not name.startswith(".")]


def complete_path(value: str) -> str | None:
    """`value` completed as far as every match agrees (a lone match in full, a folder with
    its `/`), or None when that adds nothing."""
    if not value or "://" in value:
        return None
    folder, names = path_matches(value)
    stem = os.path.split(os.path.expanduser(value))[1]
    if not names:
        return None
    common = os.path.commonprefix(names)
    if len(names) == 1 and os.path.isdir(os.path.join(folder, common)):
        common += "/"
    if common == stem:
        return None
    return value[: len(value) - len(stem)] + common


class PathSuggester(Suggester):
    """Completes the last part of a path from what is on disk, to the longest common prefix."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


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
            yield Label("A file (text or saved page) or an http(s) URL")
            yield Label("Enter: open · →: complete · Esc: cancel", id="open-help")
            value = f"{self.start}/" if self.start else ""
            # Not selected on focus: what is typed goes on from the folder filled in.
            yield BidiInput(value=value, placeholder="path or URL", suggester=PathSuggester(), id="open-path",
                            select_on_focus=False,
                            shape=bool(getattr(self.app, "shape", True)),
                            reorder=bool(getattr(self.app, "reorder", True)))
            yield Label("", id="open-matches")

    def on_mount(self) -> None:
        self.query_one(BidiInput).focus()

    def on_input_changed(self, event: BidiInput.Changed) -> None:
        """List the names the last part of the path may still become (when there is a choice)."""
        value = event.value
        names = path_matches(value)[1] if value and "://" not in value else []
        stem = os.path.split(os.path.expanduser(value))[1] if value else ""
        if len(names) < 2 and (not names or names[0] == stem):
            self.query_one("#open-matches", Label).update("")
            return
        shown = "  ".join(names[:MAX_LISTED]) + (f"  +{len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")
        self.query_one("#open-matches", Label).update(Text(shown, style="dim"))

    def on_input_submitted(self, event: BidiInput.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
