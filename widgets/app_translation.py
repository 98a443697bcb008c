"""Translation and model install, as part of the App: thin workers around the core.

The worker loads the translator (after the first paint) and runs
`reader.translation_job.TranslationJob`, posting one message per batch; the install worker
runs `reader.packages.install_pair` with progress. Mixed into `reader.app.QariApp`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from widgets.messages import (
    InstallFinished,
    InstallProgress,
    NoModel,
    TranslationBatch,
    TranslationFailed,
    TranslatorReady,
)

if TYPE_CHECKING:
    from reader.translation_job import JobUpdate


class TranslationActions:
    """Background translation and model install for `QariApp`."""

    def _start_translation(self) -> None:
        self.model_state = "loading"
        self._update_titles()
        self._translate()

    @work(thread=True, group="translate", exit_on_error=False)
    def _translate(self) -> None:
        """A thin loop: load the translator, then run the job, posting one message per batch."""
        from reader.translation_job import TranslationJob

        try:
            from reader.translate import NoModelError

            try:
                translator = self.translator_factory()
            except NoModelError:
                from argostranslate import settings

                self.post_message(NoModel(no_model_note(str(settings.package_data_dir))))
                return
            self._translator = translator
            first = self.article.section_numbers(self.article.section_of(self.cursor or 0)) if self.sentences else []
            job = TranslationJob(translator, [s.text for s in self.sentences], first=first, clock=self.clock)
            self.post_message(TranslatorReady(str(getattr(translator, "model_name", "?")), len(self.sentences)))
            self._job = job
            if self._closing or get_current_worker().is_cancelled:
                return  # the app closed while the model loaded (see on_unmount)
            job.run(lambda update: self.post_message(TranslationBatch(update)))
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(TranslationFailed(f"{type(error).__name__}: {error}"))

    def on_translator_ready(self, message: TranslatorReady) -> None:
        self.model_state = "ready"
        self.model_name = message.model_name
        self.progress = (len(self.translations), message.total, None)
        self._update_title(self.size.width)
        self._show_english()
        self._update_titles()
        self._show_cache_warnings()

    def on_no_model(self, message: NoModel) -> None:
        self.start_secondary_work()
        self.model_state = "missing"
        self.model_message = message.text
        self._update_titles()
        self._show_english()

    def on_translation_failed(self, message: TranslationFailed) -> None:
        self.start_secondary_work()
        self.model_state = "error"
        self.model_message = message.text
        self._job = None
        self._update_titles()
        self._show_english()
        self.notify(message.text, title="Translation failed", severity="error")

    def on_translation_batch(self, message: TranslationBatch) -> None:
        self.start_secondary_work()  # the first English is on its way: the rest may start
        update: JobUpdate = message.update
        self.translations.update(update.translations)
        numbers = set(update.translations)
        if update.fresh:
            for number in numbers:
                self.notify(f"Re-translated sentence {number + 1}", timeout=2)
        self.progress = (update.done, update.total, update.eta)
        if update.finished:
            self.translation_done = True
            self._show_cache_warnings()
        self.reading_view.update_translations(numbers)
        self.summary_pane.update_translations(self.translations, numbers)
        if self.search_query and not self.search_query.startswith("="):  # lemma hits stay valid
            self._run_search(self.search_query, jump=False)
        if update.finished or update.fresh:
            self._update_titles()
        else:
            self._update_titles_soon()

    TITLE_INTERVAL = 0.1

    def _update_titles_soon(self) -> None:
        """The progress in the titles at most every `TITLE_INTERVAL` s: a title change re-sends
        its whole pane to the terminal, and batches can come many times a second."""
        if getattr(self, "_titles_timer", None) is None:
            self._titles_timer = self.set_timer(self.TITLE_INTERVAL, self._titles_due)

    def _titles_due(self) -> None:
        self._titles_timer = None
        self._update_titles()

    def _show_cache_warnings(self) -> None:
        """A locked, corrupt or unwritable cache never stops translation; say what happened."""
        cache = getattr(self._translator, "cache", None)
        for warning in getattr(cache, "warnings", None) or ():
            if warning not in self._shown_warnings:
                self._shown_warnings.add(warning)
                self.notify(warning, title="Translation cache", severity="warning", timeout=8)


    def action_retranslate(self) -> None:
        if self.cursor is None:
            return
        if self.model_state != "ready" or self._job is None:
            if self.model_state == "missing":
                self.notify("No model installed: press i to install it.", severity="warning", timeout=3)
            else:
                self.notify("The translator is not ready yet.", severity="warning", timeout=3)
            return
        self._job.retranslate(self.cursor)


    def action_install_model(self) -> None:
        if self.model_state == "ready":
            self.notify(f"Model already installed: {self.model_name}", timeout=3)
            return
        if self.install_state is not None:
            return
        self.install_state = "installing model…"
        self._update_titles()
        self._install()

    @work(thread=True, group="install", exit_on_error=False)
    def _install(self) -> None:
        try:
            from reader.packages import install_pair

            worker = get_current_worker()

            def progress(*args) -> None:
                if worker.is_cancelled:
                    raise InterruptedError("install cancelled")  # install_pair cleans up
                self.post_message(InstallProgress(*_install_progress_text(args)))

            install_pair("ar", "en", progress=progress)
        except Exception as error:  # noqa: BLE001 - reported to the user
            self.post_message(InstallFinished(False, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__))
            return
        self.post_message(InstallFinished(True, "Installed the Arabic→English model."))

    def on_install_progress(self, message: InstallProgress) -> None:
        text = message.text
        if message.fraction is not None:
            text = f"{text} {message.fraction:.0%}"
        self.install_state = text
        self._update_titles()

    def on_install_finished(self, message: InstallFinished) -> None:
        self.install_state = None
        if message.ok:
            self.notify(message.text, title="Model installed")
            if self.translator_factory is not None:
                self._start_translation()
        else:
            self.notify(message.text, title="Install failed", severity="error", timeout=10)
            self._update_titles()


def no_model_note(packages_dir: str) -> str:
    """What the English pane says without a model: one paragraph per line (the pane wraps).
    Each command is a line of its own, so wrapping never splits one (down to 40 columns)."""
    return (
        "No Arabic→English translation model is installed.\n\n"
        "Press i to download and install it now (needs internet), or run:\n"
        "qari models install ar en\n\n"
        "Offline: copy a translate-ar_en .argosmodel file (FILE) to this machine and run:\n"
        "qari models install FILE\n\n"
        f"Models live in {packages_dir}\n\n"
        "Reading, searching, summaries and saving work without it."
    )


def _install_progress_text(args: tuple) -> tuple[str, float | None]:
    """Turn whatever `install_pair` reports into (text, fraction)."""
    if len(args) == 2 and isinstance(args[0], (int, float)) and isinstance(args[1], (int, float, type(None))):
        done, total = args
        if total:
            return f"downloading {done / 1e6:.1f}/{total / 1e6:.1f} MB", done / total
        return f"downloading {done / 1e6:.1f} MB", None
    if len(args) == 1 and isinstance(args[0], str):
        return args[0], None
    return " ".join(str(a) for a in args), None


