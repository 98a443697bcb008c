"""The English pane: translations laid out paragraph by paragraph, aligned with the Arabic."""

from __future__ import annotations

from typing import Mapping

from reader.model import Article
from widgets.article_pane import ArticlePane
from widgets.blocks import article_english_blocks, english_block, note_blocks


class TranslationPane(ArticlePane):
    """The English pane. Blocks carry the Arabic paragraph as their alignment group, so the
    reading view can pad each paragraph to the height of its Arabic counterpart side by side."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("shape", True)
        kwargs.setdefault("reorder", True)
        super().__init__(**kwargs)
        self._article: Article | None = None
        self._translations: Mapping[int, str] = {}

    def show_article(self, article: Article, translations: Mapping[int, str]) -> None:
        self._article = article
        self._translations = translations
        self.set_blocks(article_english_blocks(article, translations))

    def show_note(self, text: str) -> None:
        self._article = None
        self.set_blocks(note_blocks(text))

    def update_sentences(self, numbers: set[int]) -> None:
        """Redraw the paragraphs holding these sentences (translations arrived)."""
        article = self._article
        if article is None:
            return
        paragraphs = article.paragraphs
        changes = {}
        for index in {article.paragraph_of(number) for number in numbers}:
            block = english_block(paragraphs[index], index, self._translations)
            changes[block.key] = block
        if changes:
            self.replace_blocks(changes)
