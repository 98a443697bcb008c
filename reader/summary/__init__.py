"""Extractive summaries: the algorithms and their entry points (`summarize`), qari's `news`
model (`news`: features, fitted weights, redundancy control), and sumy's summarizers on numpy
(`sumy_fast`).

May import: the layers below it (`reader.store`, `reader.config`, `reader.export`,
`reader.article`, `reader.web`, `reader.text`, `reader.model`, `reader.untrusted`). Never
`reader.translation`, `reader.batch`, the CLI or the App. No Textual.
"""
