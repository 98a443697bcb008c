"""A news site for the feed tests, on a loopback server: real-looking Arabic article pages
(tests/fixtures/pages: navigation, footer and comment boilerplate around the article), an RSS
2.0 feed and an Atom feed of them, and a homepage that advertises the RSS feed.

The feeds answer conditional requests like a real server (ETag and Last-Modified validators;
``If-None-Match``/``If-Modified-Since`` that match get ``304 Not Modified`` with no body), and
count what they were asked, so a test can check that an unchanged feed costs one small request.

    from feedsite import NewsSite
    site = NewsSite(server)            # a started tests.loopback.LoopbackServer
    site.rss_url, site.atom_url, site.home_url
    site.items["rss"]                  # [(title, link), ...] as published, newest first
    site.hits["rss"], site.not_modified["rss"], site.conditional["rss"]
"""

from __future__ import annotations

import threading
from email.utils import formatdate
from pathlib import Path
from xml.sax.saxutils import escape

from loopback import LoopbackServer, Response
from paths import PAGES

RSS_PAGES = ("alofuq_desalination.html", "sawt_elections_br.html", "headline_site_suffix.html")
ATOM_PAGES = ("boilerplate_in_body.html", "h2_sentence_lead.html", "lead_before_body.html",
              "title_site_prefix.html")
BASE_TIME = 1_796_000_000  # 2026-11-30: items are an hour apart, the first page the newest


def page_headline(name: str) -> str:
    """The headline qari extracts from a fixture page (what the feed announces as its title)."""
    from reader.article import load_article

    return load_article(PAGES / name).title or ""


def rss_document(channel: str, items: list[tuple[str, str, str, float]], site: str) -> bytes:
    """RSS 2.0: items are (title, link, guid, published)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0"><channel>',
             f"<title>{escape(channel)}</title>", f"<link>{escape(site)}</link>",
             "<description>أخبار محلية</description><language>ar</language>"]
    for title, link, guid, stamp in items:
        parts.append(f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
                     f'<guid isPermaLink="false">{escape(guid)}</guid>'
                     f"<pubDate>{formatdate(stamp, usegmt=True)}</pubDate>"
                     f"<description>&lt;p&gt;{escape(title)}&lt;/p&gt;</description></item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def atom_document(title: str, items: list[tuple[str, str, str, float]], site: str) -> bytes:
    """Atom 1.0: entries are (title, link, id, updated)."""
    import time

    def iso(stamp: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))

    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">',
             f"<title>{escape(title)}</title>", f'<link href="{escape(site)}"/>',
             "<id>urn:qari-test:atom</id>", f"<updated>{iso(items[0][3])}</updated>"]
    for entry_title, link, ident, stamp in items:
        parts.append(f"<entry><title>{escape(entry_title)}</title><link href=\"{escape(link)}\"/>"
                     f"<id>{escape(ident)}</id><updated>{iso(stamp)}</updated>"
                     f"<summary>{escape(entry_title)}</summary></entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


class ConditionalFeed:
    """A feed route that honours ETag / Last-Modified and counts its requests."""

    def __init__(self, body: bytes, content_type: str, etag: str | None, modified: float | None) -> None:
        """``etag`` / ``modified`` None: the server sends (and honours) only the other one."""
        self.body, self.content_type = body, content_type
        self.etag = etag
        self.modified = formatdate(modified, usegmt=True) if modified is not None else None
        self.hits = self.not_modified = self.conditional = 0
        self.lock = threading.Lock()

    def __call__(self, req, server: LoopbackServer) -> None:
        match = req.headers.get("If-None-Match")
        since = req.headers.get("If-Modified-Since")
        with self.lock:
            self.hits += 1
            if match or since:
                self.conditional += 1
        validators = {k: v for k, v in (("ETag", self.etag), ("Last-Modified", self.modified)) if v}
        if (match and match == self.etag) or (not match and since and since == self.modified):
            with self.lock:
                self.not_modified += 1
            req.send_response(304)
            for key, value in validators.items():
                req.send_header(key, value)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        Response(self.body, 200, self.content_type, validators)(req, server)


class NewsSite:
    """Pages and feeds registered on ``server`` (see the module docstring)."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.items: dict[str, list[tuple[str, str]]] = {}
        self.feeds: dict[str, ConditionalFeed] = {}
        entries: dict[str, list[tuple[str, str, str, float]]] = {"rss": [], "atom": []}
        n = 0
        for kind, names in (("rss", RSS_PAGES), ("atom", ATOM_PAGES)):
            for name in names:
                path = f"/news/{kind}/{Path(name).stem}.html"
                link = server.route(path, Response((PAGES / name).read_bytes()))
                entries[kind].append((page_headline(name), link, f"urn:qari-test:{kind}:{n}", BASE_TIME - 3600 * n))
                n += 1
            self.items[kind] = [(t, link) for t, link, _g, _s in entries[kind]]
        home = server.url("/")
        self.feeds["rss"] = ConditionalFeed(rss_document("أخبار الأفق", entries["rss"], home),
                                            "application/rss+xml; charset=utf-8", '"rss-v1"', BASE_TIME)
        self.feeds["atom"] = ConditionalFeed(atom_document("صوت المدينة", entries["atom"], home),
                                             "application/atom+xml", '"atom-v1"', BASE_TIME)
        self.rss_url = server.route("/feeds/rss.xml", self.feeds["rss"])
        self.atom_url = server.route("/feeds/atom.xml", self.feeds["atom"])
        homepage = ("<!doctype html><html lang=ar dir=rtl><head><meta charset=utf-8><title>الأفق</title>"
                    f'<link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">'
                    "</head><body><nav><a href=/>الرئيسية</a></nav><h1>الأفق</h1></body></html>")
        self.home_url = server.route("/", Response(homepage.encode("utf-8")))

    @property
    def hits(self) -> dict[str, int]:
        return {k: f.hits for k, f in self.feeds.items()}

    @property
    def not_modified(self) -> dict[str, int]:
        return {k: f.not_modified for k, f in self.feeds.items()}

    @property
    def conditional(self) -> dict[str, int]:
        return {k: f.conditional for k, f in self.feeds.items()}
