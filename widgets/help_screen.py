"""The help screen (`?`): every key binding of the reader, from the bindings themselves (the
App's and the active reader screen's: `bindings_once`, `key_rows`) so it never drifts from them,
plus `EXTRA_KEYS`, what is not a binding of its own (mouse, keys inside other screens)."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.text.visual_text import visual_inline

EXTRA_KEYS = [
    ("tab / shift+tab", "Move focus between panes (j/k choose a summary sentence there)"),
    ("enter (Summary)", "Move the cursor to the chosen summary sentence"),
    ("f, then enter", "Feeds: read the item's article (fetched now, or offline from the library); "
                      "backspace comes back to the list"),
    ("u (Feeds)", "Feeds: update every feed (with progress)"),
    ("typing (Feeds)", "Feeds: filter the items (Arabic or English headline, feed name); Esc clears, Esc again goes back"),
    ("mouse click", "Move the cursor to the clicked sentence (and pick the clicked word)"),
    ("a (word lookup)", "Save the word with the chosen reading (↑/↓ choose), with its sentence"),
    ("k (word lookup)", "Mark the reading's lemma known: every form of it counts as known"),
    ("/=word", "Search every form of the word's lemma (e.g. /=مرشح finds المرشح, لمرشح)"),
    ("mouse wheel", "Scroll (side by side, both panes together)"),
    ("mouse drag", "Select text; ctrl+c copies it (logical order)"),
    ("ctrl+p", "Command palette (every action)"),
    ("ctrl+q", "Quit"),
]


def bindings_once(groups: Iterable[tuple[Any, Sequence[Any]]]) -> list[tuple[Binding, Any]]:
    """(binding, namespace) from each (namespace, BINDINGS) in order, each action once (an
    `app.` action named by a screen is the App's own)."""
    rows: list[tuple[Binding, Any]] = []
    seen: set[str] = set()
    for namespace, bindings in groups:
        for binding in bindings:
            assert isinstance(binding, Binding)
            action = binding.action.removeprefix("app.")
            if action not in seen:
                seen.add(action)
                rows.append((binding, namespace))
    return rows


def key_rows(app: Any, bindings: Iterable[Binding]) -> list[tuple[str, str]]:
    """(keys as the footer shows them, description) for the help table, then `EXTRA_KEYS`."""
    rows = []
    for binding in bindings:
        single = binding.key_display and "," not in binding.key
        keys = binding.key_display if single else \
            ", ".join(app.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
        rows.append((keys or binding.key, binding.description))
    return rows + list(EXTRA_KEYS)

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
