"""The save dialog on its own: what the user types, where the file lands, what an error says."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Input, Static

from reader.export import write_text_atomic
from widgets.save_dialog import SaveDialog


class DialogApp(App[None]):
    """Opens the dialog with a save function that writes a fixed text, as the reader's does."""

    def __init__(self, default_path: Path) -> None:
        super().__init__()
        self.default_path = default_path
        self.result: list[Path | None] = []

    def on_mount(self) -> None:
        def save(path: Path, force: bool) -> Path:
            return write_text_atomic(path, "ملخص\n", force=force)

        self.push_screen(SaveDialog(self.default_path, save), self.result.append)


async def _submit(tmp_path: Path, typed: str) -> tuple[DialogApp, str, list[str]]:
    """Type `typed` and press Enter: the app, the dialog's message and the notifications."""
    from textual.notifications import Notify

    app = DialogApp(tmp_path / "default" / "summary-article.md")
    notes: list[str] = []

    def hook(message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#save-path", Input).value = typed
        await pilot.press("enter")
        await pilot.pause()
        message = str(dialog.query_one("#save-message", Static).render()) if app.screen is dialog else ""
    return app, message, notes


async def test_a_folder_saves_there_under_the_default_name(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for typed in (str(folder), f"{folder}/"):
        app, _, notes = await _submit(tmp_path, typed)
        assert app.result == [folder / "summary-article.md"]
        assert notes == [f"Saved summary to {folder / 'summary-article.md'}"]
        assert (folder / "summary-article.md").read_text(encoding="utf-8") == "ملخص\n"
        (folder / "summary-article.md").unlink()


async def test_an_error_names_the_path_once_and_says_the_folder_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "s.md"
    app, message, notes = await _submit(tmp_path, str(target))
    assert app.result == []  # the dialog stays open
    assert message.startswith("Could not save: ")
    for text in (message, *notes):
        assert text.count(str(tmp_path)) == 1 and str(target) in text and "folder does not exist" in text, text
    assert len(notes) == 1
    assert not target.parent.exists()
