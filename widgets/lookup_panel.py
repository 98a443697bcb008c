"""The word-lookup popup: every analysis of one word (vocalised form, lemma, prefixes + stem +
suffixes with their tags, part of speech, English glosses), or "no analysis" and a
transliteration.

The screen only displays: the caller analyses the word off the UI thread (the lexicon loads in
a worker, `reader.text.morphology.lookup_word`) and passes the `WordLookup` in. Arabic goes through
reader.text.bidi's layout (`visual_one_line`), like the article pane, so it is shaped and in visual
order on terminals that do neither; the reader's `--bidi terminal` / `--no-shape` settings map
to `reorder` / `shape`. Words are romanised readably (`al-murashshaḥ`); `b` shows the exact
Buckwalter transliteration (`Almura$~aH`) beside it, for those who search the lexicon.

For the vocabulary (`reader.store.vocabulary`): ↑/↓ choose a reading (the first is the one chosen by
context), `a` saves the word with the chosen reading and `k` marks its lemma known. The screen
does not store anything itself: the App passes `on_add` / `on_known` callbacks, which return
what to tell the reader.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.text.morphology import Analysis, WordLookup, arabic_to_buckwalter, romanise
from reader.text.visual_text import visual_one_line

_ARABIC_WIDTH = 60  # cells: room for any single word, vocalised, with its clitics


class LookupScreen(ModalScreen[None]):
    """A modal list of the analyses of one word, best first. Escape (or q) closes it."""

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("b", "toggle_buckwalter", "Buckwalter transliteration"),
        # priority: the scrolling box has the focus and would take ↑/↓ for itself.
        Binding("down", "choose(1)", "Next reading", show=False, priority=True),
        Binding("up", "choose(-1)", "Previous reading", show=False, priority=True),
        Binding("a", "add", "Save the word", show=False, priority=True),
        Binding("k", "known", "Mark its lemma known", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    LookupScreen { align: center middle; }
    LookupScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    LookupScreen .lookup-analysis { margin-bottom: 1; }
    LookupScreen .lookup-analysis.-chosen { background: $accent 25%; }
    LookupScreen #lookup-none { margin-bottom: 1; }
    """

    def __init__(self, result: WordLookup, *, shape: bool = True, reorder: bool = True,
                 on_add: Callable[[Analysis], str | None] | None = None,
                 on_known: Callable[[Analysis], str | None] | None = None) -> None:
        super().__init__()
        self.result = result
        self.shape = shape
        self.reorder = reorder
        self.buckwalter = False
        self.on_add = on_add
        self.on_known = on_known
        self.chosen = 0
        """Index of the reading `a` and `k` act on (the first: the one chosen by context)."""

    @property
    def chosen_analysis(self) -> Analysis | None:
        analyses = self.result.analyses
        return analyses[self.chosen] if 0 <= self.chosen < len(analyses) else None

    def arabic(self, text: str) -> str:
        """`text` as it must be drawn: shaped and in visual order (unless the terminal does it)."""
        if not text:
            return ""
        return visual_one_line(text, _ARABIC_WIDTH, rtl=True, shape=self.shape, reorder=self.reorder)

    def compose(self) -> ComposeResult:
        result = self.result
        with VerticalScroll() as box:
            box.border_title = self.arabic(result.word) if result.kind == "arabic" else result.word
            box.border_subtitle = ("↑/↓ reading · a save · k known · b Buckwalter · Esc to close"
                                   if self.on_add is not None and result.found else "b: Buckwalter · Esc to close")
            if not result.found:
                yield Static(self._no_analysis(), id="lookup-none")
                return
            if result.note:
                yield Static(Text(result.note, style="italic"), id="lookup-note")
            for n, analysis in enumerate(result.analyses, 1):
                classes = "lookup-analysis -chosen" if n == 1 and len(result.analyses) > 1 else "lookup-analysis"
                yield Static(self._analysis(n, analysis), classes=classes, id=f"lookup-{n}")

    def _no_analysis(self) -> Text:
        text = Text()
        text.append(self.result.note.capitalize() or "No analysis", style="bold")
        if self.result.romanised:
            text.append("\ntransliteration  ", style="dim")
            text.append(self.result.romanised, style="bold")
            text.append(f"   (Buckwalter: {self.result.buckwalter})", style="dim")
        return text

    def roman(self, arabic: str) -> str:
        """The readable romanisation, and the Buckwalter transliteration too after `b`."""
        readable = romanise(arabic)
        return f"{readable} · {arabic_to_buckwalter(arabic)}" if self.buckwalter else readable

    def action_toggle_buckwalter(self) -> None:
        self.buckwalter = not self.buckwalter
        for n, analysis in enumerate(self.result.analyses, 1):
            self.query_one(f"#lookup-{n}", Static).update(self._analysis(n, analysis))

    def _analysis(self, n: int, a: Analysis) -> Text:
        text = Text()
        text.append(f"{n}. ", style="dim")
        text.append(self.arabic(a.vocalised), style="bold")
        text.append(f"  {self.roman(a.vocalised)}  ")
        text.append(a.pos_label, style="italic")
        text.append("\n   lemma  ", style="dim")
        text.append(self.arabic(a.lemma), style="bold")
        text.append(f"  {self.roman(a.lemma)}")
        text.append("\n   parts  ", style="dim")
        for i, morpheme in enumerate((*a.prefixes, a.stem, *a.suffixes)):
            if i:
                text.append(" + ", style="dim")
            is_stem = morpheme is a.stem
            if morpheme.form:
                text.append(self.arabic(morpheme.display), style="bold" if is_stem else "")
                text.append(f" {self.roman(morpheme.form)}")
            else:
                text.append("∅")
            text.append(f" {morpheme.tag}", style="dim")
        text.append("\n   gloss  ", style="dim")
        text.append("; ".join(a.glosses) or "-", style="bold")
        affix = " · ".join(g for g in (a.prefix_gloss, a.suffix_gloss) if g)
        if affix:
            text.append(f"   ({affix})", style="dim")
        return text

    def action_close(self) -> None:
        self.dismiss(None)

    def action_choose(self, step: int) -> None:
        """↑/↓: the reading `a` and `k` act on (highlighted), scrolled into view."""
        count = len(self.result.analyses)
        if count < 2:
            self.query_one(VerticalScroll).scroll_relative(y=step)
            return
        self.chosen = max(0, min(count - 1, self.chosen + step))
        for n in range(1, count + 1):
            widget = self.query_one(f"#lookup-{n}", Static)
            widget.set_class(n == self.chosen + 1, "-chosen")
            if n == self.chosen + 1:
                widget.scroll_visible()

    def _vocabulary(self, callback) -> None:
        analysis = self.chosen_analysis
        if callback is None:
            return
        if analysis is None:
            self.notify("No reading to save: the lexicon does not know this word.", severity="warning", timeout=3)
            return
        message = callback(analysis)
        if message:
            self.app.notify(message, timeout=3)

    def action_add(self) -> None:
        """`a`: save the word with the chosen reading and its sentence."""
        self._vocabulary(self.on_add)

    def action_known(self) -> None:
        """`k`: mark the chosen reading's lemma known (every form of it)."""
        self._vocabulary(self.on_known)
