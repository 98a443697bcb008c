"""Feeds: subscriptions to RSS/Atom feeds of Arabic news, their items, and updating them.

* :func:`fetch_feed` downloads a feed through :mod:`reader.web.net` (size cap, a deadline for the
  whole transfer, redirects only to http(s), one-line errors) and sends the validators of the
  last answer (``If-None-Match`` / ``If-Modified-Since``): an unchanged feed costs one small
  request answered ``304 Not Modified``.
* :func:`parse_feed` hands those bytes to **feedparser** (RSS 0.9x/1.0/2.0 and Atom; no
  hand-written XML parsing). feedparser is only ever given bytes in a ``BytesIO``: given a
  string it would fetch a URL or open a file itself.
* :func:`discover` follows a homepage to its feed through ``<link rel="alternate"
  type="application/rss+xml|atom+xml">`` (the page is read with lxml's HTML parser).
* :class:`FeedStore` keeps subscriptions and items in the library's sqlite file (tables
  ``feeds`` and ``feed_items``, added by a step of ``reader.store.library.MIGRATIONS``); items are
  deduplicated by guid, else link, within their feed, so an update adds only what is new.
* :func:`update_feeds` refreshes every feed in a small thread pool (bounded concurrency); a
  failing feed is one line in its :class:`UpdateResult` and the others go on. With
  ``fetch_articles`` each new item's article is downloaded (:mod:`reader.web.fetch`), extracted (:mod:`reader.web.extract`) and
  recorded in the library, so it can be read offline.
* OPML 2.0 import/export (:func:`read_opml`, :func:`opml_document`) so subscriptions move
  between readers.

Everything a feed says is untrusted: :func:`clean_feed_text` is applied to every title,
summary and name before it is stored or shown. No Textual here (the CLI uses it headless;
``widgets/feed_screen.py`` draws it).
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, NamedTuple

from reader.text.arabic import search_key
from reader.web.net import ContentDecoder, NetError, check_url, mib, open_url, read_chunks, short
from reader.untrusted import clean_title, strip_escape_sequences

if TYPE_CHECKING:
    from reader.store.library import Library

__all__ = [
    "FEED_MAX_BYTES",
    "FEED_TIMEOUT",
    "Feed",
    "FeedError",
    "FeedStore",
    "Item",
    "ParsedFeed",
    "UpdateResult",
    "clean_feed_text",
    "discover",
    "fetch_feed",
    "iso_time",
    "opml_document",
    "parse_feed",
    "read_opml",
    "subscribe",
    "update_feeds",
]

FEED_TIMEOUT = 20.0
"""Seconds for one feed: connect, every read and the whole transfer."""
FEED_MAX_BYTES = 5 * 1024 * 1024
"""A feed larger than this (after decompression) is refused: real news feeds are < 1 MiB."""
MAX_ITEMS_PER_FETCH = 500
"""Only the first entries of a feed are taken (a hostile feed may list millions)."""
UPDATE_WORKERS = 4
"""Feeds fetched at once: enough to hide latency, few enough to be polite and light."""
ARTICLES_PER_FEED = 50
"""`--fetch-articles` downloads at most this many articles per feed and update."""
TITLE_MAX = 500
SUMMARY_MAX = 2000
NAME_MAX = 200
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
           "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1")


class FeedError(NetError):
    """A feed could not be fetched, parsed or stored; ``str()`` is one line for the user."""


# --- the feed boundary: untrusted text ---------------------------------------------------------

_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates and invisible marks would reorder what is around them.
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u061c]")
_TAG_HINT = re.compile(r"<[A-Za-z/!?]")


def clean_feed_text(text: object, limit: int = TITLE_MAX) -> str:
    """Text from a feed, safe to store and to print: the **feed boundary**.

    Every title, summary and name a feed (or an OPML file) provides passes here before it is
    stored or shown: markup is reduced to its text (lxml's HTML parser, entities decoded),
    terminal escape sequences are removed whole, bidi controls and zero-width marks are
    dropped (a headline is one line of a list), then the project's title rule
    (``reader.untrusted.clean_title``: other controls removed, whitespace collapsed), and the
    result is cut to ``limit`` characters.
    """
    if text is None:
        return ""
    text = strip_escape_sequences(str(text))  # first: a parser would drop the ESC and keep "[31m"
    if _TAG_HINT.search(text) or "&" in text:
        text = strip_escape_sequences(_html_text(text))  # again: an entity may have spelled one
    text = _CONTROLS.sub(" ", text)  # a control between two words must not glue them
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", clean_title(text))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _html_text(fragment: str) -> str:
    """The text of an HTML fragment (summaries are HTML), or the input when it has none."""
    try:
        import lxml.html

        root = lxml.html.fragment_fromstring(fragment[: SUMMARY_MAX * 20], create_parent="div")
        for bad in root.xpath("//script|//style"):
            bad.drop_tree()
        return root.text_content()
    except Exception:  # noqa: BLE001 - lxml raises many kinds on junk; the text is still cleaned
        return re.sub(r"<[^>]*>", " ", fragment)


def iso_time(stamp: float | None) -> str | None:
    """A POSIX time as ISO 8601 in UTC (``2026-12-07T06:00:00+00:00``)."""
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")


# --- fetching ----------------------------------------------------------------------------------

@dataclass
class Fetched:
    """One answer for a feed URL: ``status`` 200 with ``body``, or 304 (unchanged, no body)."""

    status: int
    url: str
    body: bytes = b""
    content_type: str = ""
    etag: str = ""
    modified: str = ""


def feed_url(url: str) -> str:
    """``url`` ready to fetch and to store and print (:func:`reader.web.net.check_url`, and no
    control character anywhere, the host included); :class:`FeedError` otherwise."""
    checked = check_url(url)
    if _CONTROLS.search(checked) or _CONTROLS.search(url.strip()):
        raise FeedError(f"invalid URL {clean_feed_text(url, 120)!r}: it contains control characters")
    return checked


def fetch_feed(url: str, *, etag: str = "", modified: str = "", timeout: float = FEED_TIMEOUT,
               max_bytes: int = FEED_MAX_BYTES) -> Fetched:
    """GET ``url`` (conditionally when ``etag``/``modified`` are given) within ``timeout``
    seconds and ``max_bytes``; a 304 answer is ``Fetched(status=304)``. Raises
    :class:`reader.web.net.NetError` (one line) for everything else that goes wrong."""
    url = feed_url(url)
    headers = {"Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate", "Accept-Language": "ar,en;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + timeout
    try:
        response = open_url(url, timeout=timeout, headers=headers)
    except NetError as err:
        if err.status == 304:
            return Fetched(304, url, etag=etag, modified=modified)
        raise
    with response:
        final = response.geturl() or url
        info = response.headers
        content_type = (info.get_content_type() if info.get("Content-Type") else "").lower()
        length = (info.get("Content-Length") or "").strip()
        encoding = info.get("Content-Encoding", "")
        if length.isdigit() and int(length) > max_bytes and encoding.strip().lower() in ("", "identity"):
            raise FeedError(f"feed is larger than the {mib(max_bytes)} limit ({mib(int(length))}, {short(final)})",
                            reason=f"larger than {mib(max_bytes)}")
        decoder = ContentDecoder(encoding, final, max_bytes, what="feed")
        for chunk in read_chunks(response, url=final, timeout=timeout, deadline=deadline,
                                 max_bytes=max_bytes, what="feed"):
            decoder.feed(chunk)
        body = decoder.finish()
        return Fetched(200, final, body, content_type, _header(info.get("ETag")), _header(info.get("Last-Modified")))


def _header(value: str | None) -> str:
    """A validator header to send back as it came, minus anything that could split a line."""
    return _CONTROLS.sub("", value or "").strip()[:200]


# --- parsing -----------------------------------------------------------------------------------

@dataclass
class ParsedItem:
    key: str
    link: str
    title: str
    summary: str
    published: float | None


@dataclass
class ParsedFeed:
    """What feedparser found, already cleaned: the feed's title and site, and its entries."""

    title: str
    site: str
    items: list[ParsedItem]
    version: str


def _http_link(value: object, base: str) -> str:
    """An absolute http(s) link from the feed, or "" (javascript:, data:, junk are dropped)."""
    import urllib.parse

    if not isinstance(value, str) or not value.strip():
        return ""
    value = _INVISIBLE.sub("", _CONTROLS.sub("", value.strip()))
    try:
        absolute = urllib.parse.urljoin(base, value)
        if urllib.parse.urlsplit(absolute).scheme.lower() not in ("http", "https"):
            return ""
    except ValueError:
        return ""
    return absolute[:2000]


def _stamp(entry) -> float | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(name)
        if parsed:
            try:
                return float(calendar.timegm(parsed))
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def parse_feed(data: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Parse feed bytes with feedparser; raise :class:`FeedError` when they are not a feed.

    feedparser gets a ``BytesIO`` (never a string, which it would treat as a URL or a file
    name) and the final URL as ``Content-Location`` to resolve relative links."""
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    result = feedparser.parse(io.BytesIO(data), response_headers=headers, resolve_relative_uris=True,
                              sanitize_html=True)
    if not result.get("version") and not result.entries:
        cause = result.get("bozo_exception")
        detail = f" ({short(clean_feed_text(str(cause), 200), 100)})" if cause else ""
        raise FeedError(f"{short(url)} is not an RSS or Atom feed{detail}", reason="not a feed")
    meta = result.feed
    items: list[ParsedItem] = []
    seen: set[str] = set()
    for entry in result.entries[:MAX_ITEMS_PER_FETCH]:
        link = _http_link(entry.get("link"), url)
        guid = clean_feed_text(entry.get("id") or entry.get("guid") or "", 1000)
        title = clean_feed_text(entry.get("title"), TITLE_MAX)
        summary = clean_feed_text(entry.get("summary") or entry.get("description"), SUMMARY_MAX)
        if not title:
            title = short(summary, 160) if summary else ""
        if not (title or link):
            continue
        key = guid or link or "sha256:" + hashlib.sha256(title.encode("utf-8")).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        items.append(ParsedItem(key, link, title, summary, _stamp(entry)))
    return ParsedFeed(clean_feed_text(meta.get("title"), NAME_MAX), _http_link(meta.get("link"), url), items,
                      str(result.get("version") or ""))


def _looks_like_html(fetched: Fetched) -> bool:
    if fetched.content_type in ("text/html", "application/xhtml+xml"):
        return True
    head = fetched.body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover(page: bytes, url: str) -> list[str]:
    """The feed URLs a web page advertises (``<link rel="alternate" type="application/rss+xml"
    href=...>`` or Atom), absolute, in page order."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(page[:FEED_MAX_BYTES])
    except Exception:  # noqa: BLE001 - not HTML at all
        return []
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            href = _http_link(link.get("href"), url)
            if href and href not in found:
                found.append(href)
    return found


def fetch_and_parse(url: str, *, timeout: float = FEED_TIMEOUT, max_bytes: int = FEED_MAX_BYTES,
                    follow_page: bool = True) -> tuple[str, Fetched, ParsedFeed]:
    """Fetch ``url`` and parse it as a feed; a web page that advertises a feed is followed to
    it (once). Returns ``(feed_url, fetched, parsed)``."""
    fetched = fetch_feed(url, timeout=timeout, max_bytes=max_bytes)
    if follow_page and _looks_like_html(fetched):
        advertised = discover(fetched.body, fetched.url)
        if not advertised:
            raise FeedError(f"{short(url)} is a web page that advertises no RSS or Atom feed "
                            "(no <link rel=\"alternate\" type=\"application/rss+xml\">)", reason="no feed")
        return fetch_and_parse(advertised[0], timeout=timeout, max_bytes=max_bytes, follow_page=False)
    return fetched.url if fetched.url else url, fetched, parse_feed(fetched.body, fetched.url, fetched.content_type)


# --- storage -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Feed:
    id: int
    url: str
    name: str
    site: str
    etag: str
    modified: str
    added_at: float
    checked_at: float | None
    error: str
    items: int = 0
    unread: int = 0

    def to_json(self) -> dict:
        return {"name": self.name, "url": self.url, "site": self.site or None, "items": self.items,
                "unread": self.unread, "checked": iso_time(self.checked_at), "error": self.error or None}


class Item(NamedTuple):
    """One feed item (a tuple: the feed screen holds 10,000 of them, built in one query)."""

    id: int
    feed_id: int
    feed: str
    link: str
    title: str
    summary: str
    published: float
    read: bool
    article_id: str | None
    title_key: str = ""

    def to_json(self, title_en: str | None = None, difficulty: float | None = None) -> dict:
        """The JSON object of `qari feeds items --json`; `difficulty` (0..1, see
        ``reader.store.vocabulary``) is known only for an item whose article is in the library."""
        return {"feed": self.feed, "title": self.title, "title_en": title_en, "link": self.link,
                "published": iso_time(self.published), "read": bool(self.read), "summary": self.summary or None,
                "offline": self.article_id is not None, "difficulty": difficulty}


_FEED_COLUMNS = ("f.id, f.url, f.name, f.site, f.etag, f.modified, f.added_at, f.checked_at, f.error,"
                 " (SELECT count(*) FROM feed_items i WHERE i.feed_id = f.id),"
                 " (SELECT count(*) FROM feed_items i WHERE i.feed_id = f.id AND i.read = 0)")
_ITEM_COLUMNS = ("i.id, i.feed_id, f.name, i.link, i.title, i.summary, i.published, i.read, i.article_id,"
                 " i.title_key")


class FeedStore:
    """Subscriptions and items in the library file. The library's lock, transactions and
    fallbacks (corrupt file set aside, locked file in memory) apply: every write is one
    ``BEGIN IMMEDIATE`` transaction through the library, and nothing here raises on a
    database error (it becomes a library warning)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- feeds --
    def feeds(self) -> list[Feed]:
        rows: list = self.library._read(
            lambda c: c.execute(f"SELECT {_FEED_COLUMNS} FROM feeds f ORDER BY lower(f.name), f.id").fetchall(), [])
        return [Feed(*row) for row in rows]

    def find(self, name_or_url: str) -> Feed | None:
        """The feed with this URL, or name (case-insensitive), or 1-based number in `feeds()`."""
        wanted = name_or_url.strip()
        feeds = self.feeds()
        for feed in feeds:
            if feed.url == wanted:
                return feed
        for feed in feeds:
            if feed.name.casefold() == wanted.casefold():
                return feed
        if wanted.isdigit() and 1 <= int(wanted) <= len(feeds):
            return feeds[int(wanted) - 1]
        return None

    def add(self, url: str, name: str, site: str = "", *, now: float | None = None) -> Feed | None:
        """Subscribe (or rename an existing subscription to the same URL)."""
        stamp = time.time() if now is None else now

        def run(conn) -> None:
            conn.execute("INSERT INTO feeds (url, name, site, added_at) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT (url) DO UPDATE SET name = excluded.name,"
                         " site = CASE WHEN excluded.site != '' THEN excluded.site ELSE site END",
                         (url, name, site, stamp))

        self.library._write(run, "save the feed")
        return next((f for f in self.feeds() if f.url == url), None)

    def remove(self, feed: Feed) -> bool:
        removed = [False]

        def run(conn) -> None:
            conn.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed.id,))
            removed[0] = conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,)).rowcount > 0

        self.library._write(run, "remove the feed")
        return removed[0]

    def store(self, feed: Feed, fetched: Fetched | None, parsed: ParsedFeed | None, *, error: str = "",
              now: float | None = None) -> list[Item]:
        """Record one update of ``feed``: new items (deduplicated), validators, the error.
        Returns the items that were new."""
        stamp = time.time() if now is None else now
        new_ids: list[int] = []

        def run(conn) -> None:
            if fetched is not None and fetched.status == 200:
                conn.execute("UPDATE feeds SET etag = ?, modified = ? WHERE id = ?",
                             (fetched.etag, fetched.modified, feed.id))
            conn.execute("UPDATE feeds SET checked_at = ?, error = ? WHERE id = ?", (stamp, error, feed.id))
            if parsed is not None and parsed.site and not feed.site:
                conn.execute("UPDATE feeds SET site = ? WHERE id = ?", (parsed.site, feed.id))
            for item in (parsed.items if parsed is not None else ()):
                # A date in the future (a clock or a trick to stay on top) counts as now.
                published = min(item.published, stamp) if item.published is not None else stamp
                cursor = conn.execute(
                    "INSERT INTO feed_items (feed_id, key, link, title, title_key, summary, published, fetched_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO NOTHING",
                    (feed.id, item.key, item.link, item.title, search_key(item.title), item.summary,
                     published, stamp))
                if cursor.rowcount > 0:
                    new_ids.append(cursor.lastrowid)

        self.library._write(run, f"save the items of {feed.name}")
        return self.items_by_id(new_ids)

    # -- items --
    def items(self, feed: Feed | None = None, *, unread: bool = False, limit: int | None = None,
              summaries: bool = True) -> list[Item]:
        """Items newest first (of one feed, or all), unread ones only with ``unread``; without
        ``summaries`` their summaries are left out (a list of 10,000 headlines needs none)."""
        where, params = [], []
        if feed is not None:
            where.append("i.feed_id = ?")
            params.append(feed.id)
        if unread:
            where.append("i.read = 0")
        columns = _ITEM_COLUMNS if summaries else _ITEM_COLUMNS.replace("i.summary", "''")
        sql = f"SELECT {columns} FROM feed_items i JOIN feeds f ON f.id = i.feed_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY i.published DESC, i.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        rows: list = self.library._read(lambda c: c.execute(sql, params).fetchall(), [])
        return [Item(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8], row[9])
                for row in rows]

    def items_by_id(self, ids: Sequence[int]) -> list[Item]:
        if not ids:
            return []
        out: list[Item] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_ITEM_COLUMNS} FROM feed_items i JOIN feeds f ON f.id = i.feed_id WHERE i.id IN ({marks})"

            def query(conn, sql: str = sql, chunk: list[int] = chunk) -> list:
                return conn.execute(sql, chunk).fetchall()

            rows: list = self.library._read(query, [])
            out.extend(Item(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in rows)
        out.sort(key=lambda i: (-i.published, -i.id))
        return out

    def item(self, item_id: int) -> Item | None:
        found = self.items_by_id([item_id])
        return found[0] if found else None

    def without_article(self, feed: Feed, limit: int) -> list[Item]:
        """The newest unread items of ``feed`` with a link and no article in the library yet."""
        def query(conn) -> list:
            return conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM feed_items i JOIN feeds f ON f.id = i.feed_id"
                " WHERE i.feed_id = ? AND i.read = 0 AND i.article_id IS NULL AND i.link != ''"
                " ORDER BY i.published DESC, i.id DESC LIMIT ?", (feed.id, int(limit))).fetchall()

        rows: list = self.library._read(query, [])
        return [Item(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in rows]

    def mark_read(self, item_id: int, read: bool = True) -> None:
        def run(conn) -> None:
            conn.execute("UPDATE feed_items SET read = ? WHERE id = ?", (int(read), item_id))

        self.library._write(run, "mark the item read")

    def set_article(self, item_id: int, article_id: str) -> None:
        def run(conn) -> None:
            conn.execute("UPDATE feed_items SET article_id = ? WHERE id = ?", (article_id, item_id))

        self.library._write(run, "link the item to its article")

    def offline_article(self, item: Item) -> str | None:
        """The library entry holding ``item``'s article, if it is still there."""
        if item.article_id and self.library.get(item.article_id, with_text=False) is not None:
            return item.article_id
        return None


# --- subscribing and updating ------------------------------------------------------------------

def _default_name(parsed: ParsedFeed, url: str) -> str:
    import urllib.parse

    return parsed.title or clean_feed_text(urllib.parse.urlsplit(url).hostname or url, NAME_MAX)


def subscribe(store: FeedStore, url: str, name: str | None = None, *, timeout: float = FEED_TIMEOUT,
              max_bytes: int = FEED_MAX_BYTES) -> tuple[Feed, list[Item]]:
    """Fetch ``url`` once (a homepage is followed to the feed it advertises), check that it is
    a feed, store the subscription and its items. Raises :class:`NetError` (one line)."""
    feed_url, fetched, parsed = fetch_and_parse(url, timeout=timeout, max_bytes=max_bytes)
    name = clean_feed_text(name, NAME_MAX) if name else _default_name(parsed, feed_url)
    feed = store.add(feed_url, name, parsed.site)
    if feed is None:
        raise FeedError(f"could not save the subscription to {short(feed_url)} (see the warnings above)")
    new = store.store(feed, fetched, parsed)
    return feed, new


@dataclass
class UpdateResult:
    feed: Feed
    new: list[Item] = field(default_factory=list)
    unchanged: bool = False
    error: str = ""
    articles: int = 0
    article_errors: list[str] = field(default_factory=list)


def _refresh(feed: Feed, timeout: float, max_bytes: int) -> tuple[Fetched, ParsedFeed | None]:
    fetched = fetch_feed(feed.url, etag=feed.etag, modified=feed.modified, timeout=timeout, max_bytes=max_bytes)
    if fetched.status == 304:
        return fetched, None
    return fetched, parse_feed(fetched.body, fetched.url, fetched.content_type)


def update_feeds(store: FeedStore, feeds: Iterable[Feed] | None = None, *, fetch_articles: bool = False,
                 workers: int = UPDATE_WORKERS, timeout: float = FEED_TIMEOUT, max_bytes: int = FEED_MAX_BYTES,
                 progress: Callable[[int, int, UpdateResult], None] | None = None,
                 cancel: threading.Event | None = None) -> list[UpdateResult]:
    """Refresh ``feeds`` (default: all) at most ``workers`` at a time: conditional GETs, new
    items stored as each feed answers (the database is written from this thread only), one
    error line per failing feed. ``progress(done, total, result)`` is called after each feed."""
    feeds = list(store.feeds() if feeds is None else feeds)
    results: list[UpdateResult] = []
    total = len(feeds)
    if not feeds:
        return results
    with ThreadPoolExecutor(max_workers=max(1, min(workers, total)), thread_name_prefix="qari-feed") as pool:
        futures = {pool.submit(_refresh, feed, timeout, max_bytes): feed for feed in feeds}
        for future in as_completed(futures):
            feed = futures[future]
            result = UpdateResult(feed)
            try:
                fetched, parsed = future.result()
            except NetError as err:  # messages quote URLs and headers: cleaned like feed text
                result.error = clean_feed_text(str(err), 400)
                store.store(feed, None, None, error=result.error)
            except Exception as err:  # noqa: BLE001 - one bad feed never stops the others
                result.error = clean_feed_text(f"{short(feed.url)}: {type(err).__name__}: {short(str(err), 160)}", 400)
                store.store(feed, None, None, error=result.error)
            else:
                result.unchanged = fetched.status == 304
                result.new = store.store(feed, fetched, parsed)
            results.append(result)
            if progress is not None:
                progress(len(results), total, result)
            if cancel is not None and cancel.is_set():
                for other in futures:
                    other.cancel()
                break
        if fetch_articles and not (cancel is not None and cancel.is_set()):
            _fetch_articles(store, results, pool, timeout)
    return results


def _fetch_articles(store: FeedStore, results: list[UpdateResult], pool: ThreadPoolExecutor,
                    timeout: float) -> None:
    """Download the article of every unread item not in the library yet (the new ones, and
    those stored when the feed was added), at most ``ARTICLES_PER_FEED`` per feed, newest
    first, in the same pool; record each in the library."""
    from reader.article import ArticleError, load_article

    jobs = {}
    for result in results:
        if result.error:
            continue
        for item in store.without_article(result.feed, ARTICLES_PER_FEED):
            jobs[pool.submit(load_article, item.link)] = (result, item)
    for future in as_completed(jobs):
        result, item = jobs[future]
        try:
            article = future.result()
        except (ArticleError, NetError) as err:
            result.article_errors.append(clean_feed_text(f"{short(item.link)}: {err}", 400))
            continue
        except Exception as err:  # noqa: BLE001
            result.article_errors.append(
                clean_feed_text(f"{short(item.link)}: {type(err).__name__}: {short(str(err), 160)}", 400))
            continue
        if not article.title:
            article.title = item.title
        entry = store.library.record(article)
        store.set_article(item.id, entry.id)
        result.articles += 1


# --- OPML ----------------------------------------------------------------------------------------

OPML_MAX_BYTES = 5 * 1024 * 1024


def read_opml(data: bytes) -> list[tuple[str, str]]:
    """``(url, name)`` of every feed outline (``xmlUrl``) in an OPML document, nested or not.

    Parsed with lxml with entity resolution and network access off (an OPML file comes from
    elsewhere too). Raises :class:`FeedError` when it is not OPML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise FeedError(f"not an OPML file: {short(str(err), 160)}") from None
    if not isinstance(root.tag, str) or root.tag.lower() != "opml":
        raise FeedError("not an OPML file: its root element is not <opml>")
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        name = clean_feed_text(outline.get("title") or outline.get("text") or "", NAME_MAX)
        found.append((url, name))
    return found


def opml_document(feeds: Sequence[Feed], *, now: float | None = None) -> str:
    """An OPML 2.0 document listing ``feeds`` (``type="rss"`` outlines with ``xmlUrl``)."""
    from email.utils import formatdate
    from xml.sax.saxutils import quoteattr

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "  <head>",
             "    <title>qari subscriptions</title>",
             f"    <dateCreated>{formatdate(now if now is not None else time.time(), usegmt=True)}</dateCreated>",
             "  </head>", "  <body>"]
    for feed in feeds:
        attrs = f'type="rss" text={quoteattr(feed.name)} title={quoteattr(feed.name)} xmlUrl={quoteattr(feed.url)}'
        if feed.site:
            attrs += f" htmlUrl={quoteattr(feed.site)}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def age_text(seconds: float) -> str:
    """"now", "5m", "3h", "2d": how long ago, in at most four cells."""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{min(int(seconds // size), 999)}{unit}"
    return "now"
