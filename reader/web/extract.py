"""Article text from a web page's HTML: trafilatura plus what the page says about itself.

* :func:`decode_html` turns page bytes into text with :mod:`reader.textio` (BOM, mostly-valid
  UTF-8, then the declared, ``<meta>`` or Arabic code page that reads as Arabic).
* :func:`extract_html` runs trafilatura (offline: it is only given a string, never a URL to
  fetch) and returns ``(title, blocks)`` where blocks are ``("heading" | "paragraph", text)``.
* :func:`kind_of_page` says which loader a fetched body needs (``"html"`` or ``"text"``).

Separate from :mod:`reader.web.fetch` because extraction is about page structure (headline, site
name, lead, bylines, captions, agency tags), not the network: saved ``.html`` files, fetched
pages and feed articles all come through here. trafilatura takes about 0.2-0.3 s to import,
so it is imported inside :func:`extract_html` only; importing this module costs nothing beyond
the standard library.
"""

from __future__ import annotations

import re
import urllib.parse

__all__ = [
    "Extraction",
    "decode_html",
    "extract_html",
    "kind_of_page",
]


def kind_of_page(data: bytes) -> str:
    """``"text"`` for a fetched body served as text/plain, else ``"html"``."""
    return "text" if getattr(data, "content_type", "") == "text/plain" else "html"


# --------------------------------------------------------------------------------------------
# Decoding

def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return ``(text, codec_name)``. The rules are
    :func:`reader.textio.decode_page`'s (one decoder for files, stdin and pages)."""
    from reader.textio import decode_page

    decoded = decode_page(data, declared)
    return decoded.text, decoded.encoding


# --------------------------------------------------------------------------------------------
# Extraction

# Link bars inside the content area ("Print | Send to a friend", "About us - Contact"): an
# element whose children are only links (two or more) and whose own text is separators.
_PRUNE_XPATH = [
    "//*[self::p or self::div or self::span or self::td or self::li or self::section]"
    "[count(a) >= 2][not(*[not(self::a or self::br)])]"
    "[not(text()[normalize-space(translate(., '|-–—·•/،,:»«›‹', '')) != ''])]",
]
_WS_RE = re.compile(r"\s+")


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return _WS_RE.sub(" ", text).strip()


_BLOCK_TAGS = frozenset({"head", "p", "quote", "list", "item", "table", "row", "cell", "code", "div",
                         "main", "body", "doc", "section", "article"})


