"""`qari models import` (reader/translation/marian.py) and `qari models use` (the `model` setting).

The release is a real Marian-format model made by tests/fixtures/make_marian.py: seeded numpy
weights under Marian's parameter names in an .npz, SentencePiece models trained on a few
Arabic/English lines, decoder.yml and a vocabulary .yml; CTranslate2's own OpusMTConverter
reads it. What qari translates with the imported package is compared with CTranslate2
decoding an independent conversion of the same release, never with invented English.
Every test has its own packages dir and settings file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest
from clirun import FIXTURE_MODEL, QariEnv, assert_no_traceback, assert_one_line_error, jsonl

from reader.translation import marian
from reader.translation import packages as models
from reader.translation.packages import ModelError

HERE = Path(__file__).resolve().parent
SENTENCES = ["افتتحت الحكومة محطة جديدة لتحلية المياه.", "قال الوزير إن المشروع استغرق أربع سنوات.",
             "معرض الكتاب", "وأكد المتحدث أن الاجتماع سيعقد الأسبوع المقبل في العاصمة."]
ARTICLE = "افتتحت الحكومة محطة جديدة لتحلية المياه. قال الوزير إن المشروع استغرق أربع سنوات.\n\n" \
          "وأكد المتحدث أن الاجتماع سيعقد الأسبوع المقبل في العاصمة.\n"


def _generator():
    sys.path.insert(0, str(HERE / "fixtures"))
    try:
        import make_marian
    finally:
        sys.path.remove(str(HERE / "fixtures"))
    return make_marian


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked tiny release (never modified by tests: they copy it)."""
    return _generator().build_release(tmp_path_factory.mktemp("marian") / "release", zipped=False)


