"""Pages from the web: fetch an http(s) page within size and time bounds.

* :func:`is_url` says whether a string is an http(s) URL qari can fetch.
* :func:`looks_like_url` says whether a string is meant as a URL (of any scheme).
* :func:`fetch_url` downloads a page with a timeout, a size cap, redirects restricted to
  http(s), and one-line :class:`FetchError` messages for everything that can go wrong.
  It returns :class:`FetchedBytes` (a ``bytes`` subclass that also carries the final URL,
  the content type and the charset the server declared).

Separate from :mod:`reader.web.extract` (what a page's HTML says) because fetching is about the
network and its bounds, and extraction about page structure: a saved ``.html`` file is
extracted without ever being fetched, and a fetch never needs trafilatura. Importing this
module costs nothing beyond the standard library (``is_url`` runs at start-up).
"""

from __future__ import annotations

import re
import time
import urllib.parse

from reader.web.net import (
    USER_AGENT,
    ContentDecoder,
    NetError,
    check_url,
    mib,
    open_url,
    read_chunks,
    short,
)

# reader.web.net imports http.client, ssl, socket, urllib.request and zlib inside its functions:
# `is_url` (called at startup for every argument) must stay cheap.

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "FetchError",
    "FetchedBytes",
    "fetch_url",
    "is_url",
    "looks_like_url",
]


DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024

# Content types we accept from a server: HTML, XHTML, XML and plain text. Anything else
# (PDF, images, JSON, ...) is refused with a clear message.
_TEXT_TYPES = ("text/", "application/xhtml+xml", "application/xml")

# A page that could not be fetched or read: reader.web.net's one-line error (``str(err)`` is the
# user-facing message), under the name callers of this module know.
FetchError = NetError


class FetchedBytes(bytes):
    """The body of a fetched page, plus what the server said about it.

    Attributes: ``url`` (final URL after redirects), ``content_type`` (lower-case MIME type
    without parameters, "" when absent), ``charset`` (declared by the server, or None).
    """

    url: str
    content_type: str
    charset: str | None

    def __new__(cls, data: bytes, *, url: str, content_type: str = "", charset: str | None = None):
        self = super().__new__(cls, data)
        self.url = url
        self.content_type = content_type
        self.charset = charset
        return self


# --------------------------------------------------------------------------------------------
# URLs


def is_url(s: object) -> bool:
    """True for an http:// or https:// URL with a host; False for anything else."""
    if not isinstance(s, str):
        return False
    s = s.strip()
    try:
        parts = urllib.parse.urlsplit(s)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_KNOWN_SCHEMES = frozenset(
    "http https ftp ftps file data javascript mailto sftp ssh gopher ws wss about blob".split()
)


def looks_like_url(s: str) -> bool:
    """True when ``s`` is meant as a URL (any scheme), even one qari will refuse to fetch.

    Lets the CLI send ``ftp://...`` or ``javascript:...`` to :func:`fetch_url` (which explains
    why it is refused) instead of reporting a missing file. A Windows drive letter (``C:``) is
    not a scheme.
    """
    m = _SCHEME_RE.match(s.strip())
    if not m:
        return False
    return "://" in s or m.group(1).lower() in _KNOWN_SCHEMES


# --------------------------------------------------------------------------------------------
# Fetching


def fetch_url(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES) -> FetchedBytes:
    """Download an http(s) page and return its body.

    ``timeout`` bounds every network wait and also the whole exchange (connect, headers and
    body, like ``curl --max-time``).
    ``max_bytes`` caps the (decompressed) body. Only text content types are accepted (HTML,
    XHTML, XML, plain text). Raises :class:`FetchError` with a one-line message for a bad
    scheme, DNS failure, refused connection, timeout, HTTP error status, a body that is too
    large or cut short, or a non-text content type. The transfer itself is :mod:`reader.web.net`'s.
    """
    url = check_url(url)
    deadline = time.monotonic() + timeout
    response = open_url(
        url,
        timeout=timeout,
        deadline=deadline,
        max_time=timeout,
        headers={
            "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "ar,en;q=0.5",
        },
    )
    with response:
        final_url = response.geturl() or url
        headers = response.headers
        content_type = (headers.get_content_type() if headers.get("Content-Type") else "").lower()
        charset = headers.get_content_charset() if headers.get("Content-Type") else None
        if content_type and not content_type.startswith(_TEXT_TYPES):
            raise FetchError(
                f"{short(final_url)} is {short(content_type, 60)}, not a web page (expected HTML or plain text)"
            )
        length = headers.get("Content-Length")
        declared = int(length) if length and length.strip().isdigit() else None
        encoding = headers.get("Content-Encoding", "")
        if declared is not None and declared > max_bytes and encoding.strip().lower() in ("", "identity"):
            raise FetchError(
                f"page is larger than the {mib(max_bytes)} limit ({mib(declared)}, {short(final_url)})"
            )
        decoder = ContentDecoder(encoding, final_url, max_bytes, what="page")
        received = 0
        # max_bytes also bounds a compressed stream before it is decoded
        for chunk in read_chunks(response, url=final_url, timeout=timeout, deadline=deadline,
                                 max_bytes=max_bytes, chunk=_CHUNK, what="page"):
            received += len(chunk)
            decoder.feed(chunk)
        if declared is not None and received < declared:
            raise FetchError(
                f"connection closed before the page was complete ({received} of {declared} bytes, {short(final_url)})"
            )
        body = decoder.finish()
    return FetchedBytes(body, url=final_url, content_type=content_type, charset=charset)
