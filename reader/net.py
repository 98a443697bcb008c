"""qari's one HTTP(S) client: web pages (:mod:`reader.fetch`) and Argos package index and
package downloads (:mod:`reader.packages`) go through here.

* :func:`check_url` accepts http:// and https:// URLs only and makes an IRI sendable
  (percent-encoded Arabic paths, IDNA host).
* :func:`open_url` sends the request with qari's one :data:`USER_AGENT` and follows redirects
  only to http(s) URLs (urllib's own handler would also follow ``ftp://``).
* :func:`read_chunks` streams a body with a size cap and, given a deadline, a timeout that
  covers the whole transfer (a socket timeout alone lets a server that trickles one byte at a
  time hold a read forever).
* :class:`ContentDecoder` undoes ``Content-Encoding`` (gzip, deflate) with an output cap.
* Every failure is a :class:`NetError` whose ``str()`` is one line for the user, with a short
  ``reason`` ("timed out", "connection refused", "HTTP 404 Not Found") for callers that put
  the failure in a sentence of their own, and the HTTP ``status`` when there was one.

Only the standard library; ``http.client``, ``socket``, ``ssl``, ``urllib.request`` and
``zlib`` are imported inside the functions that use them so that importing this module (done
at start-up through :func:`reader.fetch.is_url`) stays cheap.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

from reader.untrusted import one_line

__all__ = [
    "USER_AGENT",
    "ContentDecoder",
    "NetError",
    "TooLarge",
    "check_url",
    "describe",
    "is_http_url",
    "mib",
    "open_url",
    "read_chunks",
    "short",
]

USER_AGENT = "qari/0.1 (terminal reader for Arabic news; +https://pypi.org/project/qari/)"
DEFAULT_CHUNK = 64 * 1024
MAX_REDIRECTS = 10


class NetError(Exception):
    """A URL could not be fetched; ``str(err)`` is a one-line, user-facing message.

    ``reason`` is the short cause (for "could not reach X (reason)" messages); ``status`` the
    HTTP status code when the server answered with an error, else None; ``http_reason`` the
    status text the server gave with it.
    """

    def __init__(self, message: str, *, reason: str = "", status: int | None = None, http_reason: str = ""):
        message = " ".join(str(message).split())
        super().__init__(message)
        self.reason = reason or message
        self.status = status
        self.http_reason = http_reason


class TooLarge(NetError):
    """The body is larger than the caller's cap."""


