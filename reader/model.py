"""The article data model shared by every part of qari.

A sentence has one identity, `SentenceId(section, paragraph, index)`, plus its character
span in the article's normalised logical text. Panes, the translation cache, summaries and
exports all speak of sentences by that identity, so this module stays tiny and dependency-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.untrusted import clean_title


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


def looks_like_byline(text: str) -> bool:
    """A site byline above the headline ("زاد الاردن الاخباري -", "Agency |"): a line that
    ends with a dash or a bar, as the name before a dateline does. Not a subheading."""
    return text.rstrip().endswith(("-", "–", "—", "|"))


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
    date: str | None = None
    """The publication date the page gives (``YYYY-MM-DD``), or None (text files, stdin)."""

    def __post_init__(self) -> None:
        # The title came from outside (a page's <title>, a file name): one clean line from here on.
        self.title = clean_title(self.title)
        self._sentences = [s for sec in self.sections for p in sec.paragraphs for s in p.sentences]
        self._by_id = {s.id: s for s in self._sentences}
        self._paragraphs = [p for sec in self.sections for p in sec.paragraphs]
        # Lookups by `Sentence.number`, built once: the UI speaks of sentences only by number.
        self._paragraph_of: list[int] = []
        self._section_of: list[int] = []
        for index, paragraph in enumerate(self._paragraphs):
            self._paragraph_of.extend(index for _ in paragraph.sentences)
        for position, section in enumerate(self.sections):
            self._section_of.extend(position for p in section.paragraphs for _ in p.sentences)
        self._section_starts = [sec.sentences[0].number if sec.sentences else None for sec in self.sections]

    @property
    def sentences(self) -> list[Sentence]:
        """Every sentence in reading order (`sentences[i].number == i`)."""
        return self._sentences

    @property
    def paragraphs(self) -> list[Paragraph]:
        """Every paragraph in reading order (the index is the paragraph's alignment key)."""
        return self._paragraphs

    def paragraph_of(self, number: int) -> int:
        """Index in `paragraphs` of the paragraph holding sentence `number`."""
        return self._paragraph_of[number]

    def section_of(self, number: int) -> int:
        """Index in `sections` of the section holding sentence `number`."""
        return self._section_of[number]

    def section_start(self, index: int) -> int | None:
        """The first sentence of section `index` or, if it has none, of the next one that has."""
        for start in self._section_starts[max(0, index):]:
            if start is not None:
                return start
        return None

    def section_numbers(self, index: int) -> list[int]:
        """The sentence numbers of section `index`."""
        return [s.number for s in self.sections[index].sentences]

    def headline_sentence(self) -> int:
        """Where a reader starts: the first sentence of the paragraph that is the title (the
        headline), else of the first heading, else 0 — never a site name or byline above it.
        Only the headings the article opens with count: a subheading (or a line taken for one)
        deep inside is not where an article starts."""
        leading = []
        for paragraph in self._paragraphs:
            if not paragraph.is_heading:
                break
            leading.append(paragraph)
        title = " ".join(self.title.split())
        if title:
            for paragraph in leading:
                if paragraph.sentences and " ".join(paragraph.text.split()) == title:
                    return paragraph.sentences[0].number
        for paragraph in leading:
            if paragraph.sentences:
                return paragraph.sentences[0].number
        return 0

    def sentence(self, sid: SentenceId) -> Sentence:
        return self._by_id[sid]