class _Flow:
    """Turns trafilatura's output tree (mixed content: text, <lb/>, nested blocks) into blocks."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, str]] = []
        self._buffer: list[str] = []

    def flush(self) -> None:
        text = _clean("".join(self._buffer))
        self._buffer.clear()
        if text:
            self.blocks.append(("paragraph", text))

    def text(self, value: str | None) -> None:
        if value:
            self._buffer.append(value)

    def element(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "lb":
            self.flush()
        elif tag == "head":
            self.flush()
            heading = _clean(" ".join(el.itertext()))
            if heading:
                self.blocks.append(("heading", heading))
        elif tag in _BLOCK_TAGS:
            self.flush()
            self.text(el.text)
            for child in el:
                self.element(child)
                self.text(child.tail)
            self.flush()
        elif tag in ("graphic", ""):
            pass  # images, comments, processing instructions
        else:  # inline: hi, ref, del, span, ...
            self.text(el.text)
            for child in el:
                self.element(child)
                self.text(child.tail)


_AD_TOKEN_RE = re.compile(
    r"(^|[-_])(ad|ads|adv|advert|adverts|advertisement|advertising|adslot|adsense|dfp|gpt|"
    r"sponsor|sponsored|promo|promoted|outbrain|taboola)([-_]|$)"
)
_META_TOKEN_RE = re.compile(
    r"^(byline|author|author-name|post-info|post-meta|entry-meta|article-meta|story-meta|meta|"
    r"date|dateline|time|timestamp|published|updated|share|share-bar|social|print-links|tags|post-tags)$"
)


def _preclean(tree) -> None:
    """Drop ad slots and byline/date/share strips that trafilatura may keep inside the body.

    Only short elements are removed (an ad or a byline is a few words; a wrapper holding the
    article is not), so a misleading class name cannot remove the article itself.
    """
    doomed = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        tokens = (el.get("class") or "").lower().split() + (el.get("id") or "").lower().split()
        if not tokens:
            continue
        size = None
        if any(_AD_TOKEN_RE.search(t) for t in tokens):
            size = len(el.text_content())
            if size < 400:
                doomed.append(el)
                continue
        if any(_META_TOKEN_RE.match(t) for t in tokens):
            if (size if size is not None else len(el.text_content())) < 200:
                doomed.append(el)
    for img in tree.iter("img"):
        caption = _caption_of(img)
        if caption is not None:
            doomed.append(caption)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the element's tail text


_CAPTION_TOKEN_RE = re.compile(r"caption|credit|legend|(^|[-_])(desc|photo-text|pic-text|img-text|image-text)([-_]|$)")


def _caption_of(img):
    """The caption that goes with an image, if it can be told: an element named like one
    right after the image, or the short text of a wrapper that holds only the image and it."""
    nxt = img.getnext()
    if nxt is not None and isinstance(nxt.tag, str) and len(nxt.text_content()) < 300:
        tokens = (nxt.get("class") or "").lower().split() + (nxt.get("id") or "").lower().split()
        if nxt.tag == "figcaption" or any(_CAPTION_TOKEN_RE.search(t) for t in tokens):
            return nxt
        # a short line right after the image that is not a sentence: "Archive photo of ..."
        text = _clean(nxt.text_content())
        if (nxt.tag in ("p", "div", "span", "small", "em", "i") and text and len(text.split()) <= 15
                and not text.endswith(_SENTENCE_END) and not (img.tail or "").strip()):
            return nxt
    wrapper = img.getparent()
    if wrapper is None or wrapper.tag in ("body", "article", "main") or (img.tail or "").strip():
        return None
    others = [el for el in wrapper if el is not img and isinstance(el.tag, str)]
    text = _clean(wrapper.text_content())
    if text and len(text) < 200 and len(others) <= 2 and not any(el.tag in ("p", "div", "ul", "ol", "h2", "h3") and
                                                                 len(el.text_content()) >= 200 for el in others):
        if all(el.tag in ("span", "small", "em", "i", "figcaption", "p", "div", "br", "a") for el in others):
            return wrapper
    return None


def _has_prose(blocks: list[tuple[str, str]]) -> bool:
    """Whether an extraction found article text rather than leftover menus: at least one
    sentence-length paragraph (8 words or more)."""
    return any(kind == "paragraph" and len(text.split()) >= 8 for kind, text in blocks)


def _same(a: str, b: str) -> bool:
    return _clean(a).casefold() == _clean(b).casefold()


def _size(blocks: list[tuple[str, str]]) -> int:
    return sum(len(text) for kind, text in blocks if kind == "paragraph")


# When precision extraction keeps less than this share of the text recall extraction finds,
# it lost the article (seen on a page where it kept one short wrong block): use recall.
_RECALL_FALLBACK = 0.4


_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class Extraction(tuple):
    """``(headline, blocks)`` as `extract_html` always returned them (it unpacks the same), and
    `date`: the page's publication date (``YYYY-MM-DD``, from its metadata), or None."""

    date: str | None = None

    def __new__(cls, headline: str, blocks: list[tuple[str, str]], date: str | None = None) -> "Extraction":
        made = super().__new__(cls, (headline, blocks))
        made.date = date
        return made


def _page_date(value: object) -> str | None:
    """A well-formed ISO date from the page's metadata (untrusted: anything else is None)."""
    match = _ISO_DATE_RE.match(str(value or ""))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1900 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return match.group(0)


