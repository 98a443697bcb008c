"""Command line: `qari [SOURCE]` opens the reader; `summarize`, `translate`, `models` and
`config` run headless. Every failure the user can cause is one line on stderr and a non-zero
exit code, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from reader.untrusted import SafeStream, one_line, quote_name, raw_stream, rewrite_line, visible

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70

COMMANDS = ("summarize", "translate", "models", "config", "lookup", "batch", "library", "words", "feeds")


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
    print(f"qari: {one_line(message)}", file=sys.stderr)


def _warn(message: str) -> None:
    _end_progress_line()
    print(f"qari: warning: {one_line(message)}", file=sys.stderr)


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
            "  models ...         list, install, import (OPUS-MT), use, remove or pack translation models\n"
            "  config             show or create the settings file\n"
            "  lookup WORD...     analyses of Arabic words: lemma, parts, English glosses\n"
            "  batch SOURCE... -o OUTDIR   translate and summarize many articles (resumable)\n"
            "  library            the articles you read (list, remove); qari --resume reopens the last\n"
            "  words ...          saved words, known words, Anki / CSV export (see qari words --help)\n"
            "  feeds ...          RSS/Atom subscriptions: add, update, items with English headlines\n\n"
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
    available.add_argument("--timeout", type=float, default=20.0,
                           help="seconds the whole index fetch may take (default 20)")
    install = sub.add_parser(
        "install", help="install a package: `install ar en` downloads it, `install FILE.argosmodel` uses a file",
        description="Install an Argos package, from the index (`qari models install ar en`, needs the "
                    "internet) or from a file (`qari models install FILE.argosmodel`).")
    install.add_argument("what", nargs="+", metavar="ARG", help="FROM TO language codes, or a .argosmodel file")
    install.add_argument("--index", metavar="URL", help="package index URL")
    install.add_argument("--timeout", type=float, default=60.0,
                         help="seconds to wait on the network, and for each server's answer to begin (default 60)")
    install.add_argument("--max-time", type=float, default=3600.0,
                         help="seconds one whole package download may take (default 3600)")
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
    _add_models_import_parser(sub)
    _add_models_use_parser(sub)
    return parser


def _add_models_import_parser(sub) -> None:
    from reader.translation.marian import QUANTIZATIONS

    parser = sub.add_parser(
        "import", help="convert and install a Marian/OPUS-MT release (.zip or folder), no torch needed",
        description="Convert a Marian / OPUS-MT model release (the .zip OPUS-MT publishes, or its unpacked "
                    "folder: decoder.yml, the model .npz, the vocabulary .yml, source.spm and target.spm) "
                    "with CTranslate2, pack it as an Argos package and install it next to the others. "
                    "qari then uses it (`qari models use NAME` switches).",
        epilog="example: qari models import opusTCv20210807+bt_transformer-big_2022-03-09.zip --name opus-mt-tc-big-ar-en")
    parser.add_argument("source", metavar="FILE.zip|DIR", help="the release zip or its unpacked folder")
    parser.add_argument("--name", help="package name (default: opus-mt[-tc-big]-FROM-TO, or the folder's opus-mt-* name)")
    parser.add_argument("--version", dest="pkg_version",
                        help="package version (default: the release date, e.g. 2022.03.09, else 1.0)")
    parser.add_argument("--quantization", choices=QUANTIZATIONS, default="int8",
                        help="weights as stored in the package (default int8, like Argos's packages)")
    parser.add_argument("--from", dest="from_code", help="source language (default: from the release's README or name)")
    parser.add_argument("--to", dest="to_code", help="target language (default: from the release's README or name)")
    parser.add_argument("--any-pair", action="store_true", help="accept a release for a pair other than ar->en")
    parser.add_argument("--replace", action="store_true",
                        help="remove the pair's other installed packages (default: keep them to switch back)")
    parser.add_argument("--no-use", action="store_true", help="install it but keep using the current model")


def _add_models_use_parser(sub) -> None:
    parser = sub.add_parser(
        "use", help="choose which installed ar->en package qari translates with",
        description="Choose the installed Arabic->English package that the reader, `translate`, `summarize` and "
                    "`batch` use, by its name or folder (see `qari models list`). Saved as `model` in the "
                    "settings file. Translations are cached per model, so switching never mixes them.")
    parser.add_argument("name", nargs="?", metavar="NAME", help="package name or folder name")
    parser.add_argument("--newest", action="store_true", help="forget the choice: use the newest installed package")


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
    from reader.translation.translate import NoModelError, load_translator

    try:
        return load_translator("ar", "en")
    except NoModelError as exc:
        if not quiet_warning:
            _warn(str(exc).splitlines()[0])
            for line in str(exc).splitlines()[1:]:
                print(f"  {line}", file=sys.stderr)
        return None


def _emit(text: str, output: str | None, force: bool) -> None:
    text = visible(text)  # a file is read in a terminal later: the same guarantee as stdout
    if output is None or output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from reader.export import ExportError, write_text_atomic

    try:
        path = write_text_atomic(output, text if text.endswith("\n") else text + "\n", force=force)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    print(f"qari: wrote {quote_name(path)}", file=sys.stderr)


def _progress_printer(total: int) -> Callable[[int, int], None] | None:
    """A one-line progress display on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty() or total == 0:
        return None

    def report(done: int, all_: int) -> None:
        global _progress_line_open
        end = "\n" if done >= all_ else ""
        rewrite_line(sys.stderr, f"qari: translating {done}/{all_} sentences", end=bool(end))
        _progress_line_open = not end

    return report


