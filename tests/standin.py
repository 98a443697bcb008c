"""A deterministic stand-in translator for tests that look at the screen (snapshots, colours).

The real tiny fixture model's English depends on the CPU's kernels, so a screenshot of it is
red on some machines. Screens are checked with this stand-in instead: it implements the
`reader.translation.translate.Translator` protocol and turns each sentence into English-looking filler of a
similar length, chosen by a hash of the sentence (the same on every machine). It is a test
double for layout only: the real model stays in the tests of alignment, caching and streaming.
"""

from __future__ import annotations

import hashlib

WORDS = ("the", "minister", "said", "on", "monday", "that", "talks", "would", "continue", "in",
         "the", "capital", "next", "week", "while", "officials", "expect", "a", "new", "agreement")


def standin_english(text: str) -> str:
    """Filler with about as many words as `text`, a function of `text` alone."""
    if not text.strip():
        return ""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    count = max(2, len(text.split()) + digest[0] % 3 - 1)
    words = [WORDS[(digest[i % len(digest)] + i) % len(WORDS)] for i in range(count)]
    return " ".join(words).capitalize() + "."


class StandInTranslator:
    model_name = "stand-in (tests)"
    cache = None

    def translate(self, sentences, *, progress=None, first=(), use_cache=True):
        return [standin_english(s) for s in sentences]

    def translate_iter(self, sentences, *, first=(), use_cache=True):
        for batch in self.translate_batches(sentences, first=first, use_cache=use_cache):
            yield from batch

    def translate_batches(self, sentences, *, first=(), use_cache=True):
        order = list(dict.fromkeys([*first, *range(len(sentences))]))
        for start in range(0, len(order), 8):
            yield [(i, standin_english(sentences[i])) for i in order[start:start + 8]]
