#!/usr/bin/env python3
"""Hand-picked mutation testing for qari's core: does the suite notice a one-line bug?

Each mutant below is one meaningful change a real bug could make (a rule dropped, an
off-by-one, a write that is no longer atomic, a cache that is never read...), written as
(file, exact original fragment, replacement, the tests that guard that code, what it breaks).
The list is fixed, so two runs give the same figures and a kill ratio can be compared from
one commit to the next. A whole-suite run per mutant would take hours on two shared cores,
so every mutant runs only the test files (or node ids / -k selections) that cover its module.

How it works: the tree (reader/, widgets/, assets/, tests/, pyproject.toml) is copied once to
a temporary folder; for each mutant the fragment is replaced there (it must occur exactly
once), ``python -m pytest -x -q`` runs the mapped tests with PYTHONPATH pointing at the copy,
and the file is restored. The worktree itself is never modified. A failing test run (or a
timeout) kills the mutant; a passing one means it survived. Each distinct test selection is
first run unmutated: if that baseline fails, its mutants are reported as "baseline-failed"
and left out of the ratio (a red suite cannot kill anything honestly).

Usage (from the repository root):
  python tests/mutation/run_mutants.py                 # all mutants, prints RESULT kill_ratio=...
  python tests/mutation/run_mutants.py --list          # the mutants, without running anything
  python tests/mutation/run_mutants.py --only seg-list-number exp-force-in-place
  python tests/mutation/run_mutants.py --module segment --module search
  python tests/mutation/run_mutants.py --tree /tmp/old-checkout   # measure another checkout
                                                      # (the mutants of this script, its tests)
  python tests/mutation/run_mutants.py --check         # do all fragments still apply? (no tests)
The last line is ``RESULT kill_ratio=0.xx killed=K survived=S total=N errors=E`` (errors are not in
the ratio). A mutant whose fragment no longer occurs exactly once (the code moved) is reported
as an ``error`` line naming it, and the run goes on with the others.

CORE_MODULES lists the modules the list must cover; one without a mutant is reported. The
subprocesses get PYTHONPATH pointing at the copy, and tests/screen.py's ``terminal_env`` passes
it on, so the tmux tests run the mutated qari too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COPIED = ("reader", "widgets", "assets", "tests", "pyproject.toml", "README.md")

# The tests that guard each module (pytest arguments). Subprocess-heavy files are narrowed
# with -k so one mutant costs seconds, not minutes.
SEGMENT = ("tests/test_segment.py", "tests/test_article.py")
EXPORT = ("tests/test_export.py", "tests/test_hostile_inputs.py", "tests/test_cli.py", "-k",
          "test_export or read_only or full or mid_file or write or save or force or atomic or exists"
          " or summarize or output")
SEARCH = ("tests/test_search.py", "tests/test_app.py", "-k", "search")
TRANSLATE = ("tests/test_translate.py",)
CACHE = ("tests/test_cache.py", "tests/test_translate.py")
ARTICLE = ("tests/test_article.py", "tests/test_hostile_inputs.py", "-k",
           "test_article or unreadable or deleted or changed or keeps_every_word or article_file")
SUMMARIZE = ("tests/test_summarize.py",)
CONFIG = ("tests/test_config.py", "tests/test_hostile_inputs.py", "-k", "test_config or config")
APP = ("tests/test_app.py", "tests/test_app_reading.py")
READING = ("tests/test_app_reading.py",)
APP_TRANSLATION = ("tests/test_app.py", "-k", "translation_worker_progress")
LIBRARY = ("tests/test_library.py", "-m", "not e2e")
BATCH = ("tests/test_batch.py", "-k", "unsafe or numbers or swept")
BATCH_RESUME = ("tests/test_batch.py", "-k", "rerun_skips or urls_are_fetched")
BATCH_PROGRESS = ("tests/test_batch_progress.py",)
LOOKUP = ("tests/test_lookup.py", "-k", "not bench and not screen")
TEXTIO = ("tests/test_article.py",)
JOB = ("tests/test_translation_job.py",)
NET = ("tests/test_net.py", "tests/test_fetch.py")
FETCH = ("tests/test_fetch.py",)
PACKAGES = ("tests/test_packages.py", "-k", "not e2e")
BIDI = ("tests/test_bidi.py", "tests/test_bidi_conformance.py")

CORE_MODULES = (
    "reader/text/segment.py", "reader/export.py", "reader/text/search.py", "reader/text/arabic.py", "reader/translation/translate.py",
    "reader/translation/cache.py", "reader/store/sqlite_files.py", "reader/article.py", "reader/textio.py", "reader/summary/summarize.py",
    "reader/summary/news.py", "reader/config.py", "reader/store/library.py", "reader/text/morphology.py",
    "reader/text/morphology_buckwalter.py", "reader/text/uax9.py", "reader/text/bidi.py", "reader/translation/translation_job.py",
    "reader/web/net.py", "reader/web/fetch.py", "reader/web/extract.py", "reader/translation/packages.py", "reader/store/feeds.py",
    "reader/store/vocabulary.py", "reader/batch/work.py", "reader/batch/sources.py", "reader/batch/per_article.py",
    "reader/batch/engine.py", "reader/batch/manifest.py", "reader/batch/progress.py", "reader/batch/writer.py",
    "reader/batch/runner.py",
    "reader/untrusted.py", "reader/translation/marian.py",
    # New core modules go here with their mutants below (e.g. feeds, vocabulary): a module
    # listed here without a mutant is reported by --list and by every run.
)
FEEDS = ("tests/test_feeds.py", "-k", "not cli")
VOCABULARY = ("tests/test_vocabulary.py",)
UNTRUSTED = ("tests/test_untrusted.py",)
MARIAN = ("tests/test_marian_import.py", "-k", "not reader and not batch and not summarize")
RESUME = ("tests/test_resume.py", "-m", "not e2e")


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    original: str
    replacement: str
    tests: tuple[str, ...]
    what: str

    @property
    def module(self) -> str:
        return Path(self.path).stem


M = Mutant
MUTANTS: list[Mutant] = [
    # --- reader/text/segment.py -------------------------------------------------------------------
    M("seg-dotted-initials", "reader/text/segment.py",
      'return bool(re.fullmatch(r"(?:\\w\\.)+\\w", word)) and len(word) <= 7', "return False",
      SEGMENT, "dotted initials (A.B.C. News, ص.ب. 123) end a sentence"),
    M("seg-list-number", "reader/text/segment.py",
      "if token.isdigit() and len(token) <= 2 and _line_prefix_is_empty(text, start - len(token)):",
      "if False:", SEGMENT, 'a numbered list line ("1. قال ...") splits off a bare "1."'),
    # (Dropping the "1.3" digit rule is an equivalent mutant: a period followed by a digit is
    # never a boundary anyway. Not listed.)
    M("seg-closers", "reader/text/segment.py",
      r'''[.!?؟…]+[\"'”’»)\]}›]*")''', '[.!?؟…]+")', SEGMENT,
      "a closing quote or bracket after the period starts the next sentence"),
    M("seg-abbreviation", "reader/text/segment.py",
      'if token and _is_abbreviation(token) and after not in "\\n":', "if False:", SEGMENT,
      "abbreviations (د. , Dr.) end a sentence"),
    M("seg-single-initial", "reader/text/segment.py",
      "if len(word) == 1 and word.isalpha():", "if False:", SEGMENT,
      "single-letter initials (J. , م.) end a sentence"),
    M("seg-url", "reader/text/segment.py",
      "if _inside(m.start(), protected) and _inside(m.end() - 1, protected):", "if False:", SEGMENT,
      "URLs and e-mail addresses are split at their dots"),
    M("seg-newline", "reader/text/segment.py",
      "cuts.extend(m.start() for m in _NEWLINE.finditer(text))", "pass", SEGMENT,
      "a line break no longer ends a sentence"),
    M("seg-arabic-no-space", "reader/text/segment.py",
      'if _is_arabic_letter(after) and (before == "" or not before.isdigit()):', "if False:", SEGMENT,
      'no split between Arabic words glued by a period ("ماسك.وقال")'),
    M("seg-arabic-comma", "reader/text/segment.py",
      '_TERMINATOR_RUN = re.compile(r"[.!?؟…]+', '_TERMINATOR_RUN = re.compile(r"[.!?؟…،]+', SEGMENT,
      "the Arabic comma ends a sentence"),
    M("seg-trim", "reader/text/segment.py",
      "while end > start and text[end - 1].isspace():", "while False:", SEGMENT,
      "sentence spans keep trailing whitespace"),
    # --- reader/export.py --------------------------------------------------------------------
    M("exp-force-in-place", "reader/export.py",
      "        if force:\n            os.replace(tmp, target)",
      "        if force:\n            target.write_text(text, encoding='utf-8', newline='\\n')",
      EXPORT, "a --force save writes the target in place instead of temp file + rename"),
    M("exp-temp-left", "reader/export.py",
      "        tmp.unlink(missing_ok=True)", "        pass", EXPORT,
      "a failed or finished save leaves its temporary file behind"),
    M("exp-no-clobber", "reader/export.py",
      "            except FileExistsError:\n                raise ExportExists",
      "            except FileExistsError:\n                os.replace(tmp, target)\n                raise ExportExists",
      EXPORT, "without --force, a file created meanwhile is overwritten"),
    M("exp-escape-hash", "reader/export.py",
      '_MD_SPECIAL = re.compile(r"[\\\\`*<>#|~]|', '_MD_SPECIAL = re.compile(r"[\\\\`*<>|~]|',
      EXPORT, "a # in a title or translation is not escaped in the Markdown"),
    M("exp-no-translation-note", "reader/export.py",
      'else f"> {NO_TRANSLATION}", ""]', 'else "", ""]', EXPORT,
      "a sentence without translation gets no note in the export"),
    # --- reader/text/search.py, reader/text/arabic.py -----------------------------------------------------
    M("search-fold-ya-ta", "reader/text/arabic.py",
      '"\\u0649": "\\u064a", "\\u0629": "\\u0647"', '"\\u0649": "\\u0649", "\\u0629": "\\u0629"', SEARCH,
      "search no longer folds ى/ي and ة/ه (مدرسه does not find المدرسة)"),
    M("search-harakat-tail", "reader/text/search.py",
      'while b < len(text) and strip_tashkeel(text[b]) == "":', "while False:", SEARCH,
      "the harakat of the last matched letter fall outside the match"),
    M("search-first-only-ar", "reader/text/search.py",
      "start = folded.find(key, start + max(1, len(key)))", "start = -1", SEARCH,
      "only the first Arabic match of a sentence is found"),
    M("search-first-only-en", "reader/text/search.py",
      "start = lowered.find(folded_query, start + len(folded_query))", "start = -1", SEARCH,
      "only the first English match of a translation is found"),
    M("search-case", "reader/text/search.py",
      "folded_query = query.casefold()", "folded_query = query", SEARCH,
      "English search is case-sensitive"),
    # --- reader/translation/translate.py -----------------------------------------------------------------
    M("tr-long-first-piece", "reader/translation/translate.py",
      'finished.append((pool[t], " ".join(x for x in texts if x)))', "finished.append((pool[t], texts[0]))",
      TRANSLATE, "a sentence longer than the model accepts is translated as its first piece only"),
    M("tr-long-drop-pieces", "reader/translation/translate.py",
      "return [(p, self.encode(p)) for p in parts]", "return [(p, self.encode(p)) for p in parts[:1]]",
      TRANSLATE, "the pieces of a long sentence after the first are never translated"),
    M("tr-priority", "reader/translation/translate.py",
      "                if rank < n_first:\n                    priority.add(text)",
      "                if False:\n                    priority.add(text)", TRANSLATE,
      "the sentences asked for first (on screen) are not translated first"),
    M("tr-cache-never-read", "reader/translation/translate.py",
      "if use_cache and self.cache is not None and unique:", "if False:", TRANSLATE,
      "the translation cache is never read"),
    M("tr-cache-never-written", "reader/translation/translate.py",
      "                self.cache.put_many(self.model_key, finished)", "                pass", TRANSLATE,
      "finished translations are never stored in the cache"),
    M("tr-key-decoding", "reader/translation/translate.py",
      'f":{self.decoding.key()}:buckets', 'f":buckets', TRANSLATE,
      "the cache key ignores the decoding options (beam size...): stale translations are served"),
    M("tr-clause-cuts", "reader/translation/translate.py",
      "    for chars in _BOUNDARY_CLASSES:", "    for chars in ():", TRANSLATE,
      "long sentences are cut at spaces, never at clause boundaries (، ؛ ,)"),
    M("tr-length-per-sentence", "reader/translation/translate.py",
      "return max(1, int(options.max_length_ratio * edge + options.max_length_extra))",
      "return max(1, int(options.max_length_ratio * n_tokens + options.max_length_extra))", TRANSLATE,
      "the decode cap follows each sentence, not its bucket: a batch differs from one-by-one"),
    M("tr-whitespace-to-model", "reader/translation/translate.py",
      "            if not text.strip():\n                empty.append((i, \"\"))",
      "            if not text:\n                empty.append((i, \"\"))", TRANSLATE,
      "whitespace-only sentences are sent to the model"),
    # --- reader/translation/cache.py ---------------------------------------------------------------------
    M("cache-models-mixed", "reader/translation/cache.py",
      "WHERE model = ? AND source_hash IN", "WHERE (model = ? OR 1) AND source_hash IN", CACHE,
      "a translation cached for one model is served for another"),
    M("cache-corrupt-not-set-aside", "reader/store/sqlite_files.py",
      "                self._set_aside(exc)\n            elif not self._open_read_only(exc):",
      "                self._use_memory(None)\n            elif not self._open_read_only(exc):",
      CACHE, "a corrupt cache file is not moved aside (memory only, silently, every run)"),
    M("cache-other-layout", "reader/translation/cache.py",
      'conn.execute("DROP TABLE IF EXISTS translations")', "pass", CACHE,
      "a cache file of another layout is never rebuilt: memory only, on every run"),
    M("cache-no-commit", "reader/translation/cache.py",
      "            with conn:\n                conn.executemany(", "            if True:\n                conn.executemany(",
      CACHE, "stored translations are never committed (lost at exit)"),
    M("cache-first-chunk", "reader/translation/cache.py",
      "for i in range(0, len(hashes), _CHUNK):", "for i in range(0, min(len(hashes), _CHUNK), _CHUNK):", CACHE,
      "only the first 500 sentences are looked up in the cache"),
    M("cache-no-recovery", "reader/translation/cache.py",
      "if self.in_memory or attempt:", "if True:", CACHE,
      "a locked or failing database is not replaced by memory: translations are lost"),
    # --- reader/article.py -------------------------------------------------------------------
    M("art-permission-message", "reader/article.py",
      "    except PermissionError:\n", "    except ZeroDivisionError:\n", ARTICLE,
      "an unreadable file gives a generic message, not 'permission denied'"),
    M("art-size-limit", "reader/article.py",
      "        if size > MAX_BYTES:", "        if False:", ARTICLE,
      "a file over the size limit is read whole"),
    M("art-bidi-controls", "reader/article.py",
      "    text = text.translate(_INVISIBLE)", "    pass", ARTICLE,
      "bidi controls and zero-width characters stay in the text"),
    M("art-hard-wrap", "reader/article.py",
      "if len(line) < 0.6 * width and line.endswith(_END_PUNCT):", "if False:", ARTICLE,
      "hard-wrapped text becomes one paragraph (short last lines never close one)"),
    M("art-emoji-zwj", "reader/article.py",
      'return "\\u200d" if _EMOJI.match(before) and _EMOJI.match(after) else ""', 'return ""', ARTICLE,
      "emoji ZWJ sequences (👨‍👩‍👧) are broken apart"),
    # (Skipping the Windows-1256 / ISO-8859-6 scoring is equivalent in practice: the
    # charset_normalizer fallback decodes Arabic in both code pages correctly. Not listed.)
    M("art-utf16-guess", "reader/textio.py",
      "    order = _utf16_order(data)", "    order = None", ARTICLE,
      "UTF-16 without a byte-order mark is refused as binary"),
    # --- reader/summary/summarize.py -----------------------------------------------------------------
    M("sum-worst-first", "reader/summary/news.py",
      "first = min(range(n), key=lambda k: (-scores[k], k))", "first = min(range(n), key=lambda k: (scores[k], k))", SUMMARIZE,
      "the lowest-scored sentence is the first pick"),
    M("sum-order", "reader/summary/summarize.py",
      "    return sorted(chosen)", "    return chosen", SUMMARIZE,
      "summary sentences come in score order, not in the article's order"),
    M("sum-min-count", "reader/summary/summarize.py",
      "max(DEFAULT_MIN, min(DEFAULT_MAX,", "max(0, min(DEFAULT_MAX,", SUMMARIZE,
      "a short article gets fewer than the minimum number of summary sentences"),
    M("sum-no-position", "reader/summary/news.py",
      "LATER_POSITION = -2.5", "LATER_POSITION = 0.0", SUMMARIZE,
      "later picks ignore the sentence's position (no storyline prior)"),
    M("sum-no-brevity", "reader/summary/news.py",
      "short = numpy.array([min(1.0, len(t) / SHORT_SENTENCE_WORDS) ** 2 for t in terms])",
      "short = numpy.array([1.0 for t in terms])", SUMMARIZE,
      "a site name or dateline scores like a full sentence"),
    M("sum-any-overlap", "reader/summary/news.py",
      "            if similarity >= REDUNDANT_COSINE:", "            if True:", SUMMARIZE,
      "a sentence sharing a name with a pick is treated as a restatement"),
    M("sum-duplicates", "reader/summary/summarize.py",
      "        if key in seen:\n            continue", "        if False:\n            continue", SUMMARIZE,
      "a repeated sentence can be chosen twice"),
    # --- reader/config.py --------------------------------------------------------------------
    M("cfg-type", "reader/config.py",
      "if type(value) is not type(default):", "if False:", CONFIG,
      "a setting of the wrong type is accepted"),
    M("cfg-choices", "reader/config.py",
      "if key in _CHOICES and value not in _CHOICES[key]:", "if False:", CONFIG,
      "an unknown layout / bidi / algorithm is accepted"),
    M("cfg-negative", "reader/config.py",
      'if key == "summary_sentences" and value < 0:', "if False:", CONFIG,
      "a negative summary length is accepted"),
    M("cfg-env", "reader/config.py",
      'override = os.environ.get("QARI_CONFIG")', "override = None", CONFIG,
      "QARI_CONFIG is ignored"),
    # --- reader/store/feeds.py ----------------------------------------------------------------------
    M("feed-no-etag", "reader/store/feeds.py",
      'headers["If-None-Match"] = etag', "pass", FEEDS,
      "an unchanged feed is downloaded again in full on every update (no conditional request)"),
    M("feed-escapes", "reader/store/feeds.py",
      'text = strip_escape_sequences(str(text))  # first', 'text = str(text)  # first', FEEDS,
      "a feed title's escape sequences reach the terminal in pieces ([31m, ]52;...)"),
    M("feed-bytes-io", "reader/store/feeds.py",
      "feedparser.parse(io.BytesIO(data),", "feedparser.parse(data,", FEEDS,
      "feedparser is handed a string it may open as a file or fetch as a URL"),
    M("feed-dedup-key", "reader/store/feeds.py",
      'key = guid or link or "sha256:"', 'key = title + link or "sha256:"', FEEDS,
      "a retitled item (same guid) is listed twice"),
    M("feed-one-error", "reader/store/feeds.py",
      "                result.error = clean_feed_text(str(err), 400)",
      "                raise", FEEDS, "one failing feed stops the update of all the others"),
    # --- reader/store/vocabulary.py -------------------------------------------------------------------
    M("vocab-known-by-form", "reader/store/vocabulary.py",
      "return not form_info(word).lemmas.isdisjoint(known)", "return word in known", VOCABULARY,
      "a word is known only as the exact form marked, not by its lemma"),
    M("vocab-difficulty-ignores-known", "reader/store/vocabulary.py",
      "unknown = sum(1 for lemmas in self.rare.values() if lemmas.isdisjoint(known))",
      "unknown = len(self.rare)", VOCABULARY, "known words do not lower an article's difficulty"),
    # --- reader/untrusted.py --------------------------------------------------------------------
    M("untrusted-esc-kept", "reader/untrusted.py",
      '    if code >= 0x80:  # C1', '    if code == 0x1B:\n        return chr(code)\n    if code >= 0x80:  # C1',
      UNTRUSTED, "ESC reaches the terminal (a title could set the window title or the clipboard)"),
    M("untrusted-bidi-unbalanced", "reader/untrusted.py",
      "    if not _BIDI_STATE.search(text):\n        return text", "    return text", UNTRUSTED,
      "a stray RLO in a title reverses the message that follows it"),
    # --- reader/translation/marian.py and reader/translation/packing.py -------------------------------------------------
    M("marian-tokenizer-unchecked", "reader/translation/packing.py",
      "    if share < 0.5:", "    if False:", MARIAN,
      "a SentencePiece model that does not fit the vocabulary is packed (the translations are garbage)"),
    M("marian-unsafe-path", "reader/translation/marian.py",
      'if packages._unsafe(name) or name.startswith("~") or not name.isprintable():', "if False:", MARIAN,
      "a decoder.yml naming ../../ paths is followed out of the release"),
    M("marian-array-bomb", "reader/translation/marian.py",
      "    if unpacked > bound:  # the converter", "    if False:  # the converter", MARIAN, "a model .npz whose arrays inflate past its stated dimensions is converted"),
    # --- reader/article.py: resume rebuilds the article that was read ---------------------------
    M("resume-guessed-structure", "reader/article.py",
      '    blocks = [("heading" if kind == "h" else "paragraph", line)',
      '    return parse_text(text, source)\n    blocks = [("heading" if kind == "h" else "paragraph", line)',
      RESUME, "a resumed web page's headings are guessed again (positions and marks off by one)"),
    # --- on screen (reader/app.py, widgets/): the UI survivors --------------------------
    M("ui-english-follows", "widgets/article_pane.py",
      "                link.scroll_target_y = target\n                link.scroll_y = target",
      "                pass", APP,
      "the English pane does not scroll with the cursor"),
    M("ui-english-padding", "widgets/reading_view.py",
      "english.set_min_heights(arabic.natural_heights())", "english.set_min_heights({})", APP,
      "the English is not padded to the Arabic's height when the Arabic is taller"),
    M("ui-matches-drawn", "widgets/article_pane.py",
      "        marks = self._marks.get(block.lang)", "        marks = None", APP,
      "search matches are not drawn"),
    M("ui-z-top", "widgets/reading_view.py",
      "self._scroll_arabic_to(middle - height // 2)", "self._scroll_arabic_to(extent[0] - 2)", READING,
      "`z` puts the sentence near the top, not in the middle"),
    M("ui-page-no-overlap", "widgets/reading_view.py",
      "rows = int(height * abs(pages)) if abs(pages) < 1 else max(1, height - 2)",
      "rows = int(height * abs(pages)) if abs(pages) < 1 else height", READING,
      "PageDown scrolls a full page: no overlap row to keep the reader's place"),
    M("ui-section-no-replan", "widgets/reader_screen.py",
      "            self._job.prioritise(self.article.section_numbers(section))", "            pass",
      APP_TRANSLATION, "moving to another section mid-translation does not re-plan the job"),
    # --- reader/text/search.py folds (reader/text/arabic.py) and reader/textio.py -------------------------
    M("search-fold-madda", "reader/text/arabic.py",
      '{"\\u0622": "\\u0627", "\\u0623"', '{"\\u0623"', SEARCH,
      "madda is not folded: امن does not find آمن"),
    M("search-fold-wasla", "reader/text/arabic.py",
      '"\\u0625": "\\u0627", "\\u0671": "\\u0627",', '"\\u0625": "\\u0627",', SEARCH,
      "alef wasla is not folded: الكتاب does not find ٱلكتاب"),
    M("textio-cr-lines", "reader/textio.py",
      '_LINE_BREAK = re.compile("\\r\\n|\\r|\\n")', '_LINE_BREAK = re.compile("\\r\\n|\\n")', TEXTIO,
      "a bad byte in a CR-only file is reported on line 1"),
    # --- reader/store/library.py ----------------------------------------------------------------------
    M("lib-order-first-opened", "reader/store/library.py",
      '" opened_at = excluded.opened_at, sentences = excluded.sentences,"', '" sentences = excluded.sentences,"',
      LIBRARY, "re-opening an older article does not make it the last one (--resume opens the other)"),
    M("lib-reopen-resets-progress", "reader/store/library.py",
      '" translated = min(translated, excluded.sentences)"', '" translated = 0"', LIBRARY,
      "re-opening an article resets its translated count to 0"),
    M("lib-stale-position", "reader/store/library.py",
      "position=now[0] if now[0] != saved[0] else None,", "position=now[0],", LIBRARY,
      "a progress-only flush writes a stale position over another window's"),
    M("lib-corrupt-read-not-set-aside", "reader/store/library.py",
      "                    self._set_aside(exc)\n                else:\n                    self._warn(f\"library read failed",
      "                    self._warn(f\"library read failed ({exc})\")\n                else:\n                    self._warn(f\"library read failed",
      LIBRARY, "corruption found after opening is warned about, the file never set aside"),
    M("lib-filter-unfolded", "reader/store/library.py",
      "key = search_key(filter).strip() if filter else \"\"", "key = filter.strip() if filter else \"\"", LIBRARY,
      "the library filter needs the exact spelling (tashkeel, alef forms)"),
    # --- reader/batch/ -------------------------------------------------------------------------
    M("batch-id-collision", "reader/batch/work.py",
      "    if cut != article_id or _HASHED.search(article_id):",
      "    if _HASHED.search(article_id):", BATCH,
      "ids a/1 and a_1 write one file"),
    M("batch-numeric-id", "reader/batch/sources.py",
      "isinstance(raw_id, (str, int))", "isinstance(raw_id, str)", BATCH,
      'a numeric JSON id ({"id": 17}) is replaced by FILE:LINE'),
    M("batch-no-sweep", "reader/batch/runner.py",
      "        _sweep_temp_files(out)\n", "        pass\n", BATCH,
      "a killed run's temp files are never removed"),
    M("batch-sweep-everything", "reader/batch/runner.py",
      'if any(suffix + "." in name for suffix in suffixes):', "if True:", BATCH,
      "the sweep removes the user's own hidden .tmp files"),
    M("batch-damaged-output-kept", "reader/batch/writer.py",
      "if _file_hash(self.outdir / name) != digest:", "if False:", BATCH_RESUME,
      "a rerun skips an article whose output file was damaged"),
    M("batch-manifest-no-outputs", "reader/batch/manifest.py",
      "json.dumps(outputs, sort_keys=True),", '"{}",', BATCH_RESUME,
      "the manifest forgets the output hashes: a rerun redoes every finished article"),
    M("batch-url-never-unchanged", "reader/batch/per_article.py",
      "if skip_job is not None and job_key(prep.input_hash, settings, model_key) == skip_job:", "if False:",
      BATCH_RESUME, "a URL whose page did not change is translated again on every run"),
    M("batch-progress-inflight-ignored", "reader/batch/progress.py",
      "            self._inflight[article] = (done, total)\n", "            pass\n", BATCH_PROGRESS,
      "the progress line and its ETA freeze while a long article is translated"),
    M("batch-local-no-progress", "reader/batch/engine.py",
      "prepared=prepared, skip_job=skip, progress=advance)", "prepared=prepared, skip_job=skip, progress=None)",
      BATCH_PROGRESS, "a local run reports no sentences until an article is written"),
    # --- reader/text/morphology.py, reader/text/morphology_buckwalter.py -----------------------------------
    M("morph-exact-agreement", "reader/text/morphology.py",
      "return any(len(c) >= 5 and (c.startswith(gloss_word) or gloss_word.startswith(c)) for c in context)",
      "return False", LOOKUP, 'context agreement needs exact words ("candidates" ≠ "candidate")'),
    M("morph-context-no-tiebreak", "reader/text/morphology.py",
      "key=lambda a: (-scores[id(a)], affixes(a)))", "key=lambda a: -scores[id(a)])", LOOKUP,
      "with a context, ties are not broken by fewer affixes"),
    M("morph-ties-reversed", "reader/text/morphology.py",
      "return sorted(analyses, key=affixes)", "return sorted(analyses, key=affixes, reverse=True)", LOOKUP,
      "without a context, the reading with most clitics comes first"),
    M("morph-hash-order", "reader/text/morphology.py",
      "    return tuple(out)\n", "    return tuple(set(out))\n", LOOKUP,
      "the order of the analyses depends on the process's hash seed"),
    M("morph-wasla", "reader/text/morphology.py",
      '.replace("\\u0671", "\\u0627")', "", LOOKUP, "a word with alef wasla (ٱلكتاب) has no analysis"),
    M("morph-prefix-3", "reader/text/morphology_buckwalter.py",
      "MAX_PREFIX = 4", "MAX_PREFIX = 3", LOOKUP, "4-letter prefix stacks (وبالمدرسة، فبالنسبة) get no analysis"),
    M("morph-no-proper-nouns", "reader/text/morphology_buckwalter.py",
      'if category.startswith("N") and _UPPER_RE.match(gloss):', "if False:", LOOKUP,
      "proper nouns (الأردن، مصر) become plain nouns"),
    # --- reader/translation/translation_job.py --------------------------------------------------------------
    M("job-idle-spin", "reader/translation/translation_job.py",
      "self._drain(block=len(self.done) == total and not retranslate)", "self._drain(block=False)", JOB,
      "an idle job polls its queue, burning a whole core"),
    M("job-no-replan", "reader/translation/translation_job.py",
      "any(n not in self.done for n in self.first):\n                        break",
      "any(n not in self.done for n in self.first):\n                        pass", JOB,
      "moving to another section mid-translation does not re-plan"),
    M("job-first-ignored", "reader/translation/translation_job.py",
      "                self.first = value\n", "                pass\n", JOB,
      "a priority change is dropped"),
    M("job-retranslate-cached", "reader/translation/translation_job.py",
      "[self.texts[number]], use_cache=False)", "[self.texts[number]], use_cache=True)", JOB,
      "re-translating a sentence serves the cached translation again"),
    # --- reader/web/net.py, reader/web/fetch.py, reader/web/extract.py -------------------------------------
    M("net-redirect-307-308", "reader/web/net.py",
      "http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302",
      "http_error_301 = http_error_303 = http_error_302", NET,
      "307/308 redirects to ftp:// are followed"),
    M("net-redirect-any-scheme", "reader/web/net.py",
      'if location and urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):', "if False:", NET,
      "redirects to other schemes are left to urllib (which follows ftp://)"),
    M("net-raw-deflate", "reader/web/net.py",
      "decompressobj(-self._zlib.MAX_WBITS if raw else self._zlib.MAX_WBITS)", "decompressobj(self._zlib.MAX_WBITS)",
      NET, "raw-deflate bodies are rejected as corrupt"),
    M("net-bomb-unbounded", "reader/web/net.py",
      "self._z.decompress(data, self.max_bytes - self.size + 1)", "self._z.decompress(data)", NET,
      "a decompression bomb is inflated whole before the limit is checked"),
    M("fetch-any-content-type", "reader/web/fetch.py",
      "if content_type and not content_type.startswith(_TEXT_TYPES):", "if False:", FETCH,
      "a PDF or an image is read as a web page"),
    M("fetch-truncated-accepted", "reader/web/fetch.py",
      "if declared is not None and received < declared:", "if False:", FETCH,
      "a page cut short by the server is read as if complete"),
    M("fetch-h1-logo", "reader/web/extract.py",
      "h1s = [h for h in self.h1s if not self.is_site_name(h, whole=True)]", "h1s = list(self.h1s)", FETCH,
      "a site logo in an <h1> becomes the headline"),
    # --- reader/translation/packages.py ---------------------------------------------------------------------
    M("pkg-zip-slip", "reader/translation/packages.py",
      'return any(part in ("..",) for part in PurePosixPath(name).parts)', "return False", PACKAGES,
      "a package with ../ entries is installed (zip slip)"),
    M("pkg-symlink", "reader/translation/packages.py",
      "if _unsafe(info.filename) or _is_symlink(info):", "if _unsafe(info.filename):", PACKAGES,
      "a package with a symlink entry is installed"),
    M("pkg-no-crc", "reader/translation/packages.py",
      "bad = archive.testzip()", "bad = None", PACKAGES,
      "a package with a checksum mismatch is installed"),
    M("pkg-version-as-text", "reader/translation/packages.py",
      "found.sort(key=lambda m: (version_key(m.version), str(m.path)), reverse=True)",
      "found.sort(key=lambda m: (m.version, str(m.path)), reverse=True)", PACKAGES,
      "version 1.9 is used over 1.10 (compared as text)"),
    # --- reader/text/uax9.py, reader/text/bidi.py ---------------------------------------------------------
    M("uax9-w2", "reader/text/uax9.py",
      'elif c == "E" and strong == "A":', "elif False:", BIDI,
      "European digits after Arabic letters are not Arabic numbers (W2)"),
    M("uax9-w4-an", "reader/text/uax9.py",
      'elif c == "c" and t[k - 1] == t[k + 1] and t[k - 1] in "EN":',
      'elif c == "c" and t[k - 1] == t[k + 1] and t[k - 1] == "E":', BIDI,
      "a comma between two Arabic numbers splits them (W4)"),
    M("uax9-w7", "reader/text/uax9.py",
      'elif c == "E" and strong == "L":', "elif False:", BIDI,
      "digits after Latin text are not left-to-right (W7)"),
    M("uax9-n0-context", "reader/text/uax9.py",
      "resolved = ctx if ctx != e else e", "resolved = e", BIDI,
      "brackets holding only the other direction ignore the context before them (N0)"),
    M("uax9-l1-trailing", "reader/text/uax9.py",
      'elif reset and c in "w6789b12345":', "elif False:", BIDI,
      "whitespace before a separator keeps its level (L1)"),
    M("bidi-no-mirror", "reader/text/bidi.py",
      'if levels[i] & 1 and kinds[i] in "VT":', "if False:", BIDI,
      "brackets in right-to-left text are not mirrored (L4)"),
    M("bidi-allah-ligature", "reader/text/bidi.py",
      '"ARABIC LIGATURE ALLAH": False,', '"ARABIC LIGATURE ALLAH": True,', BIDI,
      "the ALLAH ligature replaces letters (cursor and search offsets drift)"),
    M("bidi-zwj-ignored", "reader/text/bidi.py",
      'source = display.replace(ZWJ, TATWEEL) if "J" in kinds else display', "source = display", BIDI,
      "a ZWJ does not make the letters around it join"),
    # --- feeds, vocabulary (other branches): add their mutants here, and their modules to
    # CORE_MODULES above. ----------------------------------------------------------------------
]


def copy_tree(src: Path, dst: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "snapshot_report.html")
    for name in COPIED:
        path = src / name
        if path.is_dir():
            shutil.copytree(path, dst / name, ignore=ignore, symlinks=True)
        elif path.exists():
            shutil.copy2(path, dst / name)


def pytest_run(tree: Path, args: tuple[str, ...], timeout: float) -> tuple[str, float, str]:
    """Run pytest in ``tree``: ("pass" | "fail" | "timeout" | "error", seconds, output tail)."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
           "--no-header", "-W", "ignore::DeprecationWarning", *args]
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - started, ""
    seconds = time.perf_counter() - started
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    if done.returncode == 0:
        return "pass", seconds, "\n".join(tail)
    if done.returncode == 1:
        return "fail", seconds, "\n".join(tail)
    return "error", seconds, "\n".join(tail)  # 2 interrupted, 3 internal, 4 usage, 5 no tests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=REPO, help="checkout to mutate (default: this one)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only these mutants")
    parser.add_argument("--module", action="append", help="run only the mutants of this module (e.g. segment)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true",
                        help="only check that every fragment occurs exactly once (no tests run); exit 1 if not")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per test run (a timeout kills)")
    args = parser.parse_args(argv)

    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - {m.id for m in MUTANTS}
        if unknown:
            parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.id in args.only]
    if args.module:
        mutants = [m for m in mutants if m.module in args.module]
    uncovered = [path for path in CORE_MODULES if path not in {m.path for m in MUTANTS}]
    if args.list:
        for m in mutants:
            print(f"{m.id:28} {m.path:24} {m.what}")
        print(f"{len(mutants)} mutants")
        if uncovered:
            print("core modules without a mutant: " + ", ".join(uncovered))
        return 0
    if uncovered:
        print("run_mutants: core modules without a mutant: " + ", ".join(uncovered), file=sys.stderr)

    tree = args.tree.resolve()
    if args.check:
        bad = [m for m in mutants
               if not (tree / m.path).is_file() or (tree / m.path).read_text(encoding="utf-8").count(m.original) != 1]
        for m in bad:
            print(f"error            {m.id:28} the fragment does not occur exactly once in {m.path}")
        print(f"{len(mutants) - len(bad)} of {len(mutants)} mutants apply")
        return 1 if bad else 0
    with tempfile.TemporaryDirectory(prefix="qari-mutants-") as tmp:
        work = Path(tmp) / "tree"
        work.mkdir()
        copy_tree(tree, work)
        probe = subprocess.run([sys.executable, "-c", "import reader; print(reader.__file__)"], cwd=work,
                               env=dict(os.environ, PYTHONPATH=str(work)), capture_output=True, text=True)
        if not probe.stdout.strip().startswith(str(work)):
            print(f"run_mutants: the copy's reader is not the one imported ({probe.stdout.strip() or probe.stderr.strip()})",
                  file=sys.stderr)
            return 2

        # A fragment that no longer occurs exactly once (the code moved or changed) is an error
        # for that mutant, reported by name before any test runs; the others still run.
        killed = survived = errors = 0
        stale: list[Mutant] = []
        for m in mutants:
            target = work / m.path
            count = target.read_text(encoding="utf-8").count(m.original) if target.is_file() else 0
            if count != 1:
                where = m.path if target.is_file() else f"{m.path} (no such file)"
                print(f"error            {m.id:28} the fragment occurs {count} times in {where} (must be once):"
                      " update the mutant", flush=True)
                stale.append(m)
        errors += len(stale)
        mutants = [m for m in mutants if m not in stale]

        baseline: dict[tuple[str, ...], tuple[str, float, str]] = {}
        for tests in dict.fromkeys(m.tests for m in mutants):
            baseline[tests] = pytest_run(work, tests, args.timeout)
            state, seconds, tail = baseline[tests]
            print(f"baseline {state:8} {seconds:6.1f}s  {' '.join(tests)}" + (f"\n  {tail}" if state != "pass" else ""),
                  flush=True)

        survivors: list[Mutant] = []
        for m in mutants:
            if baseline[m.tests][0] != "pass":
                print(f"baseline-failed  {m.id:28} {m.what}", flush=True)
                errors += 1
                continue
            target = work / m.path
            original = target.read_text(encoding="utf-8")
            target.write_text(original.replace(m.original, m.replacement), encoding="utf-8")
            try:
                state, seconds, tail = pytest_run(work, m.tests, args.timeout)
            finally:
                target.write_text(original, encoding="utf-8")
            if state in ("fail", "timeout"):
                killed += 1
                verdict = "killed"
            elif state == "pass":
                survived += 1
                survivors.append(m)
                verdict = "SURVIVED"
            else:
                errors += 1
                verdict = "error"
            print(f"{verdict:16} {m.id:28} {seconds:6.1f}s  {m.what}" + (f"\n  {tail}" if state == "error" else ""),
                  flush=True)

    total = killed + survived
    print()
    if survivors:
        print("survivors: " + ", ".join(m.id for m in survivors))
    if stale:
        print("errors (fragment not found): " + ", ".join(m.id for m in stale))
    ratio = killed / total if total else 0.0
    print(f"RESULT kill_ratio={ratio:.2f} killed={killed} survived={survived} total={total} errors={errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