def _translate_all(translator, texts: Sequence[str], use_cache: bool = True) -> list[str | None]:
    if translator is None:
        return [None] * len(texts)
    from reader.translation.translate import NoModelError

    try:
        english = list(translator.translate(list(texts), progress=_progress_printer(len(texts)), use_cache=use_cache))
    except NoModelError as exc:  # installed but unloadable (a truncated model.bin): loaded lazily, so here
        raise UserError(str(exc).splitlines()[0]) from None
    # A locked, corrupt or unwritable cache does not stop translation; say what happened.
    for warning in getattr(getattr(translator, "cache", None), "warnings", None) or ():
        _warn(warning)
    for warning in getattr(translator, "warnings", None) or ():  # e.g. the chosen model is gone
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
        from reader.translation.translate import load_translator

        return load_translator("ar", "en")

    if library is not None:
        library.close()
    return run_app(article, config, translator_factory, start_at=start_at)


def _open_library():
    from reader.store.library import Library

    return Library.open()


def _resume(library):
    from reader.store.library import resume_article

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
    shown = 0
    try:
        shown = _library_warnings(library, shown)
        if args.action == "remove":
            return _library_remove(library, args)
        entries = library.recent(filter=args.filter)
        shown = _library_warnings(library, shown)  # a corrupt file may only show when read
        difficulty = _library_difficulties(library, entries)
        if args.json:
            print(json.dumps([e.to_json() | {"difficulty": difficulty.get(e.id)} for e in entries],
                             ensure_ascii=False, indent=1))
            return EXIT_OK
        if not entries:
            print("the library is empty" if not args.filter else "no entry matches", file=sys.stderr)
            return EXIT_OK
        import time

        for e in entries:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.opened_at))
            where = f"{min(e.position + 1, e.sentences)}/{e.sentences}"
            title = one_line(" ".join(e.title.split())) or "(untitled)"
            hard = f"{difficulty[e.id]:4.0%}" if e.id in difficulty else "   -"
            print(f"{e.short_id}  {when}  {where:>9}  {hard}  {title}  [{one_line(e.source)}]")
        return EXIT_OK
    finally:
        _library_warnings(library, shown)
        library.close()