def short(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis; a server's text
    (reason phrase, header, URL) with its control characters shown (`reader.untrusted`)."""
    text = " ".join(one_line(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mib(n: int) -> str:
    """A byte count for messages: "1.5 MiB" from a MiB up, else "300 KiB"."""
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def is_http_url(s: object) -> bool:
    """True for a string that is an http:// or https:// URL (host not checked)."""
    if not isinstance(s, str):
        return False
    try:
        return urllib.parse.urlsplit(s.strip()).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Return ``url`` ready to send, or raise :class:`NetError` saying why it cannot be
    fetched (empty, a line break, not http(s), a bad port, no host)."""
    if not isinstance(url, str) or not url.strip():
        raise NetError("no URL given")
    url = url.strip()
    if any(ch in url for ch in "\r\n\t"):
        raise NetError(f"invalid URL {short(url)!r}: it contains a line break or tab")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as err:
        raise NetError(f"invalid URL {short(url)!r}: {err}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme}:" if scheme else "no scheme"
        raise NetError(
            f"cannot fetch {short(url)!r}: unsupported URL scheme ({shown}); only http:// and https:// URLs can be fetched"
        )
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as err:
        raise NetError(f"invalid URL {short(url)!r}: {err}") from None
    if not host:
        raise NetError(f"invalid URL {short(url)!r}: no host name")
    return _iri_to_uri(parts)


def _iri_to_uri(parts: urllib.parse.SplitResult) -> str:
    """Percent-encode non-ASCII paths and queries (Arabic slugs are common) and IDNA-encode
    the host, so that http.client can send the request line. The fragment is dropped."""
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise NetError(f"invalid host name {host!r}") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if parts.username is not None:
        userinfo = urllib.parse.quote(parts.username, safe="%")
        if parts.password is not None:
            userinfo += ":" + urllib.parse.quote(parts.password, safe="%")
        netloc = f"{userinfo}@{netloc}"
    path = urllib.parse.quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = urllib.parse.quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def _redirect_handler():
    """A urllib redirect handler that follows redirects only to http(s) URLs."""
    import urllib.request

    class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def http_error_302(self, req, fp, code, msg, headers):  # urllib API
            location = headers.get("Location") or headers.get("URI") or ""
            target = urllib.parse.urljoin(req.full_url, location.strip())
            if location and urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):
                fp.close()
                raise NetError(
                    f"refused redirect from {short(req.full_url)} to {short(target)!r}: "
                    "only http(s) URLs can be fetched",
                    reason="redirect to a non-http(s) URL",
                )
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return HttpOnlyRedirects()


def _reason_text(reason: object) -> str:
    return short(str(reason) or type(reason).__name__, 160)


def describe(url: str, err: BaseException, timeout: float) -> NetError:
    """Map a urllib/socket/ssl/http.client exception to a one-line :class:`NetError`
    (the full message names the URL or host; ``reason`` is the short cause)."""
    import http.client
    import socket
    import ssl
    import urllib.error

    host = urllib.parse.urlsplit(url).hostname or url
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return NetError(f"timed out after {timeout:g} s waiting for {short(url)}", reason="timed out")
    if isinstance(reason, socket.gaierror):
        cause = f"DNS lookup failed: {_reason_text(reason.strerror or reason)}"
        return NetError(f"could not resolve host {host!r} ({cause})", reason=cause)
    if isinstance(reason, ConnectionRefusedError):
        return NetError(f"connection refused by {host} ({short(url)})", reason="connection refused")
    if isinstance(reason, ssl.SSLCertVerificationError):
        cause = f"TLS certificate of {host} could not be verified: {_reason_text(reason.verify_message or reason)}"
        return NetError(cause, reason=cause)
    if isinstance(reason, ssl.SSLError):
        return NetError(f"TLS error talking to {host}: {_reason_text(reason)}", reason=_reason_text(reason))
    if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return NetError(f"connection to {host} was reset while fetching {short(url)}",
                        reason=_reason_text(reason.strerror or reason))
    if isinstance(reason, http.client.IncompleteRead):
        return NetError(f"connection closed before the page was complete ({short(url)})",
                        reason="connection closed early")
    if isinstance(reason, http.client.HTTPException):
        return NetError(f"bad HTTP response from {host}: {_reason_text(reason)}", reason=_reason_text(reason))
    if isinstance(reason, OSError):
        cause = _reason_text(reason.strerror or reason)
        return NetError(f"could not fetch {short(url)}: {cause}", reason=cause)
    return NetError(f"could not fetch {short(url)}: {_reason_text(reason)}", reason=_reason_text(reason))


def open_url(url: str, *, timeout: float, headers: dict[str, str] | None = None):
    """Send a GET for an http(s) ``url`` and return the response (a context manager).

    ``timeout`` bounds each network wait (connect, every read). Redirects are followed only
    to http(s) URLs, at most :data:`MAX_REDIRECTS`. An HTTP error status raises
    :class:`NetError` with ``status`` set; every other failure raises it too.
    """
    import http.client
    import urllib.error
    import urllib.request

    url = check_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    opener = urllib.request.build_opener(_redirect_handler())
    try:
        return opener.open(request, timeout=timeout)
    except NetError:
        raise
    except urllib.error.HTTPError as err:
        http_reason = short(err.reason or "", 80)
        err.close()
        shown = f" {http_reason}" if http_reason else ""
        raise NetError(
            f"HTTP {err.code}{shown} from {short(err.url or url)}",
            reason=f"HTTP {err.code}{shown}", status=err.code, http_reason=http_reason,
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as err:
        raise describe(url, err, timeout) from None


def read_chunks(
    response,
    *,
    url: str,
    timeout: float,
    deadline: float | None = None,
    max_bytes: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    what: str = "response",
) -> Iterator[bytes]:
    """Yield the body of ``response`` as it arrives.

    ``deadline`` (a ``time.monotonic()`` value) bounds the whole transfer: reads use
    ``read1`` so a server that trickles bytes is stopped too. ``max_bytes`` caps the bytes
    received (raises :class:`TooLarge`, naming the body ``what``). Network errors raise
    :class:`NetError`.
    """
    import http.client

    received = 0
    read = response.read1 if hasattr(response, "read1") else response.read
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise NetError(f"timed out after {timeout:g} s downloading {short(url)}", reason="timed out")
        try:
            data = read(chunk)
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise describe(url, err, timeout) from None
        if not data:
            return
        received += len(data)
        if max_bytes is not None and received > max_bytes:
            raise TooLarge(f"{what} is larger than the {mib(max_bytes)} limit ({short(url)})",
                           reason=f"larger than {mib(max_bytes)}")
        yield data


class ContentDecoder:
    """Streaming ``Content-Encoding`` decoder (identity, gzip, deflate) with an output cap
    (guards against zip bombs); :class:`NetError` for an unknown encoding or corrupt data."""

    def __init__(self, encoding: str, url: str, max_bytes: int, what: str = "response"):
        import zlib

        self._zlib = zlib
        self.url, self.max_bytes, self.what = url, max_bytes, what
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = "deflate?"  # zlib-wrapped or raw: decided on the first bytes
        else:
            raise NetError(f"unsupported content encoding {encoding!r} from {short(url)}")
        self.out: list[bytes] = []
        self.size = 0

    def _append(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise TooLarge(f"{self.what} is larger than the {mib(self.max_bytes)} limit ({short(self.url)})",
                           reason=f"larger than {mib(self.max_bytes)}")
        self.out.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._append(chunk)
            return
        if self._z == "deflate?":
            raw = not (len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and ((chunk[0] << 8) | chunk[1]) % 31 == 0)
            self._z = self._zlib.decompressobj(-self._zlib.MAX_WBITS if raw else self._zlib.MAX_WBITS)
        data = chunk
        try:
            while data:
                self._append(self._z.decompress(data, self.max_bytes - self.size + 1))
                data = self._z.unconsumed_tail
        except self._zlib.error as err:
            raise NetError(f"corrupt compressed response from {short(self.url)}: {err}") from None

    def finish(self) -> bytes:
        if self._z is not None and not isinstance(self._z, str):
            try:
                self._append(self._z.flush())
            except self._zlib.error as err:
                raise NetError(f"corrupt compressed response from {short(self.url)}: {err}") from None
        return b"".join(self.out)
