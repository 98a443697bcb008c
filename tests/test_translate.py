"""The Argos engine with the tiny fixture model (random weights: its English is meaningless, so
these tests check structure — alignment, order, determinism, batching, caching, resuming,
splitting — never particular English strings)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from paths import REPO, SAMPLE
from reader.article import parse_text
from reader.translation.cache import TranslationCache
from reader.translation.packages import NO_MODEL_HELP
from reader.translation.translate import (
    ArgosTranslator,
    LENGTH_BUCKETS,
    DecodingOptions,
    NoModelError,
    Translator,
    decoding_length,
    find_package,
    length_bucket,
    load_translator,
    plan_batches,
    split_long,
)

from conftest import COMMITTED_MODEL
from conftest import FIXTURE_MODEL as FIXTURE  # the committed model, or QARI_TEST_MODEL_SEED's


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packages_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A packages dir with the fixture model installed by Argos's own installer."""
    from argostranslate import package as argos_package
    from argostranslate import settings as argos_settings

    target = tmp_path_factory.mktemp("argos-packages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(argos_settings, "package_data_dir", target)
        argos_package.install_from_path(FIXTURE)
    return target


@pytest.fixture
def argos_dir(packages_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from argostranslate import settings as argos_settings

    monkeypatch.setattr(argos_settings, "package_data_dir", packages_dir)
    monkeypatch.setattr(argos_settings, "package_dirs", [packages_dir])
    return packages_dir


@pytest.fixture
def empty_argos_dir(app_packages_dir: Path) -> Path:
    """An empty, temporary Argos packages dir (the shared conftest fixture)."""
    return app_packages_dir


@pytest.fixture
def cache(tmp_path: Path):
    c = TranslationCache(tmp_path / "cache" / "translations.sqlite3")
    yield c
    c.close()


@pytest.fixture
def translator(argos_dir: Path, cache: TranslationCache) -> ArgosTranslator:
    return load_translator("ar", "en", cache=cache)


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    article = parse_text(SAMPLE.read_text(encoding="utf-8"))
    return [s.text for s in article.sentences]


class Spy:
    """Records every CTranslate2 call the translator makes (the token lists sent), through its
    public `model_call_observer`."""

    def __init__(self, translator: ArgosTranslator) -> None:
        self.calls: list[list[list[str]]] = []
        self.model_calls = []
        translator.model_call_observer = self

    def __call__(self, call) -> None:
        self.model_calls.append(call)
        self.calls.append([list(tokens) for tokens in call.inputs])

    @property
    def inputs(self) -> int:
        return sum(len(c) for c in self.calls)


# --- the fixture model and the package lookup -------------------------------------------------


@pytest.mark.parametrize("path", sorted({COMMITTED_MODEL, FIXTURE}), ids=lambda p: p.parent.name)
def test_fixture_is_a_small_argos_package(path: Path):
    assert path.stat().st_size < 800_000
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names}
    assert len(tops) == 1
    top = tops.pop()
    for member in ("metadata.json", "sentencepiece.model", "model/model.bin", "model/config.json"):
        assert f"{top}/{member}" in names


def test_fixture_model_is_built_from_the_seed_asked_for():
    """QARI_TEST_MODEL_SEED=N (tests/conftest.py) really swaps the model every test uses."""
    import json

    from conftest import model_seed

    with zipfile.ZipFile(FIXTURE) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith("/metadata.json")]
        metadata = json.loads(zf.read(name))
    assert metadata["qari_fixture"]["seed"] == model_seed()
    assert (FIXTURE == COMMITTED_MODEL) == (model_seed() == 0)


