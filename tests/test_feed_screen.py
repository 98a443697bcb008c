"""The feed screen (`f`): Pilot tests of the list, the filter and the background headline
translation, and an end-to-end run in a real terminal (tmux): `f`, Enter reads the first item's
article, the item is read afterwards, and `f` comes back to the same row."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pilot_helpers import make_app, wait_for
from feedsite import NewsSite
from paths import PAGES, REPO

from reader.store.feeds import FeedStore, subscribe
from reader.store.library import Library


@pytest.fixture
def feed_library(tmp_path, loopback_server):
    site = NewsSite(loopback_server)
    library = Library.open(tmp_path / "library.sqlite3")
    store = FeedStore(library)
    subscribe(store, site.rss_url)
    subscribe(store, site.atom_url, "صوت المدينة")
    yield site, store
    library.close()


def _app(sample_article, app_config, factory, library):

    app = make_app(sample_article, app_config, factory, start_summary=False)
    app.library = library
    return app


async def _feed_screen(pilot, app):
    from widgets.feed_screen import FeedScreen

    await pilot.press("f")
    await pilot.wait_for_scheduled_animations()
    while not isinstance(app.screen, FeedScreen) or not app.screen.shown:
        await pilot.pause(0.02)
    return app.screen


async def _whole_feed_screen(pilot, app):
    """The feed screen once every item is loaded (not only the first page)."""
    screen = await _feed_screen(pilot, app)
    while not screen.complete:
        await pilot.pause(0.02)
    return screen


async def test_feed_screen_lists_newest_first_and_filters(feed_library, sample_article, app_config):
    site, store = feed_library
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _feed_screen(pilot, app)
        titles = [screen.item_at(i).title for i in range(len(screen.shown))]
        assert titles == [t for t, _ in site.items["rss"]] + [t for t, _ in site.items["atom"]]
        # Typing on the list filters (tashkeel and alef forms ignored): "افتتاح" is in two headlines.
        for letter in "إفتتاح":
            await pilot.press(letter)
        await pilot.pause()
        shown = [screen.item_at(i).title for i in range(len(screen.shown))]
        assert shown == [t for t in titles if "افتتاح" in t] and len(shown) == 2
        # The feed name matches too.
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(screen.shown) == 7
        for letter in "صوت":
            await pilot.press(letter)
        await pilot.pause()
        assert {screen.item_at(i).feed for i in range(len(screen.shown))} == {"صوت المدينة"}
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is not screen  # back to the article


async def test_headlines_are_translated_with_the_model(feed_library, sample_article, app_config, app_tiny_model):
    site, store = feed_library
    app = _app(sample_article, app_config, app_tiny_model, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _feed_screen(pilot, app)
        titles = [item.title for item in store.items()]
        while len(screen.english) < len(titles):
            await pilot.pause(0.05)
        expected = app_tiny_model().translate(titles)  # the model's own output, not invented English
        assert [screen.english[t] for t in titles] == expected
        # The English is drawn beside the Arabic in each row.
        from rich.cells import cell_len

        from reader.text.visual_text import visual_inline
        from widgets.feed_screen import _fit, row_text

        line = row_text(screen.item_at(0), screen.english[titles[0]], 116, now=screen.now).plain
        english = line.split(" │ ", 1)[1]
        assert english == visual_inline(_fit(" ".join(expected[0].split()), cell_len(english)))


async def test_f_returns_to_the_item_opened_last(feed_library, sample_article, app_config):
    """After reading an item, backspace comes back to the list as it was, and `f` from the
    first article later opens a list at that item, with the filter it had (the session keeps
    the place)."""
    from widgets.reader_screen import ReaderScreen

    site, store = feed_library
    items = store.items()
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _whole_feed_screen(pilot, app)
        screen.query_one("#feed-filter").value = "ال"
        await pilot.pause()
        wanted = next(n for n in range(len(screen.shown)) if screen.item_at(n).id == items[4].id)
        screen.feed_list.cursor = wanted
        screen.feed_list.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen is not app.screen_stack[0])
        first = app.screen_stack[0]
        await pilot.press("backspace")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.current_item().id == items[4].id and not screen.opening
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is first)
        again = await _feed_screen(pilot, app)
        assert again is not screen
        assert again.query_one("#feed-filter").value == "ال"
        assert again.current_item().id == items[4].id


async def test_f_in_an_item_goes_back_to_its_list(feed_library, sample_article, app_config):
    """`f` in an article opened from the feed list is the way back to that list, as it was:
    the same screen, not a second list pushed on top of the article; the item shows read."""
    from widgets.reader_screen import ReaderScreen

    site, store = feed_library
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _whole_feed_screen(pilot, app)
        screen.feed_list.cursor = 2
        chosen = screen.current_item().id
        unread = screen.unread
        assert not screen.current_item().read
        screen.feed_list.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen) and app.screen is not app.screen_stack[0])
        depth = len(app.screen_stack)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.screen is screen)
        assert len(app.screen_stack) == depth - 1
        assert screen.current_item().id == chosen
        assert screen.current_item().read and screen.unread == unread - 1
        assert screen.current_item().article_id == store.item(chosen).article_id is not None


@pytest.mark.e2e
@pytest.mark.tmux
def test_f_then_enter_reads_the_first_item_and_marks_it_read(tmp_path, loopback_server):
    from screen import ARABIC, Terminal, qari_command, terminal_env

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    site = NewsSite(loopback_server)
    env = {**terminal_env(tmp_path), "PYTHONPATH": str(REPO)}
    for args in (["feeds", "add", site.rss_url], ["feeds", "add", site.atom_url]):
        done = subprocess.run(qari_command(*args), env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    db = Path(env["XDG_DATA_HOME"]) / "qari" / "library.sqlite3"
    first_title, first_link = site.items["rss"][0]
    term = Terminal(env, 120, 34, f"qari-feeds-{os.getpid()}-{tmp_path.name}")
    try:
        term.start(qari_command())
        start = term.wait_for(lambda s: ARABIC.search(s.plain) and "· §" in s.plain)
        first_count = re.search(r"/(\d+) · §", start.plain).group(1)  # the article qari opened on
        term.keys("f")
        term.wait_for(lambda s: "7 items · 7 unread" in s.plain)
        term.keys("Enter")
        # The reader reopens on the item's article: its pane title shows the new sentence count.
        from reader.article import load_article

        article = load_article(PAGES / "alofuq_desalination.html")
        count = len(article.sentences)
        assert str(count) != first_count
        term.wait_for(lambda s: f"/{count} · §" in s.plain and "Arabic" in s.plain, timeout=40)
        hits = list(loopback_server.requests)
        assert any(p.endswith("alofuq_desalination.html") for p in hits)
        # `f` goes back to the same list, which shows the item read now.
        term.keys("f")
        term.wait_for(lambda s: "7 items · 6 unread" in s.plain)
        term.keys("Escape")
        term.wait_for(lambda s: f"/{first_count} · §" in s.plain)
        term.keys("q")
        term.wait_for(lambda s: "QARI_EXIT=0" in s.plain)
    finally:
        term.close()
    with Library.open(db) as lib:
        store = FeedStore(lib)
        items = {i.link: i for i in store.items()}
        assert items[first_link].read is True
        assert sum(not i.read for i in items.values()) == 6
        assert items[first_link].article_id is not None
        entry = lib.get(items[first_link].article_id)
        assert entry is not None and entry.title == first_title == article.title


async def test_visible_headlines_are_translated_first(tmp_path, sample_article, app_config, app_tiny_model):
    """With 80 items and the list scrolled to the end before the model is ready, the first
    batch translated is the rows on screen, not the newest items."""
    import threading

    from reader.store.feeds import ParsedFeed, ParsedItem
    from widgets.feed_screen import FeedScreen

    library = Library.open(tmp_path / "library.sqlite3")
    store = FeedStore(library)
    feed = store.add("http://n.example/rss", "قناة")
    words = sample_article.sentences[3].text.split()
    store.store(feed, None, ParsedFeed("قناة", "", [
        ParsedItem(f"g{i}", f"http://n.example/{i}", " ".join(words[i % 5: i % 5 + 4]) + f" {i}", "", 1.7e9 - i * 60)
        for i in range(80)], "rss20"))
    ready = threading.Event()
    batches: list[list[str]] = []
    translator = app_tiny_model()

    class Recording:
        def translate(self, texts):
            batches.append(list(texts))
            return translator.translate(texts)

    def provider():
        ready.wait(30)
        return Recording()

    screen = FeedScreen(store, open_item=lambda item, text: None, translator=provider)
    from textual.app import App

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async with Host().run_test(size=(120, 20)) as pilot:
        while not screen.complete:
            await pilot.pause(0.02)
        await pilot.press("end")
        await pilot.pause()
        visible = [screen.item_at(i).title for i in screen.feed_list.visible_range()]
        assert visible and visible[-1] == store.items()[-1].title
        ready.set()
        while not batches:
            await pilot.pause(0.02)
        assert set(batches[0]) <= set(visible) and len(batches[0]) == min(len(visible), 12)
    library.close()


async def test_u_updates_the_feeds_from_the_screen(feed_library, sample_article, app_config, loopback_server):
    from feedsite import rss_document
    from loopback import Response

    site, store = feed_library
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _whole_feed_screen(pilot, app)
        fresh = [("خبر عاجل جديد", loopback_server.url("/news/new.html"), "urn:new", 1_797_000_000)]
        loopback_server.route("/feeds/rss.xml", Response(rss_document("أخبار الأفق", fresh, "http://x/"),
                                                         content_type="application/rss+xml"))
        await pilot.press("u")
        while len(screen.items) < 8 or screen.updating:
            await pilot.pause(0.05)
        assert screen.item_at(0).title == "خبر عاجل جديد" and not screen.item_at(0).read
        assert not screen.query("#feed-progress")  # the progress bar goes when the update ends


async def test_an_article_that_cannot_be_fetched_leaves_the_list_as_it_was(feed_library, sample_article, app_config,
                                                                           loopback_server):
    from loopback import Response

    site, store = feed_library
    first_link = site.items["rss"][0][1]
    loopback_server.route(first_link.split(str(loopback_server.port), 1)[1], Response(b"gone", 404, "text/plain"))
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _feed_screen(pilot, app)
        await pilot.press("enter")
        while screen.opening:
            await pilot.pause(0.05)
        assert app.screen is screen and len(app.readers()) == 1
    items = {i.link: i for i in store.items()}
    assert not items[first_link].read and items[first_link].article_id is None


async def test_an_item_saved_in_the_library_opens_offline(feed_library, sample_article, app_config, loopback_server):
    """An item whose article was fetched before (`update --fetch-articles`) opens from the
    library even when its site is gone: the page is not requested again."""
    from loopback import Response

    from reader.article import load_article

    site, store = feed_library
    title, link = site.items["atom"][1]
    item = next(i for i in store.items() if i.link == link)
    entry = store.library.record(load_article(link))
    store.set_article(item.id, entry.id)
    loopback_server.route(link.split(str(loopback_server.port), 1)[1], Response(b"gone", 404, "text/plain"))
    requests_before = len(loopback_server.requests)
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _whole_feed_screen(pilot, app)
        screen.feed_list.cursor = next(n for n in range(len(screen.shown)) if screen.item_at(n).id == item.id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.readers()) == 2)
        article = app.reader.article
        assert app.screen_stack[-2] is screen  # backspace comes back to the list
    assert article.title == title and article.text == store.library.get(entry.id).text
    assert len(loopback_server.requests) == requests_before  # nothing fetched
    assert store.item(item.id).read


async def test_the_list_shows_the_difficulty_of_articles_in_the_library(feed_library, sample_article, app_config):
    """The difficulty column (reader.store.vocabulary, as on the library screen): a percentage for an
    item whose article is in the library, `-` for the others."""
    from reader.article import load_article
    from reader.store.vocabulary import Vocabulary

    site, store = feed_library
    _title, link = site.items["atom"][1]
    item = next(i for i in store.items() if i.link == link)
    entry = store.library.record(load_article(link))
    store.set_article(item.id, entry.id)
    expected = Vocabulary(store.library).difficulties([entry.id], app_config.common_words)[entry.id]
    app = _app(sample_article, app_config, None, store.library)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _feed_screen(pilot, app)
        while entry.id not in screen.difficulty:
            await pilot.pause(0.02)
        await pilot.pause()
        rows = {screen.item_at(n).id: screen.feed_list.render_line(n).text for n in range(len(screen.shown))}
    assert screen.difficulty[entry.id] == expected
    assert f"{expected:4.0%}" in rows[item.id]
    assert all("   - " in text for key, text in rows.items() if key != item.id)
