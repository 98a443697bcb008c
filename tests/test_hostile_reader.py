"""The reader in a real terminal (tmux) shown hostile text: a title and a source name full of
escapes (the header), a server's reason phrase (the "Open" notification after `o`), a package
index's answer (the "Install failed" notification after `i`), and a library whose warning holds
markup (the library screen). Afterwards tmux's pane title and paste buffers must be what they
were: no OSC 2 renamed the pane, no OSC 52 wrote a buffer (tmux's `set-clipboard on` makes it
obey OSC 52, and a canary test shows both probes catch a real escape). The HTTP servers are on
loopback and answer once; every wait is bounded."""

from __future__ import annotations

import os
import textwrap
import shutil
import time
from pathlib import Path

import pytest
from hostile import ESCAPES, OSC_CLIPBOARD, OSC_TITLE
from loopback import LoopbackServer
from screen import ARABIC, Terminal, qari_command, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.tmux]

SIZE = (120, 36)
TEXT = ("قال الرئيس إن الحكومة ستعمل على تحسين الاقتصاد في العام المقبل.\n"
        "وأضاف المتحدث أن الوزارة ستعلن عن خطة جديدة للتعليم والصحة قريبا.\n")


class HostileTerminal(Terminal):
    """A tmux server that obeys OSC 52 (set-clipboard on), with an idle pane beside qari's
    whose title is the untouched default."""

    def begin(self) -> None:
        self.tmux("new-session", "-d", "-s", "idle", "-x", "40", "-y", "10", "sleep 120")
        self.tmux("set-option", "-s", "set-clipboard", "on")
        self.tmux("set-option", "-g", "allow-rename", "on")

    def pane_title(self, session: str = "qari") -> str:
        return self.tmux("display-message", "-p", "-t", session, "#{pane_title}").stdout.strip()

    def buffers(self) -> str:
        return self.tmux("list-buffers", "-F", "#{buffer_name}: #{buffer_sample}", check=False).stdout

    def wait_text(self, predicate, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError("screen never matched; last screen:\n" + text)

    def assert_untouched(self) -> None:
        self.settle()
        assert self.pane_title() == self.pane_title("idle"), self.pane_title()
        assert self.buffers() == "", self.buffers()


@pytest.fixture
def term(tmp_path: Path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    env = terminal_env(tmp_path)
    env.update(http_proxy="", https_proxy="", HTTP_PROXY="", HTTPS_PROXY="", no_proxy="*")
    terminal = HostileTerminal(env, *SIZE, f"qari-hostile-{os.getpid()}-{tmp_path.name}")
    terminal.begin()
    yield terminal
    terminal.close()


@pytest.fixture
def server():
    with LoopbackServer() as running:
        yield running


def answer_once(status_line: bytes):
    def handler(req, srv) -> None:
        req.wfile.write(status_line + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        req.close_connection = True

    return handler


def article_file(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_canary_the_probes_see_a_real_escape(term: HostileTerminal) -> None:
    """The shell prints an OSC 2 and an OSC 52 itself: both probes must notice."""
    before = term.pane_title("idle")
    term.start(["printf", OSC_TITLE + OSC_CLIPBOARD])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (term.buffers() and term.pane_title() != before):
        time.sleep(0.1)
    assert term.pane_title() == "PWNED-TITLE"
    assert "pwned" in term.buffers()


def test_title_and_source_name_with_escapes(term: HostileTerminal, tmp_path: Path) -> None:
    path = article_file(tmp_path, f"news {OSC_TITLE}{OSC_CLIPBOARD}x\x9b31m.txt")
    term.start(qari_command(str(path)))
    term.wait_text(lambda text: ARABIC.search(text) and "news" in text)
    term.assert_untouched()
    assert "^[]2;PWNED" in term.text()  # shown in caret notation, not obeyed


def test_open_a_url_whose_reason_phrase_has_escapes(term: HostileTerminal, tmp_path: Path,
                                                    server: LoopbackServer) -> None:
    url = server.route("/gone", answer_once(b"HTTP/1.1 404 " + (OSC_TITLE + OSC_CLIPBOARD + ESCAPES).encode()))
    term.start(qari_command(str(article_file(tmp_path, "plain.txt"))))
    term.wait_text(lambda text: ARABIC.search(text))
    term.keys("o")
    term.wait_text(lambda text: "Open an article" in text)
    term.keys("-l", url)
    term.keys("Enter")
    term.wait_text(lambda text: "/gone" in text)
    term.assert_untouched()
    assert "HTTP 404" in term.text()


def test_install_from_an_index_answering_503_with_escapes(term: HostileTerminal, tmp_path: Path,
                                                          server: LoopbackServer) -> None:
    server.route("/index/index.json", answer_once(b"HTTP/1.1 503 " + (OSC_TITLE + OSC_CLIPBOARD).encode()))
    term.tmux("set-environment", "-g", "ARGOS_PACKAGE_INDEX", server.url("/index/"))
    term.start(qari_command(str(article_file(tmp_path, "plain.txt"))))
    term.wait_text(lambda text: ARABIC.search(text) and "no model" in text)
    term.keys("i")
    term.wait_text(lambda text: "Install failed" in text)
    term.assert_untouched()
    assert "503" in term.text()


def test_library_screen_warning_with_markup_is_shown_not_parsed(term: HostileTerminal, tmp_path: Path) -> None:
    """A warning raised while the library screen is open (the reading position could not be
    saved to a read-only library whose path reads like markup) is a notification like any
    other, not a crash: the screen's notify goes through the App's, which reads no markup."""
    from clirun import unprivileged_prefix

    from reader.article import parse_text
    from reader.store.library import Library

    prefix = unprivileged_prefix()
    folder = tmp_path / "lib [" / "bold] x"  # the path reads "lib [/bold] x": a closing tag
    folder.mkdir(parents=True)
    with Library.open(folder / "library.sqlite3") as lib:
        lib.record(parse_text(TEXT.replace("قريبا", "غدا"), source="other.txt"))
    folder.chmod(0o555)
    try:
        term.tmux("set-environment", "-g", "QARI_LIBRARY", str(folder / "library.sqlite3"))
        term.start([*prefix, *qari_command(str(article_file(tmp_path, "plain.txt")))])
        term.wait_text(lambda text: ARABIC.search(text) and "read-only" in text)
        term.keys("j")  # a position to save: the next flush (every 5 s) warns
        term.keys("h")
        term.wait_text(lambda text: "ctrl+d: remove" in text)
        deadline = time.monotonic() + 15
        while "save the reading position" not in term.text() and time.monotonic() < deadline:
            term.keys("x")  # the filter changes: the screen reports new warnings
            time.sleep(0.5)
        text = term.text()
        assert "save the reading position" in text and "QARI_EXIT" not in text, text
        term.assert_untouched()
    finally:
        folder.chmod(0o755)


POISON = textwrap.dedent("""
    import sys
    from reader.article import load_article
    from reader.translation.translate import load_translator
    translator = load_translator("ar", "en")
    article = load_article(sys.argv[1])
    translator.cache.put_many(translator.model_key,
                              [(s.text, "English " + sys.argv[2]) for s in article.sentences])
    translator.cache.close()
""")


def test_translation_with_escapes_from_the_cache(term: HostileTerminal, tmp_path: Path) -> None:
    """The model's English comes from an archive someone else made, and the cache may hold what
    an older qari stored: an English sentence with escapes is shown, not obeyed."""
    import subprocess
    import sys

    from clirun import FIXTURE_MODEL

    path = article_file(tmp_path, "plain.txt")
    env = {**term.env, "PYTHONIOENCODING": "utf-8"}
    subprocess.run([*qari_command("models", "install", str(FIXTURE_MODEL))], env=env, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-c", POISON, str(path), OSC_TITLE + OSC_CLIPBOARD + "PWNED-EN"],
                   env=env, check=True, capture_output=True, timeout=120)
    term.start(qari_command(str(path)))
    term.wait_text(lambda text: ARABIC.search(text) and "PWNED-EN" in text)
    term.assert_untouched()