def extract_html(html: str | bytes, url: str | None = None, *, encoding: str | None = None) -> Extraction:
    """Extract ``(headline, blocks)`` from a news page with trafilatura.

    ``html`` may be bytes (decoded with :func:`decode_html`; ``encoding`` or, for
    :class:`reader.web.fetch.FetchedBytes`, the server's charset is tried first) or text. ``url`` is only
    metadata (and a hint for the site name): nothing is fetched. Navigation, sidebars,
    footers, ads, comments, script/style text, bylines, image captions, agency tags and
    comment-policy blurbs are dropped; headings become ``("heading", text)``, paragraphs,
    list items and quotes ``("paragraph", text)``, in document order.

    The headline (the page's ``<h1>``, else ``og:title``/``<title>``, without the site name)
    is the first block, a heading, so it is shown, translated and exported like any other
    sentence. A lead paragraph right before the marked body is kept; a "heading" that is a
    whole sentence is a paragraph. Precision extraction is tried first; when it keeps far
    less text than recall extraction, recall is used. Returns ``(headline, [])`` when no
    article text is found (the headline may be ""). The result's `date` is the page's date.
    """
    if isinstance(html, (bytes, bytearray)):
        declared = encoding or getattr(html, "charset", None)
        text, _codec_name = decode_html(bytes(html), declared)
    else:
        text = html
    if not text.strip():
        return Extraction("", [])

    import trafilatura  # slow import (~0.2-0.3 s): only when a page is extracted
    from trafilatura.utils import load_html

    page = load_html(text)
    if page is None:
        return Extraction("", [])
    facts = _PageFacts(page, url)
    found_title = ""
    found_date = None
    extractions: list[list[tuple[str, str]]] = []
    for precision in (True, False):  # precision first, then recall
        tree = load_html(text)
        _preclean(tree)
        found = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=precision,
            favor_recall=not precision,
            include_comments=False,
            include_tables=False,  # layout tables of older sites would otherwise pull in menus and ads
            include_images=False,
            include_links=False,
            include_formatting=False,
            with_metadata=True,
            deduplicate=False,
            prune_xpath=_PRUNE_XPATH,
        )
        if found is None:
            extractions.append([])
            continue
        if isinstance(found, dict):  # trafilatura < 2.0 returned a dict
            title, body, site, date = (found.get(name) for name in ("title", "body", "sitename", "date"))
        else:
            title, body, site, date = (getattr(found, name, None) for name in ("title", "body", "sitename", "date"))
        found_title = found_title or _clean(title or "")
        found_date = found_date or _page_date(date)
        if site:
            facts.add_site_name(site)
        flow = _Flow()
        if body is not None:
            flow.element(body)
            flow.flush()
        extractions.append(flow.blocks)
    precise, recalled = extractions
    if _has_prose(precise) and _size(precise) >= _RECALL_FALLBACK * _size(recalled):
        blocks = precise
    elif _has_prose(recalled):
        blocks = recalled
    else:
        blocks = []
    blocks = _tidy(blocks)
    headline = facts.headline(found_title)
    if not headline and blocks and blocks[0][0] == "heading":
        headline = blocks[0][1]
    if blocks:
        blocks = [(kind, t) for kind, t in blocks if not (kind == "heading" and _same(t, headline))]
        blocks = facts.with_lead(blocks)
        if headline:
            blocks.insert(0, ("heading", headline))
    return Extraction(headline, blocks, found_date)


# --- headline, site name, lead -------------------------------------------------------------

# Title separators; a run of them ("-  -", "| |") counts as one.
_SEPARATOR_RE = re.compile(r"\s*(?:(?:\s[-–—:/]\s|[|•·»«‹›~]|::)\s*)+")
_LEAD_TOKEN_RE = re.compile(
    r"(^|[-_])(lead|standfirst|intro|introduction|summary|excerpt|announce|teaser|dek|deck|subtitle|"
    r"sub-title|subhead|brief|abstract|description|desc|strapline|nabza)([-_]|$)"
)
_NOT_A_LEAD = frozenset({"html", "head", "meta", "title", "body", "main", "article", "figure", "figcaption",
                         "img", "script", "style", "nav", "header", "footer", "aside", "a", "h1"})
