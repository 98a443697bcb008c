"""Taking text out of the reader, as part of the App: `y` copies the current sentence (Arabic,
logical order), `Y` the sentence with its English, through the terminal's clipboard (OSC 52,
so it works over SSH); `ctrl+e` saves the whole bilingual article as Markdown with the same
renderer as `qari translate --format markdown`, the same atomic write and overwrite prompt as
the summary. Mixed into `reader.app.QariApp`.
"""

from __future__ import annotations

from pathlib import Path

from widgets.messages import plural
from widgets.save_dialog import SaveDialog


class ExportActions:
    """Copy and whole-article export for `QariApp`."""

    def action_copy_sentence(self, with_english: bool = False) -> None:
        if self.cursor is None:
            return
        text = self.sentences[self.cursor].text
        english = self.translations.get(self.cursor)
        if with_english:
            text = f"{text}\n{english}" if english else text
        self.copy_to_clipboard(text)
        what = "sentence and its English" if with_english and english else "sentence"
        self.notify(f"Copied the {what} ({plural(len(text), 'character')})", timeout=2)

    def default_export_path(self) -> Path:
        """`./<article-stem>.bilingual.md`, beside the summary's default."""
        summary = self.default_save_path()
        return summary.with_name(summary.name.replace(".summary.md", ".bilingual.md"))

    def save_article(self, path: Path, force: bool = False) -> Path:
        """Write the article with its English (untranslated sentences say so) as Markdown."""
        from reader.export import translation_document, write_text_atomic

        english = [self.translations.get(s.number) for s in self.sentences]
        marks = [(m.number, m.note) for m in self.article_marks()]
        text = translation_document(self.article, english, format="markdown", model=self.model_name, marks=marks)
        return write_text_atomic(path, text, force=force)

    def action_export_article(self) -> None:
        self.push_screen(SaveDialog(self.default_export_path(), self.save_article, what="bilingual article"))
