"""Feeds, as part of the App: `f` opens the feed screen (`widgets.feed_screen.FeedScreen`);
Enter on an item opens its article, from the library when it was fetched before (offline),
else fetched and extracted now, and the item becomes read. Mixed into `reader.app.QariApp`.

Opening another article ends this App with `reopen` set and `reader.app.run_app` starts the
next one (as the library screen does). The place in the list (the item and the filter) goes
with it in `feed_place`, so `f` in the next App comes back to the same row.
"""

from __future__ import annotations

import time

from textual import work


class FeedActions:
    """The feed screen and opening feed items for `QariApp`."""

    feed_place: tuple[int, str] | None = None
    """(item id, filter text) of the last item opened from the feed screen."""

    def action_feeds(self) -> None:
        from reader.feeds import FeedStore
        from reader.library import Library
        from widgets.feed_screen import FeedScreen

        library = getattr(self, "library", None)
        if library is None:  # not `or`: an empty Library is falsy (it has a length)
            library = Library.open()
        self._feed_library = library
        item_id, filter_text = self.feed_place or (None, "")
        screen = FeedScreen(FeedStore(library), open_item=self._open_feed_item, translator=self._headline_translator,
                            shape=self.shape, reorder=self.reorder, select_item=item_id, filter_text=filter_text,
                            common_words=self.config.common_words)
        self._feed_screen = screen
        self.push_screen(screen)

    def _headline_translator(self):
        """The reader's translator for headlines (called in the screen's worker thread): the one
        this article loaded, waited for while it loads; None without a model."""
        deadline = time.monotonic() + 60
        while self._translator is None and self.model_state == "loading" and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._translator is not None:
            return self._translator
        if self.model_state in ("missing", "off", "error") or self.translator_factory is None:
            return None
        try:
            return self.translator_factory()
        except Exception:  # noqa: BLE001 - no model (or a broken one): headlines stay Arabic
            return None

    def _open_feed_item(self, item, filter_text: str) -> None:
        self.feed_place = (item.id, filter_text)
        self._load_feed_item(item)

    @work(thread=True, group="feed-open", exclusive=True, exit_on_error=False)
    def _load_feed_item(self, item) -> None:
        """The item's article: from the library when it is there (offline), else fetched and
        extracted now. Success marks the item read and reopens the reader on it."""
        try:
            self._open_item_article(item)
        except Exception as error:  # noqa: BLE001 - said on the list, which stays usable
            self.call_from_thread(self._feed_screen.open_failed, f"{type(error).__name__}: {error}")

    def _open_item_article(self, item) -> None:
        from reader.article import ArticleError, load_article
        from reader.feeds import FeedStore
        from reader.library import article_id, resume_article

        store = FeedStore(self._feed_library)
        opened = None
        offline = store.offline_article(item)
        if offline is not None:
            opened = resume_article(self._feed_library, offline)
        if opened is None:
            try:
                article = load_article(item.link)
            except ArticleError as error:
                self.call_from_thread(self._feed_screen.open_failed, str(error))
                return
            if not article.title:
                article.title = item.title
            store.set_article(item.id, article_id(article.text))
            opened = (article, article.headline_sentence())
        store.mark_read(item.id)
        self.call_from_thread(self._reopen_on, opened)

    def _reopen_on(self, opened) -> None:
        self.reopen = opened
        self.exit(0)
