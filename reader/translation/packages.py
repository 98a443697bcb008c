"""Argos Translate packages: list, index, download + validate + install, remove.

qari translates with Argos Translate packages (``.argosmodel`` zip files: one top folder with
``metadata.json``, a CTranslate2 ``model/`` and a SentencePiece or BPE tokenizer). This module
manages them the way Argos does, but safely:

* where packages live and where the index is come from ``argostranslate.settings``
  (``ARGOS_PACKAGES_DIR``, ``ARGOS_PACKAGE_INDEX``, or Argos's settings.json), so qari and
  Argos always agree;
* downloads stream to a temporary file on the same filesystem as the packages dir, with a
  timeout, retries and a progress callback;
* every package is validated before it is installed (zip integrity, exactly one top folder,
  no unsafe paths, metadata for the expected pair, a CTranslate2 model, a tokenizer that
  loads), then unpacked into a staging dir on the same filesystem and renamed into place
  (what ``argostranslate.package.install_from_path`` does, minus the half-unpacked package
  a killed install would leave);
* a failure at any step leaves the packages dir exactly as it was.

Which package of a pair qari uses (:func:`choose`: the ``qari models use`` choice, else
:func:`newest`), the language names and the how-to-get-a-model help live here too, so that
``qari models list``, the reader, ``translate``, ``summarize`` and ``batch`` share one rule.

No Textual here, and ``argostranslate`` is imported inside the functions (importing
``argostranslate.settings`` creates Argos's data/config/cache dirs, as Argos itself does).

Building a package from a converted model (``qari models pack``) is :mod:`reader.translation.packing`'s.
The TUI's install flow is :func:`install_pair` with ``progress``: it runs in a worker thread;
the callback is called from that thread; raising from the callback cancels the install
cleanly.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Sequence, TypeVar

from reader.web.net import NetError, TooLarge, extend_deadline, is_http_url, open_url, read_chunks
from reader.untrusted import one_line

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Which package: the one rule, the language names, the help when none is installed

ARGOS_INDEX_URL = "https://github.com/argosopentech/argospm-index"
ARGOS_INDEX_JSON = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"


# The one table of language names (messages here, package metadata in reader.translation.packing).
LANGUAGE_NAMES = {
    "ar": "Arabic", "en": "English", "fr": "French", "de": "German", "es": "Spanish",
    "fa": "Persian", "tr": "Turkish", "ur": "Urdu", "he": "Hebrew", "ru": "Russian",
    "zh": "Chinese", "it": "Italian", "pt": "Portuguese",
}


def version_key(version: str) -> tuple:
    """Sort key for package versions: PEP 440 order when the version parses ("1.10" after
    "1.9"), else the plain string, below every parsed one."""
    try:
        from packaging.version import Version

        return (1, Version(version))
    except Exception:
        return (0, version)


def newest(candidates: Iterable[T], *, version: Callable[[T], str], path: Callable[[T], object]) -> T | None:
    """The one rule for which package of a pair qari uses: the highest version
    (:func:`version_key`), ties broken by the greatest path; None when there is none.
    :func:`which_used` applies it to installed packages, :func:`reader.translation.translate.find_package` to
    Argos's package objects, so the two always agree."""
    return max(candidates, key=lambda c: (version_key(version(c) or ""), str(path(c))), default=None)


def preferred_name(from_code: str = "ar", to_code: str = "en") -> str:
    """The package chosen for the pair with ``qari models use NAME`` (the ``model`` setting of
    reader/config.py, which is about Arabic→English), or "" when the choice is left to
    :func:`newest`."""
    if (from_code, to_code) != ("ar", "en"):
        return ""
    from reader.config import load_config

    return load_config().model.strip()


def choose(candidates: Iterable[T], *, name: Callable[[T], str], version: Callable[[T], str],
           path: Callable[[T], object], preferred: str = "") -> T | None:
    """The one rule for which installed package of a pair qari uses: the ``preferred`` one
    (``qari models use``: a package name such as ``opus-mt-ar-en``, or its folder name) when it
    is installed, else :func:`newest`. Several packages of that name: the newest of them.
    :func:`which_used` applies it to installed packages, :func:`reader.translation.translate.find_package` to
    Argos's package objects, so ``qari models list`` marks what the reader, ``translate``,
    ``summarize`` and ``batch`` use."""
    items = list(candidates)
    if preferred:
        named = [c for c in items if preferred in (name(c), Path(str(path(c))).name)]
        if named:
            return newest(named, version=version, path=path)
    return newest(items, version=version, path=path)


def not_installed_note(preferred: str, used_name: str | None) -> str:
    """The warning when the package chosen with ``qari models use`` is gone."""
    instead = f"using {used_name} instead" if used_name else "no other is installed"
    return f"the model chosen with `qari models use` ({preferred}) is not installed; {instead}"