@pytest.fixture(scope="session")
def release_zip(release_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generator().zip_dir(release_dir, tmp_path_factory.mktemp("marian-zip") / "opus-2026-01-02.zip")


@pytest.fixture(scope="session")
def oracle(release_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """CTranslate2's own decoding of the release, converted independently of qari: each
    sentence alone, with the decoding settings qari uses (reader.translation.translate.DecodingOptions)."""
    import ctranslate2
    import sentencepiece
    from ctranslate2.converters import OpusMTConverter

    from reader.translation.translate import DecodingOptions, decoding_length

    out = tmp_path_factory.mktemp("oracle") / "ct2"
    OpusMTConverter(str(release_dir)).convert(str(out), quantization="int8")
    source = sentencepiece.SentencePieceProcessor(model_file=str(release_dir / "source.spm"))
    target = sentencepiece.SentencePieceProcessor(model_file=str(release_dir / "target.spm"))
    translator = ctranslate2.Translator(str(out), device="cpu", compute_type="int8", intra_threads=1)
    options = DecodingOptions()

    def translate(sentences: list[str]) -> list[str]:
        english = []
        for sentence in sentences:
            tokens = source.encode(sentence, out_type=str)
            (result,) = translator.translate_batch(
                [tokens], beam_size=options.beam_size, length_penalty=options.length_penalty,
                replace_unknowns=options.replace_unknowns, max_decoding_length=decoding_length(len(tokens)))
            english.append(target.decode_pieces(result.hypotheses[0]).strip())
        return english

    return translate


@pytest.fixture(autouse=True)
def packages(offline_packages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QARI_CONFIG", str(tmp_path / "config" / "config.toml"))
    return offline_packages


def snapshot(directory: Path) -> list[tuple[str, str]]:
    """Every entry under the packages dir's parent (where the scratch dir goes)."""
    return [(p.relative_to(directory.parent).as_posix(),
             hashlib.sha1(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(directory.parent.rglob("*"))]


def copy_release(release_dir: Path, dest: Path) -> Path:
    shutil.copytree(release_dir, dest)
    return dest


# --- importing ------------------------------------------------------------------------------


def test_import_converts_packs_installs_and_translates_like_ctranslate2(release_zip: Path, oracle, packages: Path) -> None:
    from reader.translation.translate import load_translator

    installed = marian.import_release(release_zip)
    assert (installed.from_code, installed.to_code) == ("ar", "en")
    assert installed.name == "opus-mt-ar-en" and installed.version == "2026.01.02"  # README date
    assert installed.path.parent == packages and installed.size_bytes > 0
    assert installed.target_tokenizer == installed.path / "target_sentencepiece.model"
    release = release_zip.parent / "unzipped"
    with zipfile.ZipFile(release_zip) as archive:
        archive.extractall(release)
    assert installed.tokenizer.read_bytes() == (release / "source.spm").read_bytes()
    assert installed.target_tokenizer.read_bytes() == (release / "target.spm").read_bytes()
    config = json.loads((installed.path / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["add_source_eos"] is True  # Marian models end every source with </s>
    assert [p.name for p in packages.parent.iterdir() if p.name.startswith(".")] == []  # no scratch left

    engine = load_translator("ar", "en", cache=None)
    assert engine.package_path == installed.path
    english = engine.translate(SENTENCES)
    assert english == oracle(SENTENCES)
    assert all(english) and len(set(english)) == len(SENTENCES)  # the comparison means something


def test_import_from_a_folder_with_flags(release_dir: Path, oracle, tmp_path: Path) -> None:
    from reader.translation.translate import load_translator

    folder = copy_release(release_dir, tmp_path / "opus-mt-tc-big-ar-en")
    (folder / "README.md").write_text("# a release without language lines\n", encoding="utf-8")
    installed = marian.import_release(folder, version="3.0")
    assert installed.name == "opus-mt-tc-big-ar-en" and installed.version == "3.0"  # name from the folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in release_dir.iterdir())  # untouched
    installed = marian.import_release(folder, name="mine", from_code="ar", to_code="en", quantization="float32")
    assert installed.name == "mine"
    assert load_translator("ar", "en", cache=None).translate(SENTENCES[:1]) != [""]
    with pytest.raises(ModelError, match="translates into en, not fr"):
        marian.import_release(folder, from_code="ar", to_code="fr")


def test_multi_target_release_gets_its_target_language_token(release_dir: Path, tmp_path: Path) -> None:
    """A release for several target languages (README) needs >>eng<< before every source
    sentence: packed as the source prefix, which CTranslate2 adds itself."""
    import ctranslate2
    import sentencepiece
    from ctranslate2.converters import OpusMTConverter

    from reader.translation.translate import DecodingOptions, decoding_length, load_translator

    folder = copy_release(release_dir, tmp_path / "multi")
    lines = (folder / VOCAB).read_text(encoding="utf-8").splitlines()
    lines[-1] = f'">>eng<<": {len(lines) - 1}'  # a token the release's vocabulary has in place of its last piece
    (folder / VOCAB).write_text("\n".join(lines) + "\n", encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(readme.replace("target language(s): eng", "target language(s): eng fra"),
                                      encoding="utf-8")
    with pytest.raises(ModelError, match=r"cannot tell the language pair .*several \(en, fr\)"):
        marian.import_release(folder)
    installed = marian.import_release(folder, to_code="en")
    config = json.loads((installed.path / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["add_source_bos"] is True and config["bos_token"] == ">>eng<<"

    OpusMTConverter(str(folder)).convert(str(tmp_path / "ct2"), quantization="int8")
    source = sentencepiece.SentencePieceProcessor(model_file=str(folder / "source.spm"))
    target = sentencepiece.SentencePieceProcessor(model_file=str(folder / "target.spm"))
    translator = ctranslate2.Translator(str(tmp_path / "ct2"), compute_type="int8", intra_threads=1)
    options = DecodingOptions()
    expected = []
    for sentence in SENTENCES:
        tokens = source.encode(sentence, out_type=str)
        (result,) = translator.translate_batch([[">>eng<<", *tokens]], beam_size=options.beam_size,
                                               length_penalty=options.length_penalty, replace_unknowns=True,
                                               max_decoding_length=decoding_length(len(tokens)))
        expected.append(target.decode_pieces(result.hypotheses[0]).strip())
    assert load_translator("ar", "en", cache=None).translate(SENTENCES) == expected


def _release_entries(release_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in release_dir.iterdir() if p.is_file()}


def _zip(path: Path, entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, target)
    return path


def _foreign_spm() -> bytes:
    import io

    import sentencepiece

    words = ["καλημέρα", "θάλασσα", "βιβλίο", "ποτάμι", "ουρανός", "δρόμος", "σπίτι", "φίλος"]
    lines = [" ".join(words[(i * 3 + j) % len(words)] for j in range(6)) for i in range(200)]
    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=buffer, vocab_size=40,
                                             hard_vocab_limit=False, minloglevel=2, num_threads=1)
    return buffer.getvalue()


def _npz(entries: dict[str, bytes], drop: str = "", options: bytes | None = None, extra: int = 0) -> bytes:
    """The release's model with one weight dropped, other options, or an ``extra`` array of
    that many float32 zeros (compressed: a few KB in the zip, ``4 * extra`` bytes unpacked)."""
    import io

    import numpy as np

    model = entries[_generator().MODEL_NAME]
    with np.load(io.BytesIO(model)) as weights:
        arrays = {k: weights[k] for k in weights.files if k != drop}
    if options is not None:
        arrays["special:model.yml"] = np.frombuffer(options + b"\0", dtype=np.int8).copy()
    buffer = io.BytesIO()
    if extra:
        arrays["decoder_l1_ffn_Wpadding"] = np.zeros(extra, dtype=np.float32)
        np.savez_compressed(buffer, **arrays)
    else:
        np.savez(buffer, **arrays)
    return buffer.getvalue()


def _corrupt_entry(path: Path, name: str) -> Path:
    """Flip a byte inside one entry's data (the zip's directory stays valid)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _without(entries: dict[str, bytes], name: str) -> dict[str, bytes]:
    return {k: v for k, v in entries.items() if k != name}


MODEL = "opus.spm-spm.transformer.model1.npz"
VOCAB = "opus.spm-spm.vocab.yml"

BROKEN = {
    "missing target.spm": (lambda d, e: _zip(d / "r.zip", _without(e, "target.spm")), "target.spm is missing"),
    "missing model": (lambda d, e: _zip(d / "r.zip", _without(e, MODEL)), f"{MODEL} is missing"),
    "missing vocabulary": (lambda d, e: _zip(d / "r.zip", _without(e, VOCAB)), f"{VOCAB} is missing"),
    "no decoder.yml": (lambda d, e: _zip(d / "r.zip", _without(e, "decoder.yml")), "no decoder.yml"),
    "bad yaml": (lambda d, e: _zip(d / "r.zip", {**e, "decoder.yml": b"models: [unclosed\nvocabs: {"}),
                 "decoder.yml is not valid YAML"),
    "decoder.yml without vocabs": (lambda d, e: _zip(d / "r.zip", {**e, "decoder.yml": f"models: [{MODEL}]\n".encode()}),
                                   "decoder.yml has no vocabs list"),
    "vocabulary of another model": (
        lambda d, e: _zip(d / "r.zip", {**e, VOCAB: "".join(f'"w{i}": {i}\n' for i in range(500)).encode()
                                        .replace(b'"w0"', b'"</s>"').replace(b'"w1"', b'"<unk>"')}),
        "the source tokenizer source.spm does not match the model"),
    "target.spm of another model": (lambda d, e: _zip(d / "r.zip", {**e, "target.spm": _foreign_spm()}),
                                    "the target tokenizer target.spm does not match the model"),
    "not a SentencePiece model": (lambda d, e: _zip(d / "r.zip", {**e, "source.spm": b"garbage"}),
                                  "is not a valid SentencePiece model"),
    "unreadable vocabulary": (lambda d, e: _zip(d / "r.zip", {**e, VOCAB: e[VOCAB] + b"no colon on this line\n"}),
                              f"{VOCAB} is not a Marian vocabulary"),
    "vocabulary shorter than the model": (
        lambda d, e: _zip(d / "r.zip", {**e, VOCAB: b"".join(e[VOCAB].splitlines(keepends=True)[:-40])}),
        "converting opus-2026-01-02.zip failed"),
    "model without options": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: _npz(e, drop="special:model.yml")}),
                              "is not a Marian model (no special:model.yml inside)"),
    "model missing a weight": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: _npz(e, drop="decoder_l1_ffn_W1")}),
                               "failed: Some required model attributes are not set: decoder/layer_0/ffn/linear_0/weight"),
    "not a transformer": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: _npz(e, options=b"type: s2s\n")}),
                          "is a Marian 's2s' model; only transformers convert"),
    "bomb inside the model": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: _npz(e, extra=(1 << 24) + (1 << 23))}),
                              "is refused: opus.spm-spm.transformer.model1.npz holds 96 MiB of arrays, more than"),
    "model without dimensions": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: _npz(e, options=b"type: transformer\n")}),
                                 "does not state its dimensions"),
    "model not an npz": (lambda d, e: _zip(d / "r.zip", {**e, MODEL: b"not a zip"}), "not a zip archive"),
    "no language pair": (lambda d, e: _zip(d / "r.zip", {**e, "README.md": b"# release\n"}),
                         "cannot tell the language pair of opus-2026-01-02.zip"),
    "another pair": (lambda d, e: _zip(d / "r.zip", {**e, "README.md": b"* source language(s): fra\n"
                                                                        b"* target language(s): eng\n"}),
                     "is a fr→en model, not ar→en (use --any-pair"),
    "not a zip": (lambda d, e: (d / "r.zip").write_bytes(os.urandom(2048)) and d / "r.zip", "not a zip archive"),
    "zip slip": (lambda d, e: _zip(d / "r.zip", {**e, "../../evil.sh": b"rm -rf ~"}),
                 "unsafe path in archive: '../../evil.sh'"),
    "absolute path": (lambda d, e: _zip(d / "r.zip", {**e, "/etc/evil": b"x"}), "unsafe path in archive: '/etc/evil'"),
    "symlink": (lambda d, e: _zip(d / "r.zip", e, symlinks={"source.spm.link": "/etc/passwd"}),
                "unsafe path in archive: 'source.spm.link'"),
    "decoder.yml naming a path outside": (
        lambda d, e: _zip(d / "r.zip", {**e, "decoder.yml": f"models: [../../{MODEL}]\nvocabs: [{VOCAB}]\n".encode()}),
        f"decoder.yml names an unsafe path: '../../{MODEL}'"),
    "corrupt model entry": (lambda d, e: _corrupt_entry(_zip(d / "r.zip", e), MODEL), "is corrupt"),
    "empty zip": (lambda d, e: _zip(d / "r.zip", {}), "the archive is empty"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_or_hostile_release_is_refused_in_one_line_and_installs_nothing(
        case: str, release_dir: Path, tmp_path: Path, packages: Path) -> None:
    make, message = BROKEN[case]
    work = tmp_path / "work"
    work.mkdir()
    bad = make(work, _release_entries(release_dir))
    bad = bad.rename(work / "opus-2026-01-02.zip")  # a name that says nothing about the pair
    models.install_file(FIXTURE_MODEL)  # something to keep intact
    before = snapshot(packages)
    with pytest.raises(ModelError) as info:
        marian.import_release(bad)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert snapshot(packages) == before
    assert not (tmp_path / "evil.sh").exists() and not Path("/etc/evil").exists()


def test_zip_bomb_is_refused_by_the_package_size_check(release_zip: Path, packages: Path, monkeypatch) -> None:
    """The release zip passes the same size bound as packages (lowered here to stand for 64 GiB)."""
    size = sum(i.file_size for i in zipfile.ZipFile(release_zip).infolist())
    monkeypatch.setattr(models, "_MAX_UNPACKED", size - 1)
    before = snapshot(packages)
    with pytest.raises(ModelError, match="is refused: it would unpack to"):
        marian.import_release(release_zip)
    assert snapshot(packages) == before


def test_a_failure_while_installing_leaves_nothing(release_zip: Path, packages: Path, monkeypatch) -> None:
    def half_unpack(path, dest):
        (Path(dest) / "opus-mt-ar-en-2026_01_02").mkdir(parents=True)
        raise OSError("disk full")

    monkeypatch.setattr(models, "_unpack", half_unpack)
    before = snapshot(packages)
    with pytest.raises(ModelError, match="installing .* failed: disk full"):
        marian.import_release(release_zip)
    assert snapshot(packages) == before


# --- choosing the model -------------------------------------------------------------------


def test_models_use_chooses_the_package_everywhere(release_zip: Path, packages: Path) -> None:
    from reader.config import load_config, set_setting
    from reader.translation.translate import find_package, load_translator

    argos = models.install_file(FIXTURE_MODEL, replace=False)
    opus = marian.import_release(release_zip)
    # without a choice: the newest version (2026.01.02 > 0.1), for listing and translating alike
    assert models.which_used() == opus and Path(find_package().package_path) == opus.path
    for choice, expected in (("translate-ar_en", argos), (argos.path.name, argos), ("opus-mt-ar-en", opus)):
        set_setting("model", choice)
        assert load_config().model == choice
        assert models.which_used() == expected
        assert Path(find_package().package_path) == expected.path
        engine = load_translator("ar", "en", cache=None)
        assert engine.package_path == expected.path and engine.warnings == []
    set_setting("model", "removed-since")
    engine = load_translator("ar", "en", cache=None)
    assert engine.package_path == opus.path  # the newest instead, with a warning
    assert engine.warnings == ["the model chosen with `qari models use` (removed-since) is not installed; "
                               f"using {engine.model_name} instead"]


def test_set_setting_keeps_the_users_file(tmp_path: Path) -> None:
    from reader.config import ConfigError, load_config, set_setting

    path = tmp_path / "config.toml"
    path.write_text('# mine\nlayout = "stacked"   # my layout\nmodel = "old"\n\n[unknown]\nx = 1\n', encoding="utf-8")
    set_setting("model", 'a "quoted" name', path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# mine\nlayout = "stacked"   # my layout\nmodel = "a \\"quoted\\" name"')
    assert text.endswith("\n[unknown]\nx = 1\n")
    assert load_config(path).model == 'a "quoted" name' and load_config(path).layout == "stacked"
    path.write_text("layout = [broken\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        set_setting("model", "x", path)
    assert path.read_text(encoding="utf-8") == "layout = [broken\n"
    fresh = tmp_path / "new" / "config.toml"
    set_setting("model", "x", fresh)
    assert load_config(fresh).model == "x" and "layout" in fresh.read_text(encoding="utf-8")


# --- through the command line, the reader and batch ---------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> QariEnv:
    env = QariEnv.create(tmp_path / "cli")
    (env.root / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return env


def _english(result) -> list[str]:
    assert result.code == 0, result
    return [record["en"] for record in jsonl(result.out)]


def test_cli_import_use_and_the_cache_never_mixes_models(cli: QariEnv, release_zip: Path, oracle) -> None:
    result = cli.run("models", "install", FIXTURE_MODEL)
    assert result.code == 0, result
    result = cli.run("models", "import", release_zip)
    assert_no_traceback(result)
    assert result.code == 0 and result.err == "", result
    assert result.out.splitlines()[0].startswith("installed opus-mt-ar-en 2026.01.02 (ar->en, ")
    assert " MB) at " in result.out and "qari now translates with it" in result.out
    listing = cli.run("models", "list").out.splitlines()
    assert [line[0] for line in listing[:2]] == ["*", " "] and "opus-mt-ar-en" in listing[0]

    sentences = [r["ar"] for r in jsonl(cli.run("translate", "article.txt").out)]
    opus_first = _english(cli.run("translate", "article.txt"))
    assert opus_first == oracle(sentences)
    result = cli.run("models", "use", "translate-ar_en")
    assert result.code == 0 and "qari now translates Arabic -> English with translate-ar_en 0.1" in result.out, result
    listing = cli.run("models", "list").out.splitlines()
    assert listing[0].startswith(" ") and listing[1].startswith("*") and "translate-ar_en" in listing[1]
    argos_first = _english(cli.run("translate", "article.txt"))
    assert argos_first != opus_first
    summary = cli.run("summarize", "article.txt", "-n", "1")
    assert summary.code == 0 and "translate-ar_en 0.1" in summary.out and "opus-mt" not in summary.out, summary
    assert _english(cli.run("translate", "article.txt", "--no-cache")) == argos_first
    assert cli.run("models", "use", "opus-mt-ar-en").code == 0
    assert _english(cli.run("translate", "article.txt")) == opus_first  # from the cache, opus's own
    assert cli.run("models", "use", "--newest").code == 0
    assert _english(cli.run("translate", "article.txt")) == opus_first  # the newest is the import
    with sqlite3.connect(cli.cache_db) as db:
        keys = {row[0] for row in db.execute("select distinct model from translations")}
    assert len(keys) == 2

    assert_one_line_error(cli.run("models", "use", "nope"), 1, "no installed ar->en package is called 'nope'")
    assert_one_line_error(cli.run("models", "use"), 2, "give a package NAME")


def test_cli_refuses_a_broken_release_in_one_line(cli: QariEnv, release_dir: Path, tmp_path: Path) -> None:
    bad = _zip(tmp_path / "opus-mt-ar-en.zip", _without(_release_entries(release_dir), "source.spm"))
    assert_one_line_error(cli.run("models", "import", bad), 1, "source.spm is missing")
    assert_one_line_error(cli.run("models", "import", tmp_path / "nothing.zip"), 1, "no such file or directory")
    assert list(cli.packages.iterdir()) == []
    assert not (cli.root / "config" / "qari" / "config.toml").exists()


def test_batch_uses_the_chosen_model_and_writes_what_translate_writes(cli: QariEnv, release_zip: Path) -> None:
    assert cli.run("models", "import", release_zip).code == 0
    assert cli.run("models", "install", FIXTURE_MODEL, "--keep-others").code == 0
    assert cli.run("models", "use", "translate-ar_en").code == 0  # not the newest: the choice must be honoured
    expected = _english(cli.run("translate", "article.txt", "--no-cache"))
    newest = _english(cli.run("translate", "article.txt", "--no-cache", QARI_CONFIG=str(cli.root / "none.toml")))
    assert expected != newest
    (cli.root / "in").mkdir()
    shutil.copy(cli.root / "article.txt", cli.root / "in" / "article.txt")
    result = cli.run("batch", "in", "-o", "out", "--format", "jsonl")
    assert result.code == 0, result
    records = jsonl((cli.root / "out" / "article.txt.jsonl").read_text(encoding="utf-8"))
    assert [r["en"] for r in records] == expected


async def test_reader_translates_with_the_imported_model(release_zip: Path, app_config, tmp_path: Path) -> None:
    from pilot_helpers import make_app, wait_for

    from reader.article import load_article
    from reader.translation.cache import TranslationCache
    from reader.config import set_setting
    from reader.translation.translate import load_translator

    models.install_file(FIXTURE_MODEL, replace=False)
    opus = marian.import_release(release_zip)
    set_setting("model", "opus-mt-ar-en")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    article = load_article(tmp_path / "a.txt")
    expected = load_translator("ar", "en", cache=None).translate([s.text for s in article.sentences])

    def factory():
        return load_translator("ar", "en", cache=TranslationCache(tmp_path / "cache.sqlite3"))

    app = make_app(article, app_config, factory, start_summary=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.reader.translation_done)
        assert app.reader.model_name.startswith(opus.name)
        assert [app.reader.translations[s.number] for s in article.sentences] == expected
