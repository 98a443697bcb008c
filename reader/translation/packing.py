"""Building an Argos package from a converted model: ``qari models pack``.

:func:`pack` zips a CTranslate2 model directory and its SentencePiece model(s) into an
``.argosmodel`` that :mod:`reader.translation.packages` (and Argos itself) installs: it checks that the
tokenizers belong to the model (their pieces are in its vocabulary), writes Argos's
``metadata.json`` and records source prefix/eos in the model's ``config.json`` (where
CTranslate2 applies them for Argos and qari alike), then validates the result with
:func:`reader.translation.packages.validate_package` before moving it into place atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from reader.translation.packages import ModelError, validate_package
from reader.translation.packages import language_name

__all__ = ["check_tokenizer", "pack"]


_VOCABULARY_MAX = 256 * 1024 * 1024  # bytes; a 250k-entry vocabulary is a few MB
_CONFIG_MAX = 16 * 1024 * 1024


def _read_small(path: Path, limit: int) -> str:
    """A model file's text, refused (OSError) past ``limit`` bytes instead of read whole."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is larger than {limit // 2**20} MiB")
    return data.decode("utf-8")


def _vocabulary(model_dir: Path, side: str) -> list[str] | None:
    """The CTranslate2 vocabulary of one side ("source" or "target"), or None if unknown
    (missing, unreadable, too large or nested too deeply)."""
    for stem in (f"{side}_vocabulary", "shared_vocabulary"):
        json_path, txt_path = model_dir / f"{stem}.json", model_dir / f"{stem}.txt"
        if json_path.is_file():
            try:
                data = json.loads(_read_small(json_path, _VOCABULARY_MAX))
            except (OSError, ValueError, RecursionError):
                return None
            return [str(t) for t in data] if isinstance(data, list) else None
        if txt_path.is_file():
            try:
                return _read_small(txt_path, _VOCABULARY_MAX).splitlines()
            except (OSError, ValueError):
                return None
    return None


def _spm_pieces(path: Path, what: str) -> list[str]:
    import sentencepiece

    try:
        processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    except Exception as err:
        raise ModelError(f"{what} {path} is not a valid SentencePiece model ({type(err).__name__})") from None


def check_tokenizer(sp_model: Path, vocab: list[str] | None, *, side: str) -> None:
    """Refuse a SentencePiece model that does not load, or whose pieces are (mostly) not in
    the model's ``side`` ("source" or "target") vocabulary: the tokenizer belongs to another
    model. Used by :func:`pack` and by ``qari models import`` (reader.translation.marian) before it
    converts anything."""
    pieces = _spm_pieces(sp_model, f"the {side} tokenizer")
    _check_coverage(pieces, vocab, f"the {side} tokenizer {sp_model.name}", side)


def _check_coverage(pieces: list[str], vocab: list[str] | None, what: str, vocab_name: str) -> None:
    if vocab is None:
        return
    known = set(vocab)
    normal = [p for p in pieces if p not in ("<unk>", "<s>", "</s>", "<pad>")]
    if not normal:
        return
    share = sum(p in known for p in normal) / len(normal)
    if share < 0.5:  # a matching tokenizer is ~100% covered; an unrelated one is near 0%
        raise ModelError(
            f"{what} does not match the model: only {share:.0%} of its pieces are in the model's {vocab_name} vocabulary"
        )


def _safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return name or "package"


