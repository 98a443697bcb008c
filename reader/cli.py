"""Command line: `qari [SOURCE]` opens the reader; `summarize`, `translate`, `models` and
`config` run headless. Every failure the user can cause is one line on stderr and a non-zero
exit code, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70

COMMANDS = ("summarize", "translate", "models", "config", "lookup", "batch", "library")


def qari_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # only for --version: keeps start-up lean

    try:
        return version("qari")
    except PackageNotFoundError:
        return "0+unknown"


class UserError(Exception):
    """A one-line message for the user, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


_progress_line_open = False
"""True while a `\r` progress line on stderr has not been ended (see `_progress_printer`)."""


def _end_progress_line() -> None:
    global _progress_line_open
    if _progress_line_open:
        print(file=sys.stderr)
        _progress_line_open = False


def _err(message: str) -> None:
    _end_progress_line()
    print(f"qari: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    _end_progress_line()
    print(f"qari: warning: {message}", file=sys.stderr)


# --- parsers ---------------------------------------------------------------------------------

def _source_help() -> str:
    return "an article: a text or .html file, - for stdin, or an http(s) URL"


def _reader_parser() -> argparse.ArgumentParser:
    from reader.config import BIDI_MODES, LAYOUTS

    parser = argparse.ArgumentParser(
        prog="qari",
        usage="qari [SOURCE] [options]\n       qari {" + ",".join(COMMANDS) + "} --help",
        description=(
            "Read Arabic news in the terminal: the article right-to-left, an offline English "
            "translation sentence by sentence, and an extractive summary. With no SOURCE, opens "
            "the bundled sample article."
        ),
        epilog=(
            "commands:\n"
            "  summarize SOURCE   write a Markdown summary (Arabic + English)\n"
            "  translate SOURCE   translate sentence by sentence (jsonl, markdown or text)\n"
            "  models ...         list, install, remove or pack Argos translation models\n"
            "  config             show or create the settings file\n"
            "  lookup WORD...     analyses of Arabic words: lemma, parts, English glosses\n"
            "  batch SOURCE... -o OUTDIR   translate and summarize many articles (resumable)\n"
            "  library            the articles you read (list, remove); qari --resume reopens the last\n\n"
            "In the reader press ? for every key."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", nargs="?", metavar="SOURCE", help=_source_help())
    parser.add_argument("--version", action="store_true", help="show the version and exit")
    parser.add_argument("--encoding", help="decode the file with this encoding instead of detecting it")
    parser.add_argument("--bidi", choices=BIDI_MODES,
                        help="app: qari orders right-to-left text (default); terminal: your terminal does")
    parser.add_argument("--no-shape", action="store_true", help="do not join Arabic letters (for terminals that shape)")
    parser.add_argument("--layout", choices=LAYOUTS, help="start in this layout")
    parser.add_argument("--resume", action="store_true",
                        help="reopen the last article read (from the library, offline) where you stopped")
    return parser


def _library_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qari library",
        description=(
            "The articles you opened in the reader, most recent first: when, where you stopped "
            "(sentence/total), title and source. Their text is kept, so `qari --resume` reopens "
            "the last one offline. Stored in the user data dir (QARI_LIBRARY overrides the file)."
        ),
    )
    parser.add_argument("action", nargs="?", choices=("list", "remove"), default="list",
                        help="list (default) or remove an entry")
    parser.add_argument("id", nargs="?", metavar="ID", help="remove: the entry's id (the first characters are enough)")
    parser.add_argument("--json", action="store_true", help="list: print a JSON array, one object per entry")
    parser.add_argument("--filter", metavar="TEXT", help="list: only titles/sources containing TEXT (ignores tashkeel)")
    parser.add_argument("--yes", "-y", action="store_true", help="remove: do not ask for confirmation")
    return parser


def _summarize_parser() -> argparse.ArgumentParser:
    from reader.config import ALGORITHMS

    parser = argparse.ArgumentParser(
        prog="qari summarize",
        description="Summarize an Arabic article and print Markdown (each summary sentence in Arabic "
                    "and, when a model is installed, English).",
    )
    parser.add_argument("source", metavar="SOURCE", help=_source_help())
    parser.add_argument("--algorithm", "-a", choices=ALGORITHMS, default=None,
                        help="summarizer (default: news, from the settings file)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--sentences", "-n", type=_positive_int, help="number of summary sentences")
    length.add_argument("--ratio", "-r", type=_ratio, help="summary length as a share of the article (0-1]")
    parser.add_argument("--words", "-w", type=_positive_int, help="word budget (with -n or -r: both limits hold)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the Markdown to FILE instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--no-translate", action="store_true", help="do not translate the summary")
    parser.add_argument("--encoding", help="decode the file with this encoding instead of detecting it")
    return parser


def _translate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qari translate",
        description="Translate an Arabic article to English offline, sentence by sentence, in article order. "
                    "Without a model, prints the sentences with en=null and exits 0.",
    )
    parser.add_argument("source", metavar="SOURCE", help=_source_help())
    parser.add_argument("--format", "-f", choices=("jsonl", "markdown", "text"), default="jsonl",
                        help="jsonl: one JSON object per sentence (default); markdown: paragraphs in both "
                             "languages; text: the English text (the Arabic where there is none)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--no-cache", action="store_true", help="translate again even what the cache holds")
    parser.add_argument("--encoding", help="decode the file with this encoding instead of detecting it")
    return parser


def _models_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qari models",
        description="Manage Argos Translate packages (the offline translation models qari uses).",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")  # none: list
    sub.add_parser("list", help="installed packages and the one qari uses (the default)",
                   description="List installed Argos packages (pair, version, size, path).")
    available = sub.add_parser("available", help="packages offered by the Argos index (needs the internet)",
                               description="List the packages the Argos index offers; ar->en is marked.")
    available.add_argument("--index", metavar="URL", help="package index URL (default: ARGOS_PACKAGE_INDEX or Argos's)")
    available.add_argument("--timeout", type=float, default=20.0, help="seconds to wait on the network (default 20)")
    install = sub.add_parser(
        "install", help="install a package: `install ar en` downloads it, `install FILE.argosmodel` uses a file",
        description="Install an Argos package, from the index (`qari models install ar en`, needs the "
                    "internet) or from a file (`qari models install FILE.argosmodel`).")
    install.add_argument("what", nargs="+", metavar="ARG", help="FROM TO language codes, or a .argosmodel file")
    install.add_argument("--index", metavar="URL", help="package index URL")
    install.add_argument("--timeout", type=float, default=60.0, help="seconds to wait on the network (default 60)")
    install.add_argument("--retries", type=int, default=3, help="download attempts (default 3)")
    install.add_argument("--any-pair", action="store_true", help="accept a file for a pair other than ar->en")
    install.add_argument("--keep-others", action="store_true",
                         help="keep other installed packages for the same pair (default: replace them)")
    remove = sub.add_parser("remove", help="remove the installed package for a pair",
                            description="Remove the installed Argos package(s) for a language pair.")
    remove.add_argument("from_code", metavar="FROM")
    remove.add_argument("to_code", metavar="TO")
    pack = sub.add_parser(
        "pack", help="build a .argosmodel from a CTranslate2 model and a SentencePiece model",
        description="Build an .argosmodel from a CTranslate2 model directory (for example an OPUS-MT or NLLB "
                    "model converted with ct2-transformers-converter) and its SentencePiece model.")
    pack.add_argument("model_dir", metavar="CT2_MODEL_DIR")
    pack.add_argument("sp_model", metavar="SENTENCEPIECE_MODEL")
    pack.add_argument("--from", dest="from_code", default="ar", help="source language code (default ar)")
    pack.add_argument("--to", dest="to_code", default="en", help="target language code (default en)")
    pack.add_argument("-o", "--output", required=True, metavar="FILE.argosmodel")
    pack.add_argument("--name", help="package name shown in listings")
    pack.add_argument("--version", dest="pkg_version", default="1.0", help="package version (default 1.0)")
    pack.add_argument("--target-sp-model", metavar="FILE", help="target-side SentencePiece model, if separate")
    pack.add_argument("--target-prefix", default="", help="token forced at the start of the output (NLLB: eng_Latn)")
    pack.add_argument("--source-prefix", default="", help="token put before every source sentence (NLLB: arb_Arab)")
    pack.add_argument("--add-source-eos", action="store_true",
                      help="append </s> to every source sentence (models from ct2-transformers-converter)")
    pack.add_argument("--force", action="store_true", help="overwrite the output file")
    return parser


def _config_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qari config",
                                     description="Show the settings file's path and the settings in force.")
    parser.add_argument("action", nargs="?", choices=("show", "init", "path"), default="show",
                        help="show (default), init: write a commented settings file, path: print its path")
    parser.add_argument("--force", action="store_true", help="init: replace an existing settings file")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _ratio(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 1")
    return number


# --- shared steps --------------------------------------------------------------------------

def _load(source: str, encoding: str | None):
    from reader.article import ArticleError, load_article

    try:
        article = load_article(source, encoding=encoding)
    except ArticleError as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    for warning in article.warnings:
        _warn(warning)
    return article


def _translator_or_none(quiet_warning: bool = False):
    from reader.translate import NoModelError, load_translator

    try:
        return load_translator("ar", "en")
    except NoModelError as exc:
        if not quiet_warning:
            _warn(str(exc).splitlines()[0])
            for line in str(exc).splitlines()[1:]:
                print(f"  {line}", file=sys.stderr)
        return None


def _emit(text: str, output: str | None, force: bool) -> None:
    if output is None or output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from reader.export import ExportError, write_text_atomic

    try:
        path = write_text_atomic(output, text if text.endswith("\n") else text + "\n", force=force)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    print(f"qari: wrote {path}", file=sys.stderr)


def _progress_printer(total: int) -> Callable[[int, int], None] | None:
    """A one-line progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty() or total == 0:
        return None

    def report(done: int, all_: int) -> None:
        global _progress_line_open
        end = "\n" if done >= all_ else ""
        print(f"\rqari: translating {done}/{all_} sentences", end=end, file=sys.stderr, flush=True)
        _progress_line_open = not end

    return report


def _translate_all(translator, texts: Sequence[str], use_cache: bool = True) -> list[str | None]:
    if translator is None:
        return [None] * len(texts)
    english = list(translator.translate(list(texts), progress=_progress_printer(len(texts)), use_cache=use_cache))
    # A locked, corrupt or unwritable cache does not stop translation; say what happened.
    for warning in getattr(getattr(translator, "cache", None), "warnings", None) or ():
        _warn(warning)
    return english


# --- commands --------------------------------------------------------------------------------

def cmd_read(argv: Sequence[str]) -> int:
    args = _reader_parser().parse_args(argv)
    if args.version:
        print(f"qari {qari_version()}")
        return EXIT_OK
    from reader.article import sample_article_path
    from reader.config import load_config

    config = load_config()
    for warning in config.warnings:
        _warn(warning)
    library = None
    start_at = None
    if args.resume:
        if args.source:
            raise UserError("--resume reopens the last article; give either --resume or a SOURCE", EXIT_USAGE)
        library = _open_library()
        article, start_at = _resume(library)
    else:
        article = _load(args.source or str(sample_article_path()), args.encoding)
    source = args.source or ""
    config = config.with_overrides(bidi=args.bidi, layout=args.layout, shape=False if args.no_shape else None)
    if source == "-":
        _reattach_terminal()
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        raise UserError("the reader needs a terminal; for scripts use `qari translate` or `qari summarize`",
                        EXIT_USAGE)
    from reader.app import run_app

    def translator_factory():
        from reader.translate import load_translator

        return load_translator("ar", "en")

    if library is not None:
        library.close()
    return run_app(article, config, translator_factory, start_at=start_at)


def _open_library():
    from reader.library import Library

    return Library.open()


def _resume(library):
    from reader.library import resume_article

    resumed = resume_article(library)
    for warning in library.warnings:
        _warn(warning)
    if resumed is None:
        raise UserError("nothing to resume: the library is empty (open an article first)", EXIT_USAGE)
    return resumed


def cmd_library(argv: Sequence[str]) -> int:
    args = _library_parser().parse_args(argv)
    if args.action == "list" and args.id:
        raise UserError(f"library: unexpected argument {args.id!r} (did you mean `qari library remove {args.id}`?)",
                        EXIT_USAGE)
    library = _open_library()
    try:
        for warning in library.warnings:
            _warn(warning)
        if args.action == "remove":
            return _library_remove(library, args)
        entries = library.recent(filter=args.filter)
        if args.json:
            print(json.dumps([e.to_json() for e in entries], ensure_ascii=False, indent=1))
            return EXIT_OK
        if not entries:
            print("the library is empty" if not args.filter else "no entry matches", file=sys.stderr)
            return EXIT_OK
        import time

        for e in entries:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.opened_at))
            where = f"{min(e.position + 1, e.sentences)}/{e.sentences}"
            title = " ".join(e.title.split()) or "(untitled)"
            print(f"{e.short_id}  {when}  {where:>9}  {title}  [{e.source}]")
        return EXIT_OK
    finally:
        library.close()


def _library_remove(library, args) -> int:
    if not args.id:
        raise UserError("library remove: which entry? give its ID (see `qari library`)", EXIT_USAGE)
    ids = library.find_id(args.id)
    if not ids:
        raise UserError(f"library: no entry with id {args.id}")
    if len(ids) > 1:
        raise UserError(f"library: more than one entry starts with {args.id}; give more of the id", EXIT_USAGE)
    entry = library.get(ids[0], with_text=False)
    title = " ".join(entry.title.split()) if entry else ids[0]
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError("library remove: not removing without confirmation (add --yes)", EXIT_USAGE)
        answer = input(f"remove {ids[0][:12]} {title}? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("kept", file=sys.stderr)
            return EXIT_OK
    if not library.remove(ids[0]):
        for warning in library.warnings:
            _warn(warning)
        raise UserError(f"library: could not remove {ids[0][:12]}")
    print(f"removed {ids[0][:12]} {title}", file=sys.stderr)
    return EXIT_OK


def _reattach_terminal() -> None:
    """After reading the article from a pipe, read keys from the controlling terminal."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return
    os.dup2(fd, 0)
    os.close(fd)
    sys.stdin = os.fdopen(0, "r", closefd=False)


def cmd_summarize(argv: Sequence[str]) -> int:
    args = _summarize_parser().parse_args(argv)
    from reader.config import load_config
    from reader.export import NO_MODEL, NOT_ASKED, summary_document
    from reader.summarize import summarize_article

    config = load_config()
    article = _load(args.source, args.encoding)
    algorithm = args.algorithm or config.algorithm
    count = args.sentences or (None if args.ratio or args.words else (config.summary_sentences or None))
    chosen = summarize_article(article, algorithm=algorithm, count=count, ratio=args.ratio, words=args.words)
    translator = None if args.no_translate else _translator_or_none()
    english = _translate_all(translator, [s.text for s in chosen])
    translations = {s.id: en for s, en in zip(chosen, english, strict=True)}
    markdown = summary_document(article, chosen, translations, algorithm=algorithm,
                                model=translator.model_name if translator else None,
                                no_model=NOT_ASKED if args.no_translate else NO_MODEL)
    _emit(markdown, args.output, args.force)
    return EXIT_OK


def cmd_translate(argv: Sequence[str]) -> int:
    args = _translate_parser().parse_args(argv)
    article = _load(args.source, args.encoding)
    translator = _translator_or_none()
    sentences = article.sentences
    english = _translate_all(translator, [s.text for s in sentences], use_cache=not args.no_cache)
    from reader.export import translation_document

    text = translation_document(article, english, format=args.format,
                                model=translator.model_name if translator else None)
    _emit(text, args.output, args.force)
    return EXIT_OK


def cmd_models(argv: Sequence[str]) -> int:
    args = _models_parser().parse_args(argv)
    from reader import packages

    try:
        if args.action in (None, "list"):
            return _models_list(packages)
        if args.action == "available":
            for m in packages.available(index_url=args.index, timeout=args.timeout):
                mark = "*" if (m.from_code, m.to_code) == ("ar", "en") else " "
                print(f"{mark} {m.from_code}->{m.to_code}  {m.version:<8} {m.name}")
            return EXIT_OK
        if args.action == "install":
            return _models_install(packages, args)
        if args.action == "remove":
            removed = packages.remove(args.from_code, args.to_code)
            if not removed:
                raise UserError(f"no installed package for {args.from_code}->{args.to_code}")
            for m in removed:
                print(f"removed {m.from_code}->{m.to_code} {m.version} ({m.path})")
            return EXIT_OK
        if args.action == "pack":
            from reader.packing import pack

            out = pack(args.model_dir, args.sp_model, from_code=args.from_code, to_code=args.to_code,
                       out=args.output, name=args.name, version=args.pkg_version,
                       target_sp_model=args.target_sp_model, target_prefix=args.target_prefix,
                       source_prefix=args.source_prefix,
                       add_source_eos=True if args.add_source_eos else None, force=args.force)
            print(f"wrote {out}; install it with: qari models install {out}")
            return EXIT_OK
    except packages.ModelError as exc:
        raise UserError(str(exc)) from None
    return EXIT_USAGE


def _models_list(packages) -> int:
    installed = packages.list_installed()
    if not installed:
        from reader.translate import NO_MODEL_HELP

        print("no Argos packages installed")
        print(NO_MODEL_HELP)
        return EXIT_OK
    used = packages.which_used("ar", "en")
    for m in installed:
        mark = "*" if used is not None and m.path == used.path else " "
        print(f"{mark} {m.from_code}->{m.to_code}  {m.version:<8} {m.size_bytes / 1e6:7.1f} MB  {m.name}  {m.path}")
    if used is not None:
        print("* = used by qari for Arabic -> English")
    return EXIT_OK


def _models_install(packages, args) -> int:
    what = args.what
    if len(what) == 1 and _looks_like_language_code(what[0]):
        raise UserError(f"install needs two language codes (`qari models install {what[0]} en`) "
                        "or one .argosmodel file (`qari models install FILE.argosmodel`)", EXIT_USAGE)
    try:
        if len(what) == 1:
            installed = packages.install_file(what[0], expect=None if args.any_pair else ("ar", "en"),
                                            replace=not args.keep_others)
        elif len(what) == 2:
            installed = packages.install_pair(what[0], what[1], progress=_download_progress(), index_url=args.index,
                                            timeout=args.timeout, retries=max(1, args.retries),
                                            replace=not args.keep_others)
        else:
            raise UserError("install takes FROM TO (e.g. `ar en`) or one .argosmodel file", EXIT_USAGE)
    except KeyboardInterrupt:
        raise UserError("cancelled; nothing was installed", EXIT_INTERRUPTED) from None
    print(f"installed {installed.from_code}->{installed.to_code} {installed.version} at {installed.path}")
    return EXIT_OK


def _looks_like_language_code(arg: str) -> bool:
    """`ar`, `en`, `zh-tw`: a code, not a file name (and no such file exists)."""
    import re

    return bool(re.fullmatch(r"[A-Za-z]{2,3}(?:[-_][A-Za-z]{2,4})?", arg)) and not os.path.exists(arg)


def _download_progress() -> Callable[[int, int | None], None] | None:
    """Bytes, rate and time left on one stderr line, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    import time

    started = time.monotonic()

    def report(done: int, total: int | None) -> None:
        nonlocal started
        if done == 0:
            started = time.monotonic()  # a retry starts over
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        line = f"downloading {done / 1e6:.1f}"
        if total:
            left = (total - done) / rate if rate > 0 else 0
            line += f"/{total / 1e6:.1f} MB ({done / total:.0%}) {rate / 1e6:.1f} MB/s, {left:.0f} s left"
        else:
            line += f" MB {rate / 1e6:.1f} MB/s"
        print(f"\rqari: {line}   ", end="\n" if total and done >= total else "", file=sys.stderr, flush=True)

    return report


def cmd_config(argv: Sequence[str]) -> int:
    args = _config_parser().parse_args(argv)
    from dataclasses import asdict

    from reader.config import config_path, load_config, write_default_config

    path = config_path()
    if args.action == "path":
        print(path)
        return EXIT_OK
    if args.action == "init":
        from reader.export import ExportError

        try:
            write_default_config(path, force=args.force)
        except ExportError as exc:
            raise UserError(str(exc)) from None
        print(f"wrote {path}")
        return EXIT_OK
    config = load_config(path)
    for warning in config.warnings:
        _warn(warning)
    print(f"# {path}{'' if path.exists() else ' (not created yet: qari config init)'}")
    for key, value in asdict(config).items():
        if key != "warnings":
            print(f"{key} = {json.dumps(value)}")
    return EXIT_OK


def _lookup_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qari lookup",
        description="Look Arabic words up offline: every morphological analysis (vocalised form, "
                    "lemma, prefixes + stem + suffixes with tags, part of speech, English glosses), "
                    "most likely first. Words with no analysis (names, foreign words) get a transliteration.",
    )
    parser.add_argument("words", nargs="*", metavar="WORD", help="Arabic words (tashkeel narrows the readings)")
    parser.add_argument("--json", action="store_true", help="print a JSON array, one object per word")
    parser.add_argument("--context", metavar="ENGLISH", help="English text to rank the readings by (e.g. a translation)")
    parser.add_argument("--buckwalter", action="store_true",
                        help="show the exact Buckwalter transliteration beside the readable one")
    return parser


def cmd_lookup(argv: Sequence[str]) -> int:
    args = _lookup_parser().parse_args(argv)
    words = [w for arg in args.words for w in arg.split()]
    if not words:
        raise UserError("lookup needs at least one word, e.g. `qari lookup للتواصل`", EXIT_USAGE)
    from reader.morphology import LexiconUnavailable, format_text, lookup_word

    try:
        results = [lookup_word(w, args.context) for w in words]
    except LexiconUnavailable as exc:
        raise UserError(str(exc)) from None
    if args.json:
        text = json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2)
    else:
        text = "\n\n".join(format_text(r, buckwalter=args.buckwalter) for r in results)
    _emit(text, None, False)
    return EXIT_OK


def _batch_parser() -> argparse.ArgumentParser:
    from reader.batch import DEFAULT_MAX_BYTES, DEFAULT_PATTERNS
    from reader.config import ALGORITHMS

    parser = argparse.ArgumentParser(
        prog="qari batch",
        description="Translate and summarize many articles into OUTDIR: one JSONL and/or Markdown file per "
                    "article, written atomically, with a run manifest (qari-batch.sqlite3). Run it again to "
                    "resume: finished articles whose content and settings are unchanged are skipped.")
    parser.add_argument("sources", nargs="*", metavar="SOURCE",
                        help="article files, folders (searched recursively) or .jsonl files (one article a line)")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder (created if needed)")
    parser.add_argument("--format", "-f", default="jsonl", metavar="FORMATS",
                        help="jsonl, markdown or both: jsonl,markdown (default jsonl)")
    parser.add_argument("--pattern", action="append", metavar="GLOB",
                        help=f"file names to take from folders (repeatable; default {' '.join(DEFAULT_PATTERNS)})")
    parser.add_argument("--field", default="text", help="JSON-lines: the field holding the text (default text)")
    parser.add_argument("--id-field", default="id", help="JSON-lines: the field holding the article id (default id)")
    parser.add_argument("--urls", metavar="FILE", help="a file listing article URLs, one a line")
    parser.add_argument("--algorithm", "-a", choices=ALGORITHMS, default="news", help="summarizer (default news)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--sentences", "-n", type=_positive_int, help="summary sentences per article")
    length.add_argument("--ratio", "-r", type=_ratio, help="summary length as a share of the article (0-1]")
    parser.add_argument("--encoding", help="decode files with this encoding instead of detecting it")
    parser.add_argument("--max-bytes", type=_positive_int, default=DEFAULT_MAX_BYTES,
                        help=f"skip (as failed) articles larger than this (default {DEFAULT_MAX_BYTES:,})")
    parser.add_argument("--workers", type=_positive_int, default=1,
                        help="processes that load, segment and summarize articles ahead of translation")
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu",
                        help="CTranslate2 device; auto = cuda when a GPU is available (default cpu)")
    parser.add_argument("--compute-type", help="CTranslate2 compute type (default int8 on cpu, int8_float16 on cuda)")
    parser.add_argument("--inter-threads", type=_positive_int,
                        help="articles translated at once on the CPU (default: the cores, up to 4; "
                             "a Dask worker: its --nthreads)")
    parser.add_argument("--intra-threads", type=_positive_int,
                        help="CTranslate2 threads per article (default: the cores / --inter-threads)")
    parser.add_argument("--batch-tokens", type=_positive_int, help="source tokens per CTranslate2 batch (default 2048)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the translation cache")
    dask = parser.add_mutually_exclusive_group()
    dask.add_argument("--cluster", metavar="local:N", help="run on a Dask LocalCluster of N worker processes")
    dask.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS (tcp://HOST:8786)")
    return parser


def cmd_batch(argv: Sequence[str]) -> int:
    args = _batch_parser().parse_args(argv)
    from reader import batch

    formats = tuple(dict.fromkeys(f.strip() for f in args.format.split(",") if f.strip()))
    unknown = [f for f in formats if f not in batch.FORMATS]
    if unknown or not formats:
        raise UserError(f"--format: unknown format {', '.join(unknown) or args.format!r} (use jsonl, markdown)",
                        EXIT_USAGE)
    if not args.sources and not args.urls:
        raise UserError("give at least one SOURCE (file, folder, .jsonl) or --urls FILE", EXIT_USAGE)
    cluster = None
    if args.cluster:
        try:
            cluster = batch.parse_cluster(args.cluster)
        except ValueError as exc:
            raise UserError(str(exc), EXIT_USAGE) from None
    settings = batch.BatchSettings(
        formats=formats, algorithm=args.algorithm, summary_count=args.sentences, summary_ratio=args.ratio,
        encoding=args.encoding, max_bytes=args.max_bytes, device=args.device, compute_type=args.compute_type,
        inter_threads=args.inter_threads, intra_threads=args.intra_threads, batch_tokens=args.batch_tokens,
        use_cache=not args.no_cache)
    try:
        summary = batch.run(args.sources, args.output, settings=settings, patterns=args.pattern or batch.DEFAULT_PATTERNS,
                            field=args.field, id_field=args.id_field, urls=args.urls, workers=args.workers,
                            cluster=cluster, scheduler=args.scheduler, warn=_warn)
    except batch.BatchError as exc:
        raise UserError(str(exc), exc.code) from None
    except KeyboardInterrupt:
        raise UserError("interrupted; finished articles are kept: run again to resume", EXIT_INTERRUPTED) from None
    line = (f"{summary.done} done, {summary.unchanged} unchanged, {summary.failed} failed of {summary.articles} "
            f"articles; {summary.sentences} sentences in {summary.seconds:.1f} s -> {args.output}")
    if summary.failed:
        raise UserError(f"{line} (failures are listed in {batch.MANIFEST})")
    print(f"qari: {line}", file=sys.stderr)
    return EXIT_OK


HANDLERS: dict[str, Callable[[Sequence[str]], int]] = {
    "summarize": cmd_summarize,
    "translate": cmd_translate,
    "models": cmd_models,
    "config": cmd_config,
    "lookup": cmd_lookup,
    "batch": cmd_batch,
    "library": cmd_library,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in HANDLERS:
            return HANDLERS[argv[0]](argv[1:])
        return cmd_read(argv)
    except UserError as exc:
        _err(str(exc))
        return exc.code
    except KeyboardInterrupt:
        _err("interrupted (finished translations are kept in the cache)")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("QARI_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set QARI_DEBUG=1 for details)")
        return EXIT_INTERNAL
