"""The English pane: translations laid out paragraph by paragraph, aligned with the Arabic."""

from __future__ import annotations

from typing import Hashable, Mapping

from reader.model import Article, Paragraph
from widgets.article_pane import ArticlePane, Block

PENDING = "…"
"""Stands for a sentence whose translation has not arrived yet (keeps the cursor visible)."""


def english_block(
    paragraph: Paragraph,
    translations: Mapping[int, str],
    *,
    group: Hashable | None = None,
    gap_after: int = 1,
) -> Block:
    """One English block for an article paragraph: its sentences' translations joined by a
    space, pending ones shown as an ellipsis; spans keep the article sentence numbers."""
    parts: list[str] = []
    spans: list[tuple[int, int, int]] = []
    pending: list[tuple[int, int, str]] = []
    offset = 0
    for sentence in paragraph.sentences:
        if offset:
            parts.append(" ")
            offset += 1
        text = translations.get(sentence.number)
        if text is None:
            text = PENDING
            pending.append((offset, offset + len(text), "article-pane--pending"))
        text = " ".join(text.split()) or PENDING
        spans.append((sentence.number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    return Block(
        "".join(parts),
        tuple(spans),
        rtl=False,
        kind="heading" if paragraph.is_heading else "body",
        group=group,
        gap_after=gap_after,
        decorations=tuple(pending),
    )


def note_blocks(text: str, *, kind: str = "note") -> list[Block]:
    """A message (one block per line, blank lines kept) in a left-to-right pane."""
    return [Block(line, rtl=False, kind=kind, gap_after=0) for line in text.splitlines() or [""]]


class TranslationPane(ArticlePane):
    """The English pane. Blocks carry the Arabic paragraph as their alignment group, so the
    App can pad each paragraph to the height of its Arabic counterpart in side-by-side mode."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("shape", True)
        kwargs.setdefault("reorder", True)
        super().__init__(**kwargs)
        self._article: Article | None = None
        self._index: dict[int, int] = {}
        self._translations: Mapping[int, str] = {}

    def show_article(self, article: Article, translations: Mapping[int, str]) -> None:
        self._article = article
        self._translations = translations
        blocks: list[Block] = []
        self._index = {}
        for number, paragraph in enumerate(article.paragraphs):
            for sentence in paragraph.sentences:
                self._index[sentence.number] = number
            blocks.append(english_block(paragraph, translations, group=number))
        self.set_blocks(blocks)

    def show_note(self, text: str) -> None:
        self._article = None
        self._index = {}
        self.set_blocks(note_blocks(text))

    def update_sentences(self, numbers: set[int]) -> None:
        """Redraw the paragraphs holding these sentences (translations arrived)."""
        if self._article is None:
            return
        paragraphs = self._article.paragraphs
        changes = {}
        for number in numbers:
            index = self._index.get(number)
            if index is not None and index not in changes:
                changes[index] = english_block(paragraphs[index], self._translations, group=index)
        if changes:
            self.replace_blocks(changes)