def pack(
    model_dir: str | os.PathLike,
    sp_model: str | os.PathLike,
    *,
    from_code: str,
    to_code: str,
    out: str | os.PathLike,
    name: str | None = None,
    version: str = "1.0",
    target_sp_model: str | os.PathLike | None = None,
    target_prefix: str = "",
    source_prefix: str = "",
    add_source_eos: bool | None = None,
    description: str = "",
    force: bool = False,
) -> Path:
    """Build an ``.argosmodel`` from a CTranslate2 model directory and its SentencePiece model(s).

    * ``sp_model``: the source-side SentencePiece model (``source.spm`` for OPUS-MT, the
      Flores-200 ``sentencepiece.bpe.model`` for NLLB). It becomes ``sentencepiece.model``,
      the tokenizer Argos uses for both encoding and decoding.
    * ``target_sp_model``: the target-side model when it differs (OPUS-MT ``target.spm``);
      stored as ``target_sentencepiece.model`` and named in metadata ``qari.target_sentencepiece_model``.
      Argos itself ignores it (it decodes with ``sentencepiece.model``, which for SentencePiece
      mostly joins pieces anyway); a translator that honours it decodes exactly.
    * ``target_prefix``: a token forced at the start of the output (NLLB: ``eng_Latn``);
      written to metadata ``target_prefix``, which Argos honours.
    * ``source_prefix``: a token put before every source sentence (NLLB: ``arb_Arab``), and
      ``add_source_eos``: append ``</s>`` to every source sentence (models converted with
      ``ct2-transformers-converter`` need it; ones from ``ct2-opus-mt-converter`` already do
      it). Argos's metadata has no field for either, so both are written into the packed
      model's ``config.json`` (CTranslate2's own ``add_source_bos`` with ``bos_token`` =
      the prefix, and ``add_source_eos``): CTranslate2 then adds them itself, for Argos and
      for qari alike. The choices are recorded in metadata ``qari`` for reference only.

    ``out`` is the output file, or a directory to write ``<name>.argosmodel`` into. The
    result is validated with :func:`validate_package` before it is returned. Raises
    :class:`ModelError`.
    """
    model_dir = Path(model_dir)
    sp_model = Path(sp_model)
    if not (model_dir / "model.bin").is_file():
        raise ModelError(f"{model_dir} is not a CTranslate2 model directory (no model.bin)")
    if not sp_model.is_file():
        raise ModelError(f"{sp_model}: no such SentencePiece model")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", from_code or "") or not re.fullmatch(r"[A-Za-z0-9_-]+", to_code or ""):
        raise ModelError("from_code and to_code must be language codes such as ar and en")
    config_path = model_dir / "config.json"
    config: dict[str, Any] = {}
    if config_path.is_file():
        try:
            config = json.loads(_read_small(config_path, _CONFIG_MAX))
        except RecursionError:
            raise ModelError(f"{config_path} is not valid JSON (nested too deeply)") from None
        except (OSError, ValueError) as err:
            raise ModelError(f"{config_path} is not valid JSON ({err})") from None

    source_vocab = _vocabulary(model_dir, "source")
    target_vocab = _vocabulary(model_dir, "target")
    check_tokenizer(sp_model, source_vocab, side="source")
    if target_sp_model is not None:
        target_sp_model = Path(target_sp_model)
        if not target_sp_model.is_file():
            raise ModelError(f"{target_sp_model}: no such SentencePiece model")
        check_tokenizer(target_sp_model, target_vocab, side="target")
    if target_prefix and target_vocab is not None and target_prefix not in set(target_vocab):
        raise ModelError(f"target prefix {target_prefix!r} is not a token of the model's target vocabulary")
    if source_prefix and source_vocab is not None and source_prefix not in set(source_vocab):
        raise ModelError(f"source prefix {source_prefix!r} is not a token of the model's source vocabulary")
    if (source_prefix or add_source_eos is not None) and not config_path.is_file():
        raise ModelError(f"{model_dir} has no config.json: cannot set source prefix/eos (re-convert with CTranslate2 >= 3)")

    package_name = name or f"translate-{from_code}_{to_code}"
    top = _safe_name(f"{package_name}-{version}".replace(".", "_"))
    out = Path(out)
    if out.is_dir():
        out = out / f"{top}.argosmodel"
    if out.exists() and not force:
        raise ModelError(f"{out} already exists (use --force to overwrite)")
    out.parent.mkdir(parents=True, exist_ok=True)

    new_config = dict(config)
    if source_prefix:
        new_config["add_source_bos"] = True
        new_config["bos_token"] = source_prefix
        if "decoder_start_token" not in config:  # it defaults to bos_token: keep decoding unchanged
            new_config["decoder_start_token"] = config.get("bos_token", "<s>")
    if add_source_eos is not None:
        new_config["add_source_eos"] = bool(add_source_eos)

    try:
        from importlib.metadata import version as dist_version

        argos_version = dist_version("argos-translate-lt")
    except Exception:
        argos_version = "1.9"
    metadata: dict[str, Any] = {
        "package_version": version,
        "argos_version": argos_version,
        "code": package_name,
        "type": "translate",
        "from_code": from_code,
        "from_name": language_name(from_code),
        "to_code": to_code,
        "to_name": language_name(to_code),
        "links": [],
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    qari_meta: dict[str, Any] = {"packed_from": model_dir.name}
    if target_sp_model is not None:
        qari_meta["target_sentencepiece_model"] = "target_sentencepiece.model"
    if source_prefix:
        qari_meta["source_prefix"] = source_prefix
        qari_meta["source_prefix_applied_by"] = "model/config.json add_source_bos + bos_token"
    if add_source_eos is not None:
        qari_meta["add_source_eos"] = bool(add_source_eos)
    metadata["qari"] = qari_meta
    if description:
        metadata["description"] = description
    readme = (
        f"# {package_name} {version}\n\n"
        f"{from_code} → {to_code} translation package packed by `qari models pack` from the CTranslate2\n"
        f"model directory `{model_dir.name}` and the SentencePiece model `{sp_model.name}`"
        + (f" (target side: `{Path(target_sp_model).name}`)" if target_sp_model is not None else "")
        + ".\n" + (f"\n{description}\n" if description else "")
        + "\nCheck the original model's license before sharing this file.\n"
    )

    model_files = sorted(p for p in model_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr(f"{top}/", b"")
            archive.writestr(f"{top}/model/", b"")
            archive.writestr(f"{top}/metadata.json", json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
            archive.writestr(f"{top}/README.md", readme)
            for path in model_files:
                rel = path.relative_to(model_dir).as_posix()
                arcname = f"{top}/model/{rel}"
                if rel == "config.json":
                    archive.writestr(arcname, json.dumps(new_config, indent=2) + "\n")
                    continue
                level = 1 if path.stat().st_size > 8 * 2**20 else 6
                archive.write(path, arcname, compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
            archive.write(sp_model, f"{top}/sentencepiece.model")
            if target_sp_model is not None:
                archive.write(target_sp_model, f"{top}/target_sentencepiece.model")
        validate_package(temp, expect=(from_code, to_code))
        os.replace(temp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return out

