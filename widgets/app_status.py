"""The reader's bearings, as part of the App: the header title (the article's headline, in
visual order, using the width it has) and subtitle (source, model), and the pane titles that
carry the position (`12/32 · §7/21`), the translation progress and the search counter.

Titles are the one place that stays on screen at every size: short windows keep only the top
border of each pane, which holds its title. Mixed into `reader.app.QariApp`.
"""

from __future__ import annotations

from reader.translation_job import format_eta
from reader.untrusted import one_line
from widgets.article_pane import visual_one_line
from widgets.messages import plural


TITLE_DROP_ORDER = ("section", "label", "english")
"""What the Arabic pane's title gives up first when it does not fit: the position and the
search counter stay whole at every width (a cut `match 1/…` tells nothing)."""


def middle_cut(text: str, room: int) -> str:
    """`text` in at most `room` characters, its middle replaced by an ellipsis (a file name
    keeps its beginning and its extension)."""
    if len(text) <= room:
        return text
    head = (room - 1 + 1) // 2
    return text[:head] + "…" + text[len(text) - (room - 1 - head):]


def fit_title(parts: dict[str, str], room: int) -> str:
    """The parts (label, position, section, search, english; empty ones skipped) joined with
    " · ", dropping parts in `TITLE_DROP_ORDER` until the title fits in `room` cells."""
    order = ("label", "position", "section", "search", "english")
    kept = dict(parts)

    def joined() -> str:
        return " · ".join(kept[key] for key in order if kept.get(key))

    for key in TITLE_DROP_ORDER:
        if len(joined()) <= room:
            break
        kept[key] = ""
    return joined()


class StatusLines:
    """Titles and subtitles for `QariApp`."""

    HEADER_MARGIN = 20
    """Header cells that hold neither title nor subtitle: the icon (8), the clock space (10), margins."""

    def _update_title(self, width: int) -> None:
        """The header: the article title in visual order and the subtitle (source, model),
        fitted together to the width. The headline comes first: a long file name is shortened
        (in its middle) before the title is cut, and the title is cut at its logical end, so
        the header never crops its beginning."""
        # The title and the source came from outside (a page, a file name, the library): one safe line.
        title = self.article.title or (self.article.paragraphs[0].text if self.article.paragraphs else "")
        title = one_line(" ".join(title.split()))
        available = max(24, width - self.HEADER_MARGIN)
        tail = one_line(f" · model: {self._model_label()}")  # a package's name
        source = one_line(self.source_name)
        wanted = min(len(title), available // 2)  # the title's share when room is short
        if available - len(source) - len(tail) - 3 < wanted:
            source = middle_cut(source, max(12, available - wanted - 3 - len(tail)))
        subtitle = source + tail
        key = (title, subtitle, available)
        if getattr(self, "_header_key", None) == key:
            return
        self._header_key = key
        room = max(12, available - len(subtitle) - 3)
        self.sub_title = subtitle
        self.title = visual_one_line(title, room, rtl=True, shape=self.shape, reorder=self.reorder) or "qari"

    def _model_label(self) -> str:
        return {"ready": self.model_name or "?", "loading": "loading…", "missing": "none installed",
                "error": "error"}.get(self.model_state, "off")

    def _position_text(self) -> str:
        if self.cursor is None:
            return "empty article"
        section = self.article.section_of(self.cursor)
        return f"{self.cursor + 1}/{len(self.sentences)} · §{section + 1}/{len(self.article.sections)}"

    def _english_status(self) -> str:
        if self.install_state:
            return self.install_state
        if self.model_state == "ready" and self.progress is not None:
            done, total, eta = self.progress
            return f"{total}/{total} translated" if done >= total else f"{done}/{total} · {format_eta(eta)}"
        return {"missing": "no model · i: install", "loading": "loading model…",
                "error": "translation failed"}.get(self.model_state, "")

    def _update_titles(self) -> None:
        """Pane titles carry the reader's bearings (position, translation progress, search):
        they stay on screen at every size, down to 40×12 (short windows keep the top border)."""
        self._update_title(self.size.width)
        english = self._english_status()
        interleaved = self.effective_layout == "interleaved" and self.show_translation
        search = ""
        if self.search_query and self.matches:
            index = (self.match_index or 0) + 1
            search = f" · match {index}/{len(self.matches)}"
        arabic_title = "Arabic · English" if interleaved else "Arabic"
        position = self._position_text()
        parts = {"label": arabic_title, "position": position.split(" · ")[0],
                 "section": " · ".join(position.split(" · ")[1:]), "search": search.lstrip(" ·"),
                 "english": english if (interleaved or not self.english_pane.display) else ""}
        self.arabic_pane.border_title = fit_title(parts, self._title_room())
        self.english_pane.border_title = "English" + (f" · {english}" if english else "")
        self._update_summary_title()

    def _title_room(self) -> int:
        """Cells the Arabic pane's title may use (its border's corners and title padding off)."""
        width = self.arabic_pane.outer_size.width or self.size.width
        return max(10, width - 4)

    def _update_summary_title(self) -> None:
        count = len(self.summary_numbers) if self.summary_numbers is not None else self.summary_count
        length = plural(count, "sentence") if count else "auto length"
        state = " · summarizing…" if self.summary_pending else ""
        self.summary_pane.border_title = f"Summary · {self.algorithm} · {length}{state}"
