"""Offline translation: the engine over an installed Argos package (`translate`, CTranslate2),
its sqlite cache (`cache`), installed packages and which one is used (`packages`), building and
importing packages (`packing`, `marian`), and the reader's translation schedule
(`translation_job`).

May import: the layers below it (`reader.store`'s sqlite helpers, `reader.config`,
`reader.export`, `reader.article`, `reader.web` for package downloads, `reader.text`,
`reader.model`, `reader.untrusted`). Never `reader.summary`, `reader.batch`, the CLI or the
App. No Textual.
"""
