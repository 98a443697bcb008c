"""The summary, as part of the App: compute it off the UI thread, change its algorithm or
length, save it as Markdown. Mixed into `reader.app.QariApp`."""

from __future__ import annotations

from pathlib import Path

from textual import work

from reader.model import Article
from widgets.messages import SummaryFailed, SummaryReady, plural
from widgets.save_dialog import SaveDialog


class SummaryActions:
    """Summary state changes and saving for `QariApp`."""

    def refresh_summary(self) -> None:
        """Compute the summary again (current algorithm and length) in a worker; the pane is
        marked stale and its title says so until the new one arrives (`summary_pending`)."""
        self._summary_generation += 1
        self.summary_pending = True
        self.summary_pane.set_class(self.summary_numbers is not None, "-stale")
        self._update_summary_title()
        self._summarize(self._summary_generation, self.algorithm, self.summary_count or None)

    @work(thread=True, group="summary", exit_on_error=False)
    def _summarize(self, generation: int, algorithm: str, count: int | None) -> None:
        try:
            from reader import summarize

            # count None: summarize_article picks the default length from the body sentences.
            sentences = summarize.summarize_article(self.article, algorithm=algorithm, count=count)
            self.post_message(SummaryReady(generation, algorithm, len(sentences), [s.number for s in sentences],
                                           tuple(summarize.ALGORITHMS)))
        except Exception as error:  # noqa: BLE001
            self.post_message(SummaryFailed(generation, f"{type(error).__name__}: {error}"))

    def on_summary_ready(self, message: SummaryReady) -> None:
        if message.generation != self._summary_generation:
            return
        self.summary_pending = False
        self.summary_pane.remove_class("-stale")
        self.summary_numbers = list(message.numbers)
        self.summary_count = message.count
        self.summary_pane.set_summary(self.article, self.summary_numbers, self.translations,
                                      show_translation=self._has_english())
        self.summary_pane.follow(self.cursor)
        self._update_summary_title()

    def on_summary_failed(self, message: SummaryFailed) -> None:
        if message.generation != self._summary_generation:
            return
        self.summary_pending = False
        self.summary_pane.remove_class("-stale")
        self.summary_pane.show_message(f"Summary failed: {message.text}")
        self.notify(message.text, title="Summary failed", severity="error")

    def _summary_changed(self, what: str) -> None:
        self.refresh_summary()
        if not self.summary_pane.display:
            self.notify(f"{what} (the summary pane is hidden: s shows it)", timeout=3)

    def action_cycle_algorithm(self) -> None:
        from reader.config import ALGORITHMS

        index = ALGORITHMS.index(self.algorithm) if self.algorithm in ALGORITHMS else -1
        self.algorithm = ALGORITHMS[(index + 1) % len(ALGORITHMS)]
        self._summary_changed(f"Summary algorithm: {self.algorithm}")

    def _change_length(self, step: int) -> None:
        current = self.summary_count or (len(self.summary_numbers) if self.summary_numbers else 0)
        limit = max(1, sum(len(p.sentences) for p in self.article.paragraphs if not p.is_heading))
        new = max(1, min(limit, (current or 3) + step))
        if new == current:
            self.clear_notifications()
            edge = "shortest" if step < 0 else "longest"
            self.notify(f"The summary is at its {edge}: {plural(new, 'sentence')}", timeout=2)
            return
        self.summary_count = new
        self._summary_changed(f"Summary length: {plural(new, 'sentence')}")

    def action_summary_longer(self) -> None:
        self._change_length(+1)

    def action_summary_shorter(self) -> None:
        self._change_length(-1)


    def default_save_path(self) -> Path:
        return default_save_path(self.article, self.save_dir)

    def save_summary(self, path: Path, force: bool = False) -> Path:
        """Write the shown summary as Markdown (logical text) with `reader.export`."""
        from reader.export import summary_document, write_text_atomic

        sentences = [self.sentences[n] for n in self.summary_numbers or ()]
        translations = {s.id: self.translations.get(s.number) for s in sentences}
        text = summary_document(self.article, sentences, translations, algorithm=self.algorithm, model=self.model_name)
        return write_text_atomic(path, text, force=force)

    def action_save(self) -> None:
        if self.summary_numbers is None:
            self.notify("The summary is still being computed; save again in a moment.", timeout=3)
            return
        self.push_screen(SaveDialog(self.default_save_path(), self.save_summary))


def default_save_path(article: Article, cwd: Path | None = None) -> Path:
    """`./<article-stem>.summary.md` in the current directory."""
    cwd = Path.cwd() if cwd is None else cwd
    source = article.source or ""
    stem = ""
    if source and source not in ("-", "<stdin>", "<text>") and "://" not in source:
        stem = Path(source).stem
    elif "://" in source:
        stem = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[0]
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip("-.") or "article"
    return cwd / f"{stem}.summary.md"


