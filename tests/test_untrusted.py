"""reader/untrusted.py, the one boundary for text from outside, and a walk over every call site
that prints or notifies in reader/ and widgets/ (AST), so that a new message cannot bypass it:

* `print(...)` only in the modules the CLI runs under `reader.cli.main`, which replaces
  sys.stdout/sys.stderr by `SafeStream` (checked here by running `main`);
* `sys.stdout.write`/`sys.stderr.write` only in reader/cli.py; `sys.__stdout__`/`__stderr__`
  (the unguarded streams) only where the reader writes its own fixed escapes;
* `input(prompt)` only with a prompt made by `one_line`/`visible`;
* a Rich `Console` only on `raw_stream(...)` (it writes its own escapes; its text is made safe
  by the caller);
* `notify(...)` only as `self.notify`/`self.app.notify` (which end in `QariApp.notify`), never
  with `markup=True`, and `QariApp.notify` is the one override, sanitising and markup-free.
"""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

import pytest
from hostile import ESCAPES, OSC_TITLE, forbidden_controls
from paths import REPO

from reader import cli
from reader.untrusted import SafeStream, balance_bidi, clean_title, one_line, quote_name, rewrite_line, visible

SOURCES = sorted([*(REPO / "reader").rglob("*.py"), *(REPO / "widgets").rglob("*.py")])

PRINTING_MODULES = {"reader/cli.py", "reader/batch/progress.py", "reader/batch/runner.py"}
"""Modules whose `print` runs under `cli.main` (qari batch is a CLI command)."""
STD_WRITERS = {"reader/cli.py"}
RAW_TERMINAL = {"widgets/terminal_mode.py"}
"""Writes its own fixed VTE escapes to the terminal Textual drives (no outside text)."""
SAFE_CALLS = {"one_line", "visible", "quote_name", "clean_title"}


# --- the sanitiser --------------------------------------------------------------------------

def test_visible_shows_every_control_like_cat_v() -> None:
    assert visible("a\x1b]2;x\x07b") == "a^[]2;x^Gb"
    assert visible("\x00\x7f\x9b\x9f") == "^@^?M-^[M-^_"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    assert visible("\r", keep="") == "^M"
    assert visible("bad \udcff byte") == "bad \ufffd byte"
    assert visible("قال الرئيس 👍🏽") == "قال الرئيس 👍🏽"
    every = "".join(map(chr, range(0x00, 0xA0)))
    assert forbidden_controls(visible(every)) == []


def test_one_line_is_one_line_with_no_control() -> None:
    line = one_line(f"a\nb\r\nc\td\u2028e {ESCAPES}")
    assert "\n" not in line and "\t" not in line and forbidden_controls(line) == []
    assert line.startswith("a b c d e ^[")


@pytest.mark.parametrize("text, kept", [
    ("\u2067عربي\u2069 text", "\u2067عربي\u2069 text"),  # balanced isolate: kept
    ("\u202eevil", "evil"),  # an override never closed: dropped
    ("x\u202c y\u2069", "x y"),  # closers with no opener
    ("\u2066a\u202bb\u2069c\u202c", "\u2066ab\u2069c"),  # an embedding left open inside an isolate
    ("\u202bx\u202c\u200f", "\u202bx\u202c\u200f"),  # balanced embedding, and a mark (no state)
])
def test_balance_bidi(text: str, kept: str) -> None:
    assert balance_bidi(text) == kept


def test_clean_title_removes_rather_than_shows() -> None:
    assert clean_title(f"  عنوان {OSC_TITLE}\n\tخبر \u202e ") == "عنوان ]2;PWNED-TITLE\\ خبر"
    assert clean_title(None) == ""


def test_article_titles_are_clean_when_built() -> None:
    from reader.model import Article

    assert Article(text="", sections=[], title=f"x{OSC_TITLE}\ny").title == "x]2;PWNED-TITLE\\ y"


def test_quote_name_follows_coreutils() -> None:
    assert quote_name("plain.txt") == "plain.txt"
    assert quote_name("two words") == "'two words'"
    assert quote_name("") == "''"
    assert quote_name("~home") == "'~home'"
    assert quote_name("a\tb") == "'a'$'\\t''b'"
    assert quote_name("it's $x") == "'it'\\''s $x'"
    assert forbidden_controls(quote_name(ESCAPES)) == []


def test_safe_stream_and_rewrite_line() -> None:
    raw = io.StringIO()
    stream = SafeStream(raw)
    print(f"title {OSC_TITLE}", file=stream)
    rewrite_line(stream, f"qari: 1/2 {OSC_TITLE}\n")
    rewrite_line(stream, "qari: 2/2", end=True)
    assert raw.getvalue() == "title ^[]2;PWNED-TITLE^[\\\n\rqari: 1/2 ^[]2;PWNED-TITLE^[\\ \rqari: 2/2\n"
    assert SafeStream(stream).raw is raw  # never wrapped twice


