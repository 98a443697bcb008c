"""Importing a Marian / OPUS-MT model release: ``qari models import FILE.zip|DIR``.

OPUS-MT publishes every model as a Marian release: a zip (or its unpacked folder) holding
``decoder.yml`` (which names the model ``.npz`` and the vocabulary ``.yml`` files), the
SentencePiece models ``source.spm`` and ``target.spm``, and a README with the languages.
CTranslate2, already a dependency, converts that format itself
(``ctranslate2.converters.OpusMTConverter``: numpy and PyYAML, no torch), so one command can
turn a downloaded release into an installed package:

1. **read** the release. A zip passes the same checks as an ``.argosmodel``
   (:func:`reader.translation.packages.check_entries`: safe relative paths, no symlinks, bounded size; the
   CRCs on extraction) and only the files ``decoder.yml`` names are extracted, into a private
   folder of the packages dir's scratch dir; the ``.npz`` (itself a zip) passes the same
   checks before numpy opens it;
2. **check** it: ``decoder.yml`` is YAML naming a model and one or two vocabularies, every
   named file and both SentencePiece models are there, the model is a Marian transformer,
   the language pair is known (``--from``/``--to``, else the README's "source/target
   language(s)" lines or its download URL, else the folder or file name) and each
   SentencePiece model matches its vocabulary (:func:`reader.translation.packing.check_tokenizer`), all
   before anything is converted;
3. **convert** with ``OpusMTConverter`` into the scratch folder (int8 by default, like Argos's
   packages);
4. **pack** with :func:`reader.translation.packing.pack`, the code of ``qari models pack``: source.spm as
   the package's tokenizer, target.spm as its target tokenizer (which reader.translation.translate decodes
   with), the ``>>xxx<<`` target-language token of a multi-target model as source prefix;
5. **install** with :func:`reader.translation.packages.install_file` (validated again, all-or-nothing).

Any failure is a one-line :class:`reader.translation.packages.ModelError`; the scratch folder is always
removed, so a refused or interrupted import leaves the packages dir as it was.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from reader.translation import packages
from reader.translation.packages import InstalledModel, ModelError

__all__ = ["QUANTIZATIONS", "Release", "import_release", "inspect_release"]

QUANTIZATIONS = ("int8", "int16", "float32")
RELEASE_KIND = "a Marian model release"
_SMALL_FILE_BYTES = 4 * 2**20  # decoder.yml, README.md: a few KB in every release
_VOCAB_BYTES = 64 * 2**20  # a 64k-piece vocabulary is about 1 MB
_SPM_BYTES = 64 * 2**20
_REQUIRED_SPM = ("source.spm", "target.spm")
_README_NAMES = ("README.md", "README.txt", "README")

# ISO 639-3 (and Arabic varieties, written as their macrolanguage) to the 2-letter codes
# Argos packages use; OPUS-MT's Tatoeba releases name languages by 3-letter codes.
_ARABIC_VARIETIES = ("ara arb aao abh abv acm acq acw acx acy adf aeb aec afb ajp apc apd arq ars ary arz "
                     "auz avl ayh ayl ayn ayp bbz pga shu ssh").split()  # ISO 639-3 members of "ar"
_ISO3 = {
    **{code: "ar" for code in _ARABIC_VARIETIES},
    "eng": "en", "fra": "fr", "deu": "de", "spa": "es", "fas": "fa", "pes": "fa", "tur": "tr",
    "urd": "ur", "heb": "he", "rus": "ru", "zho": "zh", "cmn": "zh", "ita": "it", "por": "pt",
}
_TO_ISO3 = {"ar": "ara", "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "fa": "fas", "tr": "tur",
            "ur": "urd", "he": "heb", "ru": "rus", "zh": "zho", "it": "ita", "pt": "por"}


@dataclass
class Release:
    """What :func:`inspect_release` learned about a release folder."""

    root: Path  # the folder holding decoder.yml
    shown: str  # how the release is called in messages
    model: Path
    vocabs: list[Path]
    source_spm: Path
    target_spm: Path
    from_code: str
    to_code: str
    config: dict[str, Any] = field(repr=False)  # the model's own options (special:model.yml)
    source_prefix: str = ""  # ">>eng<<" for a model with several target languages
    date: str = ""  # YYYY-MM-DD of the release, when its name or README has one
    names: list[str] = field(default_factory=list)  # the file/folder names it was found under

    @property
    def big(self) -> bool:
        return int(self.config.get("dim-emb") or 0) >= 1024


def _code(code: str) -> str:
    code = code.strip().lower().replace("_", "-")
    return _ISO3.get(code, code)


def _read_small(path: Path, limit: int, what: str, shown: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise ModelError(f"{shown}: {what} is {size / 2**20:.0f} MiB, too large for a Marian release")
        return path.read_bytes()
    except OSError as err:
        raise ModelError(f"{shown}: cannot read {what} ({err.strerror or err})") from None


def _decoder_config(root: Path, shown: str) -> tuple[list[str], list[str]]:
    """(model files, vocabulary files) named by decoder.yml, as safe relative paths."""
    import yaml

    raw = _read_small(root / "decoder.yml", _SMALL_FILE_BYTES, "decoder.yml", shown)
    try:
        config = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelError(f"{shown}: decoder.yml is not valid YAML ({first})") from None
    if not isinstance(config, dict):
        raise ModelError(f"{shown}: decoder.yml is not a YAML mapping")
    lists = []
    for key in ("models", "vocabs"):
        value = config.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ModelError(f"{shown}: decoder.yml has no {key} list")
        for name in value:
            if packages._unsafe(name) or name.startswith("~") or not name.isprintable():
                raise ModelError(f"{shown} is refused: decoder.yml names an unsafe path: {name!r}")
        lists.append(value)
    models, vocabs = lists
    if len(vocabs) > 2:
        raise ModelError(f"{shown}: decoder.yml names {len(vocabs)} vocabularies; a translation model has 1 or 2")
    return models, vocabs


def _model_options(npz: Path, shown: str) -> dict[str, Any]:
    """The Marian options stored in the model (``special:model.yml``), after the .npz passed
    the archive checks every zip from outside passes."""
    import numpy as np
    import yaml

    kind = "a Marian model (.npz)"
    with packages.open_archive(npz, shown=f"{shown}: {npz.name}", kind=kind) as archive:
        names = packages.check_entries(archive, shown=f"{shown}: {npz.name}", kind=kind)
    if "special:model.yml.npy" not in names:
        raise ModelError(f"{shown}: {npz.name} is not a Marian model (no special:model.yml inside)")
    if names["special:model.yml.npy"].file_size > _SMALL_FILE_BYTES:
        raise ModelError(f"{shown}: {npz.name} has options of {names['special:model.yml.npy'].file_size} bytes; refused")
    unpacked = sum(info.file_size for info in names.values())
    try:
        with np.load(npz, allow_pickle=False) as weights:
            raw = weights["special:model.yml"]
            options = yaml.safe_load(raw[:-1].tobytes() if raw.size else b"")
    except Exception as err:  # numpy/zip/yaml errors of a damaged file
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelError(f"{shown}: {npz.name} is not a readable Marian model ({first})") from None
    if not isinstance(options, dict):
        raise ModelError(f"{shown}: {npz.name} has no Marian model options")
    if options.get("type") != "transformer":
        raise ModelError(f"{shown}: {npz.name} is a Marian {options.get('type')!r} model; only transformers convert")
    bound = _weights_bound(options)
    if bound is None:
        raise ModelError(f"{shown}: {npz.name} does not state its dimensions (dim-emb, enc-depth, dec-depth, "
                         "transformer-dim-ffn, dim-vocabs)")
    if unpacked > bound:  # the converter loads every array into memory: no bombs inside the .npz
        raise ModelError(f"{shown} is refused: {npz.name} holds {unpacked / 2**20:.0f} MiB of arrays, more than "
                         f"a model of its stated dimensions can ({bound / 2**20:.0f} MiB)")
    return options


def _weights_bound(options: dict[str, Any]) -> int | None:
    """An upper bound on the bytes of a Marian transformer's arrays, from its stated dimensions
    (float32, untied embeddings on both sides and the output, learned positions, biases and
    norms everywhere, then a 50% margin and 64 MiB for anything else); None without them."""
    try:
        d = int(options["dim-emb"])
        enc, dec = int(options["enc-depth"]), int(options["dec-depth"])
        ffn = int(options.get("transformer-dim-ffn") or 4 * d)
        vocab = max(int(v) for v in options["dim-vocabs"])
    except (KeyError, TypeError, ValueError):
        return None
    if min(d, enc, dec, ffn, vocab) <= 0:
        return None
    ffn_depth = max(2, int(options.get("transformer-ffn-depth") or 2))
    ffn_params = ffn_depth * d * ffn + ffn * ffn_depth + 4 * d
    layer_enc = 4 * d * d + 8 * d + ffn_params
    layer_dec = 2 * layer_enc
    params = 3 * vocab * d + vocab + 2 * 2048 * d + enc * layer_enc + dec * layer_dec + 8 * d
    return int(params * 4 * 1.5) + 64 * 2**20


def _vocabulary(path: Path, shown: str) -> list[str]:
    """A Marian vocabulary, read by the converter's own parser."""
    from ctranslate2.converters.marian import load_vocab

    _read_small(path, _VOCAB_BYTES, path.name, shown)
    try:
        vocab = load_vocab(str(path))
    except (ValueError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelError(f"{shown}: {path.name} is not a Marian vocabulary ({first})") from None
    if len(vocab) < 3 or "</s>" not in vocab or "<unk>" not in vocab:
        raise ModelError(f"{shown}: {path.name} is not a Marian vocabulary (no </s> and <unk> entries)")
    return vocab


def _languages_in_readme(text: str) -> tuple[list[str], list[str]]:
    """Source and target codes from a README's ``* source language(s): ...`` lines."""
    found: dict[str, list[str]] = {"source": [], "target": []}
    for side in found:
        match = re.search(rf"^[\s*-]*{side} language\(s\)\s*:\s*(.+)$", text, re.I | re.M)
        if match:
            found[side] = [c for c in re.split(r"[\s,]+", match.group(1).strip()) if re.fullmatch(r"[A-Za-z_-]{2,12}", c)]
    return found["source"], found["target"]


_PAIR_RE = re.compile(r"(?<![a-z])(?=([a-z]{2,3})-([a-z]{2,3})(?![a-z]))")


def _pair_in_names(names: list[str]) -> tuple[str, str] | None:
    """The last ``xx-yy`` (or ``xxx-yyy``) in the names whose codes are known languages:
    ``opus-mt-tc-big-ar-en``, ``ara-eng``, ``.../OPUS-MT-models/ar-en/opus-2019-12-18.zip``."""
    from reader.translation.packages import LANGUAGE_NAMES

    for name in reversed(names):
        for match in reversed(list(_PAIR_RE.finditer(name.lower()))):
            src, dst = _code(match.group(1)), _code(match.group(2))
            if src in LANGUAGE_NAMES and dst in LANGUAGE_NAMES and src != dst:
                return src, dst
    return None


def _language_pair(readme: str, names: list[str], from_code: str | None, to_code: str | None,
                   vocab: list[str], shown: str) -> tuple[str, str, str]:
    """(from, to, source prefix) from the flags, the README or the names; refuses a conflict."""
    sources, targets = _languages_in_readme(readme)
    url = re.search(r"MT-models/([A-Za-z]{2,3})-([A-Za-z]{2,3})/", readme)
    known_src = {_code(c) for c in sources} or ({_code(url.group(1))} if url else set())
    known_dst = {_code(c) for c in targets} or ({_code(url.group(2))} if url else set())
    if not known_src or not known_dst:
        pair = _pair_in_names(names)
        if pair:
            known_src, known_dst = known_src or {pair[0]}, known_dst or {pair[1]}
    src = _code(from_code) if from_code else (next(iter(known_src)) if len(known_src) == 1 else "")
    dst = _code(to_code) if to_code else (next(iter(known_dst)) if len(known_dst) == 1 else "")
    if not src or not dst:
        several = known_src if len(known_src) > 1 else known_dst
        why = f"it lists several ({', '.join(sorted(several))})" if len(several) > 1 else "its README and names do not say"
        raise ModelError(f"cannot tell the language pair of {shown} ({why}): give --from and --to")
    if known_src and src not in known_src:
        raise ModelError(f"{shown} translates from {', '.join(sorted(known_src))}, not {src}")
    if known_dst and dst not in known_dst:
        raise ModelError(f"{shown} translates into {', '.join(sorted(known_dst))}, not {dst}")
    prefix = ""
    tokens = [t for t in (f">>{_TO_ISO3.get(dst, dst)}<<", f">>{dst}<<") if t in set(vocab)]
    if len(known_dst) > 1 or (not known_dst and tokens):
        if not tokens:
            raise ModelError(f"{shown} is a multi-target model without a >>{_TO_ISO3.get(dst, dst)}<< token")
        prefix = tokens[0]
    return src, dst, prefix


def _release_date(texts: list[str]) -> str:
    for text in texts:
        match = re.search(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)(?!\d)", text)
        if match:
            return "-".join(match.groups())
    return ""


def inspect_release(root: Path, *, shown: str, names: Sequence[str] = (),
                    from_code: str | None = None, to_code: str | None = None) -> Release:
    """Check an unpacked release folder (see the module docstring, step 2); nothing is converted."""
    from reader.translation.packing import check_tokenizer

    if not (root / "decoder.yml").is_file():
        raise ModelError(f"{shown} is not {RELEASE_KIND}: no decoder.yml")
    models, vocab_names = _decoder_config(root, shown)
    model = root / models[0]
    vocabs = [root / v for v in vocab_names]
    for path in [model, *vocabs] + [root / n for n in _REQUIRED_SPM]:
        if not path.is_file():
            rel = path.relative_to(root).as_posix()
            raise ModelError(f"{shown} is not a complete {RELEASE_KIND[2:]}: {rel} is missing")
    config = _model_options(model, shown)
    source_vocab = _vocabulary(vocabs[0], shown)
    target_vocab = source_vocab if vocabs[-1] == vocabs[0] else _vocabulary(vocabs[-1], shown)
    for side, vocab in (("source", source_vocab), ("target", target_vocab)):
        spm = root / f"{side}.spm"
        _read_small(spm, _SPM_BYTES, spm.name, shown)
        try:
            check_tokenizer(spm, vocab, side=side)
        except ModelError as err:
            raise ModelError(f"{shown}: {err} ({vocabs[0 if side == 'source' else -1].name})") from None
    readme = ""
    for name in _README_NAMES:
        if (root / name).is_file():
            readme = _read_small(root / name, _SMALL_FILE_BYTES, name, shown).decode("utf-8", "replace")
            break
    names = [*names, root.name]
    src, dst, prefix = _language_pair(readme, names, from_code, to_code, source_vocab, shown)
    return Release(root=root, shown=shown, model=model, vocabs=vocabs, source_spm=root / "source.spm",
                   target_spm=root / "target.spm", from_code=src, to_code=dst, config=config,
                   source_prefix=prefix, date=_release_date([*names, readme]), names=names)


def _extract(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], prefix: str, wanted: list[str],
             dest: Path, shown: str) -> None:
    """Extract ``prefix + name`` for each wanted name to ``dest / name`` (names already safe);
    a damaged entry (bad CRC, truncated) is refused."""
    for name in wanted:
        info = entries.get(prefix + name)
        if info is None:
            continue  # inspect_release names what is missing
        target = dest.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
        except (zipfile.BadZipFile, EOFError, ValueError) as err:
            raise ModelError(f"{shown} is corrupt: {info.filename!r}: {err}") from None
        except OSError as err:
            raise ModelError(f"cannot unpack {shown} into {dest} ({err.strerror or err})") from None


