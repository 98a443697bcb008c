"""A long file that mixes hard-wrapped and unwrapped paragraphs (issue 22, defect 6): the
re-join decision is made per paragraph run, and the article opens at its first sentence."""

from __future__ import annotations

import textwrap

from reader.article import parse_text


def _mixed(sample_text: str, copies: int = 40) -> tuple[str, list[str]]:
    """The sample's body paragraphs, repeated; every other paragraph hard-wrapped at 72
    columns, the rest one line each; blank lines between paragraphs. Returns the file's
    text and the paragraphs a reader should see."""
    lines = [line for line in sample_text.splitlines() if line.strip()]
    head, body = lines[:2], [line for line in lines[2:] if len(line) > 100]
    paragraphs = head + body * copies
    out = list(head)
    for i, paragraph in enumerate(body * copies):
        out.append("\n".join(textwrap.wrap(paragraph, 72)) if i % 2 == 0 else paragraph)
    return "\n\n".join(out), paragraphs


def test_mixed_wrapped_and_unwrapped_paragraphs_are_each_read_right(sample_text):
    text, expected = _mixed(sample_text)
    article = parse_text(text, "mixed.txt")
    assert [p.text for p in article.paragraphs] == expected
    # No wrapped line is taken for a heading: only the site byline and the headline are.
    assert [p.text for p in article.paragraphs if p.is_heading] == expected[:2]
    # No sentence is cut at a line break: every sentence is one of the whole article's.
    whole = parse_text("\n".join(expected), "whole.txt")
    assert [s.text for s in article.sentences] == [s.text for s in whole.sentences]


def test_mixed_file_opens_at_its_headline(sample_text):
    text, _ = _mixed(sample_text)
    article = parse_text(text, "mixed.txt")
    assert article.headline_sentence() == parse_text(sample_text).headline_sentence() == 1


def test_an_article_without_a_headline_opens_at_its_first_sentence():
    """A heading deep inside the article is not where a reader starts."""
    body = "هذه فقرة أولى طويلة بما يكفي لتكون فقرة وليست عنوانا، وفيها جملة كاملة."
    text = "\n\n".join([body] * 30 + ["عنوان فرعي في الوسط"] + [body] * 30)
    article = parse_text(text, "deep.txt")
    assert any(p.is_heading for p in article.paragraphs)
    assert article.headline_sentence() == 0
