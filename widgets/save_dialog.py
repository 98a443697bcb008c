"""The save dialog (`ctrl+s`): choose a path, Enter saves the summary as Markdown.

The dialog does not know how to write: the App passes `save(path, force) -> Path`, which uses
`reader.export` and raises its `ExportExists` / `ExportError`. An existing file asks before it is
overwritten; success and failure are notified with the path. A folder (an existing directory, or
a path ending in `/`) means "save there under the default file name".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from reader.text.visual_text import visual_inline
from widgets.bidi_input import BidiInput

SaveFunction = Callable[[Path, bool], Path]


class SaveDialog(ModalScreen[Path | None]):
    """Dismisses with the saved path, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("y", "confirm(True)", "Overwrite", show=False),
        Binding("n", "confirm(False)", "Keep file", show=False),
    ]

    DEFAULT_CSS = """
    SaveDialog { align: center middle; }
    SaveDialog > Vertical {
        width: 80%;
        max-width: 90;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SaveDialog #save-message { height: auto; margin: 1 0 0 0; }
    SaveDialog #save-message.-warning { color: $text-warning; }
    SaveDialog #save-message.-error { color: $text-error; }
    SaveDialog Horizontal { height: auto; margin-top: 1; }
    SaveDialog Button { margin-right: 2; }
    SaveDialog #overwrite { display: none; }
    SaveDialog.-confirming #overwrite { display: block; }
    SaveDialog.-confirming #save { display: none; }
    """

    def __init__(self, default_path: Path, save: SaveFunction, *, what: str = "summary") -> None:
        super().__init__()
        self.default_path = default_path
        self.save = save
        self.what = what
        """What is saved ("summary", "bilingual article"), for the title and the messages."""
        self.pending: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Save {self.what}"
            yield Label("Markdown file:")
            yield BidiInput(value=str(self.default_path), id="save-path", shape=self._shape, reorder=self._reorder)
            yield Static("", id="save-message")
            with Horizontal():
                yield Button("Save", id="save", variant="primary")
                yield Button("Overwrite", id="overwrite", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save-path", Input).focus()

    @property
    def _shape(self) -> bool:
        return bool(getattr(self.app, "shape", True))

    @property
    def _reorder(self) -> bool:
        return bool(getattr(self.app, "reorder", True))

    @property
    def confirming(self) -> bool:
        return self.pending is not None

    def _message(self, text: str, kind: str = "") -> None:
        message = self.query_one("#save-message", Static)
        message.set_classes(f"-{kind}" if kind else "")
        message.update(Text(visual_inline(text, shape=self._shape, reorder=self._reorder)))

    def _path(self) -> Path:
        raw = self.query_one("#save-path", Input).value.strip()
        if not raw:
            return self.default_path
        path = Path(raw).expanduser()
        if raw.endswith(("/", os.sep)) or path.is_dir():
            return path / self.default_path.name
        return path

    def _try_save(self, path: Path, force: bool) -> None:
        from reader.export import ExportError, ExportExists

        try:
            saved = self.save(path, force)
        except ExportExists:
            self.pending = path
            self.add_class("-confirming")
            self._message(f"{path} already exists. Overwrite it? (y/n)", "warning")
            self.query_one("#overwrite", Button).focus()
            return
        except (ExportError, OSError) as error:
            # ExportError messages start with the path; an OSError's text names it too: say it once.
            reason = str(error) if isinstance(error, ExportError) else f"{path}: {error.strerror or error}"
            self.pending = None
            self.remove_class("-confirming")
            self._message(f"Could not save: {reason}", "error")
            self.app.notify(reason, title="Save failed", severity="error")
            self.query_one("#save-path", Input).focus()
            return
        self.app.notify(f"Saved {self.what} to {saved}", title="Saved")
        self.dismiss(saved)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._try_save(self._path(), False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self._try_save(self._path(), False)
        elif event.button.id == "overwrite":
            self.action_confirm(True)
        else:
            self.action_cancel()

    def action_confirm(self, yes: bool) -> None:
        if self.pending is None:
            return
        path = self.pending
        if yes:
            self._try_save(path, True)
        else:
            self.pending = None
            self.remove_class("-confirming")
            self._message(f"Kept the existing {path}; choose another name.")
            self.query_one("#save-path", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # y/n only mean something while asking; otherwise they are typed into the path.
        if action == "confirm" and not self.confirming:
            return False
        return True

    def action_cancel(self) -> None:
        if self.pending is not None:
            self.action_confirm(False)
            return
        self.dismiss(None)
