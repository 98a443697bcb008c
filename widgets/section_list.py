"""The table of contents (`c`): a modal list of the article's sections."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.model import Article
from reader.text.visual_text import visual_one_line


def section_label(article: Article, index: int, width: int, *, shape: bool, reorder: bool) -> Text:
    section = article.sections[index]
    heading = section.heading
    if heading is None:
        first = section.paragraphs[0].text if section.paragraphs else ""
        heading = first
    number = f"{index + 1:>3} "
    label = Text(number, style="dim")
    label.append(visual_one_line(heading, width - len(number), rtl=True, shape=shape, reorder=reorder))
    return label


class SectionList(ModalScreen[int | None]):
    """Pick a section; dismisses with its index (or None)."""

    BINDINGS = [
        Binding("escape,c,q", "cancel", "Close"),
    ]

    DEFAULT_CSS = """
    SectionList { align: center middle; }
    SectionList > Vertical {
        width: 80%;
        max-width: 100;
        height: 80%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    SectionList OptionList { height: 1fr; }
    """

    def __init__(self, article: Article, current: int, *, shape: bool = True, reorder: bool = True) -> None:
        super().__init__()
        self.article = article
        self.current = current
        self.shape = shape
        self.reorder = reorder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Sections"
            yield Label("Enter: go to section · Esc: close")
            yield OptionList(id="sections")

    def on_mount(self) -> None:
        self.query_one("#sections", OptionList).focus()
        # Labels are laid out for the list's real width, known once it is arranged: a label
        # that the list wrapped would scramble an already reordered visual line.
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        options = self.query_one("#sections", OptionList)
        width = max(8, options.scrollable_content_region.width - 1)
        options.clear_options()
        options.add_options(
            Option(section_label(self.article, i, width, shape=self.shape, reorder=self.reorder), id=str(i))
            for i in range(len(self.article.sections))
        )
        if self.article.sections:
            options.highlighted = min(self.current, len(self.article.sections) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:  # every option here is made with its number as id
            self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