def test_generator_is_deterministic_and_its_output_translates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("make_argosmodel", REPO / "tests" / "fixtures" / "make_argosmodel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    a = module.build_argosmodel(tmp_path / "a", size="tiny", seed=0)
    b = module.build_argosmodel(tmp_path / "b" / "x.argosmodel", size="tiny", seed=0)
    assert a.name == "translate-ar_en-tiny.argosmodel" and b.name == "x.argosmodel"
    assert a.read_bytes() == b.read_bytes()
    c = module.build_argosmodel(tmp_path / "c", size="tiny", seed=1)
    assert c.read_bytes() != a.read_bytes()

    from argostranslate import package as argos_package
    from argostranslate import settings as argos_settings

    packages = tmp_path / "packages"
    packages.mkdir()
    monkeypatch.setattr(argos_settings, "package_data_dir", packages)
    monkeypatch.setattr(argos_settings, "package_dirs", [packages])
    argos_package.install_from_path(c)
    out = load_translator(cache=None).translate(["قال الوزير إن الحكومة ستقدم الميزانية."])
    assert len(out) == 1 and out[0].strip()


def test_find_package_and_model_identity(argos_dir: Path):
    pkg = find_package("ar", "en")
    assert pkg is not None and (pkg.from_code, pkg.to_code) == ("ar", "en")
    assert Path(pkg.package_path).parent == argos_dir
    assert find_package("en", "ar") is None
    t = load_translator(cache=None)
    assert isinstance(t, Translator)
    assert t.model_name.startswith("translate-ar_en ")
    assert t.model_name.endswith(pkg.package_version)
    assert pkg.package_version in t.model_key and "ar-en" in t.model_key
    # decoding settings are part of the identity
    greedy = load_translator(cache=None, decoding=DecodingOptions(beam_size=1))
    assert greedy.model_key != t.model_key
    assert load_translator(cache=None).model_key == t.model_key


def test_model_key_changes_when_model_files_change(argos_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import os
    import shutil

    from argostranslate import settings as argos_settings

    copy = tmp_path / "pk"
    shutil.copytree(argos_dir, copy)
    monkeypatch.setattr(argos_settings, "package_dirs", [copy])
    before = load_translator(cache=None).model_key
    model_bin = next(copy.glob("*/model/model.bin"))
    st = model_bin.stat()
    os.utime(model_bin, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert load_translator(cache=None).model_key != before


def test_no_model_raises_with_install_steps(empty_argos_dir: Path):
    with pytest.raises(NoModelError) as info:
        load_translator("ar", "en")
    message = str(info.value)
    assert message == NO_MODEL_HELP
    assert "qari models install ar en" in message
    assert "qari models install FILE.argosmodel" in message
    assert "translate-ar_en" in message
    assert "argospm-index" in message


def test_import_is_cheap():
    code = (
        "import sys, reader.translation.translate, reader.translation.cache\n"
        "heavy = [m for m in ('ctranslate2', 'argostranslate', 'sentencepiece', 'numpy', 'textual') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""


# --- alignment, order, determinism, batching ---------------------------------------------------


def test_one_output_per_sentence_in_order(translator: ArgosTranslator, sentences: list[str]):
    out = translator.translate(sentences, use_cache=False)
    assert len(out) == len(sentences)
    assert all(isinstance(t, str) and t.strip() for t in out)
    # the model depends on its input: different sentences give (almost all) different outputs
    assert len(set(out)) >= len(sentences) - 2
    reversed_out = translator.translate(sentences[::-1], use_cache=False)
    assert reversed_out == out[::-1]


def test_batch_equals_one_by_one(translator: ArgosTranslator, sentences: list[str]):
    """Each sentence decodes with the same settings alone or in a batch (length buckets), so
    the results are identical; greedy decoding too."""
    batch = translator.translate(sentences, use_cache=False)
    single = [translator.translate([s], use_cache=False)[0] for s in sentences]
    assert batch == single
    greedy = ArgosTranslator(translator.package, cache=None, decoding=DecodingOptions(beam_size=1))
    g_batch = greedy.translate(sentences[:12])
    assert g_batch == [greedy.translate([s])[0] for s in sentences[:12]]


def test_deterministic_across_translators(argos_dir: Path, sentences: list[str]):
    a = load_translator(cache=None).translate(sentences)
    b = load_translator(cache=None, batch_tokens=256).translate(sentences)
    assert a == b


def test_batches_are_token_based_and_large(translator: ArgosTranslator, sentences: list[str]):
    spy = Spy(translator)
    translator.translate(sentences, use_cache=False)
    lengths = [len(translator.encode(s)) for s in sentences]
    assert spy.inputs == len(sentences)
    # one call per length bucket at this size: far fewer calls than sentences
    assert len(spy.calls) == len({length_bucket(n) for n in lengths})
    assert max(len(c) for c in spy.calls) >= 8


def test_plan_batches_respects_token_budget_and_buckets():
    lengths = [5, 40, 7, 150, 33, 16, 17, 90, 3] * 20
    plan = plan_batches(lengths, batch_tokens=300)
    seen = sorted(i for _, members in plan for i in members)
    assert seen == list(range(len(lengths)))
    for edge, members in plan:
        assert all(length_bucket(lengths[i]) == edge for i in members)
        assert len(members) * max(lengths[i] for i in members) <= 300 or len(members) == 1
    assert [e for e, _ in plan] == sorted(e for e, _ in plan)
    edge = LENGTH_BUCKETS[0]
    assert decoding_length(1) == decoding_length(edge) < decoding_length(edge + 1)
    assert decoding_length(150) <= 2 * 150 + 10


def test_empty_and_whitespace_sentences_skip_the_model(translator: ArgosTranslator, sentences: list[str]):
    spy = Spy(translator)
    assert translator.translate(["", "   ", "\n\t"]) == ["", "", ""]
    assert spy.calls == []
    out = translator.translate(["", sentences[0], " "])
    assert out[0] == "" and out[2] == "" and out[1].strip()
    assert spy.inputs == 1


def test_duplicate_sentences_are_translated_once(translator: ArgosTranslator, sentences: list[str]):
    spy = Spy(translator)
    texts = [sentences[1], sentences[2], sentences[1], sentences[1]]
    out = translator.translate(texts, use_cache=False)
    assert spy.inputs == 2
    assert out[0] == out[2] == out[3] and out[0] != out[1]


def test_progress_reports_every_sentence(translator: ArgosTranslator, sentences: list[str]):
    calls: list[tuple[int, int]] = []
    translator.translate(sentences[:10] + [""], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (11, 11)
    assert all(total == 11 for _, total in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)


def test_translate_iter_yields_each_index_once_first_ones_first(argos_dir: Path, cache: TranslationCache,
                                                                sentences: list[str]):
    t = load_translator(cache=cache, batch_tokens=128)
    first = [25, 3, 17]
    got = list(t.translate_iter(sentences, first=first))
    indices = [i for i, _ in got]
    assert sorted(indices) == list(range(len(sentences)))
    assert set(indices[:3]) == set(first)
    assert dict(got) == dict(enumerate(t.translate(sentences, use_cache=False)))
    # invalid indices in `first` are ignored
    assert len(t.translate(sentences[:3], first=[-1, 99, 1])) == 3


def test_first_sentences_start_in_a_small_batch_of_their_own(translator: ArgosTranslator, sentences: list[str]):
    """The sentences in view (the first of `first`) are one small CTranslate2 call before the
    others: the first English does not wait for a full-size batch."""
    from reader.translation.translate import FIRST_POOL_TOKENS

    spy = Spy(translator)
    first = list(range(40))
    batches = list(translator.translate_batches(sentences, first=first, use_cache=False))
    first_call = spy.calls[0]
    assert 0 < len(first_call) < 40
    assert sum(len(t) for t in first_call) <= FIRST_POOL_TOKENS * 2  # an estimate by characters
    assert {i for i, _ in batches[0]} <= set(first)
    got = {i: text for batch in batches for i, text in batch}
    assert got == dict(enumerate(translator.translate(sentences, use_cache=False)))


# --- cache ------------------------------------------------------------------------------------


def test_second_run_is_all_cache_hits(argos_dir: Path, tmp_path: Path, sentences: list[str]):
    path = tmp_path / "c" / "translations.sqlite3"
    with TranslationCache(path) as c1:
        first_run = load_translator(cache=c1).translate(sentences)
    with TranslationCache(path) as c2:  # a new process would do exactly this
        t = load_translator(cache=c2)
        spy = Spy(t)
        second_run = t.translate(sentences)
        assert spy.calls == []
        assert t.stats["model_calls"] == 0
        assert not t.model_loaded  # the model was not even loaded
        assert second_run == first_run
        # use_cache=False translates again (and gives the same result)
        assert t.translate(sentences[:4], use_cache=False) == first_run[:4]
        assert spy.inputs == 4


def test_cache_hits_come_first(translator: ArgosTranslator, sentences: list[str]):
    translator.translate(sentences[10:14])
    got = list(translator.translate_iter(sentences[8:16]))
    assert {i for i, _ in got[:4]} == {2, 3, 4, 5}


def test_interrupted_run_resumes_with_the_rest(argos_dir: Path, tmp_path: Path, sentences: list[str]):
    path = tmp_path / "c" / "translations.sqlite3"
    with TranslationCache(path) as c1:
        t1 = load_translator(cache=c1, batch_tokens=64)
        spy1 = Spy(t1)
        it = t1.translate_iter(sentences)
        done = dict(next(it) for _ in range(5))
        it.close()  # abandoned: e.g. the reader quit
        translated_before = spy1.inputs
        assert 5 <= translated_before < len(sentences)
    with TranslationCache(path) as c2:
        t2 = load_translator(cache=c2, batch_tokens=64)
        spy2 = Spy(t2)
        out = t2.translate(sentences)
        assert spy2.inputs == len(sentences) - translated_before
        assert all(out[i] == done[i] for i in done)
    assert out == load_translator(cache=None).translate(sentences)


# --- long sentences ----------------------------------------------------------------------------


def test_long_sentence_is_split_and_stays_one_output(translator: ArgosTranslator, sentences: list[str]):
    long_sentence = "، ".join(s.rstrip(".") for s in sentences[:8]) + "."
    assert len(translator.encode(long_sentence)) > translator.max_source_tokens
    spy = Spy(translator)
    out = translator.translate([sentences[9], long_sentence, sentences[10]], use_cache=False)
    assert len(out) == 3 and all(o.strip() for o in out)
    pieces = [tokens for call in spy.calls for tokens in call]
    assert len(pieces) > 3
    assert all(len(p) <= translator.max_source_tokens for p in pieces)
    # the neighbours are translated as if alone
    assert out[0] == translator.translate([sentences[9]], use_cache=False)[0]
    assert out[2] == translator.translate([sentences[10]], use_cache=False)[0]
    # the long one is cut into pieces that lose nothing, and its output is every piece's
    # translation (each translated alone) joined in order: not the first piece only
    parts = [text for text, _ in translator.pieces(long_sentence)]
    assert len(parts) >= 2
    assert "".join(parts).replace(" ", "") == long_sentence.replace(" ", "")
    alone = [translator.translate([part], use_cache=False)[0] for part in parts]
    assert all(alone) and len(set(alone)) == len(alone)
    assert out[1] == " ".join(alone)


def test_huge_sentence_without_punctuation(translator: ArgosTranslator, sentences: list[str]):
    words = " ".join(sentences).replace(".", " ").replace("،", " ").split()
    huge = " ".join((words * 3)[:1500])
    out = translator.translate([huge], use_cache=False)
    assert len(out) == 1 and out[0].strip()


def test_split_long_prefers_clause_boundaries_and_loses_nothing():
    def count(s: str) -> int:
        return len(s.split())

    text = "كلمة " * 6 + "، " + "كلمة " * 6 + "؛ " + "كلمة " * 6
    pieces = split_long(text, count, 8)
    assert all(count(p) <= 8 for p in pieces)
    assert pieces[0].endswith("،") and pieces[1].endswith("؛")
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    # commas before spaces; spaces before cutting words
    assert split_long("a b c, d e f g h", count, 4)[0] == "a b c,"
    solid = "ب" * 1000
    parts = split_long(solid, lambda s: len(s) // 10 + 1, 20)
    assert "".join(parts) == solid and all(len(p) // 10 + 1 <= 20 for p in parts)
    marked = "بَ" * 300  # never separate a mark from its letter
    parts = split_long(marked, lambda s: len(s), 50)
    assert "".join(parts) == marked and all(not p[0] in "\u064e" for p in parts)
    assert split_long("   ", count, 5) == []


# --- other details ------------------------------------------------------------------------------


def test_hostile_text_gives_one_output_each(translator: ArgosTranslator):
    texts = [
        "[bold red]ليس[/] markup {x} $(rm) \x1b[31m",
        "\u202bنص\u202c \u2067معزول\u2069 \u200fمع\u200e علامات",
        "\u064b\u064c\u064d\u064e\u064f",
        "مرحبا 👋🏽 hello world 123",
        "\u200d\u200c",
        "x" * 3000,
    ]
    out = translator.translate(texts, use_cache=False)
    assert len(out) == len(texts) and all(isinstance(o, str) for o in out)


def test_target_prefix_is_sent_and_stripped(translator: ArgosTranslator, sentences: list[str]):
    """The real model with a target prefix: CTranslate2 gets it for every sentence and returns
    it as the first token of each hypothesis; the translation is the rest, decoded."""
    prefix = next(p for p in ("▁the", "▁of", "▁a") if translator.tokenizer.lazy_processor().piece_to_id(p) > 2)
    translator.target_prefix = prefix
    spy = Spy(translator)
    out = translator.translate(sentences[:3], use_cache=False)
    seen = [call.options for call in spy.model_calls]
    assert seen and all(kw["target_prefix"] == [[prefix]] * len(kw["target_prefix"]) for kw in seen)
    hypotheses = {tuple(i): o for call in spy.model_calls for i, o in zip(call.inputs, call.outputs, strict=True)}
    for sentence, translation in zip(sentences[:3], out, strict=True):
        hypothesis = hypotheses[tuple(translator.encode(sentence))]
        assert hypothesis[0] == prefix
        assert translation == translator.tokenizer.decode(hypothesis[1:]).strip()
        assert not translation.startswith(prefix)
    assert all(kw["beam_size"] == 4 and kw["length_penalty"] == 0.2 and kw["replace_unknowns"] for kw in seen)
    assert all(kw["batch_type"] == "tokens" and kw["max_batch_size"] >= 1024 for kw in seen)


def test_fixed_length_decoding_for_benchmarks(argos_dir: Path, sentences: list[str]):
    t = load_translator(cache=None, decoding=DecodingOptions(fixed_length=True))
    lengths: list[tuple[int, int]] = []
    t.model_call_observer = lambda call: lengths.extend((call.edge, len(o)) for o in call.outputs)
    out = t.translate(sentences[:6])
    assert len(out) == 6 and len(lengths) == 6
    assert all(n == decoding_length(edge) for edge, n in lengths)


def test_model_input_is_the_packages_own_tokenization(translator: ArgosTranslator, sentences: list[str]):
    spy = Spy(translator)
    translator.translate(sentences[:5], use_cache=False)
    sent = sorted(tuple(tokens) for call in spy.calls for tokens in call)
    expected = sorted(tuple(translator.package.tokenizer.encode(s)) for s in sentences[:5])
    assert sent == expected