def _library_difficulties(library, entries, key: str = "id") -> dict[str, float]:
    """{id: difficulty} of the entries' articles (reader.store.vocabulary; `key` names the attribute
    holding the library id): stored profiles, the missing ones computed now (this loads the
    lexicon and wordfreq once). Without the lexicon: {} and a warning."""
    if not entries:
        return {}
    from reader.config import load_config
    from reader.text.morphology import LexiconUnavailable
    from reader.store.vocabulary import Vocabulary

    try:
        return Vocabulary(library).difficulties([getattr(e, key) for e in entries], load_config().common_words)
    except LexiconUnavailable as exc:
        _warn(f"no difficulty: {exc}")
        return {}


def _library_warnings(library, shown: int) -> int:
    """Print the library's warnings from number ``shown`` on; the new count."""
    for warning in library.warnings[shown:]:
        _warn(warning)
    return len(library.warnings)


def _library_remove(library, args) -> int:
    if not args.id:
        raise UserError("library remove: which entry? give its ID (see `qari library`)", EXIT_USAGE)
    ids = library.find_id(args.id)
    if not ids:
        raise UserError(f"library: no entry with id {args.id}")
    if len(ids) > 1:
        raise UserError(f"library: more than one entry starts with {args.id}; give more of the id", EXIT_USAGE)
    entry = library.get(ids[0], with_text=False)
    title = one_line(" ".join(entry.title.split())) if entry else ids[0]
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError("library remove: not removing without confirmation (add --yes)", EXIT_USAGE)
        answer = input(one_line(f"remove {ids[0][:12]} {title}? [y/N] ")).strip().lower()
        if answer not in ("y", "yes"):
            print("kept", file=sys.stderr)
            return EXIT_OK
    if not library.remove(ids[0]):
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
    from reader.summary.summarize import summarize_article

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
    from reader.translation import packages

    try:
        if args.action in (None, "list"):
            return _models_list(packages)
        if args.action == "available":
            for m in packages.available(index_url=args.index, timeout=args.timeout):
                mark = "*" if (m.from_code, m.to_code) == ("ar", "en") else " "
                print(one_line(f"{mark} {m.from_code}->{m.to_code}  {m.version:<8} {m.name}"))
            return EXIT_OK
        if args.action == "install":
            return _models_install(packages, args)
        if args.action == "remove":
            removed = packages.remove(args.from_code, args.to_code)
            if not removed:
                raise UserError(f"no installed package for {args.from_code}->{args.to_code}")
            for gone in removed:
                print(one_line(f"removed {gone.from_code}->{gone.to_code} {gone.version} ({quote_name(gone.path)})"))
            return EXIT_OK
        if args.action == "import":
            return _models_import(packages, args)
        if args.action == "use":
            return _models_use(packages, args)
        if args.action == "pack":
            from reader.translation.packing import pack

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
        from reader.translation.packages import NO_MODEL_HELP

        print("no Argos packages installed")
        print(NO_MODEL_HELP)
        return EXIT_OK
    from reader.translation.packages import not_installed_note, preferred_name

    preferred = preferred_name("ar", "en")
    used = packages.which_used("ar", "en", preferred)
    for m in installed:
        mark = "*" if used is not None and m.path == used.path else " "
        print(one_line(f"{mark} {m.from_code}->{m.to_code}  {m.version:<10} {m.size_bytes / 1e6:7.1f} MB  {m.name}  "
                       f"{quote_name(m.path)}"))
    if used is not None:
        chosen = preferred in (used.name, used.path.name) if preferred else False
        how = "chosen with `qari models use`" if chosen else "the newest; `qari models use NAME` chooses another"
        print(f"* = used by qari for Arabic -> English ({how})")
    if preferred and (used is None or preferred not in (used.name, used.path.name)):
        _warn(not_installed_note(preferred, used.name if used else None))
    return EXIT_OK