_NOT_A_SITE_LABEL = frozenset({"www", "m", "amp", "ar", "arabic", "en", "com", "net", "org", "co", "gov", "edu",
                               "info", "news", "example"})


def _key(text: str) -> str:
    """A site name or title part reduced for comparison: case, spaces and punctuation gone."""
    return re.sub(r"[\W_]+", "", text.casefold())


class _PageFacts:
    """What the page says about itself, read before trafilatura prunes the tree: its ``<h1>``
    headings, ``og:title``/``<title>``, its site name (``og:site_name``, ``application-name``,
    the domain) and lead-paragraph candidates, with their place in the page text."""

    def __init__(self, tree, url: str | None) -> None:
        def meta(*names: str) -> str:
            for name in names:
                for attr in ("property", "name"):
                    for el in tree.xpath(f"//meta[@{attr}=$n][@content]", n=name):
                        value = _clean(el.get("content") or "")
                        if value:
                            return value
            return ""

        self.h1s = [t for t in (_clean(h.text_content()) for h in tree.iter("h1")) if t]
        self.meta_title = meta("og:title", "twitter:title")
        title_el = tree.find(".//title")
        self.html_title = _clean(title_el.text_content()) if title_el is not None else ""
        self.site_names: list[str] = []
        for name in (meta("og:site_name", "application-name", "apple-mobile-web-app-title"),):
            self.add_site_name(name)
        host = urllib.parse.urlsplit(url).hostname if url else None
        for label in (host or "").split(".")[:-1]:
            if len(label) >= 3 and label not in _NOT_A_SITE_LABEL:
                self.add_site_name(label)
        self.page_text = _clean(tree.text_content()) if tree is not None else ""
        self.leads: list[str] = []
        for el in tree.iter():
            if not isinstance(el.tag, str) or el.tag in _NOT_A_LEAD:
                continue
            if el.find(".//img") is not None or any(a.tag in ("figure", "header", "nav") for a in el.iterancestors()):
                continue  # an image block and its caption, or a header strip, are no lead
            tokens = (el.get("class") or "").lower().split() + (el.get("id") or "").lower().split()
            prop = (el.get("itemprop") or "").lower()
            if prop in ("description", "abstract") or any(_LEAD_TOKEN_RE.search(t) for t in tokens):
                lead = _clean(el.text_content())
                if 8 <= len(lead.split()) and len(lead) <= 1500:
                    self.leads.append(lead)

    def add_site_name(self, name: str) -> None:
        key = _key(name or "")
        if len(key) >= 3 and key not in self.site_names:
            self.site_names.append(key)

    def is_site_name(self, part: str, *, whole: bool = False) -> bool:
        """Whether a title part names the site ("BBC News عربي" for bbc.com, "قناة صدى البلد"
        for og:site_name "صدى البلد"); with ``whole``, only the site name itself or part of it."""
        key = _key(part)
        if not key or len(part.split()) > 5:
            return False
        return any(key == name or key in name or (not whole and name in key) for name in self.site_names)

    def strip_site_name(self, title: str) -> str:
        """The title without the site name at either end (``… - Site``, ``Site | …``); with
        several separators, the longest part is the headline (``Headline | Section | Site``)."""
        title = _clean(title)
        cuts = [(m.start(), m.end()) for m in _SEPARATOR_RE.finditer(title) if 0 < m.start() and m.end() < len(title)]
        if not cuts:
            return title
        bounds = [0, *[x for cut in cuts for x in cut], len(title)]
        parts = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
        while len(parts) > 1 and self.is_site_name(title[slice(*parts[-1])]):
            parts.pop()
        while len(parts) > 1 and self.is_site_name(title[slice(*parts[0])]):
            parts.pop(0)
        if len(parts) > 1 and len(cuts) >= 2:
            parts = [max(parts, key=lambda p: len(title[slice(*p)].split()))]
        return title[parts[0][0]:parts[-1][1]].strip()

    def headline(self, found_title: str) -> str:
        """The page's <h1> (the one that is not the site's logo, preferring one the page title
        repeats), else og:title, <title> or trafilatura's title, without the site name."""
        titles = " ".join((self.meta_title, self.html_title, found_title)).casefold()
        h1s = [h for h in self.h1s if not self.is_site_name(h, whole=True)]  # a logo in an <h1>
        h1s.sort(key=lambda h: h.casefold() not in titles)  # stable: document order otherwise
        for candidate in (*h1s[:1], self.meta_title, self.html_title, found_title):
            if candidate:
                stripped = self.strip_site_name(candidate)
                if stripped and not self.is_site_name(stripped, whole=True):
                    return stripped
        return ""

    def with_lead(self, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Put back a lead (standfirst) that sits right before the extracted body but was left
        out of it: it comes before the first block in the page and is not part of any block."""
        body = " ".join(text for _, text in blocks)
        first = next((text for kind, text in blocks if kind == "paragraph"), "")
        first_at = self.page_text.find(first[:60]) if first else -1
        for lead in self.leads:
            if lead in body or any(lead in text or text in lead for _, text in blocks if len(text) > 40):
                continue
            at = self.page_text.find(lead)
            if 0 <= at < first_at and first_at - (at + len(lead)) < 400:
                return [("paragraph", lead), *blocks]
        return blocks


# --- boilerplate inside the body -----------------------------------------------------------

_BYLINE_RE = re.compile(
    r"^(?:(?:حوار|كتب|كتبت|كتبه|بقلم|إعداد|اعداد|تقرير|ترجمة|تحرير|متابعة|تصوير|مراسل|مراسلة|المحرر|المصدر)"
    r"\s*[:：\-–—]|بقلم\s|(?:Author|Role|By|Written by|Reporting by)\s*[,:]?\s)",
    re.IGNORECASE,
)
_AGENCIES = (
    "بترا", "رويترز", "أ ف ب", "ا ف ب", "أ.ف.ب", "أ. ف. ب", "د ب أ", "د.ب.أ", "واس", "وام", "قنا", "كونا", "سانا",
    "وفا", "الأناضول", "شينخوا", "يو بي آي", "أ ش أ", "فرانس برس", "أسوشيتد برس", "AFP", "Reuters", "AP",
)
_AGENCY_TAG_RE = re.compile(
    r"\s*(?:[-–—]{1,3}\s*\(\s*[^()\d]{2,24}?\s*\)"  # "--(بترا)": any short tag after a dash
    r"|(?<=[.!?؟…\s])\(\s*(?:" + "|".join(map(re.escape, _AGENCIES)) + r")\s*\))\s*$"
)
_COMMENT_POLICY_RE = re.compile(
    r"(?:التعليقات|تعليقات|التعليق)[^.!؟]{0,80}(?:لا\s+تعبر|تعبر|تعبّر|رأي\s+أصحابها|مسؤولية|سياسة|يحتفظ|حذف)"
    r"|(?:لا\s+تعبر|تعبر)[^.!؟]{0,40}عن\s+رأي\s+(?:الموقع|الصحيفة|الجريدة|الوكالة)[^.!؟]{0,60}(?:التعليق|تعليق)",
)
_SENTENCE_END = tuple(".!?؟…")


def _tidy(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop bylines and comment-policy blurbs, cut agency tags off paragraph ends, and make a
    "heading" that is a whole sentence (long, ending with final punctuation) a paragraph."""
    out: list[tuple[str, str]] = []
    for kind, text in blocks:
        words = len(text.split())
        if kind == "paragraph" and words <= 10 and _BYLINE_RE.match(text):
            continue
        if kind == "paragraph" and words <= 80 and _COMMENT_POLICY_RE.search(text):
            continue
        text = _AGENCY_TAG_RE.sub("", text).strip()
        if not text or not re.search(r"\w", text):
            continue
        if kind == "heading" and words >= 8 and text.rstrip("\"'”’»)").endswith(_SENTENCE_END):
            kind = "paragraph"
        out.append((kind, text))
    return out