def language_name(code: str) -> str:
    """The English name of a language code for messages and metadata ("ar" -> "Arabic");
    the code itself when unknown."""
    return LANGUAGE_NAMES.get(code, code)


def no_model_help(from_code: str = "ar", to_code: str = "en") -> str:
    """The how-to-get-the-model message for a language pair."""
    src, dst = language_name(from_code), language_name(to_code)
    pkg = f"translate-{from_code}_{to_code}"
    return (
        f"No {src}→{dst} translation model is installed (Argos Translate package {pkg}).\n"
        f"To install it:\n"
        f"  • with internet access:  qari models install {from_code} {to_code}\n"
        f"  • offline: on a machine with internet, download {pkg} (the .argosmodel file listed for\n"
        f"    {from_code} → {to_code} in the Argos package index, {ARGOS_INDEX_JSON}\n"
        f"    — see {ARGOS_INDEX_URL}), copy it here, then run:\n"
        f"        qari models install FILE.argosmodel\n"
        f"Packages live in $ARGOS_PACKAGES_DIR (default ~/.local/share/argos-translate/packages).\n"
        f"Everything else works without it; translations stay empty."
    )


NO_MODEL_HELP = no_model_help("ar", "en")

__all__ = [
    "AvailableModel",
    "InstalledModel",
    "ModelError",
    "PackageInfo",
    "available",
    "check_crcs",
    "check_entries",
    "index_json_url",
    "install_file",
    "install_pair",
    "list_installed",
    "open_archive",
    "packages_dir",
    "remove",
    "validate_package",
    "which_used",
]

DEFAULT_INDEX_TIMEOUT = 20.0
DEFAULT_DOWNLOAD_TIMEOUT = 60.0
DEFAULT_DOWNLOAD_MAX_TIME = 3600.0  # a whole package download (curl --max-time); ~30 KiB/s for 100 MB
INSTALL_FROM_FILE_HINT = "install from a file instead: qari models install FILE.argosmodel"
_CHUNK = 128 * 1024
_INDEX_MAX_BYTES = 8 * 1024 * 1024
_SCRATCH_PREFIX = ".qari-"
# The members qari reads into memory, each capped by its declared size and by the bytes read
# (a 1 MB archive can hold a metadata.json that inflates to gigabytes). Real ones: metadata
# a few hundred bytes, config.json a few KB, SentencePiece models a few MB.
_METADATA_MAX = 1024 * 1024
_CONFIG_MAX = 16 * 1024 * 1024
_TOKENIZER_MAX = 256 * 1024 * 1024
_lock = threading.Lock()


