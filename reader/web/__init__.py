"""Bytes from the web: qari's one HTTP(S) client (`net`: one user agent, redirects kept to
http(s), one deadline per exchange, size caps, one-line errors), fetching a page (`fetch`), and a
page's HTML to article text (`extract`: trafilatura, headline, site name, lead).

May import: `reader.textio`, `reader.text`, `reader.model`, `reader.untrusted`. Never the
layers above it (article loading, store, translation, summary, batch, CLI, App), and fetching
never imports the extraction (its own import-linter contract). No Textual.
"""