def _unpack(path: Path, work: Path, shown: str) -> tuple[Path, list[str]]:
    """Extract what a release zip's decoder.yml names into ``work``; (release folder, names)."""
    import yaml

    with packages.open_archive(path, shown=shown, kind=RELEASE_KIND) as archive:
        entries = packages.check_entries(archive, shown=shown, kind=RELEASE_KIND)
        decoders = sorted((n for n in entries if PurePosixPath(n).name == "decoder.yml"),
                          key=lambda n: (n.count("/"), n))
        if not decoders:
            raise ModelError(f"{shown} is not {RELEASE_KIND}: no decoder.yml")
        prefix = decoders[0][: -len("decoder.yml")]
        info = entries[decoders[0]]
        if info.file_size > _SMALL_FILE_BYTES:
            raise ModelError(f"{shown}: decoder.yml is {info.file_size / 2**20:.0f} MiB, too large for a Marian release")
        root = work / "release"
        root.mkdir()
        _extract(archive, entries, prefix, ["decoder.yml"], root, shown)
        try:
            config = yaml.safe_load((root / "decoder.yml").read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - inspect_release reports it properly
            config = None
        named = []
        if isinstance(config, dict):
            for key in ("models", "vocabs"):
                value = config.get(key)
                if isinstance(value, list):
                    value = value[:1] if key == "models" else value  # the converter reads the first model
                    named += [v for v in value if isinstance(v, str) and v and not packages._unsafe(v)]
        wanted = sorted(set(named + list(_REQUIRED_SPM) + list(_README_NAMES)))
        wanted = [w for w in wanted if prefix + w in entries]
        needed = sum(entries[prefix + w].file_size for w in wanted)
        packages._check_space(work, needed * 3, shown)  # the release, the converted model, the package
        _extract(archive, entries, prefix, wanted, root, shown)
    top = prefix.rstrip("/").rsplit("/", 1)[-1] if prefix else ""
    return root, [n for n in (path.parent.name, path.stem, top) if n]


def _default_name(release: Release) -> str:
    for name in reversed(release.names):
        if name.lower().startswith("opus-mt-"):
            return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.")
    return f"opus-mt-{'tc-big-' if release.big else ''}{release.from_code}-{release.to_code}"


def import_release(
    source: str | Path,
    *,
    name: str | None = None,
    version: str | None = None,
    quantization: str = "int8",
    from_code: str | None = None,
    to_code: str | None = None,
    expect: tuple[str, str] | None = ("ar", "en"),
    replace: bool = False,
    step: Callable[[str], None] | None = None,
) -> InstalledModel:
    """Read, check, convert, pack and install a Marian release (a zip or an unpacked folder);
    return the installed package. ``expect``: the required pair (None: any). ``replace``:
    remove the pair's other packages once it is in (default: keep them, so ``qari models use``
    can switch back). ``step(text)`` is told what is happening. Raises :class:`ModelError`."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"quantization must be one of {', '.join(QUANTIZATIONS)}, not {quantization!r}")
    say = step or (lambda _text: None)
    source = Path(source).expanduser()
    shown = source.name or str(source)
    if not source.exists():
        raise ModelError(f"{source}: no such file or directory")
    scratch = packages._scratch_dir()
    packages._clean_scratch(scratch)
    work = Path(tempfile.mkdtemp(prefix="import-", dir=scratch))
    try:
        if source.is_dir():
            root, names = source, [source.parent.name, source.name]
        else:
            say(f"reading {shown}")
            root, names = _unpack(source, work, shown)
        release = inspect_release(root, shown=shown, names=names, from_code=from_code, to_code=to_code)
        if expect is not None and (release.from_code, release.to_code) != tuple(expect):
            raise ModelError(f"{shown} is a {release.from_code}→{release.to_code} model, not "
                             f"{expect[0]}→{expect[1]} (use --any-pair to import it anyway)")
        converted = work / "ct2"
        say(f"converting {release.model.name} ({release.model.stat().st_size / 1e6:.0f} MB) to CTranslate2 {quantization}")
        _convert(release, converted, quantization)
        from reader.translation.packing import pack

        package_name = name or _default_name(release)
        package_version = version or (release.date.replace("-", ".") if release.date else "1.0")
        say(f"packing {package_name} {package_version}")
        packed = pack(converted, release.source_spm, target_sp_model=release.target_spm,
                      from_code=release.from_code, to_code=release.to_code, out=work / "package.argosmodel",
                      name=package_name, version=package_version, source_prefix=release.source_prefix,
                      description=f"Imported by `qari models import` from the Marian release {shown} "
                                  f"({quantization}). See the release's own README and LICENSE for its terms.")
        say("installing")
        return packages.install_file(packed, expect=(release.from_code, release.to_code), replace=replace)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        packages._drop_scratch_if_empty()


def _convert(release: Release, out: Path, quantization: str) -> None:
    """OpusMTConverter into ``out``; its exceptions become one line."""
    from ctranslate2.converters import OpusMTConverter

    try:
        OpusMTConverter(str(release.root)).convert(str(out), quantization=quantization, force=True)
    except MemoryError:
        raise ModelError(f"converting {release.shown} ran out of memory") from None
    except Exception as err:  # ValueError from the converter's checks, KeyError for missing weights ...
        text = " ".join(str(err).split()) or type(err).__name__
        if isinstance(err, KeyError):
            text = f"the model lacks the weight {err.args[0]!r}" if err.args else "a weight is missing"
        raise ModelError(f"converting {release.shown} failed: {text}") from None
