"""The summary pane: summary sentences in Arabic, each followed by its English and marker.

The pane owns the summary: which algorithm and length the reader chose, the worker that
computes it off the UI thread (`reader.summary.summarize`, imported there: sumy and numpy load only
after the first paint), its title, and saving it as Markdown (`ctrl+s`). The worker reports
with messages (`SummaryReady`, `SummaryFailed`) handled here; a newer request makes an older
result stale (`generation`)."""

from __future__ import annotations

from pathlib import Path
from typing import Hashable, Mapping, Sequence

from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.message import Message

from reader.export import default_save_path
from reader.model import Article
from reader.status_text import plural
from widgets.article_pane import ArticlePane
from widgets.blocks import Block, note_blocks, summary_blocks, summary_english_block
from widgets.messages import SummaryFailed, SummaryReady

class SummaryPane(ArticlePane):
    """Summary sentences; `j`/`k` choose one while focused, `Enter` moves the cursor there."""

    BINDINGS = [
        Binding("down,j", "select(1)", "Next summary sentence", show=False),
        Binding("up,k", "select(-1)", "Previous summary sentence", show=False),
        Binding("enter", "jump", "Go to sentence", show=True),
    ]

    class Jump(Message):
        """Move the article cursor to this sentence."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, article: Article, *, algorithm: str, count: int | None = None,
                 save_dir: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.article = article
        self.numbers: list[int] = []
        self.selected: int | None = None
        self.message: str | None = None
        self.algorithm = algorithm
        self.summary_count = count
        """The length asked for; None or 0: the default length for the article."""
        self.summary_numbers: list[int] | None = None
        """The summary's sentence numbers, None until the first summary arrives."""
        self.summary_pending = False
        self.save_dir = save_dir
        self._generation = 0
        self._translations: Mapping[int, str] = {}
        self._show_english = True

    # ------------------------------------------------------------------ computing it

    def on_mount(self) -> None:
        self.update_title()

    def refresh_summary(self) -> None:
        """Compute the summary again (current algorithm and length) in a worker; the pane is
        marked stale and its title says so until the new one arrives (`summary_pending`)."""
        self._generation += 1
        self.summary_pending = True
        self.set_class(self.summary_numbers is not None, "-stale")
        self.update_title()
        self._summarize(self._generation, self.algorithm, self.summary_count or None)

    @work(thread=True, group="summary", exit_on_error=False)
    def _summarize(self, generation: int, algorithm: str, count: int | None) -> None:
        try:
            from reader.summary import summarize

            # count None: summarize_article picks the default length from the body sentences.
            sentences = summarize.summarize_article(self.article, algorithm=algorithm, count=count)
            self.post_message(SummaryReady(generation, algorithm, len(sentences), [s.number for s in sentences],
                                           tuple(summarize.ALGORITHMS)))
        except Exception as error:  # noqa: BLE001 - shown in the pane
            self.post_message(SummaryFailed(generation, f"{type(error).__name__}: {error}"))

    def on_summary_ready(self, message: SummaryReady) -> None:
        if message.generation != self._generation:
            return
        self.summary_pending = False
        self.remove_class("-stale")
        self.summary_numbers = list(message.numbers)
        self.summary_count = message.count
        self._show()
        self.update_title()

    def on_summary_failed(self, message: SummaryFailed) -> None:
        if message.generation != self._generation:
            return
        self.summary_pending = False
        self.remove_class("-stale")
        self.show_message(f"Summary failed: {message.text}")
        self.notify(message.text, title="Summary failed", severity="error")

    def show_translations(self, translations: Mapping[int, str], show_english: bool, cursor: int | None) -> None:
        """The article's English (or its absence: no model) changed: redraw the summary with it."""
        self._translations, self._show_english = translations, show_english
        if self.summary_numbers is not None:
            self._show()
            self.follow(cursor)

    def _show(self) -> None:
        self.set_summary(self.article, self.summary_numbers or [], self._translations,
                         show_translation=self._show_english)
        self.follow(self.cursor)

    def update_title(self) -> None:
        """The pane's title (its one writer): algorithm, length, and whether it is computing."""
        count = len(self.summary_numbers) if self.summary_numbers is not None else self.summary_count
        length = plural(count, "sentence") if count else "auto length"
        state = " · summarizing…" if self.summary_pending else ""
        self.border_title = f"Summary · {self.algorithm} · {length}{state}"

    # ------------------------------------------------------------------ the reader's choices

    def _changed(self, what: str) -> None:
        self.refresh_summary()
        if not self.display:
            self.notify(f"{what} (the summary pane is hidden: s shows it)", timeout=3)

    def cycle_algorithm(self) -> None:
        from reader.config import ALGORITHMS

        index = ALGORITHMS.index(self.algorithm) if self.algorithm in ALGORITHMS else -1
        self.algorithm = ALGORITHMS[(index + 1) % len(ALGORITHMS)]
        self._changed(f"Summary algorithm: {self.algorithm}")

    def change_length(self, step: int) -> None:
        current = self.summary_count or (len(self.summary_numbers) if self.summary_numbers else 0)
        limit = max(1, sum(len(p.sentences) for p in self.article.paragraphs if not p.is_heading))
        new = max(1, min(limit, (current or 3) + step))
        if new == current:
            self.app.clear_notifications()
            edge = "shortest" if step < 0 else "longest"
            self.notify(f"The summary is at its {edge}: {plural(new, 'sentence')}", timeout=2)
            return
        self.summary_count = new
        self._changed(f"Summary length: {plural(new, 'sentence')}")

    # ------------------------------------------------------------------ saving

    def default_save_path(self) -> Path:
        return default_save_path(self.article, self.save_dir)

    def save_summary(self, path: Path, force: bool = False, *, translations: Mapping[int, str] | None = None,
                     model: str | None = None) -> Path:
        """Write the shown summary as Markdown (logical text) with `reader.export`."""
        from reader.export import summary_document, write_text_atomic

        translations = self._translations if translations is None else translations
        sentences = [self.article.sentences[n] for n in self.summary_numbers or ()]
        english = {s.id: translations.get(s.number) for s in sentences}
        text = summary_document(self.article, sentences, english, algorithm=self.algorithm, model=model)
        return write_text_atomic(path, text, force=force)

    def save(self, translations: Mapping[int, str], model: str | None) -> None:
        """`ctrl+s`: the save dialog for the shown summary (with the article's English)."""
        if self.summary_numbers is None:
            self.notify("The summary is still being computed; save again in a moment.", timeout=3)
            return

        def write(path: Path, force: bool = False) -> Path:
            return self.save_summary(path, force, translations=translations, model=model)

        from widgets.save_dialog import SaveDialog  # here: not needed for the first frame

        self.app.push_screen(SaveDialog(self.default_save_path(), write))

    # ------------------------------------------------------------------ showing it

    def show_message(self, text: str) -> None:
        """Replace the content by a note (e.g. "Summarizing…")."""
        self.numbers = []
        self.selected = None
        self.message = text
        self.set_blocks(note_blocks(text))

    def set_summary(
        self,
        article: Article,
        numbers: Sequence[int],
        translations: Mapping[int, str],
        *,
        show_translation: bool = True,
    ) -> None:
        self.message = None
        keep = self.numbers[self.selected] if self.selected is not None and self.numbers else None
        changed = list(numbers) != self.numbers
        self.numbers = list(numbers)
        self.selected = self.numbers.index(keep) if keep in self.numbers else (0 if self.numbers else None)
        blocks = summary_blocks(article, self.numbers, translations, show_translation=show_translation)
        self.set_blocks(blocks)
        if changed:
            # A new summary starts at its top: the scroll position of a longer one before it
            # could leave a short one's first line (its marker) above the view, with no key
            # to bring it back. `follow` then shows the cursor's sentence if it is here.
            self.scroll_to(y=0, animate=False, immediate=True)

    def update_translations(self, translations: Mapping[int, str], numbers: set[int]) -> None:
        """Refresh the English lines of the given sentences, if they are in the summary."""
        changes: dict[Hashable, Block] = {}
        for block in self.blocks:
            if block.rtl or block.item is None or not block.sentences:
                continue
            number = block.sentences[0][0]
            if number in numbers:
                new = summary_english_block(number, translations, block.item)
                changes[new.key] = new
        if changes:
            self.replace_blocks(changes)

    # ------------------------------------------------------------------ selection

    def _block_style_key(self, index: int, block: Block):
        return self.has_focus and block.item is not None and block.item == self.selected

    def _block_base_style(self, index: int, block: Block) -> Style:
        style = super()._block_base_style(index, block)
        if self.has_focus and block.item is not None and block.item == self.selected:
            style = style + Style(bgcolor=self.get_component_rich_style("article-pane--selected").bgcolor)
        return style

    def follow(self, number: int | None) -> None:
        """The article cursor moved: highlight it here and select it when it is a summary sentence."""
        self.cursor = number
        if number is not None and number in self.numbers:
            self.selected = self.numbers.index(number)
            self.scroll_to_sentence(number)
        self.refresh()

    def action_select(self, step: int) -> None:
        if not self.numbers:
            return
        if self.selected is None:
            self.selected = 0
        else:
            self.selected = max(0, min(len(self.numbers) - 1, self.selected + step))
        self.scroll_to_sentence(self.numbers[self.selected])
        self.refresh()

    def action_jump(self) -> None:
        if self.selected is not None and self.numbers:
            self.post_message(self.Jump(self.numbers[self.selected]))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
