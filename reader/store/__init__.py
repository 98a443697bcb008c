"""What qari keeps between sessions, in sqlite: the library of articles read, with positions,
progress and marks (`library`); feed subscriptions and their items, kept in the library's file,
and their updates (`feeds`); saved words, known lemmas and difficulty (`vocabulary`); and what
the sqlite files share, corruption check and setting a corrupt file aside (`sqlite_files`).

May import: `reader.config`, `reader.export`, `reader.article` (an article is rebuilt from what
is kept), `reader.web` (feeds are fetched), `reader.text`, `reader.model`, `reader.untrusted`.
Never `reader.translation`, `reader.summary`, `reader.batch`, the CLI or the App. No Textual.
"""
