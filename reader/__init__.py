"""qari core: article model, segmentation, translation, summary, export. Never imports Textual.

The small public API for library use (heavy modules are imported only when called):

    >>> import reader
    >>> article = reader.load_article("article.txt")          # or "-" for stdin, or a URL
    >>> reader.summarize_text(text, sentences=3)               # summary sentences, article order
    >>> reader.translate_sentences(["جملة أولى.", "جملة ثانية."]) # needs an installed ar->en model
    >>> reader.translate_text(text)                            # [(arabic, english), ...] per sentence
    >>> reader.lookup("للتواصل")                                # analyses: lemma, parts, glosses
    >>> reader.summary_document(article, chosen, translations, algorithm="news", model=None)
    >>> reader.translation_document(article, english, format="markdown")  # or "jsonl", "text"

`summary_document` and `translation_document` are `reader.export`'s, the very functions the
reader's save and `qari summarize` / `qari translate` use (loaded on first use).
"""

from __future__ import annotations

from collections.abc import Sequence

from reader.article import ArticleError, load_article, parse_text
from reader.model import Article, Paragraph, Section, Sentence, SentenceId


__all__ = [
    "Article", "ArticleError", "Paragraph", "Section", "Sentence", "SentenceId",
    "load_article", "lookup", "parse_text", "summarize_text", "summary_document", "translate_sentences",
    "translate_text", "translation_document",
]

_EXPORTED = ("summary_document", "translation_document")


def __getattr__(name: str) -> object:
    """Load `reader.export` only when one of its functions is asked for (keeps start-up lean)."""
    if name in _EXPORTED:
        from reader import export

        return getattr(export, name)
    raise AttributeError(f"module 'reader' has no attribute {name!r}")


def summarize_text(text: str, sentences: int | None = None, algorithm: str | None = None) -> list[str]:
    """The summary of an Arabic text: its chosen sentences as strings, in article order."""
    from reader.summary.summarize import summarize_text as _summarize_text

    return _summarize_text(text, sentences=sentences, algorithm=algorithm)


def translate_sentences(sentences: Sequence[str], from_code: str = "ar", to_code: str = "en") -> list[str]:
    """Translate each sentence (one output per input, same order) with the installed Argos
    package and qari's cache. Raises reader.translation.translate.NoModelError when no model is installed."""
    from reader.translation.translate import load_translator

    return load_translator(from_code, to_code).translate(list(sentences))


def translate_text(text: str) -> list[tuple[str, str]]:
    """Split an Arabic text into sentences and translate them: [(arabic, english), ...]."""
    article = parse_text(text)
    originals = [s.text for s in article.sentences]
    return list(zip(originals, translate_sentences(originals), strict=True))


def lookup(word: str, context: str | None = None):
    """Every morphological analysis of an Arabic word, best first: a list of
    reader.text.morphology.Analysis (vocalised form, lemma, prefixes/stem/suffixes with tags, part of
    speech, English glosses); [] for names, Latin words and numbers. `context` is optional
    English text to rank by. The lexicon loads on the first call (about half a second)."""
    from reader.text.morphology import lookup as _lookup

    return _lookup(word, context)
