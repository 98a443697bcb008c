"""qari's one HTTP(S) client: web pages (:mod:`reader.web.fetch`) and Argos package index and
package downloads (:mod:`reader.translation.packages`) go through here.

* :func:`check_url` accepts http:// and https:// URLs only and makes an IRI sendable
  (percent-encoded Arabic paths, IDNA host).
* :func:`open_url` sends the request with qari's one :data:`USER_AGENT` and follows redirects
  only to http(s) URLs (urllib's own handler would also follow ``ftp://``).
* :func:`open_url` also takes a ``deadline`` (a ``time.monotonic()`` value, like
  ``curl --max-time``) that bounds the whole exchange: connect, TLS handshake, status line,
  headers and body. A socket timeout alone bounds each wait, so a server that dribbles its
  headers one byte a second would hold a read forever; here one watchdog thread shuts the
  connection's socket down when its deadline passes, wherever the reader is blocked.
  :func:`abort_transfers` does the same at once for every transfer in progress (the reader
  calls it on quit, so quitting never waits on a server).
* :func:`read_chunks` streams a body with a size cap; past the deadline it raises
  "timed out".
* :class:`ContentDecoder` undoes ``Content-Encoding`` (gzip, deflate) with an output cap.
* Every failure is a :class:`NetError` whose ``str()`` is one line for the user, with a short
  ``reason`` ("timed out", "connection refused", "HTTP 404 Not Found") for callers that put
  the failure in a sentence of their own, and the HTTP ``status`` when there was one.

Only the standard library; ``http.client``, ``socket``, ``ssl``, ``urllib.request`` and
``zlib`` are imported inside the functions that use them so that importing this module (done
at start-up through :func:`reader.web.fetch.is_url`) stays cheap.
"""

from __future__ import annotations

import functools
import threading
import time
import urllib.parse
from collections.abc import Iterator

from reader.untrusted import one_line

__all__ = [
    "USER_AGENT",
    "ContentDecoder",
    "NetError",
    "TooLarge",
    "abort_transfers",
    "check_url",
    "describe",
    "extend_deadline",
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


class _Deadline:
    """The wall-clock limit of one HTTP exchange (redirects included) and the sockets it uses.

    When the limit passes (or :meth:`abort` is called) every socket it watches is shut down,
    which wakes a read or connect blocked in another thread; the reader then sees an error or
    an early end of data and asks :attr:`expired` / :attr:`aborted` what really happened.
    """

    def __init__(self, deadline: float, timeout: float):
        self.deadline = deadline
        self.timeout = timeout  # as the user gave it, for the message
        self.expired = False
        self.aborted = False
        self._sockets: list = []
        self._lock = threading.Lock()

    @property
    def over(self) -> bool:
        return self.expired or self.aborted

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock) -> None:
        with self._lock:
            self._sockets.append(sock)
            if not self.over:
                return
        _shut(sock)

    def fire(self, *, aborted: bool = False) -> None:
        with self._lock:
            if aborted:
                self.aborted = True
            else:
                self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def abort(self) -> None:
        self.fire(aborted=True)

    def error(self, url: str, doing: str = "waiting for") -> NetError:
        if self.aborted:
            return NetError(f"cancelled while {doing.replace('waiting for', 'fetching')} {short(url)}",
                            reason="cancelled")
        return NetError(f"timed out after {self.timeout:g} s {doing} {short(url)}", reason="timed out")


def _shut(sock) -> None:
    import socket

    try:  # the plain socket method even for TLS sockets: their own would drop the TLS state
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError, TypeError):
        pass


