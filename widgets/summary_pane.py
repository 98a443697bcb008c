"""The summary pane: summary sentences in Arabic, each followed by its English and marker."""

from __future__ import annotations

from typing import Mapping, Sequence

from rich.style import Style
from textual.binding import Binding
from textual.message import Message

from reader.model import Article
from widgets.article_pane import ArticlePane, Block

PENDING = "…"


def marker(number: int) -> str:
    """How the summary names an article sentence (1-based, as shown in the status line)."""
    return f"[{number + 1}]"


def english_item(number: int, translations: Mapping[int, str], item: int) -> Block:
    """The English line of a summary item (an ellipsis while it is being translated)."""
    english = translations.get(number)
    text = " ".join(english.split()) if english else PENDING
    decorations = () if english else ((0, len(text), "article-pane--pending"),)
    return Block(text, ((number, 0, len(text)),), rtl=False, item=item, decorations=decorations)


class SummaryPane(ArticlePane):
    """Summary sentences; `j`/`k` choose one while focused, `Enter` moves the cursor there."""

    BINDINGS = [
        Binding("down,j", "select(1)", "Next summary sentence", show=False),
        Binding("up,k", "select(-1)", "Previous summary sentence", show=False),
        Binding("enter", "jump", "Go to sentence", show=True),
    ]

    class Jump(Message):
        """Move the article cursor to this sentence."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.numbers: list[int] = []
        self.selected: int | None = None
        self.message: str | None = None

    def show_message(self, text: str) -> None:
        """Replace the content by a note (e.g. "Summarizing…")."""
        self.numbers = []
        self.selected = None
        self.message = text
        self.set_blocks([Block(text, rtl=False, kind="note", gap_after=0)])

    def set_summary(
        self,
        article: Article,
        numbers: Sequence[int],
        translations: Mapping[int, str],
        *,
        show_translation: bool = True,
    ) -> None:
        self.message = None
        keep = self.numbers[self.selected] if self.selected is not None and self.numbers else None
        changed = list(numbers) != self.numbers
        self.numbers = list(numbers)
        self.selected = self.numbers.index(keep) if keep in self.numbers else (0 if self.numbers else None)
        blocks: list[Block] = []
        if not self.numbers:
            blocks.append(Block("No summary sentences.", rtl=False, kind="note", gap_after=0))
        for item, number in enumerate(self.numbers):
            sentence = article.sentences[number]
            mark = marker(number)
            # The marker opens the Arabic line (so it sits at its right edge).
            text = f"{mark} {sentence.text}"
            blocks.append(
                Block(
                    text,
                    ((number, len(mark) + 1, len(text)),),
                    rtl=True,
                    item=item,
                    gap_after=0 if show_translation else 1,
                    decorations=((0, len(mark), "article-pane--marker"),),
                )
            )
            if show_translation:
                blocks.append(english_item(number, translations, item))
        self.set_blocks(blocks)
        if changed:
            # A new summary starts at its top: the scroll position of a longer one before it
            # could leave a short one's first line (its marker) above the view, with no key
            # to bring it back. `follow` then shows the cursor's sentence if it is here.
            self.scroll_to(y=0, animate=False, immediate=True)

    def update_translations(self, translations: Mapping[int, str], numbers: set[int]) -> None:
        """Refresh the English lines of the given sentences, if they are in the summary."""
        changes: dict[int, Block] = {}
        for index, block in enumerate(self.blocks):
            if block.rtl or block.item is None or not block.sentences:
                continue
            number = block.sentences[0][0]
            if number in numbers:
                changes[index] = english_item(number, translations, block.item)
        if changes:
            self.replace_blocks(changes)

    # ------------------------------------------------------------------ selection

    def _block_style_key(self, index: int, block: Block):
        return self.has_focus and block.item is not None and block.item == self.selected

    def _block_base_style(self, index: int, block: Block) -> Style:
        style = super()._block_base_style(index, block)
        if self.has_focus and block.item is not None and block.item == self.selected:
            style = style + Style(bgcolor=self.get_component_rich_style("article-pane--selected").bgcolor)
        return style

    def follow(self, number: int | None) -> None:
        """The article cursor moved: highlight it here and select it when it is a summary sentence."""
        self.cursor = number
        if number is not None and number in self.numbers:
            self.selected = self.numbers.index(number)
            self.scroll_to_sentence(number)
        self.refresh()

    def action_select(self, step: int) -> None:
        if not self.numbers:
            return
        if self.selected is None:
            self.selected = 0
        else:
            self.selected = max(0, min(len(self.numbers) - 1, self.selected + step))
        self.scroll_to_sentence(self.numbers[self.selected])
        self.refresh()

    def action_jump(self) -> None:
        if self.selected is not None and self.numbers:
            self.post_message(self.Jump(self.numbers[self.selected]))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
