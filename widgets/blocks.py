"""What the panes draw: `Block`, one paragraph of logical text, and every builder of blocks.

A pane (`widgets.article_pane.ArticlePane` and its subclasses) holds a list of blocks and lays
them out; the builders here turn the article into blocks, one place for each kind:

* `paragraph_block`: an article paragraph in the Arabic pane (key ``("ar", paragraph)``);
* `english_block`: the English of an article paragraph, in the English pane or interleaved
  under its Arabic (key ``("en", paragraph)``), pending sentences drawn as `PENDING`;
* `note_blocks`: a message in place of the English (the no-model help), one block a line;
* `summary_blocks` / `summary_english_block`: the summary's items (Arabic with its marker, then
  its English line).

Every block has a `key`, unique in its pane: a pane replaces blocks by key
(`ArticlePane.replace_blocks({key: block})`), so no caller counts positions (an interleaved
pane's English paragraph is ``("en", i)`` wherever notes or headings put it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Mapping, Sequence

from reader.model import Article, Paragraph
from reader.text.arabic import arabic_ratio

PENDING = "…"
"""Stands for a sentence whose translation has not arrived yet (keeps the cursor visible)."""


@dataclass(frozen=True)
class Block:
    """One paragraph of logical text in a pane."""

    text: str
    sentences: tuple[tuple[int, int, int], ...] = ()
    """(article sentence number, start, end) of each sentence inside `text`."""
    rtl: bool = True
    kind: str = "body"
    """"body", "heading", "note" (messages such as the no-model help) or "marker"."""
    group: Hashable | None = None
    """Alignment group (the article paragraph); groups can be padded to a minimum height."""
    gap_after: int = 1
    """Blank rows after the block."""
    decorations: tuple[tuple[int, int, str], ...] = ()
    """(start, end, component class) ranges of `text` drawn with a component style."""
    item: int | None = None
    """Free index for subclasses (the summary item a block belongs to)."""
    key: Hashable | None = None
    """Names the block in its pane (unique there): what `replace_blocks` addresses."""

    @property
    def lang(self) -> str:
        return "ar" if self.rtl else "en"


def is_rtl_paragraph(paragraph: Paragraph) -> bool:
    """A paragraph is laid out right-to-left unless it is written in another script (an
    English quote block, a Latin byline): those read left-to-right even in the Arabic pane."""
    ratio = arabic_ratio(paragraph.text)
    return ratio >= 0.3 or not any(c.isalpha() for c in paragraph.text)


def paragraph_block(paragraph: Paragraph, index: int, *, gap_after: int = 1) -> Block:
    """The Arabic-pane block of the article's paragraph `index` (sentence spans relative to
    the paragraph; aligned with its English as group `index`)."""
    return Block(
        paragraph.text,
        tuple((s.number, s.start - paragraph.start, s.end - paragraph.start) for s in paragraph.sentences),
        rtl=is_rtl_paragraph(paragraph),
        kind="heading" if paragraph.is_heading else "body",
        group=index,
        gap_after=gap_after,
        key=("ar", index),
    )


def english_block(paragraph: Paragraph, index: int, translations: Mapping[int, str], *,
                  gap_after: int = 1) -> Block:
    """The English of the article's paragraph `index`: its sentences' translations joined by a
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
        group=index,
        gap_after=gap_after,
        decorations=tuple(pending),
        key=("en", index),
    )


def article_english_blocks(article: Article, translations: Mapping[int, str]) -> list[Block]:
    """The English pane's blocks: one per article paragraph."""
    return [english_block(paragraph, index, translations) for index, paragraph in enumerate(article.paragraphs)]


def note_blocks(text: str, *, kind: str = "note") -> list[Block]:
    """A message (one block per line, blank lines kept) in a left-to-right pane."""
    return [Block(line, rtl=False, kind=kind, gap_after=0, key=("note", i))
            for i, line in enumerate(text.splitlines() or [""])]


def marker(number: int) -> str:
    """How the summary names an article sentence (1-based, as shown in the status line)."""
    return f"[{number + 1}]"


def summary_english_block(number: int, translations: Mapping[int, str], item: int) -> Block:
    """The English line of summary item `item` (an ellipsis while it is being translated)."""
    english = translations.get(number)
    text = " ".join(english.split()) if english else PENDING
    decorations = () if english else ((0, len(text), "article-pane--pending"),)
    return Block(text, ((number, 0, len(text)),), rtl=False, item=item, decorations=decorations,
                 key=("summary-en", item))


def summary_blocks(article: Article, numbers: Sequence[int], translations: Mapping[int, str], *,
                   show_translation: bool = True) -> list[Block]:
    """The summary: each chosen sentence in Arabic, its marker opening the line (so it sits
    at the line's right edge), then its English line."""
    if not numbers:
        return note_blocks("No summary sentences.")
    blocks: list[Block] = []
    for item, number in enumerate(numbers):
        mark = marker(number)
        text = f"{mark} {article.sentences[number].text}"
        blocks.append(Block(
            text,
            ((number, len(mark) + 1, len(text)),),
            rtl=True,
            item=item,
            gap_after=0 if show_translation else 1,
            decorations=((0, len(mark), "article-pane--marker"),),
            key=("summary-ar", item),
        ))
        if show_translation:
            blocks.append(summary_english_block(number, translations, item))
    return blocks