class _Watchdog:
    """One daemon thread for all deadlines: it sleeps until the earliest one and fires it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: set[_Deadline] = set()
        self._thread: threading.Thread | None = None
        self._wakes_at = float("inf")  # when the thread will look next

    def add(self, deadline: _Deadline) -> None:
        with self._cond:
            self._active.add(deadline)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="qari-net-deadline", daemon=True)
                self._thread.start()
            if deadline.deadline < self._wakes_at:  # usually not: later requests end later
                self._wakes_at = deadline.deadline
                self._cond.notify()

    def discard(self, deadline: _Deadline) -> None:
        with self._cond:
            self._active.discard(deadline)

    def abort_all(self) -> None:
        with self._cond:
            active = list(self._active)
        for deadline in active:
            deadline.abort()

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [d for d in self._active if d.deadline <= now]
                for d in due:
                    self._active.discard(d)
                if not due:
                    self._wakes_at = min((d.deadline for d in self._active), default=now + 3600.0)
                    self._cond.wait(max(self._wakes_at - now, 0.0))
                    continue
            for d in due:
                d.fire()


_watchdog = _Watchdog()


def abort_transfers() -> None:
    """Stop every HTTP transfer in progress now (they fail with "cancelled"): a reader that
    quits must not wait for a server that dribbles."""
    _watchdog.abort_all()


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


def _handlers(limit: _Deadline):
    """urllib handlers whose connections are watched by ``limit`` (connect, TLS, headers, body)."""
    http_handler, https_handler = _handler_classes()
    return http_handler(limit), https_handler(limit)


@functools.lru_cache(maxsize=1)
def _handler_classes():
    """The handler classes, made once (defining classes per request costs more than a
    loopback fetch's whole overhead); each instance carries its request's deadline."""
    import http.client
    import socket
    import urllib.request

    def connector(limit: _Deadline):
        def create_connection(address, timeout, source_address=None):
            left = limit.remaining()
            if left <= 0 or limit.over:
                raise TimeoutError("deadline passed")
            sock = socket.create_connection(address, min(timeout, left) if timeout else left, source_address)
            limit.watch(sock)
            return sock

        return create_connection

    class WatchedHTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, qari_limit: _Deadline, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connector(qari_limit)

    class WatchedHTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, qari_limit: _Deadline, **kwargs):
            super().__init__(*args, **kwargs)
            self._qari_limit = qari_limit
            self._create_connection = connector(qari_limit)

        def connect(self):  # HTTPSConnection.connect, with the TLS socket watched before its handshake
            http.client.HTTPConnection.connect(self)
            server_hostname = self._tunnel_host or self.host
            sock = self._context.wrap_socket(self.sock, server_hostname=server_hostname,
                                             do_handshake_on_connect=False)
            self.sock = sock
            self._qari_limit.watch(sock)
            sock.do_handshake()

    class WatchedHTTPHandler(urllib.request.HTTPHandler):
        def __init__(self, limit: _Deadline):
            super().__init__()
            self._qari_limit = limit

        def http_open(self, req):
            return self.do_open(WatchedHTTPConnection, req, qari_limit=self._qari_limit)

    class WatchedHTTPSHandler(urllib.request.HTTPSHandler):
        def __init__(self, limit: _Deadline):
            super().__init__()
            self._qari_limit = limit

        def https_open(self, req):
            return self.do_open(WatchedHTTPSConnection, req, context=self._context, qari_limit=self._qari_limit)

    return WatchedHTTPHandler, WatchedHTTPSHandler


def _end_watch_on_close(response, limit: _Deadline) -> None:
    close = response.close

    def close_and_forget() -> None:
        _watchdog.discard(limit)
        close()

    response.close = close_and_forget
    response.qari_deadline = limit


def open_url(url: str, *, timeout: float, headers: dict[str, str] | None = None,
             deadline: float | None = None, max_time: float | None = None):
    """Send a GET for an http(s) ``url`` and return the response (a context manager).

    ``timeout`` bounds each network wait (connect, every read). ``deadline`` (a
    ``time.monotonic()`` value; default ``timeout`` from now) bounds everything: connect, TLS,
    status line, headers, and the body read through :func:`read_chunks` (``max_time`` is
    the figure named in the "timed out after" message; default ``timeout``). Redirects are
    followed only to http(s) URLs, at most :data:`MAX_REDIRECTS`. An HTTP error status raises
    :class:`NetError` with ``status`` set; every other failure raises it too.
    """
    import http.client
    import urllib.error
    import urllib.request

    url = check_url(url)
    started = time.monotonic()
    limit = _Deadline(deadline if deadline is not None else started + timeout,
                      max_time if max_time is not None else (timeout if deadline is None else deadline - started))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    opener = urllib.request.build_opener(_redirect_handler(), *_handlers(limit))
    _watchdog.add(limit)
    try:
        response = opener.open(request, timeout=timeout)
    except BaseException as err:
        _watchdog.discard(limit)
        if limit.over and not isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise limit.error(url) from None
        if isinstance(err, NetError):
            raise
        if isinstance(err, urllib.error.HTTPError):
            http_reason = short(err.reason or "", 80)
            err.close()
            shown = f" {http_reason}" if http_reason else ""
            raise NetError(
                f"HTTP {err.code}{shown} from {short(err.url or url)}",
                reason=f"HTTP {err.code}{shown}", status=err.code, http_reason=http_reason,
            ) from None
        if isinstance(err, (urllib.error.URLError, OSError, http.client.HTTPException, ValueError)):
            raise describe(url, err, timeout) from None
        raise
    if limit.over:  # the headers were complete just as the deadline passed
        response.close()
        _watchdog.discard(limit)
        raise limit.error(url)
    _end_watch_on_close(response, limit)
    return response


def extend_deadline(response, deadline: float, max_time: float) -> None:
    """Give the body of ``response`` (from :func:`open_url`) until ``deadline``: a package of
    hundreds of MB gets longer than its headers did. ``max_time`` is the figure for messages."""
    limit: _Deadline | None = getattr(response, "qari_deadline", None)
    if limit is not None and not limit.over:
        limit.deadline, limit.timeout = deadline, max_time


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

    The deadline given to :func:`open_url` bounds the whole transfer (its watchdog shuts the
    socket when it passes, so a read blocked on a dribbling server ends too); ``deadline``
    here (a ``time.monotonic()`` value) is checked between reads as well. ``max_bytes`` caps the
    bytes received (raises :class:`TooLarge`, naming the body ``what``). Network errors,
    the deadline and :func:`abort_transfers` raise :class:`NetError`.
    """
    import http.client

    limit: _Deadline | None = getattr(response, "qari_deadline", None)
    received = 0
    read = response.read1 if hasattr(response, "read1") else response.read
    while True:
        if limit is not None and (limit.over or limit.remaining() <= 0):
            limit.fire(aborted=limit.aborted)
            raise limit.error(url, "downloading")
        if deadline is not None and time.monotonic() > deadline:
            raise NetError(f"timed out after {timeout:g} s downloading {short(url)}", reason="timed out")
        try:
            data = read(chunk)
        except (OSError, http.client.HTTPException, ValueError) as err:
            if limit is not None and limit.over:
                raise limit.error(url, "downloading") from None
            raise describe(url, err, timeout) from None
        if limit is not None and limit.over:  # the data may have been cut by the watchdog
            raise limit.error(url, "downloading")
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
        self._z: zlib._Decompress | None = None
        self._sniff_deflate = False
        if encoding in ("", "identity"):
            pass
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._sniff_deflate = True  # zlib-wrapped or raw: decided on the first bytes
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
        if self._sniff_deflate:
            self._sniff_deflate = False
            raw = not (len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and ((chunk[0] << 8) | chunk[1]) % 31 == 0)
            self._z = self._zlib.decompressobj(-self._zlib.MAX_WBITS if raw else self._zlib.MAX_WBITS)
        if self._z is None:
            self._append(chunk)
            return
        data = chunk
        try:
            while data:
                self._append(self._z.decompress(data, self.max_bytes - self.size + 1))
                data = self._z.unconsumed_tail
        except self._zlib.error as err:
            raise NetError(f"corrupt compressed response from {short(self.url)}: {err}") from None

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._append(self._z.flush())
            except self._zlib.error as err:
                raise NetError(f"corrupt compressed response from {short(self.url)}: {err}") from None
        return b"".join(self.out)