class ModelError(Exception):
    """Anything that went wrong managing models; ``str(err)`` is one line for the user."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True, kw_only=True)
class _Package:
    """What an installed package and one the index offers have in common."""

    from_code: str
    to_code: str
    name: str  # the package code, e.g. "translate-ar_en"
    version: str  # metadata "package_version"
    from_name: str = ""
    to_name: str = ""

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"


@dataclass(frozen=True, kw_only=True)
class InstalledModel(_Package):
    """An installed translate package."""

    size_bytes: int
    path: Path
    tokenizer: Path | None = None  # sentencepiece.model or bpe.model
    target_tokenizer: Path | None = None  # target_sentencepiece.model (packs of OPUS-MT), else None
    target_prefix: str = ""


@dataclass(frozen=True, kw_only=True)
class AvailableModel(_Package):
    """A translate package offered by the Argos index."""

    links: tuple[str, ...]  # http(s) download links (ipfs:// and others are dropped)
    argos_version: str = ""


@dataclass(frozen=True)
class PackageInfo:
    """What :func:`validate_package` learned about an ``.argosmodel`` file."""

    path: Path
    name: str  # how to call the file in messages
    top: str  # the single top folder, i.e. the directory name once installed
    metadata: dict[str, Any] = field(repr=False)
    from_code: str = ""
    to_code: str = ""
    version: str = ""
    tokenizer: str = ""  # "sentencepiece.model" or "bpe.model"
    unpacked_bytes: int = 0
    files: int = 0


# --------------------------------------------------------------------------------------------
# Locations (from argostranslate.settings, read at call time so tests can patch them)


def _settings():
    from argostranslate import settings

    return settings


def packages_dir() -> Path:
    """The directory packages are installed into (``ARGOS_PACKAGES_DIR`` or Argos's default)."""
    return Path(_settings().package_data_dir)


def _package_dirs() -> list[Path]:
    """Every directory Argos searches for packages (the packages dir first; snap dirs after)."""
    settings = _settings()
    dirs = [Path(d) for d in getattr(settings, "package_dirs", [settings.package_data_dir])]
    main = packages_dir()
    if main not in dirs:
        dirs.insert(0, main)
    return dirs


def index_json_url(base: str | None = None) -> str:
    """The URL of the package index JSON.

    ``base`` (or Argos's ``ARGOS_PACKAGE_INDEX`` setting, default the public argospm-index)
    is a directory URL to which Argos appends ``index.json``; a URL that already ends in
    ``.json`` is used as it is. A missing trailing slash is added (Argos would build
    ``.../mainindex.json``).
    """
    if base is None:
        base = str(_settings().package_index)
    base = base.strip()
    if urllib.parse.urlsplit(base).path.endswith(".json"):
        return base
    if not base.endswith("/"):
        base += "/"
    return base + "index.json"


# --------------------------------------------------------------------------------------------
# Listing


def _dir_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _read_metadata(package_path: Path) -> dict[str, Any] | None:
    """An installed package's metadata, or None when it is missing, unreadable, not a JSON
    object, larger than :data:`_METADATA_MAX` or nested too deep to parse."""
    try:
        with open(package_path / "metadata.json", "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            raw = handle.read(_METADATA_MAX + 1)
        if len(raw) > _METADATA_MAX:
            return None
        data = json.loads(raw.decode("utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _installed_from_dir(path: Path, metadata: dict[str, Any]) -> InstalledModel:
    from_code, to_code = one_line(metadata["from_code"]), one_line(metadata["to_code"])
    tokenizer = next((path / n for n in ("sentencepiece.model", "bpe.model") if (path / n).is_file()), None)
    qari_meta = metadata.get("qari")
    qari: dict[str, Any] = qari_meta if isinstance(qari_meta, dict) else {}
    target_name = qari.get("target_sentencepiece_model")
    target = path / target_name if isinstance(target_name, str) and (path / target_name).is_file() else None
    return InstalledModel(
        from_code=from_code,
        to_code=to_code,
        name=one_line(metadata.get("code") or f"translate-{from_code}_{to_code}"),
        version=one_line(metadata.get("package_version") or ""),
        size_bytes=_dir_size(path),
        path=path,
        from_name=one_line(metadata.get("from_name") or ""),
        to_name=one_line(metadata.get("to_name") or ""),
        tokenizer=tokenizer,
        target_tokenizer=target,
        target_prefix=str(metadata.get("target_prefix") or ""),
    )


def list_installed() -> list[InstalledModel]:
    """Installed translate packages in every Argos package dir, sorted by pair, newest first.

    Directories without a readable ``metadata.json`` (or without a language pair, such as
    sentence-boundary packages) are skipped, as are qari's own hidden scratch entries.
    """
    found: list[InstalledModel] = []
    seen: set[Path] = set()
    for directory in _package_dirs():
        try:
            entries = sorted(directory.iterdir())
        except OSError:
            continue
        for path in entries:
            if path.name.startswith(_SCRATCH_PREFIX) or not path.is_dir() or path in seen:
                continue
            seen.add(path)
            metadata = _read_metadata(path)
            if not metadata or metadata.get("type", "translate") != "translate":
                continue
            if not metadata.get("from_code") or not metadata.get("to_code"):
                continue
            found.append(_installed_from_dir(path, metadata))
    found.sort(key=lambda m: (version_key(m.version), str(m.path)), reverse=True)  # newest first...
    found.sort(key=lambda m: (m.from_code, m.to_code))  # ...within each pair (the sort is stable)
    return found


def which_used(from_code: str = "ar", to_code: str = "en", preferred: str | None = None) -> InstalledModel | None:
    """The package qari translates with for the pair (the rule of :func:`choose`:
    the ``qari models use`` choice when installed, else the newest)."""
    if preferred is None:
        preferred = preferred_name(from_code, to_code)
    return choose(
        (m for m in list_installed() if m.from_code == from_code and m.to_code == to_code),
        name=lambda m: m.name, version=lambda m: m.version, path=lambda m: m.path, preferred=preferred,
    )


# --------------------------------------------------------------------------------------------
# Network (the transfer is reader.web.net's; this module only words the failures)


def _check_http(url: str, what: str) -> str:
    if not is_http_url(url):
        raise ModelError(f"{what} {url!r} is not an http(s) URL")
    return url


def _fetch_index(url: str, timeout: float) -> list[Any]:
    _check_http(url, "package index URL")
    try:
        with open_url(url, timeout=timeout, deadline=time.monotonic() + timeout) as response:
            data = b"".join(read_chunks(response, url=url, timeout=timeout,
                                        max_bytes=_INDEX_MAX_BYTES, chunk=_CHUNK))
    except TooLarge:
        raise ModelError(f"the Argos package index at {url} is larger than {_INDEX_MAX_BYTES // 2**20} MiB") from None
    except NetError as err:
        if err.status is not None:
            raise ModelError(
                f"the Argos package index at {url} answered HTTP {err.status} {err.http_reason}; {INSTALL_FROM_FILE_HINT}"
            ) from None
        raise ModelError(
            f"could not reach the Argos package index at {url} ({err.reason}); {INSTALL_FROM_FILE_HINT}"
        ) from None
    try:
        index = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ModelError(f"the Argos package index at {url} is not valid JSON (nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelError(f"the Argos package index at {url} is not valid JSON ({err})") from None
    if not isinstance(index, list):
        raise ModelError(f"the Argos package index at {url} is not a JSON list of packages")
    return index


def available(index_url: str | None = None, timeout: float = DEFAULT_INDEX_TIMEOUT) -> list[AvailableModel]:
    """The translate packages the Argos index offers, sorted by pair (newest version first).

    ``index_url`` is the index base or JSON URL (default: Argos's ``ARGOS_PACKAGE_INDEX``).
    Entries without a language pair or of another type (e.g. "sbd") are skipped. Raises
    :class:`ModelError` when the index cannot be reached or read.
    """
    url = index_json_url(index_url)
    models: list[AvailableModel] = []
    for entry in _fetch_index(url, timeout):
        if not isinstance(entry, dict) or entry.get("type", "translate") != "translate":
            continue
        from_code, to_code = entry.get("from_code"), entry.get("to_code")
        if not isinstance(from_code, str) or not isinstance(to_code, str) or not from_code or not to_code:
            continue
        links = entry.get("links") or []
        if isinstance(links, str):
            links = [links]
        http_links = tuple(
            str(link) for link in links
            if isinstance(link, str) and urllib.parse.urlsplit(link).scheme.lower() in ("http", "https")
        )
        models.append(
            AvailableModel(
                from_code=one_line(from_code),
                to_code=one_line(to_code),
                name=one_line(entry.get("code") or f"translate-{from_code}_{to_code}"),
                version=one_line(entry.get("package_version") or ""),
                links=http_links,
                from_name=one_line(entry.get("from_name") or ""),
                to_name=one_line(entry.get("to_name") or ""),
                argos_version=one_line(entry.get("argos_version") or ""),
            )
        )
    models.sort(key=lambda m: version_key(m.version), reverse=True)
    models.sort(key=lambda m: (m.from_code, m.to_code))
    return models


# --------------------------------------------------------------------------------------------
# Validation

_TOKENIZERS = ("sentencepiece.model", "bpe.model")
_MAX_UNPACKED = 64 * 1024**3  # 64 GiB: anything beyond is not a translation package


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return ((info.external_attr >> 16) & 0o170000) == 0o120000


def _unsafe(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", name):
        return True
    return any(part in ("..",) for part in PurePosixPath(name).parts)


def open_archive(path: str | os.PathLike, *, shown: str, kind: str) -> zipfile.ZipFile:
    """Open a zip archive that is to be checked with :func:`check_entries`; every failure is a
    one-line :class:`ModelError` ("{shown} is not {kind}: ...")."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ModelError(f"{shown} is not {kind}: not a zip archive (corrupt or incomplete download?)") from None
    except OSError as err:
        raise ModelError(f"cannot read {path}: {err.strerror or err}") from None


def check_entries(archive: zipfile.ZipFile, *, shown: str, kind: str) -> dict[str, zipfile.ZipInfo]:
    """The checks every archive from outside passes before anything in it is read: not empty,
    every entry a safe relative path (no ``..``, absolute paths, drive letters, backslashes,
    NULs or symlinks: no zip-slip), and at most ``_MAX_UNPACKED`` bytes once unpacked (no zip
    bomb; the CRCs, checked by :func:`check_crcs` or on extraction, catch entries that lie
    about their size). Returns the files (not directories) by name."""
    infos = archive.infolist()
    if not infos:
        raise ModelError(f"{shown} is not {kind}: the archive is empty")
    for info in infos:
        if _unsafe(info.filename) or _is_symlink(info):
            raise ModelError(f"{shown} is refused: unsafe path in archive: {info.filename!r}")
    by_name = {info.filename: info for info in infos if not info.is_dir()}
    unpacked = sum(info.file_size for info in by_name.values())
    if unpacked > _MAX_UNPACKED:
        raise ModelError(f"{shown} is refused: it would unpack to {unpacked / 2**30:.0f} GiB")
    return by_name


def check_crcs(archive: zipfile.ZipFile, *, shown: str) -> None:
    """Read every entry and check its CRC (a damaged or truncated archive is refused)."""
    try:
        bad = archive.testzip()
    except Exception as err:  # BadZipFile, zlib.error, EOFError, OSError ...
        raise ModelError(f"{shown} is corrupt: {err}") from None
    if bad is not None:
        raise ModelError(f"{shown} is corrupt: checksum mismatch in {bad}")


def validate_package(
    path: str | os.PathLike, *, expect: tuple[str, str] | None = None, display_name: str | None = None
) -> PackageInfo:
    """Check that ``path`` is a usable Argos translate package; return what it holds.

    Checks: :func:`check_entries` (a readable zip; safe relative paths, no symlinks: no
    zip-slip; bounded size); exactly one top folder and nothing beside it;
    ``metadata.json`` in it with ``from_code``/``to_code`` (equal to ``expect`` when given);
    ``model/model.bin`` (a CTranslate2 model) and ``model/config.json`` if present valid
    JSON; a ``sentencepiece.model`` that SentencePiece loads, or a ``bpe.model``; all CRCs.
    Raises :class:`ModelError` naming the first problem (``display_name`` is how the file is
    called in messages; default its file name).
    """
    path = Path(path)
    shown = display_name or path.name
    kind = "an Argos package"
    with open_archive(path, shown=shown, kind=kind) as archive:
        by_name = check_entries(archive, shown=shown, kind=kind)
        unpacked = sum(info.file_size for info in by_name.values())
        tops: set[str] = set()
        for info in archive.infolist():
            name = info.filename
            parts = PurePosixPath(name).parts
            if len(parts) == 1 and not info.is_dir():
                raise ModelError(f"{shown} is not an Argos package: file {name!r} is outside the package folder")
            tops.add(parts[0])
        if len(tops) != 1:
            listed = ", ".join(sorted(tops)[:4])
            raise ModelError(f"{shown} is not an Argos package: expected one top folder, found {len(tops)} ({listed})")
        top = tops.pop()
        if top.startswith(".") or top in (".", ""):
            raise ModelError(f"{shown} is refused: hidden top folder {top!r}")

        meta_name = f"{top}/metadata.json"
        if meta_name not in by_name:
            raise ModelError(f"{shown} is not an Argos package: no {top}/metadata.json")
        raw = _read_member(archive, by_name[meta_name], _METADATA_MAX, shown)
        try:
            metadata = json.loads(raw.decode("utf-8-sig"))
        except RecursionError:
            raise ModelError(f"{shown}: {top}/metadata.json is nested too deeply") from None
        except Exception as err:  # bad JSON or encoding
            raise ModelError(f"{shown}: {top}/metadata.json is not valid JSON ({err})") from None
        del raw
        if not isinstance(metadata, dict):
            raise ModelError(f"{shown}: {top}/metadata.json is not a JSON object")
        kind = metadata.get("type", "translate")
        if kind != "translate":
            raise ModelError(f"{shown} is a {kind!r} package, not a translation package")
        from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
        if not isinstance(from_code, str) or not isinstance(to_code, str) or not from_code or not to_code:
            raise ModelError(f"{shown}: metadata.json lacks from_code/to_code")
        if expect is not None and (from_code, to_code) != tuple(expect):
            raise ModelError(
                f"{shown} is a package for {one_line(from_code)}→{one_line(to_code)}, not {expect[0]}→{expect[1]}"
            )

        if f"{top}/model/model.bin" not in by_name:
            raise ModelError(f"{shown} is not an Argos package: no CTranslate2 model ({top}/model/model.bin)")
        if by_name[f"{top}/model/model.bin"].file_size == 0:
            raise ModelError(f"{shown}: {top}/model/model.bin is empty")
        config_name = f"{top}/model/config.json"
        if config_name in by_name:
            raw = _read_member(archive, by_name[config_name], _CONFIG_MAX, shown)
            try:
                json.loads(raw.decode("utf-8"))
            except RecursionError:
                raise ModelError(f"{shown}: {config_name} is nested too deeply") from None
            except Exception as err:
                raise ModelError(f"{shown}: {config_name} is not valid JSON ({err})") from None
        tokenizer = next((t for t in _TOKENIZERS if f"{top}/{t}" in by_name), "")
        if not tokenizer:
            raise ModelError(f"{shown} is not an Argos package: no tokenizer ({top}/sentencepiece.model or bpe.model)")

        check_crcs(archive, shown=shown)

        spm_names = [f"{top}/sentencepiece.model"]
        qari_meta = metadata.get("qari")
        qari: dict[str, Any] = qari_meta if isinstance(qari_meta, dict) else {}
        if isinstance(qari.get("target_sentencepiece_model"), str):
            spm_names.append(f"{top}/{qari['target_sentencepiece_model']}")
        for spm_name in spm_names:
            if spm_name in by_name:
                _check_sentencepiece(_read_member(archive, by_name[spm_name], _TOKENIZER_MAX, shown),
                                     f"{shown}: {spm_name}")
            elif spm_name != spm_names[0]:
                raise ModelError(f"{shown}: metadata names {spm_name} but the archive lacks it")
    return PackageInfo(
        path=path,
        name=shown,
        top=top,
        metadata=metadata,
        from_code=from_code,
        to_code=to_code,
        version=one_line(metadata.get("package_version") or ""),
        tokenizer=tokenizer,
        unpacked_bytes=unpacked,
        files=len(by_name),
    )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, shown: str) -> bytes:
    """One archive member read into memory, refused when its declared size is over ``limit``
    (before anything is inflated) or when more than ``limit`` bytes come out of it."""
    def too_big(size: str) -> ModelError:
        return ModelError(f"{shown} is refused: {info.filename} unpacks to {size}, "
                          f"more than the {_mib(limit)} such a file can need")

    if info.file_size > limit:
        raise too_big(_mib(info.file_size))
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except Exception as err:  # a damaged entry: zlib.error, BadZipFile, EOFError, OSError
        raise ModelError(f"{shown} is corrupt: {info.filename}: {err}") from None
    if len(data) > limit:
        raise too_big(f"more than {_mib(limit)}")
    return data


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def _check_sentencepiece(data: bytes, what: str) -> int:
    """Load a SentencePiece model from bytes; return its vocabulary size."""
    import sentencepiece

    try:
        processor = sentencepiece.SentencePieceProcessor(model_proto=data)
        size = processor.get_piece_size()
    except Exception as err:  # RuntimeError / OSError from the C++ side
        raise ModelError(f"{what} is not a valid SentencePiece model ({str(err).splitlines()[0] if str(err) else type(err).__name__})") from None
    if size <= 0:
        raise ModelError(f"{what} is an empty SentencePiece model")
    return size


# --------------------------------------------------------------------------------------------
# Installing


def _scratch_dir() -> Path:
    """A hidden working directory on the packages dir's filesystem, outside the packages dir
    when possible (Argos treats every directory inside it as a package)."""
    main = packages_dir()
    main.mkdir(parents=True, exist_ok=True)
    for candidate in (main.parent / f"{_SCRATCH_PREFIX}tmp", main / f"{_SCRATCH_PREFIX}tmp"):
        try:
            candidate.mkdir(exist_ok=True)
            if os.stat(candidate).st_dev == os.stat(main).st_dev and os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise ModelError(f"cannot write next to the packages dir {main}")


def _drop_scratch_if_empty() -> None:
    main = packages_dir()
    for candidate in (main.parent / f"{_SCRATCH_PREFIX}tmp", main / f"{_SCRATCH_PREFIX}tmp"):
        with contextlib.suppress(OSError):
            candidate.rmdir()  # only succeeds when empty


def _dead_owner(name: str) -> bool:
    """True for a staging dir (``unpack-PID-...``) whose process no longer exists."""
    match = re.match(r"unpack-(\d+)-", name)
    if not match:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False
    return False


def _clean_scratch(scratch: Path, older_than: float = 3600.0) -> None:
    """Remove leftovers of interrupted installs: staging dirs of processes that are gone (a
    killed install), and anything older than an hour (not someone else's live one)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in scratch.iterdir():
            with contextlib.suppress(OSError):
                if _dead_owner(entry.name) or now - entry.lstat().st_mtime > older_than:
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink()


def _check_space(where: Path, needed: int, what: str) -> None:
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return
    if needed > free:
        raise ModelError(
            f"not enough disk space for {what} in {where}: need {needed / 2**20:.0f} MiB, {free / 2**20:.0f} MiB free"
        )


def _move_aside(path: Path, scratch: Path) -> Path:
    aside = Path(tempfile.mkdtemp(prefix="old-", dir=scratch))
    target = aside / path.name
    os.replace(path, target)
    return target


def _clear_argos_cache() -> None:
    """Argos caches installed languages; clear it if argostranslate.translate is loaded."""
    import sys

    module = sys.modules.get("argostranslate.translate")
    if module is not None:
        with contextlib.suppress(Exception):
            module.get_installed_languages.cache_clear()


def _unpack(archive_path: Path, dest: Path) -> None:
    """Unpack a validated package (safe relative paths, no symlinks: checked) into ``dest``."""
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(dest)


def _install_validated(info: PackageInfo, *, replace: bool) -> InstalledModel:
    """Install a validated package; all-or-nothing, even if the process is killed.

    The package is unpacked into a staging dir in the scratch dir (same filesystem, outside
    the packages dir or hidden in it), checked, and only then renamed into place, so the
    packages dir never holds a half-unpacked package (a killed install leaves a staging dir
    that nothing lists and the next install sweeps). A directory already at the package's
    name is replaced only when it is itself an installed package for the same pair: anything
    else there (no readable metadata.json) is the user's and is refused, never deleted.
    """
    main = packages_dir()
    main.mkdir(parents=True, exist_ok=True)
    _check_space(main, info.unpacked_bytes, info.name)
    target = main / info.top
    with _lock:
        scratch = _scratch_dir()
        _clean_scratch(scratch)
        staging = Path(tempfile.mkdtemp(prefix=f"unpack-{os.getpid()}-", dir=scratch))
        moved: list[tuple[Path, Path]] = []  # (original location, aside location)
        try:
            try:
                _unpack(info.path, staging)
            except Exception as err:
                raise ModelError(f"installing {info.name} failed: {err}") from None
            unpacked = staging / info.top
            metadata = _read_metadata(unpacked)
            if not metadata or (metadata.get("from_code"), metadata.get("to_code")) != (info.from_code, info.to_code):
                raise ModelError(f"installing {info.name} failed: metadata.json is missing or wrong after unpacking")
            if target.exists() or target.is_symlink():
                existing = _read_metadata(target) if target.is_dir() and not target.is_symlink() else None
                if existing is None:
                    raise ModelError(
                        f"cannot install {info.name}: {target} already exists and is not an installed package "
                        "(no readable metadata.json); move it away first"
                    )
                pair = existing.get("from_code"), existing.get("to_code")
                if pair != (info.from_code, info.to_code):
                    raise ModelError(
                        f"cannot install {info.name}: {target} already holds a {pair[0]}→{pair[1]} package; "
                        f"remove it first (qari models remove {pair[0]} {pair[1]})"
                    )
                moved.append((target, _move_aside(target, scratch)))
            if replace:
                for other in list_installed():
                    if (other.from_code, other.to_code) == (info.from_code, info.to_code) \
                            and other.path.parent == main and other.path != target:
                        moved.append((other.path, _move_aside(other.path, scratch)))
            try:
                os.rename(unpacked, target)  # atomic: the package appears whole or not at all
            except OSError as err:
                raise ModelError(f"installing {info.name} failed: cannot move it into {main}: "
                                 f"{err.strerror or err}") from None
        except BaseException:
            for original, aside in reversed(moved):
                with contextlib.suppress(OSError):
                    os.replace(aside, original)
                    aside.parent.rmdir()
            raise
        else:
            for _original, aside in moved:
                shutil.rmtree(aside.parent, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            _drop_scratch_if_empty()
            _clear_argos_cache()
    return _installed_from_dir(target, _read_metadata(target) or info.metadata)


def install_file(
    path: str | os.PathLike,
    *,
    expect: tuple[str, str] | None = ("ar", "en"),
    replace: bool = True,
) -> InstalledModel:
    """Validate an ``.argosmodel`` file and install it; return the installed package.

    ``expect`` is the required (from_code, to_code), or None to accept any pair. With
    ``replace`` (the default) other installed packages for the same pair in the packages dir
    are removed once the new one is in place, so the new one is the one qari uses. On any
    error the packages dir is left exactly as it was and :class:`ModelError` is raised.
    """
    info = validate_package(path, expect=expect)
    return _install_validated(info, replace=replace)


def _pick(models: Sequence[AvailableModel], from_code: str, to_code: str, url: str) -> AvailableModel:
    candidates = [m for m in models if (m.from_code, m.to_code) == (from_code, to_code)]
    if not candidates:
        raise ModelError(f"the Argos package index at {url} has no {from_code}→{to_code} package")
    best = max(candidates, key=lambda m: version_key(m.version))
    if not best.links:
        raise ModelError(
            f"the Argos package index lists {best.name} {best.version} but gives no http(s) download link; {INSTALL_FROM_FILE_HINT}"
        )
    return best


def _download(
    url: str,
    dest: Path,
    *,
    progress: Callable[[int, int | None], None] | None,
    timeout: float,
    max_time: float = DEFAULT_DOWNLOAD_MAX_TIME,
) -> int:
    """Stream ``url`` into ``dest``; return the byte count. Raises _RetryableError or ModelError.

    ``timeout`` bounds each network wait and the connect + headers together; ``max_time``
    the whole download (a package is hundreds of MB)."""
    started = time.monotonic()
    try:
        response = open_url(url, timeout=timeout, deadline=started + timeout)
    except NetError as err:
        if err.status is None:
            raise _RetryableError(f"download of {url} failed ({err.reason})") from None
        error = ModelError(f"download of {url} failed: HTTP {err.status} {err.http_reason}")
        if err.status >= 500 or err.status in (408, 429):
            raise _RetryableError(str(error)) from None
        raise error from None
    with response:
        extend_deadline(response, started + max(max_time, timeout), max(max_time, timeout))
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.strip().isdigit() else None
        if total is not None:
            _check_space(dest.parent, total * 2, url.rsplit("/", 1)[-1])
        done = 0
        if progress is not None:
            progress(0, total)
        with open(dest, "wb") as handle:
            chunks = read_chunks(response, url=url, timeout=timeout, chunk=_CHUNK)
            while True:
                try:
                    chunk = next(chunks, b"")
                except NetError as err:
                    raise _RetryableError(f"download of {url} broke after {done} bytes ({err.reason})") from None
                if not chunk:
                    break
                try:
                    handle.write(chunk)
                except OSError as err:
                    raise ModelError(f"cannot write the download to {dest.parent}: {err.strerror or err}") from None
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    if total is not None and done != total:
        raise _RetryableError(f"download of {url} was cut short ({done} of {total} bytes)")
    if done == 0:
        raise _RetryableError(f"download of {url} returned no data")
    return done


class _RetryableError(ModelError):
    pass


def install_pair(
    from_code: str = "ar",
    to_code: str = "en",
    *,
    progress: Callable[[int, int | None], None] | None = None,
    index_url: str | None = None,
    timeout: float = DEFAULT_DOWNLOAD_TIMEOUT,
    max_time: float = DEFAULT_DOWNLOAD_MAX_TIME,
    retries: int = 3,
    retry_delay: float = 1.0,
    replace: bool = True,
) -> InstalledModel:
    """Download the pair's package from the Argos index, validate it, install it.

    ``progress(done_bytes, total_bytes_or_None)`` is called with (0, total) when a download
    starts and after every chunk; a retry starts again from 0. Raising from ``progress``
    cancels: the temporary file is removed and the exception propagates. ``timeout`` bounds
    each network wait (connect, every read) and the connect + headers of each request;
    ``max_time`` each whole download; ``retries`` more attempts follow a broken or
    failed download (not a 4xx answer), ``retry_delay`` seconds apart, doubling. Nothing is
    installed unless the whole file arrived and validated. Raises :class:`ModelError`.
    """
    url = index_json_url(index_url)
    models = available(url, timeout=min(timeout, DEFAULT_INDEX_TIMEOUT))
    choice = _pick(models, from_code, to_code, url)
    scratch = _scratch_dir()
    _clean_scratch(scratch)
    handle, temp_name = tempfile.mkstemp(prefix="download-", suffix=".argosmodel.part", dir=scratch)
    os.close(handle)
    temp = Path(temp_name)
    try:
        last: ModelError | None = None
        delay = retry_delay
        attempts = 0
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(delay)
                delay *= 2
            attempts += 1
            retryable = False
            for link in choice.links:
                try:
                    _download(link, temp, progress=progress, timeout=timeout, max_time=max_time)
                except _RetryableError as err:
                    last, retryable = err, True
                    continue
                except ModelError as err:  # 404 and other definite answers: try the next link
                    if "cannot write" in str(err):
                        raise
                    last = err
                    continue
                shown = f"{urllib.parse.unquote(link.rsplit('/', 1)[-1]) or choice.name} (downloaded from {link})"
                info = validate_package(temp, expect=(from_code, to_code), display_name=shown)
                return _install_validated(info, replace=replace)
            if not retryable:
                break
        assert last is not None
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        raise ModelError(f"{last}{tries}; {INSTALL_FROM_FILE_HINT}")
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
        _drop_scratch_if_empty()


# --------------------------------------------------------------------------------------------
# Removing


def remove(from_code: str = "ar", to_code: str = "en") -> list[InstalledModel]:
    """Remove every installed package for the pair from the packages dir; return them.

    Packages in read-only extra dirs (e.g. bundled with a snap) are left alone. Each package
    is first moved out of the packages dir (atomic rename), then deleted, so an interrupted
    removal never leaves a half-deleted package behind.
    """
    main = packages_dir()
    removed: list[InstalledModel] = []
    with _lock:
        doomed = [m for m in list_installed() if (m.from_code, m.to_code) == (from_code, to_code) and m.path.parent == main]
        if not doomed:
            return []
        scratch = _scratch_dir()
        for model in doomed:
            try:
                aside = _move_aside(model.path, scratch)
            except OSError as err:
                raise ModelError(f"cannot remove {model.path}: {err.strerror or err}") from None
            shutil.rmtree(aside.parent, ignore_errors=True)
            removed.append(model)
        _drop_scratch_if_empty()
    _clear_argos_cache()
    return removed