def _models_import(packages, args) -> int:
    from reader.translation.marian import import_release

    step = (lambda text: print(f"qari: {text} ...", file=sys.stderr, flush=True)) if sys.stderr.isatty() else None
    try:
        installed = import_release(args.source, name=args.name, version=args.pkg_version,
                                   quantization=args.quantization, from_code=args.from_code, to_code=args.to_code,
                                   expect=None if args.any_pair else ("ar", "en"), replace=args.replace, step=step)
    except KeyboardInterrupt:
        raise UserError("cancelled; nothing was installed", EXIT_INTERRUPTED) from None
    print(f"installed {installed.name} {installed.version} ({installed.from_code}->{installed.to_code}, "
          f"{installed.size_bytes / 1e6:.1f} MB) at {installed.path}")
    if (installed.from_code, installed.to_code) != ("ar", "en"):
        return EXIT_OK
    if args.no_use:
        print(f"to translate with it: qari models use {installed.path.name}")
        return EXIT_OK
    _set_model_choice(installed.path.name)
    print("qari now translates with it; `qari models use NAME` switches (see `qari models list`)")
    return EXIT_OK


def _set_model_choice(value: str) -> None:
    from reader.config import ConfigError, set_setting

    try:
        path = set_setting("model", value)
    except ConfigError as exc:
        raise UserError(f"could not save the choice: {exc}") from None
    print(f"saved model = {value!r} in {path}")


def _models_use(packages, args) -> int:
    if args.newest == bool(args.name):
        raise UserError("give a package NAME (see `qari models list`) or --newest", EXIT_USAGE)
    if args.newest:
        _set_model_choice("")
        used = packages.which_used("ar", "en", "")
        print(f"qari uses the newest installed package: {used.name + ' ' + used.version if used else 'none installed'}")
        return EXIT_OK
    candidates = [m for m in packages.list_installed() if (m.from_code, m.to_code) == ("ar", "en")]
    if not any(args.name in (m.name, m.path.name) for m in candidates):
        names = ", ".join(sorted({m.name for m in candidates} | {m.path.name for m in candidates})) or "none"
        raise UserError(f"no installed ar->en package is called {args.name!r} (installed: {names})")
    _set_model_choice(args.name)
    used = packages.which_used("ar", "en", args.name)
    print(f"qari now translates Arabic -> English with {used.name} {used.version} ({used.path})")
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
                                            timeout=args.timeout, max_time=args.max_time,
                                            retries=max(1, args.retries),
                                            replace=not args.keep_others)
        else:
            raise UserError("install takes FROM TO (e.g. `ar en`) or one .argosmodel file", EXIT_USAGE)
    except KeyboardInterrupt:
        raise UserError("cancelled; nothing was installed", EXIT_INTERRUPTED) from None
    print(one_line(f"installed {installed.from_code}->{installed.to_code} {installed.version} at "
                   f"{quote_name(installed.path)}"))
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
        rewrite_line(sys.stderr, f"qari: {line}   ", end=bool(total and done >= total))

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
    from reader.text.morphology import LexiconUnavailable, format_text, lookup_word

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


# --- words ---------------------------------------------------------------------------------------

WORDS_ACTIONS = ("list", "known", "learning", "import", "export")


def _words_parser(action: str = "list") -> argparse.ArgumentParser:
    if action == "known" or action == "learning":
        parser = argparse.ArgumentParser(
            prog=f"qari words {action}",
            description=("Mark the lemma of each WORD known: every form of it then counts as known "
                         "(difficulty, the reader's underline)." if action == "known" else
                         "Mark the lemma of each WORD as still being learnt (no longer known).")
            + " Tashkeel chooses the reading (كُتُب: books); without it the most likely reading is used.")
        parser.add_argument("words", nargs="+", metavar="WORD", help="Arabic words")
        return parser
    if action == "import":
        parser = argparse.ArgumentParser(
            prog="qari words import",
            description="Mark known the lemmas of a plain list of words, one a line (UTF-8; the first Arabic "
                        "word of each line counts, so `word<TAB>translation` lists work). - reads stdin.")
        parser.add_argument("file", metavar="FILE", help="the word list, or - for stdin")
        return parser
    if action == "export":
        parser = argparse.ArgumentParser(
            prog="qari words export",
            description="Write the saved words to an Anki deck (one note per word; exporting again updates the "
                        "same notes) or to CSV. Files are written atomically.")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--anki", metavar="FILE.apkg", help="an Anki package (import it in Anki)")
        target.add_argument("--csv", metavar="FILE", help="CSV with a header row")
        parser.add_argument("--deck", default="qari", help="Anki deck name (default qari)")
        _words_filters(parser)
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
        return parser
    parser = argparse.ArgumentParser(
        prog="qari words",
        description="The words you saved in the reader (a in the word lookup), with the sentence they came from. "
                    "Also: `qari words known|learning WORD…`, `qari words import FILE` (a list of known words), "
                    "`qari words export --anki FILE.apkg | --csv FILE` (each has --help).")
    parser.add_argument("--json", action="store_true", help="print a JSON array, one object per word")
    _words_filters(parser)
    return parser


