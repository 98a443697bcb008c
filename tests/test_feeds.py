"""Feeds: subscriptions, updates, items, OPML, against loopback servers (no internet).

The news site (tests/feedsite.py) serves an RSS 2.0 and an Atom feed of Arabic items linking to
real-looking article pages (navigation, footer and comment boilerplate), answering
conditional requests like a real server. Hostile feeds (escape sequences, huge, slow,
redirect loops, not XML) each cost one line and the other feeds go on.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from clirun import QariEnv, assert_no_traceback, assert_one_line_error
from feedsite import NewsSite, rss_document
from loopback import Response, drip, hang, redirect

from reader.store.feeds import (
    FeedStore,
    clean_feed_text,
    discover,
    fetch_feed,
    opml_document,
    parse_feed,
    read_opml,
    subscribe,
    update_feeds,
)
from reader.store.library import SCHEMA_VERSION, Library
from reader.web.net import NetError


@pytest.fixture
def site(loopback_server):
    return NewsSite(loopback_server)


@pytest.fixture
def store(tmp_path):
    library = Library.open(tmp_path / "library.sqlite3")
    yield FeedStore(library)
    library.close()


def _rss(items, channel="قناة"):
    return rss_document(channel, items, "http://127.0.0.1/")


# -- the sanitiser at the feed boundary -----------------------------------------------------------

@pytest.mark.parametrize("raw, clean", [
    ("\x1b[2J\x1b[31mعاجل\x1b[0m: خبر", "عاجل: خبر"),
    ("\x1b]52;c;ZXZpbA==\x07عنوان", "عنوان"),  # OSC 52 (clipboard write) removed whole
    ("\x1b]0;title\x1b\\خبر", "خبر"),
    ("a\x9b31mb\x9dx\x9cc", "abc"),  # 8-bit CSI, OSC
    ("خبر\u202eمعكوس\u202c", "خبرمعكوس"),  # bidi override dropped
    ("<b>خبر</b> <script>alert(1)</script>&amp; مزيد", "خبر & مزيد"),
    ("سطر\nثان\t\x00\x07\x7f\x85نهاية", "سطر ثان نهاية"),
    ("<p>\x1b[31mأحمر</p> &amp; &#27;[2Jمسح", "أحمر & مسح"),  # escapes in markup, and spelled as entities
])
def test_clean_feed_text_removes_escapes_controls_and_markup(raw, clean):
    assert clean_feed_text(raw) == clean


def test_feed_urls_with_control_characters_are_refused():
    from reader.store.feeds import feed_url

    for url in ("http://a\x1b[31m.example/rss", "http://a.example/\x1b]0;x\x07", "http://a.example/a\x85b"):
        with pytest.raises(NetError) as err:
            feed_url(url)
        assert "\x1b" not in str(err.value) and "\n" not in str(err.value)
    assert feed_url(" http://a.example/أخبار ") == "http://a.example/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1"


def test_clean_feed_text_bounds_length():
    assert len(clean_feed_text("خبر " * 1000, 100)) == 100


# -- parsing (feedparser on bytes) ----------------------------------------------------------------

def test_parse_rss_and_atom(site, loopback_server):
    for kind, url in (("rss", site.rss_url), ("atom", site.atom_url)):
        fetched = fetch_feed(url)
        parsed = parse_feed(fetched.body, fetched.url, fetched.content_type)
        assert [(i.title, i.link) for i in parsed.items] == site.items[kind]
        assert all(i.published for i in parsed.items)
        assert fetched.etag and fetched.modified


def test_not_xml_is_one_line_error():
    with pytest.raises(NetError) as err:
        parse_feed(b"\x00\x01 this is not a feed at all {json: 1}", "http://x.example/feed")
    assert "is not an RSS or Atom feed" in str(err.value) and "\n" not in str(err.value)


def test_feedparser_never_reads_a_file_or_url_named_by_the_body(tmp_path):
    """Bytes that spell a path or a URL are parsed as a document, never opened or fetched."""
    secret = tmp_path / "secret.xml"
    secret.write_bytes(_rss([("سر", "http://a.example/1", "g1", 1.7e9)]))
    for body in (str(secret).encode(), b"http://127.0.0.1:9/feed"):
        with pytest.raises(NetError):
            parse_feed(body, "http://x.example/feed")


def test_links_other_than_http_are_dropped():
    body = _rss([("خبر", "javascript:alert(1)", "g1", 1.7e9), ("خبر آخر", "/relative", "g2", 1.7e9)])
    parsed = parse_feed(body, "http://news.example/feed.xml")
    assert [i.link for i in parsed.items] == ["", "http://news.example/relative"]


def test_discover_finds_alternate_links():
    page = (b'<html><head><link rel="stylesheet" href="/s.css">'
            b'<link rel="alternate" type="application/atom+xml" href="/atom">'
            b'<link rel="alternate" type="application/rss+xml; charset=utf-8" href="http://b.example/rss"></head></html>')
    assert discover(page, "http://a.example/") == ["http://a.example/atom", "http://b.example/rss"]


# -- store, dedup, conditional GET ------------------------------------------------------------------

def test_subscribe_follows_a_homepage_and_update_is_conditional(site, store):
    feed, new = subscribe(store, site.home_url)
    assert feed.url == site.rss_url and len(new) == 3
    feed2, new2 = subscribe(store, site.atom_url, "صوت")
    assert feed2.name == "صوت" and len(new2) == 4
    before = dict(site.hits)
    results = update_feeds(store)
    assert all(r.unchanged and not r.new and not r.error for r in results)
    assert {k: site.hits[k] - before[k] for k in before} == {"rss": 1, "atom": 1}
    assert site.not_modified == {"rss": 1, "atom": 1}
    assert len(store.items()) == 7


@pytest.mark.parametrize("etag, modified", [('"only-etag"', None), (None, 1.79e9)])
def test_either_validator_alone_makes_the_update_conditional(loopback_server, store, etag, modified):
    from feedsite import ConditionalFeed

    served = ConditionalFeed(_rss([("خبر", "http://n.example/1", "g1", 1.7e9)]), "application/rss+xml", etag, modified)
    subscribe(store, loopback_server.route("/feed.xml", served))
    results = update_feeds(store)
    assert results[0].unchanged and (served.hits, served.conditional, served.not_modified) == (2, 1, 1)


def test_items_are_deduplicated_across_updates(loopback_server, store):
    one = [("خبر أول", "http://n.example/1", "g1", 1.7e9), ("خبر ثان", "http://n.example/2", "g2", 1.7e9 + 60)]
    route = "/feed.xml"
    url = loopback_server.route(route, Response(_rss(one), content_type="application/rss+xml"))
    feed, new = subscribe(store, url)
    assert len(new) == 2
    # The same items again (no validators: a full 200), one new, one retitled with the same guid.
    changed = [("خبر ثالث", "http://n.example/3", "g3", 1.7e9 + 120), ("خبر أول معدل", "http://n.example/1", "g1", 1.7e9)]
    loopback_server.route(route, Response(_rss(one + changed), content_type="application/rss+xml"))
    results = update_feeds(store)
    assert [i.title for i in results[0].new] == ["خبر ثالث"]
    # An item without guid is keyed by its link.
    body = _rss([]).replace(b"</channel>", "<item><title>بلا معرف</title><link>http://n.example/9</link></item></channel>".encode())
    loopback_server.route(route, Response(body, content_type="application/rss+xml"))
    assert len(update_feeds(store)[0].new) == 1
    assert len(update_feeds(store)[0].new) == 0
    # Four distinct items; the retitled one kept its first title (same guid: the same item).
    assert sorted(i.title for i in store.items()) == sorted(["خبر ثالث", "خبر ثان", "خبر أول", "بلا معرف"])


def test_hostile_feeds_cost_one_line_each_and_the_others_go_on(loopback_server, site, store):
    subscribe(store, site.rss_url)
    hostile = _rss([("\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07عاجل\x1b[0m", "http://n.example/1", "g1", 1.7e9)],
                   channel="\x1b[31mقناة\x1b[0m")
    hostile_url = loopback_server.route("/hostile.xml", Response(hostile, content_type="application/rss+xml"))
    feed, new = subscribe(store, hostile_url)
    assert feed.name == "قناة" and new[0].title == "عاجل"
    ok = loopback_server.route("/later.xml", Response(_rss([("خبر", "http://n.example/2", "g2", 1.7e9)]),
                                                      content_type="application/rss+xml"))
    subscribe(store, ok)
    bad = {
        "/huge.xml": Response(b"<rss>" + b"x" * (6 * 1024 * 1024), content_type="application/rss+xml"),
        "/slow.xml": drip(_rss([]), chunk=1, delay=0.3, content_type="application/rss+xml"),
        "/hang.xml": hang(),
        "/loop.xml": redirect("/loop2.xml"),
        "/loop2.xml": redirect("/loop.xml"),
        "/notxml.xml": Response(b"{\"not\": \"xml\"}", content_type="application/json"),
        "/gone.xml": Response(b"", status=404, content_type="text/plain"),
    }
    for path, response in bad.items():
        store.add(loopback_server.route(path, response), path.strip("/"))
    loopback_server.route("/later.xml", Response(_rss([("خبر", "http://n.example/2", "g2", 1.7e9),
                                                        ("جديد", "http://n.example/3", "g3", 1.7e9 + 5)]),
                                                 content_type="application/rss+xml"))
    started = time.monotonic()
    results = update_feeds(store, timeout=1.0, workers=4)
    assert time.monotonic() - started < 8
    errors = {r.feed.name: r.error for r in results if r.error}
    assert set(errors) == {p.strip("/") for p in bad}
    assert all(e and "\n" not in e and "\x1b" not in e for e in errors.values())
    assert "larger than" in errors["huge.xml"] and "timed out" in errors["slow.xml"]
    assert "timed out" in errors["hang.xml"] and "redirect" in errors["loop.xml"]
    assert "not an RSS or Atom feed" in errors["notxml.xml"] and "404" in errors["gone.xml"]
    good = {r.feed.url: r for r in results if not r.error}
    assert [i.title for i in good[ok].new] == ["جديد"]
    stored = {f.name: f.error for f in store.feeds()}
    assert stored["huge.xml"] == errors["huge.xml"] and stored["قناة"] == ""


def test_migration_from_a_version_1_library(tmp_path):
    """A library written before feeds (schema 1, with an article and a mark) gains the feed
    tables in one step and keeps everything it had."""
    from reader.store.library import MIGRATIONS

    path = tmp_path / "library.sqlite3"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO articles (id, text, title, source, title_key, source_key, first_opened, opened_at,"
                 " position, sentences, translated) VALUES ('a1', 'نص. نص آخر.', 'عنوان', 'src', 'عنوان', 'src',"
                 " 1.0, 2.0, 1, 2, 0)")
    conn.execute("INSERT INTO marks (article_id, number, note, created_at) VALUES ('a1', 1, 'ملاحظة', 3.0)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Library.open(path) as lib:
        assert not lib.in_memory and lib.warnings == []
        entry = lib.get("a1")
        assert (entry.title, entry.position, entry.text) == ("عنوان", 1, "نص. نص آخر.")
        assert [m.note for m in lib.marks("a1")] == ["ملاحظة"]
        store = FeedStore(lib)
        feed = store.add("http://n.example/feed", "قناة")
        assert feed is not None and [f.name for f in store.feeds()] == ["قناة"]
        assert lib.warnings == []
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "marks", "feeds", "feed_items"} <= tables


# -- OPML -----------------------------------------------------------------------------------------

def test_opml_round_trip(store):
    store.add("http://a.example/rss", "أخبار \"أ\" & <ب>")
    store.add("http://b.example/atom?x=1&y=2", "B news", "http://b.example/")
    document = opml_document(store.feeds())
    assert read_opml(document.encode("utf-8")) == [(f.url, f.name) for f in store.feeds()]


def test_opml_nested_outlines_and_no_external_entities():
    nested = (b'<?xml version="1.0"?><opml version="2.0"><body><outline text="a" xmlUrl="http://a.example/rss"/>'
              b'<outline text="folder"><outline title="nested" xmlUrl="http://b.example/rss"/></outline></body></opml>')
    assert read_opml(nested) == [("http://a.example/rss", "a"), ("http://b.example/rss", "nested")]
    evil = nested.replace(b"<opml", b'<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml', 1)
    evil = evil.replace(b'text="a"', b'text="&x;"')
    with pytest.raises(NetError) as err:  # refused, never read
        read_opml(evil)
    assert "root:" not in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(NetError):
        read_opml(b"<html><body>not opml</body></html>")


# -- the command line -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    env = QariEnv.create(tmp_path_factory.mktemp("feeds-cli"))
    env.install_model()
    return env


def test_cli_add_update_items_export(cli, loopback_server, tmp_path):
    site = NewsSite(loopback_server)
    empty = cli.run("feeds")
    assert empty.code == 0 and "qari feeds add URL" in empty.err
    assert cli.run("feeds", "add", site.home_url).code == 0
    added = cli.run("feeds", "add", site.atom_url, "--name", "صوت المدينة")
    assert added.code == 0 and "4 items" in added.err
    first = cli.run("feeds", "update")
    assert first.code == 0, first
    hits, not_modified = dict(site.hits), dict(site.not_modified)
    second = cli.run("feeds", "update")
    assert second.code == 0 and "0 new items" in second.err, second
    # The second update: one conditional request per feed, each answered 304; nothing added.
    assert {k: site.hits[k] - hits[k] for k in hits} == {"rss": 1, "atom": 1}
    assert {k: site.not_modified[k] - not_modified[k] for k in hits} == {"rss": 1, "atom": 1}
    listed = cli.run("feeds", "items", "--json")
    assert listed.code == 0, listed
    items = json.loads(listed.out)
    expected = {(t, link) for kind in ("rss", "atom") for t, link in site.items[kind]}
    assert {(i["title"], i["link"]) for i in items} == expected and len(items) == 7
    assert all(isinstance(i["title_en"], str) and i["title_en"].strip() for i in items)
    assert [i["published"] for i in items] == sorted((i["published"] for i in items), reverse=True)
    assert all(i["published"].endswith("+00:00") and i["read"] is False for i in items)
    assert {i["feed"] for i in items} == {"أخبار الأفق", "صوت المدينة"}
    # title_en is the installed model's own translation (the translation cache holds it).
    from reader.translation.cache import TranslationCache

    with TranslationCache(cli.cache_db) as cache:
        assert cache.count() >= len(items)
    only = json.loads(cli.run("feeds", "items", "صوت المدينة", "--json", "--unread").out)
    assert len(only) == 4
    listing = cli.run("feeds", "list")
    assert "4 unread / 4" in listing.out and "3 unread / 3" in listing.out
    exported = cli.run("feeds", "export")
    assert exported.code == 0
    assert {u for u, _ in read_opml(exported.out.encode())} == {site.rss_url, site.atom_url}
    out = tmp_path / "subs.opml"
    assert cli.run("feeds", "export", "-o", out).code == 0
    assert cli.run("feeds", "export", "-o", out).code != 0  # never replaced without --force
    assert cli.run("feeds", "remove", "صوت المدينة").code == 0
    assert len(json.loads(cli.run("feeds", "items", "--json").out)) == 3
    imported = cli.run("feeds", "import", out)
    assert imported.code == 0 and "1 feeds added" in imported.err, imported
    assert cli.run("feeds", "remove", site.rss_url).code == 0
    assert cli.run("feeds", "remove", "صوت المدينة").code == 0


def test_cli_items_whose_article_is_not_saved_have_no_difficulty(no_model, loopback_server):
    site = NewsSite(loopback_server)
    assert no_model.run("feeds", "add", site.rss_url).code == 0
    items = json.loads(no_model.run("feeds", "items", "--json", "--no-translate").out)
    assert items and all(i["difficulty"] is None and not i["offline"] for i in items)
    assert no_model.run("feeds", "remove", site.rss_url).code == 0


def test_cli_items_without_a_model_have_null_english(no_model, loopback_server):
    site = NewsSite(loopback_server)
    assert no_model.run("feeds", "add", site.rss_url).code == 0
    items = json.loads(no_model.run("feeds", "items", "--json").out)
    assert len(items) == 3 and all(i["title_en"] is None for i in items)
    assert no_model.run("feeds", "remove", site.rss_url).code == 0


def test_cli_errors_are_one_line(no_model, loopback_server, tmp_path):
    loopback_server.route("/page", Response(b"<html><head><title>x</title></head><body>no feed</body></html>"))
    result = no_model.run("feeds", "add", loopback_server.url("/page"))
    assert_one_line_error(result, 1, "advertises no RSS or Atom feed")
    assert_one_line_error(no_model.run("feeds", "add", "ftp://x.example/feed"), 1, "only http")
    assert_one_line_error(no_model.run("feeds", "remove", "nothing"), 1, "no subscription")
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body>")
    assert_one_line_error(no_model.run("feeds", "import", bad), 1, "not an OPML file")
    assert_one_line_error(no_model.run("feeds", "import", tmp_path / "missing.opml"), 1, "no such file")
    for sub in ("add", "update", "items", "import", "export", "remove", "list"):
        shown = no_model.run("feeds", sub, "--help")
        assert shown.code == 0 and "usage: qari feeds" in shown.out
        assert_no_traceback(shown)


def test_cli_update_fetch_articles_saves_them_for_offline_reading(cli, loopback_server):
    site = NewsSite(loopback_server)
    assert cli.run("feeds", "add", site.rss_url, "--name", "later").code == 0
    # The items stored when the feed was added are fetched too (not only those new in this update).
    result = cli.run("feeds", "update", "--fetch-articles")
    assert result.code == 0 and "0 new items" in result.err and "3 articles saved" in result.err, result
    items = json.loads(cli.run("feeds", "items", "later", "--json", "--no-translate").out)
    assert len(items) == 3 and all(i["offline"] for i in items)
    # In the library, each item's article has a difficulty (reader.store.vocabulary), as in `qari library`.
    assert all(isinstance(i["difficulty"], float) and 0 <= i["difficulty"] <= 1 for i in items), items
    again = cli.run("feeds", "update", "--fetch-articles")
    assert again.code == 0 and "0 articles saved" in again.err, again  # already in the library
    library = json.loads(cli.run("library", "--json").out)
    titles = {e["title"] for e in library}
    assert {t for t, _ in site.items["rss"]} <= titles
    # The articles were extracted: the footer boilerplate is not in their text.
    db = Path(cli.root / "data" / "qari" / "library.sqlite3")
    with Library.open(db) as lib:
        texts = [lib.get(e["id"]).text for e in library if e["title"] in {t for t, _ in site.items["rss"]}]
    assert len(texts) == 3 and all("جميع الحقوق محفوظة" not in t for t in texts)
    assert cli.run("feeds", "remove", "later").code == 0


def test_malformed_feeds_keep_what_can_be_read():
    """An RSS document cut off mid-item or with a stray unescaped `&` still yields its complete
    items (feedparser's lenient parser); one without any item and no feed markup is refused."""
    body = _rss([("خبر أول", "http://n.example/1", "g1", 1.7e9), ("خبر ثان", "http://n.example/2", "g2", 1.7e9)])
    cut = body[: body.index(b"<item>", body.index(b"<item>") + 1) + 20]
    parsed = parse_feed(cut, "http://n.example/feed")
    assert parsed.items[0].title == "خبر أول"
    stray = body.replace("خبر ثان".encode(), "خبر & ثان".encode())
    assert [i.title for i in parse_feed(stray, "http://n.example/feed").items] == ["خبر أول", "خبر & ثان"]
    with pytest.raises(NetError):
        parse_feed(b"<html><body><p>just a page</p></body></html>", "http://n.example/feed")
