"""The help screen (`?`): every key binding of the reader."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.visual_text import visual_inline

INTRO = (
    "qari shows the article right-to-left with its English translation and a summary. "
    "Translation runs in the background; the section under the cursor comes first."
)


class HelpScreen(ModalScreen[None]):
    """A modal table of keys and what they do."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 90;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, keys: list[tuple[str, str]], *, shape: bool = True, reorder: bool = True) -> None:
        super().__init__()
        self.keys = keys
        self.shape = shape
        self.reorder = reorder

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2), expand=True)
        # The key column folds long key lists instead of pushing descriptions off screen.
        table.add_column(style="bold", min_width=8, max_width=22, overflow="fold")
        table.add_column(ratio=1)
        for key, description in self.keys:
            # Arabic in an example (`/=مرشح`) is drawn shaped and in visual order, like the panes.
            table.add_row(Text(visual_inline(key, shape=self.shape, reorder=self.reorder)),
                          Text(visual_inline(description, shape=self.shape, reorder=self.reorder)))
        with VerticalScroll() as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc to close"
            yield Static(Text(INTRO + "\n"), id="help-intro")
            yield Static(table, id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
