"""Find a query in the article's sentences (Arabic) and their translations (English).

Arabic matching ignores tashkeel and folds alef / ya / ta-marbuta variants (reader.text.arabic);
English matching is case-insensitive. Matches are spans of the original, unfolded text so a
pane can highlight exactly what matched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from reader.text.arabic import search_key, search_key_with_map, strip_tashkeel


class Match(NamedTuple):
    """`number` is the sentence's position in the article; `lang` is "ar" or "en";
    [start, end) is the span in that sentence's Arabic text or English translation."""

    number: int
    lang: str
    start: int
    end: int


class SentenceIndex:
    """Folded forms of the article's sentences, computed once and reused for every query."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.sentences = list(sentences)
        self._folded = [search_key_with_map(text) for text in self.sentences]

    def find(self, query: str, translations: Mapping[int, str | None] | None = None) -> list[Match]:
        """Every match of `query`, ordered by sentence, then language, then position."""
        key = search_key(query)
        folded_query = query.casefold()
        matches: list[Match] = []
        for number, text in enumerate(self.sentences):
            if key:
                matches.extend(self._arabic_matches(number, text, key))
            english = (translations or {}).get(number)
            if english and folded_query:
                matches.extend(_english_matches(number, english, folded_query))
        matches.sort()
        return matches

    def _arabic_matches(self, number: int, text: str, key: str) -> list[Match]:
        folded, index = self._folded[number]
        found = []
        start = folded.find(key)
        while start != -1:
            a = index[start]
            b = index[start + len(key) - 1] + 1
            # Keep the harakat of the last matched letter inside the match.
            while b < len(text) and strip_tashkeel(text[b]) == "":
                b += 1
            found.append(Match(number, "ar", a, b))
            start = folded.find(key, start + max(1, len(key)))
        return found


def _english_matches(number: int, english: str, folded_query: str) -> list[Match]:
    lowered = english.casefold()
    if len(lowered) != len(english):  # casefolding changed lengths: spans would not line up
        return []
    found = []
    start = lowered.find(folded_query)
    while start != -1:
        found.append(Match(number, "en", start, start + len(folded_query)))
        start = lowered.find(folded_query, start + len(folded_query))
    return found
