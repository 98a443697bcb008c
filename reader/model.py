"""The article data model shared by every part of qari.

A sentence has one identity, `SentenceId(section, paragraph, index)`, plus its character
span in the article's normalised logical text. Panes, the translation cache, summaries and
exports all speak of sentences by that identity, so this module stays tiny and dependency-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class SentenceId:
    """Where a sentence lives: section number, paragraph number within the section, and
    sentence number within the paragraph (all 0-based)."""

    section: int
    paragraph: int
    index: int

    def __str__(self) -> str:
        return f"{self.section}.{self.paragraph}.{self.index}"


@dataclass(frozen=True)
class Sentence:
    """One sentence: `text` is exactly `article.text[start:end]`; `number` is its 0-based
    position in the article's flat sentence list."""

    id: SentenceId
    text: str
    start: int
    end: int
    number: int


@dataclass
class Paragraph:
    """A paragraph (or a heading line) and its sentences; `text == article.text[start:end]`."""

    section: int
    index: int
    text: str
    start: int
    end: int
    sentences: list[Sentence] = field(default_factory=list)
    is_heading: bool = False


@dataclass
class Section:
    """A run of paragraphs opened by a heading line (or a lone paragraph with no heading)."""

    index: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def heading(self) -> str | None:
        if self.paragraphs and self.paragraphs[0].is_heading:
            return self.paragraphs[0].text
        return None

    @property
    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs for s in p.sentences]


@dataclass
class Article:
    """A loaded article: the normalised logical text is the single source of truth."""

    text: str
    sections: list[Section]
    source: str = "<text>"
    title: str = ""
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sentences = [s for sec in self.sections for p in sec.paragraphs for s in p.sentences]
        self._by_id = {s.id: s for s in self._sentences}

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence in reading order (`sentences[i].number == i`)."""
        return self._sentences

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [p for sec in self.sections for p in sec.paragraphs]

    def sentence(self, sid: SentenceId) -> Sentence:
        return self._by_id[sid]