def _words_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", choices=("learning", "known"), help="only words in this state")
    parser.add_argument("--article", metavar="ID", help="only words saved from this library entry (id prefix)")


def _words_selection(vocabulary, library, args) -> list:
    article = None
    if args.article:
        ids = library.find_id(args.article)
        if len(ids) != 1:
            raise UserError(f"words: {'no' if not ids else 'more than one'} library entry with id {args.article}",
                            EXIT_USAGE if ids else EXIT_ERROR)
        article = ids[0]
    return vocabulary.words(state=args.state, article_id=article)


def cmd_words(argv: Sequence[str]) -> int:
    argv = list(argv)
    action = argv.pop(0) if argv and argv[0] in WORDS_ACTIONS else "list"
    args = _words_parser(action).parse_args(argv)
    from reader.text.morphology import LexiconUnavailable
    from reader.store.vocabulary import Vocabulary, VocabularyError, clean

    library = _open_library()
    try:
        for warning in library.warnings:
            _warn(warning)
        vocabulary = Vocabulary(library)
        try:
            if action in ("known", "learning"):
                return _words_set_state(vocabulary, args.words, action == "known")
            if action == "import":
                return _words_import(vocabulary, args.file)
        except LexiconUnavailable as exc:
            raise UserError(str(exc)) from None
        except VocabularyError as exc:
            raise UserError(str(exc)) from None
        words = _words_selection(vocabulary, library, args)
        if action == "export":
            return _words_export(words, args)
        if args.json:
            _emit(json.dumps([w.to_json() for w in words], ensure_ascii=False, indent=1), None, False)
            return EXIT_OK
        if not words:
            print("no saved words" + (" match" if args.state or args.article else
                                      " yet: in the reader, look a word up (w, Enter) and press a"), file=sys.stderr)
            return EXIT_OK
        for w in words:
            print(f"{clean(w.word)}  {clean(w.vocalised)}  [{clean(w.lemma)}]  {clean(w.gloss)}  ({w.state}, "
                  f"{w.lookups}×)  {clean(w.title or w.source, 60)}")
        return EXIT_OK
    finally:
        library.close()


def _words_set_state(vocabulary, words: Sequence[str], known: bool) -> int:
    from reader.text.morphology import word_kind
    from reader.store.vocabulary import lemma_key

    tokens = [w for arg in words for w in arg.split()]
    bad = [w for w in tokens if word_kind(w) != "arabic"]
    if bad:
        raise UserError(f"words: not an Arabic word: {bad[0]!r}", EXIT_USAGE)
    pairs = [lemma_key(w) for w in tokens]
    if not vocabulary.set_known(pairs, known):
        raise UserError("words: could not save (see the warnings above)")
    for word, (key, lemma) in zip(tokens, pairs, strict=True):
        print(f"{word} → {lemma} ({key.lstrip('=')}): {'known' if known else 'learning'}")
    return EXIT_OK


def _words_import(vocabulary, name: str) -> int:
    from reader.store.vocabulary import WORDLIST_MAX_BYTES, import_known

    data = None
    if name == "-":
        data = sys.stdin.buffer.read(WORDLIST_MAX_BYTES + 1)
        name = "<stdin>"
    result = import_known(vocabulary, name, data=data)
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    print(f"qari: {count(result.words, 'word')}, {count(result.lemmas, 'lemma')} marked known"
          + (f"; {count(result.skipped, 'line')} without an Arabic word skipped" if result.skipped else ""),
          file=sys.stderr)
    return EXIT_OK


