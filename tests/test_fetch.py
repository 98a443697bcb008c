"""reader.web.fetch and reader.web.extract: fetching pages over loopback HTTP only, decoding, and article extraction."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from loopback import LoopbackServer, Response, closed_port_url, drip, hang, redirect, truncated
from paths import PAGES, REPO
from reader.web import fetch
from reader.web.extract import decode_html, extract_html
from reader.web.fetch import FetchError, fetch_url, is_url, looks_like_url


# What each fixture page must give: the headline, the headings in order, the opening words of
# every paragraph in order, and text that must NOT survive (navigation, sidebars, footers,
# ads, script strings, reader comments, bylines, related links).
EXPECTED = {
    "alofuq_desalination.html": dict(
        encoding="utf-8",
        title="افتتاح محطة جديدة لتحلية مياه البحر في العقبة",
        blocks=[
            ("paragraph", "افتتحت الحكومة صباح اليوم الثلاثاء"),
            ("paragraph", "وقال وزير المياه في كلمة"),
            ("heading", "كيف تعمل المحطة؟"),
            ("paragraph", "تعتمد المحطة على تقنية التناضح العكسي"),
            ("paragraph", "وأوضح مدير المشروع"),
            ("heading", "مخاوف بيئية"),
            ("paragraph", "في المقابل، أبدت جمعيات بيئية"),
            ("paragraph", "وردّت الوزارة بأن المحطة"),
            ("heading", "ما الذي ينتظر المستهلكين؟"),
            ("paragraph", "ويتوقع خبراء أن تتحسن ساعات التزويد"),
        ],
        dropped=[
            "الرئيسية", "مقالات الرأي", "ابحث في الموقع",  # navigation
            "ارتفاع أسعار الذهب",  # breaking-news ticker
            "اشترك الآن في باقة الإنترنت", "عروض حصرية على الأجهزة المنزلية", "شقق للبيع بالتقسيط",  # ads
            "سكريبت الشريط الإخباري", "سكريبت التتبع", "googletag", "dataLayer",  # script text
            "اقرأ أيضاً", "انخفاض منسوب السدود",  # related links
            "الأكثر قراءة", "نتائج امتحانات الثانوية", "النشرة البريدية",  # sidebar
            "تعليق القارئ", "التعليقات",  # comments
            "جميع الحقوق محفوظة", "سياسة الخصوصية", "أعلن معنا",  # footer
            "شارك الخبر", "واتساب", "الوسوم",  # share bar, tags
            "ليلى الخطيب",  # byline
            "خزانات المياه في المحطة الجديدة",  # image caption
        ],
    ),
    "alnahar_bookfair_cp1256.html": dict(
        encoding="cp1256",
        title="معرض الكتاب يستقبل ربع مليون زائر في أسبوعه الأول",
        blocks=[
            ("paragraph", "استقبل معرض الكتاب الدولي"),
            ("paragraph", "ويشارك في دورة هذا العام"),
            ("heading", "إقبال على الرواية والتاريخ"),
            ("paragraph", "وقال عدد من الناشرين"),
            ("paragraph", "وأشارت دار نشر مستقلة"),
            ("heading", "ندوات وحفلات توقيع"),
            ("paragraph", "ويتضمن البرنامج الثقافي المصاحب"),
            ("paragraph", "ويستمر المعرض حتى نهاية الأسبوع المقبل"),
        ],
        dropped=[
            "الصفحة الأولى", "عربي ودولي", "الأرشيف",  # menu
            "قروض سكنية بفائدة مخفضة", "مطلوب محاسب", "للبيع سيارة",  # ads
            "أخبار ذات صلة", "جوائز الإبداع الأدبي", "استفتاء", "هل تقرأ كتاباً",  # side columns
            "حقوق النشر محفوظة", "راسلونا",  # footer
            "إعلان مخفي في سكريبت", "عداد الزوار", "openPopup",  # script text
            "طباعة", "أرسل لصديق",  # print/send link bar
        ],
    ),
    "sawt_elections_br.html": dict(
        encoding="utf-8",
        title="الهيئة المستقلة تعلن موعد الانتخابات البلدية",
        blocks=[
            ("paragraph", "أعلنت الهيئة المستقلة للانتخاب اليوم"),
            ("paragraph", "وقال رئيس الهيئة في مؤتمر صحفي"),
            ("heading", "تعديلات على القانون"),
            ("paragraph", "ويتضمن القانون المعدل"),
            ("paragraph", "نريد مجالس قريبة من الناس"),
            ("heading", "ما المطلوب من الناخبين؟"),
            ("paragraph", "وحددت الهيئة ثلاث خطوات"),
            ("paragraph", "التأكد من ورود الاسم"),
            ("paragraph", "تقديم الاعتراضات على الجداول"),
            ("paragraph", "حمل بطاقة الهوية الشخصية"),
            ("paragraph", "ودعت الهيئة الأحزاب والمرشحين"),
        ],
        dropped=[
            "ملفات تعريف الارتباط",  # cookie banner (and its script string)
            "تسجيل الدخول", "محليات", "فيديو",  # top bar, menu
            "محتوى ممول", "إعلان ممول", "دورات مكثفة",  # ads
            "أحزاب المعارضة تطالب", "الأكثر مشاهدة", "انهيار جسر",  # related cards, sidebar
            "شروط الاستخدام", "جميع الحقوق محفوظة",  # footer
            "مراد الحسيني",  # byline
        ],
    ),
}


def page_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def page_text(name: str) -> str:
    return page_bytes(name).decode(EXPECTED[name]["encoding"])


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must go straight to 127.0.0.1, whatever the environment says."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every attempt to open a network connection fail loudly (and record it)."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise AssertionError(f"network access attempted: {args[:2]!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


# --- URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://www.aljazeera.net/news/2024/3/12/story", True),
        ("http://127.0.0.1:8080/a?b=c", True),
        ("HTTPS://EXAMPLE.COM", True),
        ("  https://example.com/x  ", True),
        ("https://مثال.إختبار/خبر", True),
        ("file:///etc/passwd", False),
        ("ftp://example.com/a.html", False),
        ("javascript:alert(1)", False),
        ("data:text/html,<p>x</p>", False),
        ("example.com/news", False),
        ("article.txt", False),
        ("http://", False),
        ("C:\\news\\a.html", False),
        ("", False),
        (None, False),
    ],
)
def test_is_url_accepts_only_http_and_https(value, expected) -> None:
    assert is_url(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://example.com", True),
        ("ftp://example.com/x", True),
        ("file:///tmp/a.html", True),
        ("javascript:alert(1)", True),
        ("mailto:a@b.c", True),
        ("C:\\news\\a.html", False),
        ("C:/news/a.html", False),
        ("news/article.html", False),
        ("مقال.txt", False),
        ("notes:2024.txt", False),
    ],
)
def test_looks_like_url_separates_urls_from_paths(value, expected) -> None:
    assert looks_like_url(value) is expected


@pytest.mark.parametrize(
    "url, scheme",
    [
        ("file:///etc/passwd", "file:"),
        ("ftp://example.com/news.html", "ftp:"),
        ("javascript:alert(document.cookie)", "javascript:"),
        ("data:text/html,<h1>hi</h1>", "data:"),
        ("gopher://example.com/", "gopher:"),
        ("www.example.com/news", "no scheme"),
    ],
)
def test_fetch_url_refuses_other_schemes_without_touching_the_network(url, scheme, no_network) -> None:
    with pytest.raises(FetchError) as info:
        fetch_url(url)
    message = str(info.value)
    assert f"unsupported URL scheme ({scheme})" in message
    assert "only http:// and https://" in message
    assert "\n" not in message
    assert no_network == []


def test_fetch_url_refuses_url_without_host() -> None:
    with pytest.raises(FetchError, match="no host name"):
        fetch_url("http:///path-only")


# --- fetching over loopback ---------------------------------------------------------------


def test_fetch_returns_body_and_server_metadata(server: LoopbackServer) -> None:
    body = page_bytes("alnahar_bookfair_cp1256.html")
    url = server.route("/news/1", Response(body, content_type="text/html; charset=windows-1256"))
    data = fetch_url(url, timeout=5)
    assert bytes(data) == body
    assert isinstance(data, bytes)
    assert data.charset == "windows-1256"
    assert data.content_type == "text/html"
    assert data.url == url
    assert server.requests == ["/news/1"]


def test_fetch_encodes_arabic_paths(server: LoopbackServer) -> None:
    path = "/news/2024/افتتاح-محطة"
    server.route(path, Response("<p>نص</p>".encode("utf-8")))
    data = fetch_url(f"http://127.0.0.1:{server.port}{path}?q=كلمة عربية#section", timeout=5)
    assert data.decode("utf-8") == "<p>نص</p>"
    assert server.requests == [path]


def test_fetch_follows_http_redirects(server: LoopbackServer) -> None:
    server.route("/old", redirect("/new"))
    target = server.route("/new", Response(b"<p>moved here</p>"))
    data = fetch_url(server.url("/old"), timeout=5)
    assert bytes(data) == b"<p>moved here</p>"
    assert data.url == target
    assert server.requests == ["/old", "/new"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x.html", "javascript:alert(1)"])
def test_fetch_refuses_redirect_to_other_schemes(server: LoopbackServer, location: str, status: int) -> None:
    url = server.route("/trap", redirect(location, status))
    with pytest.raises(FetchError, match="refused redirect") as info:
        fetch_url(url, timeout=5)
    assert location.split(":")[0] in str(info.value)


@pytest.mark.parametrize("status, reason", [(404, "Not Found"), (500, "Internal Server Error"), (403, "Forbidden")])
def test_http_error_status_is_reported(server: LoopbackServer, status: int, reason: str) -> None:
    url = server.route("/missing", Response(b"nope", status=status, content_type="text/plain"))
    with pytest.raises(FetchError) as info:
        fetch_url(url, timeout=5)
    assert str(info.value) == f"HTTP {status} {reason} from {url}"


def test_unknown_path_is_a_404(server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match=r"^HTTP 404 "):
        fetch_url(server.url("/nothing/here"), timeout=5)


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json", "application/octet-stream"])
def test_non_text_content_type_is_refused(server: LoopbackServer, content_type: str) -> None:
    url = server.route("/file", Response(b"%PDF-1.4 binary", content_type=content_type))
    with pytest.raises(FetchError) as info:
        fetch_url(url, timeout=5)
    assert f"is {content_type}, not a web page" in str(info.value)


@pytest.mark.parametrize("content_type", ["text/html", "application/xhtml+xml", "text/plain; charset=utf-8", None])
def test_text_content_types_are_accepted(server: LoopbackServer, content_type) -> None:
    url = server.route("/ok", Response("<p>مرحبا</p>".encode(), content_type=content_type))
    assert fetch_url(url, timeout=5).decode("utf-8") == "<p>مرحبا</p>"


def test_too_large_by_content_length_is_refused_before_reading(server: LoopbackServer) -> None:
    url = server.route("/big", Response(b"x" * 300_000))
    with pytest.raises(FetchError, match=r"larger than the 100 KiB limit \(293 KiB"):
        fetch_url(url, timeout=5, max_bytes=100 * 1024)


def test_too_large_without_content_length_is_cut_off(server: LoopbackServer) -> None:
    url = server.route("/stream", Response(b"<p>" + b"y" * 500_000 + b"</p>", chunked=True))
    with pytest.raises(FetchError, match="larger than the 100 KiB limit"):
        fetch_url(url, timeout=5, max_bytes=100 * 1024)


def test_size_limit_is_inclusive(server: LoopbackServer) -> None:
    url = server.route("/exact", Response(b"z" * 4096, chunked=True))
    assert len(fetch_url(url, timeout=5, max_bytes=4096)) == 4096


def test_gzip_response_is_decoded(server: LoopbackServer) -> None:
    body = page_bytes("alofuq_desalination.html")
    url = server.route("/gz", Response.gzipped(body))
    assert bytes(fetch_url(url, timeout=5)) == body


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("pack", [zlib.compress, _raw_deflate], ids=["zlib-wrapped", "raw"])
def test_deflate_response_is_decoded(server: LoopbackServer, pack) -> None:
    """`Content-Encoding: deflate` is zlib-wrapped by the RFC, but many servers send raw deflate."""
    body = "<p>خبر مضغوط</p>".encode() * 50
    url = server.route("/deflate", Response(pack(body), headers={"Content-Encoding": "deflate"}))
    assert bytes(fetch_url(url, timeout=5)) == body


def test_gzip_bomb_is_cut_off_without_inflating_it(server: LoopbackServer) -> None:
    """20 MiB of zeros in 20 KiB of gzip, against a 1 MiB limit: the error comes while the
    memory used stays near the limit (the decoder never inflates a whole chunk at once)."""
    import tracemalloc

    url = server.route("/bomb", Response.gzipped(b"\0" * (20 * 1024 * 1024)))
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than the 1.0 MiB limit"):
            fetch_url(url, timeout=5, max_bytes=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 6 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_unknown_content_encoding_is_refused(server: LoopbackServer) -> None:
    url = server.route("/br", Response(b"\x8b\x00", headers={"Content-Encoding": "br"}))
    with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
        fetch_url(url, timeout=5)


def test_server_that_never_answers_times_out(server: LoopbackServer) -> None:
    url = server.route("/silent", hang())
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_url(url, timeout=0.5)
    elapsed = time.monotonic() - start
    assert str(info.value) == f"timed out after 0.5 s waiting for {url}"
    assert elapsed < 5


def test_server_that_stalls_after_headers_times_out(server: LoopbackServer) -> None:
    url = server.route("/stall", hang(after_headers=True))
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 0.5 s"):
        fetch_url(url, timeout=0.5)
    assert time.monotonic() - start < 5


def test_trickling_server_hits_the_overall_deadline(server: LoopbackServer) -> None:
    # every read succeeds (a chunk each 0.2 s), but the whole page would take 4 s
    url = server.route("/drip", drip(b"a" * 20, chunk=1, delay=0.2))
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 s"):
        fetch_url(url, timeout=1)
    assert time.monotonic() - start < 4


def test_connection_refused_is_reported() -> None:
    url = closed_port_url("/news")
    with pytest.raises(FetchError) as info:
        fetch_url(url, timeout=5)
    assert str(info.value) == f"connection refused by 127.0.0.1 ({url})"


def test_dns_failure_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchError) as info:
        fetch_url("https://news.example.invalid/a", timeout=5)
    assert str(info.value) == "could not resolve host 'news.example.invalid' (DNS lookup failed: Name or service not known)"


def test_body_cut_short_is_reported(server: LoopbackServer) -> None:
    url = server.route("/cut", truncated(b"<p>" + b"k" * 5000 + b"</p>", 1000, content_type="text/html"))
    with pytest.raises(FetchError, match="connection closed before the page was complete"):
        fetch_url(url, timeout=5)


def test_errors_are_one_line(server: LoopbackServer) -> None:
    url = server.route("/x", Response(b"", status=502, content_type="text/plain"))
    with pytest.raises(FetchError) as info:
        fetch_url(url + "\u200f", timeout=5)
    assert "\n" not in str(info.value)


# --- decoding -------------------------------------------------------------------------------

ARABIC = "قالت الحكومة إن المشروع سيكتمل في الصيف المقبل."


def test_decode_utf8_and_bom() -> None:
    assert decode_html(ARABIC.encode("utf-8")) == (ARABIC, "utf-8")
    assert decode_html(b"\xef\xbb\xbf" + ARABIC.encode("utf-8")) == (ARABIC, "utf-8")
    assert decode_html(ARABIC.encode("utf-16")) == (ARABIC, "utf-16")


def test_decode_cp1256_by_meta() -> None:
    text, codec = decode_html(page_bytes("alnahar_bookfair_cp1256.html"))
    assert codec == "cp1256"
    assert "معرض الكتاب يستقبل ربع مليون زائر" in text


def test_decode_cp1256_by_server_charset_without_meta() -> None:
    data = re.sub(rb"<meta http-equiv[^>]*>", b"", page_bytes("alnahar_bookfair_cp1256.html"))
    assert b"charset" not in data
    text, codec = decode_html(data, "windows-1256")
    assert codec == "cp1256" and "ندوات وحفلات توقيع" in text


def test_decode_cp1256_without_any_declaration_is_detected() -> None:
    data = re.sub(rb"<meta http-equiv[^>]*>", b"", page_bytes("alnahar_bookfair_cp1256.html"))
    text, codec = decode_html(data)
    assert codec in ("cp1256", "windows-1256")
    assert "إقبال على الرواية والتاريخ" in text


def test_decode_prefers_arabic_when_server_default_charset_is_latin1() -> None:
    # Apache's AddDefaultCharset: the header says iso-8859-1, the page's <meta> says windows-1256
    text, codec = decode_html(page_bytes("alnahar_bookfair_cp1256.html"), "iso-8859-1")
    assert codec == "cp1256" and "استقبل معرض الكتاب الدولي" in text


def test_decode_valid_utf8_wins_over_a_wrong_declaration() -> None:
    text, codec = decode_html(page_bytes("alofuq_desalination.html"), "windows-1256")
    assert codec == "utf-8" and "مخاوف بيئية" in text


def test_decode_iso_8859_6() -> None:
    data = f'<html><head><meta charset="iso-8859-6"></head><body><p>{ARABIC}</p></body></html>'.encode("iso8859_6")
    text, codec = decode_html(data)
    assert codec == "iso8859-6" and ARABIC in text


# --- extraction -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extract_keeps_headline_headings_and_paragraphs_in_order(name: str) -> None:
    expected = EXPECTED[name]
    title, blocks = extract_html(page_bytes(name), url=f"https://news.example/{name}")
    assert title == expected["title"]
    # the headline is the first block, a heading (so it is translated and exported), once
    assert blocks[0] == ("heading", expected["title"])
    blocks = blocks[1:]
    assert [kind for kind, _ in blocks] == [kind for kind, _ in expected["blocks"]]
    for (kind, text), (_, opening) in zip(blocks, expected["blocks"]):
        assert text.startswith(opening), (kind, text)
    # nothing invented: every block is text of the page (modulo whitespace)
    source = squash(re.sub(r"<[^>]+>", " ", page_text(name)))
    for _, text in blocks:
        assert text in source
    assert all(text != expected["title"] for _, text in blocks)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extract_drops_navigation_sidebars_footers_ads_and_scripts(name: str) -> None:
    expected = EXPECTED[name]
    title, blocks = extract_html(page_bytes(name))
    everything = title + "\n" + "\n".join(text for _, text in blocks)
    source = page_text(name)
    for fragment in expected["dropped"]:
        assert fragment in source  # the page really contains it ...
        assert fragment not in everything, fragment  # ... and extraction dropped it


def test_extract_paragraph_text_is_whole_and_clean() -> None:
    _, blocks = extract_html(page_bytes("alofuq_desalination.html"))
    paragraph = dict((text[:20], text) for kind, text in blocks if kind == "paragraph")
    full = ("وقال وزير المياه في كلمة خلال حفل الافتتاح إن المشروع استغرق أربع سنوات من العمل، وبلغت "
            "كلفته نحو 320 مليون دولار، موّلت نصفها قروض ميسرة من صناديق تنموية عربية.")
    assert paragraph[full[:20]] == full
    assert all("\n" not in text and text == text.strip() and "  " not in text for _, text in blocks)


def test_extract_line_breaks_separate_paragraphs() -> None:
    html = """<html><head><title>خبر</title></head><body><article><h1>خبر</h1>
      <div class="text">الفقرة الأولى من الخبر فيها كلام كثير عن الموضوع وتفاصيله الكاملة.<br><br>
      الفقرة الثانية من الخبر تأتي بعد فاصلين وفيها تفاصيل أخرى مهمة أيضاً.<br>
      والثالثة بعد فاصل واحد فقط وفيها خاتمة الخبر وما سيحدث في الأيام المقبلة.</div>
      </article></body></html>"""
    title, blocks = extract_html(html)
    assert title == "خبر"
    assert blocks[0] == ("heading", "خبر")
    assert [text.split()[:2] for _, text in blocks[1:]] == [["الفقرة", "الأولى"], ["الفقرة", "الثانية"], ["والثالثة", "بعد"]]


def test_extract_uses_server_charset_of_fetched_bytes() -> None:
    data = re.sub(rb"<meta http-equiv[^>]*>", b"", page_bytes("alnahar_bookfair_cp1256.html"))
    fetched = fetch.FetchedBytes(data, url="http://x/", content_type="text/html", charset="windows-1256")
    title, blocks = extract_html(fetched)
    assert title == EXPECTED["alnahar_bookfair_cp1256.html"]["title"]
    assert len(blocks) == 1 + len(EXPECTED["alnahar_bookfair_cp1256.html"]["blocks"])


def test_extract_accepts_str_and_explicit_encoding() -> None:
    text = page_text("alnahar_bookfair_cp1256.html")
    assert extract_html(text) == extract_html(page_bytes("alnahar_bookfair_cp1256.html"))
    stripped = re.sub(rb"<meta http-equiv[^>]*>", b"", page_bytes("alnahar_bookfair_cp1256.html"))
    assert extract_html(stripped, encoding="cp1256") == extract_html(text)


def test_extract_never_touches_the_network(no_network) -> None:
    title, blocks = extract_html(page_bytes("alofuq_desalination.html"), url="https://www.alofuq.example/economy/1")
    assert title and len(blocks) == 1 + len(EXPECTED["alofuq_desalination.html"]["blocks"])
    assert no_network == []


@pytest.mark.parametrize("html", ["", "   ", b"", "<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>"])
def test_extract_page_without_article_gives_no_blocks(html) -> None:
    title, blocks = extract_html(html)
    assert blocks == []


def test_fetch_and_extract_over_loopback(server: LoopbackServer) -> None:
    data = re.sub(rb"<meta http-equiv[^>]*>", b"", page_bytes("alnahar_bookfair_cp1256.html"))
    url = server.route("/culture/bookfair", Response(data, content_type="text/html; charset=windows-1256"))
    fetched = fetch_url(url, timeout=5)
    title, blocks = extract_html(fetched, url=fetched.url)
    assert title == EXPECTED["alnahar_bookfair_cp1256.html"]["title"]
    assert [k for k, _ in blocks] == ["heading"] + [k for k, _ in EXPECTED["alnahar_bookfair_cp1256.html"]["blocks"]]
    assert blocks[-1][1].startswith("ويستمر المعرض")


@pytest.mark.parametrize("module", ["reader.web.fetch", "reader.web.extract"])
def test_importing_fetch_does_not_import_trafilatura(module) -> None:
    code = f"import sys, {module}; sys.exit(1 if 'trafilatura' in sys.modules or 'lxml' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


# --- issue 10 section 3: the article, and only it ---------------------------------------------
# One small page per case, written for these tests (tests/fixtures/pages/).


def extract(name: str, url: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    return extract_html(page_bytes(name), url=url or f"https://news.example/{name}")


@pytest.mark.parametrize(
    "name, url, headline",
    [
        # <h1> on the page; og:title and <title> carry "- <og:site_name>"
        ("headline_site_suffix.html", None, "ارتفاع صادرات الخضار إلى أوروبا بنسبة الربع"),
        # no <h1>: <title> is "<og:site_name> - headline"
        ("title_site_prefix.html", None, "افتتاح مكتبة عامة جديدة في وسط المدينة"),
        # no <h1>, no og:site_name: og:title ends with the site name the domain spells
        ("title_domain_suffix.html", "https://www.qamarnews.example/arabic/science-1",
         "علماء يرصدون نوعاً جديداً من الطيور المهاجرة"),
        # no <h1>: "headline -  - site" in og:title, "headline | section | site" in <title>
        ("title_repeated_separators.html", None, "منتخب الشباب يتأهل إلى نهائيات كأس آسيا"),
    ],
)
def test_headline_is_the_first_block_without_the_site_name(name: str, url: str | None, headline: str) -> None:
    title, blocks = extract(name, url)
    assert title == headline
    assert blocks[0] == ("heading", headline)
    assert [kind for kind, _ in blocks[1:]] == ["paragraph"] * (len(blocks) - 1)
    assert len(blocks) >= 4


def test_headline_is_a_translated_sentence_of_the_loaded_article(tmp_path: Path) -> None:
    from reader.article import load_article

    path = tmp_path / "page.html"
    path.write_bytes(page_bytes("headline_site_suffix.html"))
    article = load_article(path)
    first = article.sentences[0]
    assert first.text == article.title == "ارتفاع صادرات الخضار إلى أوروبا بنسبة الربع"
    assert article.paragraphs[0].is_heading and first.id.section == 0


def test_bylines_captions_agency_tags_and_comment_policy_are_dropped() -> None:
    title, blocks = extract("boilerplate_in_body.html")
    assert blocks == [
        ("heading", "مهرجان المسرح يعود بعد غياب خمس سنوات"),
        ("paragraph", "يعود مهرجان المسرح الوطني في دورته الجديدة بعد غياب دام خمس سنوات، "
                      "بمشاركة اثنتي عشرة فرقة من ست دول عربية."),
        ("paragraph", "وقالت مديرة المهرجان إن العروض ستقام على ثلاثة مسارح في المدينة، "
                      "وإن أسعار التذاكر خفضت إلى النصف لطلاب الجامعات."),
        ("paragraph", "وتختتم الدورة بعرض مشترك تقدمه فرق شبابية من المحافظات، يتناول قصص الهجرة واللجوء في المنطقة."),
    ]
    source = page_bytes("boilerplate_in_body.html").decode("utf-8")
    for gone in ("حوار: سلمى", "Author, ", "Role, ", "(بترا)", "خشبة المسرح الرئيسي", "جمهور المهرجان في دورته",
                 "لا تعبر عن رأي الموقع"):
        assert gone in source
        assert all(gone not in text for _, text in blocks), gone


def test_a_paragraph_that_only_mentions_comments_or_a_reporter_stays() -> None:
    html = """<html><head><title>خبر</title></head><body><article><h1>خبر عن الصحافة</h1><div class="text">
      <p>كتب الروائي المعروف رسالة مفتوحة إلى وزير الثقافة يطالب فيها بدعم دور النشر الصغيرة في البلاد.</p>
      <p>وقال إن التعليقات التي تلقاها من القراء شجعته على مواصلة الكتابة رغم الصعوبات الكثيرة.</p>
      <p>وأضاف أن الوكالة (بترا) نقلت عنه قوله إنه سيواصل الكتابة في الصحف الأسبوعية.</p>
      </div></article></body></html>"""
    _, blocks = extract_html(html)
    assert [text.split()[0] for _, text in blocks[1:]] == ["كتب", "وقال", "وأضاف"]
    assert "(بترا)" in blocks[3][1]


def test_a_lead_right_before_the_marked_body_is_kept() -> None:
    _, blocks = extract("lead_before_body.html")
    assert blocks[0] == ("heading", "خطة لزراعة مليون شجرة في خمس سنوات")
    assert blocks[1] == ("paragraph", "أطلقت وزارة البيئة خطة وطنية لزراعة مليون شجرة خلال خمس سنوات، في محاولة "
                                      "لوقف التصحر وتحسين جودة الهواء في المدن الكبرى.")
    assert [text.split()[0] for _, text in blocks[2:]] == ["وقال", "وستشارك", "ويقدر"]


def test_a_full_sentence_in_an_h2_is_a_paragraph_a_short_h2_a_heading() -> None:
    _, blocks = extract("h2_sentence_lead.html")
    assert [kind for kind, _ in blocks] == ["heading", "paragraph", "paragraph", "heading", "paragraph", "paragraph"]
    assert blocks[1][1].startswith("أعلنت دائرة الإحصاءات العامة اليوم")
    assert blocks[3] == ("heading", "الشباب أكثر المستفيدين")


def test_the_h2_sentence_is_split_into_sentences_like_any_paragraph(tmp_path: Path) -> None:
    from reader.article import load_article

    path = tmp_path / "page.html"
    path.write_bytes(page_bytes("h2_sentence_lead.html"))
    article = load_article(path)
    lead = article.paragraphs[1]
    assert not lead.is_heading and lead.text.startswith("أعلنت دائرة")


def test_recall_is_used_when_precision_keeps_far_less(monkeypatch: pytest.MonkeyPatch) -> None:
    # Seen on an Urdu page: precision extraction kept one short wrong block (the site notice)
    # and lost the article. Which pages trip it depends on trafilatura's version, so the loss
    # is reproduced here by taking the article away from the precision pass only.
    import trafilatura

    real = trafilatura.bare_extraction

    def lossy_precision(tree, **kwargs):
        if kwargs.get("favor_precision"):
            for el in tree.xpath("//div[@class='txt']"):
                el.getparent().remove(el)
        return real(tree, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", lossy_precision)
    title, blocks = extract("precision_loses_article.html")
    assert title == "شہر میں نئی میٹرو لائن کا افتتاح"
    openings = [text.split()[0] for kind, text in blocks if kind == "paragraph"]
    assert openings[-4:] == ["شہر", "حکام", "منصوبے", "مسافروں"]


def test_precision_is_kept_when_it_keeps_the_article() -> None:
    _, blocks = extract("precision_loses_article.html")
    # recall would add the site notice; precision's article is not "far less", so it stays
    assert [text.split()[0] for _, text in blocks[1:]] == ["شہر", "حکام", "منصوبے", "مسافروں"]


def test_translate_output_starts_with_the_headline(no_model, tmp_path: Path) -> None:
    from clirun import jsonl

    path = tmp_path / "page.html"
    path.write_bytes(page_bytes("title_site_prefix.html"))
    result = no_model.run("translate", path, "--format", "jsonl")
    assert result.code == 0, result
    rows = jsonl(result.out)
    assert rows[0]["ar"] == "افتتاح مكتبة عامة جديدة في وسط المدينة"
    assert [r["ar"].split()[0] for r in rows[1:]] == ["افتتحت", "وقال", "وتضم"]


def test_a_logo_in_an_h1_is_not_the_headline_and_a_headline_naming_the_site_stays() -> None:
    html = """<html><head><title>نشرة الوادي تطلق تطبيقاً جديداً للأخبار المحلية - نشرة الوادي</title>
      <meta property="og:site_name" content="نشرة الوادي"></head><body>
      <h1 class="logo"><a href="/">نشرة الوادي</a></h1>
      <article><h1>نشرة الوادي تطلق تطبيقاً جديداً للأخبار المحلية</h1><div class="text">
      <p>أطلقت نشرة الوادي اليوم تطبيقاً جديداً للهواتف الذكية يتيح للقراء متابعة الأخبار المحلية لحظة بلحظة.</p>
      <p>ويتضمن التطبيق خدمة تنبيهات للأخبار العاجلة وخريطة تفاعلية لحالة الطرق في المحافظة.</p>
      </div></article></body></html>"""
    title, blocks = extract_html(html)
    assert title == "نشرة الوادي تطلق تطبيقاً جديداً للأخبار المحلية"
    assert blocks[0] == ("heading", title) and len(blocks) == 3


def test_a_logo_in_an_h1_is_not_the_headline() -> None:
    """The site's logo is an <h1> before the article's own; the page titles carry a shorter
    wording. The headline is the article's <h1>, not the logo and not the titles' wording."""
    html = page_bytes("headline_site_suffix.html").decode("utf-8")
    html = html.replace('<header class="site-header"><a class="logo" href="/">نشرة الوادي</a>',
                        '<header class="site-header"><h1 class="logo"><a href="/">نشرة الوادي</a></h1>')
    html = html.replace("<title>ارتفاع صادرات الخضار إلى أوروبا بنسبة الربع - نشرة الوادي</title>",
                        "<title>صادرات الخضار ترتفع - نشرة الوادي</title>")
    html = html.replace('content="ارتفاع صادرات الخضار إلى أوروبا بنسبة الربع - نشرة الوادي"',
                        'content="صادرات الخضار ترتفع - نشرة الوادي"')
    assert html.count("<h1") == 2 and "صادرات الخضار ترتفع" in html
    title, blocks = extract_html(html.encode("utf-8"), url="https://news.example/veg")
    assert title == "ارتفاع صادرات الخضار إلى أوروبا بنسبة الربع"
    assert blocks[0] == ("heading", title)