def test_cli_main_guards_stdout_and_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    def hostile(argv) -> int:
        import sys

        print(f"out {OSC_TITLE}")
        print(f"err {ESCAPES}", file=sys.stderr)
        raise cli.UserError(f"bad {OSC_TITLE}\nsecond line")

    monkeypatch.setitem(cli.HANDLERS, "hostile", hostile)
    assert cli.main(["hostile"]) == cli.EXIT_ERROR
    out, err = capsys.readouterr()
    assert forbidden_controls(out) == [] and forbidden_controls(err) == []
    assert out == "out ^[]2;PWNED-TITLE^[\\\n"
    assert err.splitlines()[-1] == "qari: bad ^[]2;PWNED-TITLE^[\\ second line"
    import sys

    assert not isinstance(sys.stdout, SafeStream) and not isinstance(sys.stderr, SafeStream)  # restored


# --- every call site ------------------------------------------------------------------------

def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def _sanitised(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1] in SAFE_CALLS


def test_every_print_runs_under_the_guarded_streams() -> None:
    bad = [f"{_rel(p)}:{c.lineno}" for p in SOURCES for c in _calls(p)
           if _dotted(c.func) == "print" and _rel(p) not in PRINTING_MODULES]
    assert bad == [], f"print outside the CLI's guarded streams: {bad}"


def test_no_direct_writes_to_the_terminal() -> None:
    bad = []
    for path in SOURCES:
        rel = _rel(path)
        for call in _calls(path):
            name = _dotted(call.func)
            if name in ("sys.stdout.write", "sys.stderr.write") and rel not in STD_WRITERS:
                bad.append(f"{rel}:{call.lineno} {name}")
            if name in ("os.write", "sys.stdout.buffer.write", "sys.stderr.buffer.write"):
                bad.append(f"{rel}:{call.lineno} {name}")
        source = path.read_text(encoding="utf-8")
        if ("sys.__stdout__" in source or "sys.__stderr__" in source) and rel not in RAW_TERMINAL:
            bad.append(f"{rel}: uses sys.__stdout__/__stderr__")
    assert bad == [], bad


def test_every_input_prompt_is_sanitised() -> None:
    bad = [f"{_rel(p)}:{c.lineno}" for p in SOURCES for c in _calls(p)
           if _dotted(c.func) == "input" and c.args and not _sanitised(c.args[0])]
    assert bad == [], bad


def test_rich_consoles_write_only_to_the_raw_stream_with_safe_text() -> None:
    bad = []
    for path in SOURCES:
        for call in _calls(path):
            if _dotted(call.func).split(".")[-1] == "Console":
                file = next((k.value for k in call.keywords if k.arg == "file"), None)
                if not (isinstance(file, ast.Call) and _dotted(file.func) == "raw_stream"):
                    bad.append(f"{_rel(path)}:{call.lineno}")
    assert bad == [], bad


def test_every_notify_goes_through_the_app_and_never_reads_markup() -> None:
    bad = []
    overrides = []
    # The core never imports Textual (tests/test_layering.py): a `notify` there is something
    # else (threading.Condition.notify); only the App shell and the widgets notify the reader.
    textual_code = [p for p in SOURCES if not _rel(p).startswith("reader/") or _rel(p) == "reader/app.py"]
    for path in textual_code:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "notify":
                overrides.append((_rel(path), node))
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func)
            refs = [name] + [_dotted(a) for a in node.args]
            for ref in refs:
                if ref.endswith("notify") and ref not in ("self.notify", "self.app.notify", "super().notify"):
                    bad.append(f"{_rel(path)}:{node.lineno} {ref}")
            if name.endswith("notify"):
                for keyword in node.keywords:
                    if keyword.arg == "markup" and not (isinstance(keyword.value, ast.Constant)
                                                        and keyword.value.value is False):
                        bad.append(f"{_rel(path)}:{node.lineno} markup={ast.unparse(keyword.value)}")
    assert bad == [], bad
    assert [rel for rel, _ in overrides] == ["reader/app.py"], overrides
    body = ast.unparse(overrides[0][1])
    assert "visible(" in body and "one_line(title)" in body and "markup=False" in body, body


def test_the_walk_sees_the_call_sites() -> None:
    """The walk is not vacuous: it finds the call sites it checks."""
    names = [_dotted(c.func) for p in SOURCES for c in _calls(p)]
    assert names.count("print") >= 10 and names.count("self.notify") >= 20 and "input" in names
    assert os.path.isfile(REPO / "reader" / "untrusted.py")