def _words_export(words, args) -> int:
    from reader.export import ExportError, write_text_atomic
    from reader.store.vocabulary import words_csv, write_anki

    try:
        if args.anki:
            path = write_anki(words, args.anki, deck=args.deck, force=args.force)
        else:
            path = write_text_atomic(args.csv, words_csv(words), force=args.force)
    except ExportError as exc:
        raise UserError(str(exc)) from None
    print(f"qari: wrote {len(words)} word{'s' if len(words) != 1 else ''} to {path}", file=sys.stderr)
    return EXIT_OK


# --- feeds -----------------------------------------------------------------------------------

FEEDS_HOWTO = ("no feeds yet: subscribe with `qari feeds add URL` (a feed's URL, or a news site's homepage "
               "that advertises one), or bring your list with `qari feeds import FILE.opml`")


def _feeds_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qari feeds",
        description="Subscribe to RSS and Atom feeds of Arabic news, update them, and list their items with "
                    "English headlines (translated offline). In the reader, press f for the feed screen. "
                    "Subscriptions and items are kept in the library file (QARI_LIBRARY overrides it).",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")  # none: list
    lister = sub.add_parser("list", help="subscriptions with their unread counts (the default)",
                            description="List the subscriptions: unread/total items, name, URL, last error.")
    lister.add_argument("--json", action="store_true", help="print a JSON array, one object per feed")
    add = sub.add_parser("add", help="subscribe to a feed (a homepage is followed to the feed it advertises)",
                         description="Fetch URL once, check that it is an RSS or Atom feed (a web page is followed "
                                     "to the feed it advertises with <link rel=\"alternate\">) and subscribe.")
    add.add_argument("url", metavar="URL")
    add.add_argument("--name", help="the name to list it under (default: the feed's own title)")
    add.add_argument("--timeout", type=float, default=20.0, help="seconds to wait on the network (default 20)")
    remove = sub.add_parser("remove", help="unsubscribe (its items go too; fetched articles stay in the library)",
                            description="Remove a subscription and its items. Articles already fetched into the "
                                        "library stay there.")
    remove.add_argument("feed", metavar="NAME|URL", help="the feed's name, URL or number in `qari feeds list`")
    update = sub.add_parser("update", help="fetch new items of every feed",
                            description="Refresh every feed (a few at a time; an unchanged feed costs one small "
                                        "conditional request). A feed that fails is one line; the others go on. "
                                        "The exit status is 1 only when every feed failed.")
    update.add_argument("--fetch-articles", action="store_true",
                        help="also download and extract the articles of unread items into the library "
                             "(read offline later; at most 50 per feed, newest first)")
    update.add_argument("--timeout", type=float, default=20.0, help="seconds per feed (default 20)")
    update.add_argument("--workers", type=_positive_int, default=4, help="feeds fetched at once (default 4)")
    items = sub.add_parser("items", help="items, newest first, with English headlines",
                           description="List items newest first: age, unread mark, feed, the Arabic headline and "
                                       "its English translation (offline, cached; none without a model).")
    items.add_argument("feed", nargs="?", metavar="FEED", help="only this feed (name, URL or number)")
    items.add_argument("--unread", action="store_true", help="only items not read yet")
    items.add_argument("--json", action="store_true",
                       help="print a JSON array: feed, title, title_en, link, published (ISO 8601), read")
    items.add_argument("--limit", "-n", type=_positive_int, help="at most this many items")
    items.add_argument("--no-translate", action="store_true", help="do not translate the headlines")
    imp = sub.add_parser("import", help="subscribe to every feed of an OPML file",
                         description="Subscribe to the feeds listed in an OPML file (from another reader). "
                                     "Feeds are not fetched now: run `qari feeds update`.")
    imp.add_argument("file", metavar="FILE.opml")
    exp = sub.add_parser("export", help="write the subscriptions as OPML 2.0",
                         description="Write the subscriptions as an OPML 2.0 document, to stdout or a file "
                                     "(written atomically).")
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    exp.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    return parser


