"""`V`: the words saved from this article (`reader.store.vocabulary`), each with its vocalised form,
lemma, gloss and the sentence it came from; Enter jumps to that sentence. Like the marks list
(`widgets/marks_screen.py`)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.text.visual_text import visual_one_line


class WordsScreen(ModalScreen[int | None]):
    """This article's saved words; dismisses with the chosen word's sentence number (or None)."""

    BINDINGS = [Binding("escape,q,V", "cancel", "Close")]
    DEFAULT_CSS = """
    WordsScreen { align: center middle; }
    WordsScreen > Vertical { width: 90%; max-width: 120; height: 70%; border: round $accent;
                             background: $surface; padding: 0 1; }
    WordsScreen OptionList { height: 1fr; }
    """

    def __init__(self, words: list, sentences: list, *, shape: bool = True, reorder: bool = True) -> None:
        super().__init__()
        self.words = words
        self.sentences = sentences
        self.shape = shape
        self.reorder = reorder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Saved words"
            yield Label("Enter: go to the sentence · Esc: close" if self.words else
                        "No saved words in this article: w chooses a word, Enter looks it up, a saves it.")
            yield OptionList(id="saved-words")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.call_after_refresh(self._fill)

    def _arabic(self, text: str, width: int) -> str:
        return visual_one_line(text, max(4, width), rtl=True, shape=self.shape, reorder=self.reorder)

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        width = max(30, options.scrollable_content_region.width - 1)
        for index, word in enumerate(self.words):
            label = Text()
            label.append(self._arabic(word.word, 20), style="bold")
            label.append("  ")
            label.append(self._arabic(word.vocalised, 24))
            label.append(f"  {word.gloss[:40]}", style="italic")
            label.append(f"  ({word.state})", style="dim")
            if word.context:
                label.append("\n    ")
                label.append(self._arabic(word.context, width - 4), style="dim")
            number = word.sentence if word.sentence is not None and word.sentence < len(self.sentences) else None
            options.add_option(Option(label, id=f"{index}:{'' if number is None else number}"))
        if self.words:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        number = (event.option.id or ":").split(":", 1)[1]
        self.dismiss(int(number) if number else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