def cmd_feeds(argv: Sequence[str]) -> int:
    parser = _feeds_parser()
    args = parser.parse_args(argv)
    from reader.store.feeds import FeedStore

    library = _open_library()
    try:
        for warning in library.warnings:
            _warn(warning)
        store = FeedStore(library)
        action = args.action or "list"
        handler = {"list": _feeds_list, "add": _feeds_add, "remove": _feeds_remove, "update": _feeds_update,
                   "items": _feeds_items, "import": _feeds_import, "export": _feeds_export}[action]
        code = handler(store, args)
        for warning in library.warnings:
            _warn(warning)
        return code
    finally:
        library.close()


def _find_feed(store, wanted: str):
    feed = store.find(wanted)
    if feed is None:
        raise UserError(f"feeds: no subscription named {wanted!r} (see `qari feeds list`)")
    return feed


def _feeds_list(store, args) -> int:
    feeds = store.feeds()
    if getattr(args, "json", False):
        print(json.dumps([f.to_json() for f in feeds], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not feeds:
        print(FEEDS_HOWTO, file=sys.stderr)
        return EXIT_OK
    for n, feed in enumerate(feeds, 1):
        line = f"{n:>3}  {feed.unread:>4} unread / {feed.items:<5} {feed.name}  <{feed.url}>"
        if feed.error:
            line += f"  (last update failed: {feed.error})"
        print(line)
    return EXIT_OK


def _feeds_add(store, args) -> int:
    from reader.store.feeds import subscribe
    from reader.web.net import NetError

    try:
        feed, new = subscribe(store, args.url, args.name, timeout=args.timeout)
    except NetError as exc:
        from reader.store.feeds import clean_feed_text

        raise UserError(f"feeds add: {clean_feed_text(str(exc), 400)}") from None
    via = "" if feed.url == args.url.strip() else f" (found at {feed.url})"
    print(f"qari: subscribed to {feed.name}{via}: {len(new)} items", file=sys.stderr)
    return EXIT_OK


def _feeds_remove(store, args) -> int:
    feed = _find_feed(store, args.feed)
    if not store.remove(feed):
        raise UserError(f"feeds: could not remove {feed.name}")
    print(f"qari: removed {feed.name} <{feed.url}>", file=sys.stderr)
    return EXIT_OK


def _feeds_update(store, args) -> int:
    from reader.store.feeds import update_feeds

    feeds = store.feeds()
    if not feeds:
        print(FEEDS_HOWTO, file=sys.stderr)
        return EXIT_OK
    progress, finish = _feed_progress(len(feeds))
    try:
        results = update_feeds(store, feeds, fetch_articles=args.fetch_articles, workers=args.workers,
                               timeout=args.timeout, progress=progress)
    except KeyboardInterrupt:
        raise UserError("interrupted; the feeds updated so far are kept", EXIT_INTERRUPTED) from None
    finally:
        finish()
    failed = [r for r in results if r.error]
    for result in sorted(failed, key=lambda r: r.feed.name.casefold()):
        _err(f"{result.feed.name}: {result.error}")
    for result in results:
        for line in result.article_errors:
            _warn(f"{result.feed.name}: article not fetched: {line}")
    new = sum(len(r.new) for r in results)
    unchanged = sum(1 for r in results if r.unchanged)
    line = f"{len(results) - len(failed)} of {len(results)} feeds updated ({unchanged} unchanged): {new} new items"
    if args.fetch_articles:
        line += f", {sum(r.articles for r in results)} articles saved for offline reading"
    print(f"qari: {line}", file=sys.stderr)
    return EXIT_ERROR if failed and len(failed) == len(results) else EXIT_OK


def _feed_progress(total: int):
    """A Rich progress bar on stderr when it is a terminal; (callback, finish)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("qari: updating feeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[last]}"), console=Console(file=raw_stream(sys.stderr)), transient=True)
    task = progress.add_task("feeds", total=total, last="")
    progress.start()

    def report(done: int, all_: int, result) -> None:
        from rich.markup import escape

        progress.update(task, completed=done, last=escape(one_line(result.feed.name[:40])))

    return report, progress.stop


def _feeds_items(store, args) -> int:
    feed = _find_feed(store, args.feed) if args.feed else None
    items = store.items(feed, unread=args.unread, limit=args.limit)
    english: list[str | None] = [None] * len(items)
    if items and not args.no_translate:
        translator = _translator_or_none(quiet_warning=args.json)
        english = _translate_all(translator, [i.title for i in items])
    if args.json:
        difficulty = _library_difficulties(store.library, [i for i in items if i.article_id], key="article_id")
        print(json.dumps([i.to_json(en, difficulty.get(i.article_id or "")) for i, en in zip(items, english, strict=True)],
                         ensure_ascii=False, indent=1))
        return EXIT_OK
    if not items:
        print("no items: run `qari feeds update`" if store.feeds() else FEEDS_HOWTO, file=sys.stderr)
        return EXIT_OK
    import time

    from reader.store.feeds import age_text, clean_feed_text

    now = time.time()
    for item, en in zip(items, english, strict=True):
        mark = " " if item.read else "*"
        print(f"{mark} {age_text(now - item.published):>4}  {item.feed}  {item.title}")
        if en:
            print(f"        {clean_feed_text(en, 600)}")
        if item.link:
            print(f"        {item.link}")
    return EXIT_OK


def _feeds_import(store, args) -> int:
    from reader.store.feeds import OPML_MAX_BYTES, FeedError, feed_url, read_opml
    from reader.web.net import NetError

    try:
        with open(args.file, "rb") as handle:
            data = handle.read(OPML_MAX_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{args.file}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{args.file}: is a directory, not an OPML file") from None
    except OSError as exc:
        raise UserError(f"{args.file}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > OPML_MAX_BYTES:
        raise UserError(f"{args.file}: larger than the {OPML_MAX_BYTES // (1024 * 1024)} MiB an OPML file may be")
    try:
        outlines = read_opml(data)
    except FeedError as exc:
        raise UserError(f"{args.file}: {exc}") from None
    known = {f.url for f in store.feeds()}
    added = skipped = 0
    for url, name in outlines:
        try:
            url = feed_url(url)
        except NetError as exc:
            _warn(f"{args.file}: skipped: {exc}")
            skipped += 1
            continue
        if url in known:
            continue
        import urllib.parse

        if store.add(url, name or urllib.parse.urlsplit(url).hostname or url) is not None:
            known.add(url)
            added += 1
    print(f"qari: {added} feeds added from {args.file} ({len(outlines) - added - skipped} already there"
          f"{f', {skipped} skipped' if skipped else ''}); fetch them with `qari feeds update`", file=sys.stderr)
    return EXIT_OK


def _feeds_export(store, args) -> int:
    from reader.store.feeds import opml_document

    _emit(opml_document(store.feeds()), args.output, args.force)
    return EXIT_OK


HANDLERS: dict[str, Callable[[Sequence[str]], int]] = {
    "summarize": cmd_summarize,
    "translate": cmd_translate,
    "models": cmd_models,
    "config": cmd_config,
    "lookup": cmd_lookup,
    "batch": cmd_batch,
    "library": cmd_library,
    "words": cmd_words,
    "feeds": cmd_feeds,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Everything it prints goes through `reader.untrusted.SafeStream`: text
    from outside (titles, file names, server messages, package fields) never reaches the
    terminal with a control character in it, whichever `print` it came through."""
    argv = list(sys.argv[1:] if argv is None else argv)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        if isinstance(sys.stdout, SafeStream):
            sys.stdout = streams[0]
        if isinstance(sys.stderr, SafeStream):
            sys.stderr = streams[1]


def _main(argv: list[str]) -> int:
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
