"""reader.translation.packages and reader.translation.packing: listing, index, download + validate + install (over loopback only), remove, pack.

Every test gets its own empty packages dir (argostranslate.settings is patched, so Argos's own
install_from_path unpacks there too) and an index URL pointing at a closed local port, so no
test can reach the internet even by mistake.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import (
    FIXTURE_MODEL as FIXTURE,  # the committed model, or QARI_TEST_MODEL_SEED's
)
from loopback import LoopbackServer, Response, closed_port_url, hang, truncated
from paths import FIXTURES, REPO

from reader.translation import packages as models
from reader.translation import packing
from reader.translation.packages import ModelError

HINT = "install from a file instead: qari models install FILE.argosmodel"


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fixture_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed tiny ar->en package (built on the fly only if it is missing)."""
    if FIXTURE.is_file():
        return FIXTURE
    sys.path.insert(0, str(FIXTURES))
    try:
        from make_argosmodel import build_argosmodel
    finally:
        sys.path.pop(0)
    return build_argosmodel(tmp_path_factory.mktemp("fixture") / "translate-ar_en-tiny.argosmodel")


@pytest.fixture(scope="session")
def fixture_files(fixture_package: Path) -> dict[str, bytes]:
    """name -> bytes of every file in the fixture package (names without the top folder)."""
    with zipfile.ZipFile(fixture_package) as archive:
        top = archive.namelist()[0].split("/")[0]
        return {
            info.filename[len(top) + 1:]: archive.read(info)
            for info in archive.infolist() if not info.is_dir()
        }


@pytest.fixture(scope="session")
def fixture_unpacked(fixture_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(fixture_package) as archive:
        archive.extractall(root)
    (top,) = list(root.iterdir())
    return top


@pytest.fixture(autouse=True)
def packages(offline_packages: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from argostranslate import settings

    monkeypatch.setattr(settings, "package_index", closed_port_url("/argospm-index/"))
    return offline_packages


@pytest.fixture
def server(loopback_server):
    return loopback_server


def snapshot(directory: Path) -> list[tuple[str, str]]:
    """Every entry under the packages dir AND its parent (where scratch files would go)."""
    entries = []
    for root in (directory.parent,):
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file():
                entries.append((rel, hashlib.sha1(path.read_bytes()).hexdigest()))
            else:
                entries.append((rel, "dir"))
    return entries


def write_zip(path: Path, entries: dict[str, bytes | None], *, symlinks: dict[str, str] | None = None) -> Path:
    """A zip with the given entries (None = directory entry)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            if data is None:
                archive.writestr(zipfile.ZipInfo(name.rstrip("/") + "/"), b"")
            else:
                archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return path


def package_entries(files: dict[str, bytes], top: str = "pkg", **meta) -> dict[str, bytes | None]:
    metadata = {"package_version": "1.0", "argos_version": "1.9", "from_code": "ar", "to_code": "en",
                "from_name": "Arabic", "to_name": "English", "type": "translate", "code": "translate-ar_en"}
    metadata.update(meta)
    entries: dict[str, bytes | None] = {f"{top}/": None, f"{top}/model/": None}
    entries[f"{top}/metadata.json"] = json.dumps(metadata).encode()
    for name, data in files.items():
        if name != "metadata.json":
            entries[f"{top}/{name}"] = data
    return entries


def install_fake(directory: Path, name: str, version: str, pair=("ar", "en"), **extra) -> Path:
    """An installed package directory with metadata only (enough for listing)."""
    path = directory / name
    (path / "model").mkdir(parents=True)
    (path / "model" / "model.bin").write_bytes(b"\0" * 100)
    (path / "sentencepiece.model").write_bytes(b"spm")
    meta = {"package_version": version, "from_code": pair[0], "to_code": pair[1], "type": "translate",
            "code": f"translate-{pair[0]}_{pair[1]}", **extra}
    (path / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def index_entry(url: str, *, version="1.0", pair=("ar", "en"), links=None) -> dict:
    return {
        "package_version": version, "argos_version": "1.9", "from_code": pair[0], "from_name": "Arabic",
        "to_code": pair[1], "to_name": "English", "code": f"translate-{pair[0]}_{pair[1]}",
        "links": links if links is not None else [url],
    }


def serve_index(server: LoopbackServer, package_url: str, extra: list | None = None) -> str:
    server.route("/index/index.json", Response.json([index_entry(package_url)] + (extra or [])))
    return server.url("/index/")


# --- locations and settings ---------------------------------------------------------------


def test_index_json_url_follows_argos_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from argostranslate import settings

    assert models.index_json_url("https://example.org/index/") == "https://example.org/index/index.json"
    assert models.index_json_url("https://example.org/index") == "https://example.org/index/index.json"
    assert models.index_json_url("http://127.0.0.1:9/custom.json") == "http://127.0.0.1:9/custom.json"
    monkeypatch.setattr(settings, "package_index", "https://mirror.example/argospm/")
    assert models.index_json_url() == "https://mirror.example/argospm/index.json"


def test_environment_variables_are_honoured_like_argos(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "ARGOS_PACKAGES_DIR": str(tmp_path / "my-packages"),
           "ARGOS_PACKAGE_INDEX": "http://127.0.0.1:9/mirror/"}
    code = "from reader.translation import packages as models; print(models.packages_dir()); print(models.index_json_url())"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [str(tmp_path / "my-packages"), "http://127.0.0.1:9/mirror/index.json"]

    del env["ARGOS_PACKAGES_DIR"], env["ARGOS_PACKAGE_INDEX"]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        str(tmp_path / "data" / "argos-translate" / "packages"),
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
    ]


def test_importing_models_imports_no_argos() -> None:
    code = ("import sys, reader.translation.packages, reader.translation.packing; bad = [m for m in ('argostranslate', 'sentencepiece', 'ctranslate2', "
            "'textual') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- listing --------------------------------------------------------------------------------


def test_list_installed_empty(packages: Path) -> None:
    assert models.list_installed() == []
    assert models.which_used() is None


def test_list_installed_skips_broken_and_foreign_entries(packages: Path) -> None:
    good = install_fake(packages, "ar_en", "1.1")
    (packages / "no-metadata").mkdir()
    (packages / "bad-json").mkdir()
    (packages / "bad-json" / "metadata.json").write_text("{not json", encoding="utf-8")
    install_fake(packages, "sbd-package", "1.0", type="sbd")
    (packages / "a-file.txt").write_text("x", encoding="utf-8")
    (packages / ".qari-tmp").mkdir()
    install_fake(packages, "en_ar", "1.0", pair=("en", "ar"))
    listed = models.list_installed()
    assert [(m.from_code, m.to_code, m.version, m.path) for m in listed] == [
        ("ar", "en", "1.1", good), ("en", "ar", "1.0", packages / "en_ar")]
    model = listed[0]
    assert model.size_bytes == sum(p.stat().st_size for p in good.rglob("*") if p.is_file())
    assert model.name == "translate-ar_en" and model.pair == "ar→en"
    assert model.tokenizer == good / "sentencepiece.model"


def test_which_used_picks_highest_version_like_the_translator(packages: Path) -> None:
    install_fake(packages, "a-old", "1.9")
    newest = install_fake(packages, "b-new", "1.10")  # 1.10 > 1.9 (not a string comparison)
    install_fake(packages, "c-mid", "1.2")
    install_fake(packages, "en_ar", "9.0", pair=("en", "ar"))
    assert [m.version for m in models.list_installed() if m.to_code == "en"] == ["1.10", "1.9", "1.2"]
    assert models.which_used("ar", "en").path == newest
    assert models.which_used("en", "ar").version == "9.0"
    assert models.which_used("fr", "en") is None

    from reader.translation.translate import find_package

    assert Path(find_package("ar", "en").package_path) == newest


# --- validation and install from a file --------------------------------------------------


def test_validate_fixture_package(fixture_package: Path) -> None:
    info = models.validate_package(fixture_package, expect=("ar", "en"))
    assert (info.from_code, info.to_code, info.version) == ("ar", "en", "0.1")
    assert info.top == "translate-ar_en-qari-tiny"
    assert info.tokenizer == "sentencepiece.model"
    with zipfile.ZipFile(fixture_package) as archive:
        assert info.unpacked_bytes == sum(i.file_size for i in archive.infolist())


def test_install_file_installs_and_argos_agrees(fixture_package: Path, packages: Path) -> None:
    installed = models.install_file(fixture_package)
    assert installed.path == packages / "translate-ar_en-qari-tiny"
    assert (installed.from_code, installed.to_code, installed.version) == ("ar", "en", "0.1")
    assert models.which_used() == installed
    assert installed.size_bytes == models.validate_package(fixture_package).unpacked_bytes
    # only the package folder is left behind: no temp or scratch entries anywhere near it
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]
    assert sorted(p.name for p in packages.iterdir()) == ["translate-ar_en-qari-tiny"]

    from argostranslate import package as argos_package

    (pkg,) = argos_package.get_installed_packages()
    assert Path(pkg.package_path) == installed.path and pkg.from_code == "ar"


def test_reinstall_replaces_in_place(fixture_package: Path, packages: Path) -> None:
    first = models.install_file(fixture_package)
    (first.path / "junk-from-old-version.bin").write_bytes(b"old")
    again = models.install_file(fixture_package)
    assert again.path == first.path
    assert not (again.path / "junk-from-old-version.bin").exists()
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]


def test_install_replaces_other_packages_for_the_pair(fixture_package: Path, packages: Path) -> None:
    install_fake(packages, "translate-ar_en-1_0", "1.0")
    other_pair = install_fake(packages, "en_ar", "1.0", pair=("en", "ar"))
    installed = models.install_file(fixture_package)
    assert [m.path for m in models.list_installed()] == [installed.path, other_pair]
    assert models.which_used() == installed


def test_install_keeps_other_packages_when_asked(fixture_package: Path, packages: Path) -> None:
    old = install_fake(packages, "translate-ar_en-1_0", "1.0")
    models.install_file(fixture_package, replace=False)
    assert {m.path for m in models.list_installed()} == {old, packages / "translate-ar_en-qari-tiny"}
    assert models.which_used().path == old  # 1.0 > 0.1: the user kept the higher version


def _corrupt_crc(src: Path, dest: Path) -> Path:
    """Flip one byte inside model.bin's compressed data (the zip directory stays valid)."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("model/model.bin"))
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26:header + 28], "little")
    extra_len = int.from_bytes(data[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    dest.write_bytes(bytes(data))
    return dest


BROKEN_CASES = {
    "random bytes": (lambda d, f, fp: (d / "x.argosmodel").write_bytes(os.urandom(4096)) and d / "x.argosmodel",
                     "not a zip archive"),
    "truncated download": (lambda d, f, fp: (d / "t.argosmodel").write_bytes(fp.read_bytes()[: fp.stat().st_size // 2])
                           and d / "t.argosmodel", "not a zip archive"),
    "checksum mismatch": (lambda d, f, fp: _corrupt_crc(fp, d / "crc.argosmodel"), "corrupt"),
    "zip slip": (lambda d, f, fp: write_zip(d / "s.argosmodel", {**package_entries(f), "pkg/../../evil.sh": b"rm -rf ~"}),
                 "unsafe path in archive: 'pkg/../../evil.sh'"),
    "absolute path": (lambda d, f, fp: write_zip(d / "a.argosmodel", {**package_entries(f), "/etc/evil": b"x"}),
                      "unsafe path in archive: '/etc/evil'"),
    "symlink entry": (lambda d, f, fp: write_zip(d / "l.argosmodel", package_entries(f), symlinks={"pkg/link": "/etc/passwd"}),
                      "unsafe path in archive: 'pkg/link'"),
    "two top folders": (lambda d, f, fp: write_zip(d / "2.argosmodel", {**package_entries(f), "__MACOSX/._pkg": b"x"}),
                        "expected one top folder, found 2 (__MACOSX, pkg)"),
    "file at top level": (lambda d, f, fp: write_zip(d / "f.argosmodel", {**package_entries(f), "README.md": b"x"}),
                          "file 'README.md' is outside the package folder"),
    "no metadata": (lambda d, f, fp: write_zip(d / "m.argosmodel", {k: v for k, v in package_entries(f).items()
                                                                   if not k.endswith("metadata.json")}),
                    "no pkg/metadata.json"),
    "metadata not json": (lambda d, f, fp: write_zip(d / "j.argosmodel", {**package_entries(f), "pkg/metadata.json": b"{oops"}),
                          "metadata.json is not valid JSON"),
    "no model": (lambda d, f, fp: write_zip(d / "n.argosmodel", {k: v for k, v in package_entries(f).items()
                                                                if "model.bin" not in k}),
                 "no CTranslate2 model (pkg/model/model.bin)"),
    "no tokenizer": (lambda d, f, fp: write_zip(d / "k.argosmodel", {k: v for k, v in package_entries(f).items()
                                                                    if "sentencepiece" not in k}),
                     "no tokenizer"),
    "broken tokenizer": (lambda d, f, fp: write_zip(d / "b.argosmodel", {**package_entries(f), "pkg/sentencepiece.model": b"garbage"}),
                         "pkg/sentencepiece.model is not a valid SentencePiece model"),
    "wrong pair": (lambda d, f, fp: write_zip(d / "w.argosmodel", package_entries(f, from_code="en", to_code="ar")),
                   "is a package for en→ar, not ar→en"),
    "not a translate package": (lambda d, f, fp: write_zip(d / "sbd.argosmodel", package_entries(f, type="sbd")),
                                "is a 'sbd' package, not a translation package"),
    "empty archive": (lambda d, f, fp: write_zip(d / "e.argosmodel", {}), "the archive is empty"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_install_file_refuses_bad_packages_and_changes_nothing(
    case: str, tmp_path: Path, packages: Path, fixture_files: dict[str, bytes], fixture_package: Path
) -> None:
    make, message = BROKEN_CASES[case]
    work = tmp_path / "work"
    work.mkdir()
    bad = make(work, fixture_files, fixture_package)
    existing = install_fake(packages, "translate-ar_en-1_0", "1.0")  # something to keep intact
    before = snapshot(packages)
    with pytest.raises(ModelError) as info:
        models.install_file(bad)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert snapshot(packages) == before
    assert models.which_used().path == existing
    assert not (tmp_path / "evil.sh").exists() and not (packages.parent / "evil.sh").exists()


def test_valid_handmade_package_passes(tmp_path: Path, fixture_files: dict[str, bytes]) -> None:
    good = write_zip(tmp_path / "ok.argosmodel", package_entries(fixture_files))
    assert models.validate_package(good, expect=("ar", "en")).top == "pkg"
    assert models.validate_package(good, expect=None).from_code == "ar"


def test_install_refuses_to_overwrite_another_pair_with_the_same_folder(
    tmp_path: Path, fixture_files: dict[str, bytes], packages: Path
) -> None:
    other = install_fake(packages, "pkg", "1.0", pair=("en", "ar"))
    before = snapshot(packages)
    with pytest.raises(ModelError, match=r"already holds a en→ar package; remove it first \(qari models remove en ar\)"):
        models.install_file(write_zip(tmp_path / "p.argosmodel", package_entries(fixture_files)))
    assert snapshot(packages) == before and models.which_used("en", "ar").path == other


def test_install_any_pair_when_not_expecting(tmp_path: Path, fixture_files: dict[str, bytes], packages: Path) -> None:
    path = write_zip(tmp_path / "enar.argosmodel", package_entries(fixture_files, top="en_ar", from_code="en", to_code="ar"))
    installed = models.install_file(path, expect=None)
    assert installed.pair == "en→ar" and installed.path == packages / "en_ar"


def test_failure_while_unpacking_rolls_back(
    fixture_package: Path, packages: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models.install_file(fixture_package)  # an older copy of the same package is in place
    (packages / "translate-ar_en-qari-tiny" / "marker").write_text("old copy", encoding="utf-8")
    install_fake(packages, "translate-ar_en-0_0", "0.0")
    before = snapshot(packages)

    def half_unpack(path, dest):
        with zipfile.ZipFile(path) as archive:
            archive.extract(archive.infolist()[2], dest)  # one file, then the disk "fills up"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(models, "_unpack", half_unpack)
    with pytest.raises(ModelError, match="installing translate-ar_en-tiny.argosmodel failed: .*No space left"):
        models.install_file(fixture_package)
    assert snapshot(packages) == before


def test_interrupt_while_unpacking_rolls_back(fixture_package: Path, packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(path, dest):
        (dest / "translate-ar_en-qari-tiny").mkdir()
        raise KeyboardInterrupt

    before = snapshot(packages)
    monkeypatch.setattr(models, "_unpack", interrupted)
    with pytest.raises(KeyboardInterrupt):
        models.install_file(fixture_package)
    assert snapshot(packages) == before


def test_not_enough_disk_space_is_refused(fixture_package: Path, packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    before = snapshot(packages)
    with pytest.raises(ModelError, match=r"not enough disk space .* need 1 MiB, 0 MiB free"):
        models.install_file(fixture_package)
    assert snapshot(packages) == before


# --- remove ---------------------------------------------------------------------------------


def test_remove_pair(fixture_package: Path, packages: Path) -> None:
    installed = models.install_file(fixture_package)
    old = install_fake(packages, "older", "0.0")
    keep = install_fake(packages, "en_ar", "1.0", pair=("en", "ar"))
    removed = models.remove("ar", "en")
    assert {m.path for m in removed} == {installed.path, old}
    assert [m.path for m in models.list_installed()] == [keep]
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]
    assert models.remove("ar", "en") == []


def test_remove_leaves_extra_package_dirs_alone(tmp_path: Path, packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from argostranslate import settings

    bundled = tmp_path / "snap-packages"
    bundled.mkdir()
    ro = install_fake(bundled, "bundled-ar_en", "1.0")
    monkeypatch.setattr(settings, "package_dirs", [packages, bundled])
    install_fake(packages, "mine", "2.0")
    assert [m.path.name for m in models.remove("ar", "en")] == ["mine"]
    assert [m.path for m in models.list_installed()] == [ro]


# --- the index and installing over HTTP (loopback) -----------------------------------------


def test_available_reads_the_index(server: LoopbackServer) -> None:
    entries = [
        index_entry("https://example.invalid/ar_en-1_0.argosmodel", version="1.0"),
        index_entry("http://example.invalid/ar_en-1_10.argosmodel", version="1.10",
                    links=["ipfs://Qm123", "ifps://typo", "http://example.invalid/ar_en-1_10.argosmodel"]),
        index_entry("https://example.invalid/en_ar.argosmodel", pair=("en", "ar")),
        {"type": "sbd", "code": "sbd-ar", "links": ["https://example.invalid/sbd"]},
        {"package_version": "1.0", "from_code": "xx"},  # no to_code
        "not an object",
    ]
    server.route("/idx/index.json", Response.json(entries))
    found = models.available(server.url("/idx/"), timeout=5)
    assert [(m.pair, m.version) for m in found] == [("ar→en", "1.10"), ("ar→en", "1.0"), ("en→ar", "1.0")]
    assert found[0].links == ("http://example.invalid/ar_en-1_10.argosmodel",)
    assert found[0].name == "translate-ar_en" and found[0].from_name == "Arabic"
    assert server.requests == ["/idx/index.json"]


def test_available_uses_the_argos_setting(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from argostranslate import settings

    server.route("/mirror/index.json", Response.json([index_entry("http://x.invalid/p.argosmodel")]))
    monkeypatch.setattr(settings, "package_index", server.url("/mirror/"))
    assert [m.pair for m in models.available(timeout=5)] == ["ar→en"]


def test_unreachable_index_says_so_in_one_line() -> None:
    url = closed_port_url("/index/")
    with pytest.raises(ModelError) as info:
        models.install_pair("ar", "en", index_url=url, timeout=5)
    assert str(info.value) == f"could not reach the Argos package index at {url}index.json (connection refused); {HINT}"
    with pytest.raises(ModelError, match="could not reach the Argos package index"):
        models.available(url, timeout=5)


def test_index_that_never_answers_times_out(server: LoopbackServer) -> None:
    server.route("/slow/index.json", hang())
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"could not reach the Argos package index at .* \(timed out\); " + HINT):
        models.available(server.url("/slow/"), timeout=0.5)
    assert time.monotonic() - start < 5


def test_index_404_and_bad_json(server: LoopbackServer) -> None:
    with pytest.raises(ModelError) as info:
        models.available(server.url("/nothing/"), timeout=5)
    assert str(info.value) == f"the Argos package index at {server.url('/nothing/index.json')} answered HTTP 404 Not Found; {HINT}"
    server.route("/bad/index.json", Response(b"<html>captive portal</html>", content_type="text/html"))
    with pytest.raises(ModelError, match="is not valid JSON"):
        models.available(server.url("/bad/"), timeout=5)
    server.route("/obj/index.json", Response.json({"packages": []}))
    with pytest.raises(ModelError, match="is not a JSON list"):
        models.available(server.url("/obj/"), timeout=5)


def test_index_must_be_http(packages: Path) -> None:
    with pytest.raises(ModelError, match="is not an http\\(s\\) URL"):
        models.available("file:///etc/index.json")


def test_install_pair_downloads_validates_installs_and_reports_progress(
    server: LoopbackServer, fixture_package: Path, packages: Path
) -> None:
    size = fixture_package.stat().st_size
    package_url = server.route("/files/translate-ar_en-0_1.argosmodel",
                               Response.file(fixture_package, content_type="application/zip"))
    index = serve_index(server, package_url, extra=[index_entry("http://127.0.0.1:9/x", pair=("en", "ar"))])
    calls: list[tuple[int, int | None]] = []
    installed = models.install_pair("ar", "en", index_url=index, timeout=5, progress=lambda d, t: calls.append((d, t)))
    assert installed.path == packages / "translate-ar_en-qari-tiny"
    assert models.which_used() == installed
    assert server.requests == ["/index/index.json", "/files/translate-ar_en-0_1.argosmodel"]
    # progress: starts at 0, never goes back, every call knows the total, ends exactly at it
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert all(total == size for _, total in calls)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))
    assert len(calls) >= 3  # the 0.5 MB file arrives in several chunks
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]


def test_install_pair_without_content_length_reports_unknown_total(
    server: LoopbackServer, fixture_package: Path, packages: Path
) -> None:
    package_url = server.route("/p.argosmodel", Response.file(fixture_package, chunked=True))
    calls = []
    models.install_pair(index_url=serve_index(server, package_url), timeout=5, progress=lambda d, t: calls.append((d, t)))
    assert {t for _, t in calls} == {None}
    assert calls[-1][0] == fixture_package.stat().st_size


def test_install_pair_picks_the_newest_version(server: LoopbackServer, fixture_package: Path) -> None:
    new = server.route("/new.argosmodel", Response.file(fixture_package))
    server.route("/index/index.json", Response.json([
        index_entry(server.url("/old.argosmodel"), version="1.9"),
        index_entry(new, version="1.10"),
    ]))
    models.install_pair(index_url=server.url("/index/"), timeout=5)
    assert "/new.argosmodel" in server.requests and "/old.argosmodel" not in server.requests


def test_broken_download_leaves_nothing_installed(
    server: LoopbackServer, fixture_package: Path, packages: Path
) -> None:
    data = fixture_package.read_bytes()
    package_url = server.route("/cut.argosmodel", truncated(data, len(data) // 3))
    index = serve_index(server, package_url)
    existing = install_fake(packages, "translate-ar_en-1_0", "1.0")
    before = snapshot(packages)
    calls = []
    with pytest.raises(ModelError) as info:
        models.install_pair(index_url=index, timeout=5, retries=2, retry_delay=0.01,
                            progress=lambda d, t: calls.append((d, t)))
    message = str(info.value)
    assert message.startswith(f"download of {package_url} ")
    assert "after 3 attempts" in message and message.endswith(HINT)
    assert server.requests.count("/cut.argosmodel") == 3
    assert snapshot(packages) == before
    assert models.which_used().path == existing
    assert max(d for d, _ in calls) < len(data)


def test_broken_download_is_retried_until_it_succeeds(
    server: LoopbackServer, fixture_package: Path, packages: Path
) -> None:
    data = fixture_package.read_bytes()
    attempts = []

    def flaky(req, srv):
        attempts.append(1)
        if len(attempts) < 3:
            truncated(data, 1000)(req, srv)
        else:
            Response(data, content_type="application/zip")(req, srv)

    package_url = server.route("/flaky.argosmodel", flaky)
    calls = []
    installed = models.install_pair(index_url=serve_index(server, package_url), timeout=5, retries=3,
                                    retry_delay=0.01, progress=lambda d, t: calls.append(d))
    assert len(attempts) == 3 and installed.version == "0.1"
    assert calls[-1] == len(data)
    assert sorted(p.name for p in packages.parent.iterdir()) == ["packages"]


def test_package_404_fails_without_retrying(server: LoopbackServer, packages: Path) -> None:
    missing = server.url("/gone.argosmodel")
    before = snapshot(packages)
    with pytest.raises(ModelError) as info:
        models.install_pair(index_url=serve_index(server, missing), timeout=5, retries=3, retry_delay=0.01)
    assert str(info.value) == f"download of {missing} failed: HTTP 404 Not Found; {HINT}"
    assert server.requests.count("/gone.argosmodel") == 1
    assert snapshot(packages) == before


def test_second_link_is_used_when_the_first_fails(server: LoopbackServer, fixture_package: Path) -> None:
    good = server.route("/mirror2.argosmodel", Response.file(fixture_package))
    server.route("/index/index.json", Response.json([
        index_entry("", links=["ipfs://Qm1", server.url("/mirror1-missing.argosmodel"), good])]))
    installed = models.install_pair(index_url=server.url("/index/"), timeout=5, retries=0)
    assert installed.from_code == "ar"
    assert server.requests[1:] == ["/mirror1-missing.argosmodel", "/mirror2.argosmodel"]


def test_stalled_download_times_out(server: LoopbackServer, packages: Path) -> None:
    package_url = server.route("/stall.argosmodel", hang(after_headers=True))
    before = snapshot(packages)
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"download of .* broke after 0 bytes \(timed out\)"):
        models.install_pair(index_url=serve_index(server, package_url), timeout=0.5, retries=0)
    assert time.monotonic() - start < 5
    assert snapshot(packages) == before


@pytest.mark.parametrize("kind", ["corrupt", "wrong pair"])
def test_downloaded_bad_package_is_refused(
    kind: str, server: LoopbackServer, fixture_package: Path, fixture_files: dict[str, bytes],
    packages: Path, tmp_path: Path
) -> None:
    if kind == "corrupt":
        data = _corrupt_crc(fixture_package, tmp_path / "c.argosmodel").read_bytes()
        expected = "translate-ar_en-0_1.argosmodel (downloaded from"
    else:
        data = write_zip(tmp_path / "w.argosmodel", package_entries(fixture_files, from_code="en", to_code="ar")).read_bytes()
        expected = "is a package for en→ar, not ar→en"
    package_url = server.route("/translate-ar_en-0_1.argosmodel", Response(data, content_type="application/zip"))
    before = snapshot(packages)
    with pytest.raises(ModelError, match=expected.replace("(", r"\(")):
        models.install_pair(index_url=serve_index(server, package_url), timeout=5)
    assert snapshot(packages) == before


def test_pair_missing_from_index(server: LoopbackServer) -> None:
    index = serve_index(server, server.url("/x"))
    with pytest.raises(ModelError, match=r"the Argos package index at .*index.json has no fr→en package"):
        models.install_pair("fr", "en", index_url=index, timeout=5)


def test_index_without_http_links(server: LoopbackServer) -> None:
    server.route("/index/index.json", Response.json([index_entry("", links=["ipfs://QmV5bmf8"])]))
    with pytest.raises(ModelError, match="gives no http\\(s\\) download link; " + HINT):
        models.install_pair(index_url=server.url("/index/"), timeout=5)


def test_raising_from_progress_cancels_cleanly(server: LoopbackServer, fixture_package: Path, packages: Path) -> None:
    class Cancelled(Exception):
        pass

    def progress(done, total):
        if done > 100_000:
            raise Cancelled

    package_url = server.route("/p.argosmodel", Response.file(fixture_package))
    before = snapshot(packages)
    with pytest.raises(Cancelled):
        models.install_pair(index_url=serve_index(server, package_url), timeout=5, progress=progress)
    assert snapshot(packages) == before


# --- pack -----------------------------------------------------------------------------------


def _translate(model_dir: Path, spm_path: Path, sentences: list[str], *, prefix=(), suffix=(), target_prefix=None):
    import ctranslate2
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(spm_path))
    batch = [list(prefix) + sp.encode(s, out_type=str) + list(suffix) for s in sentences]
    translator = ctranslate2.Translator(str(model_dir), device="cpu", inter_threads=1, intra_threads=1)
    results = translator.translate_batch(batch, beam_size=2, max_decoding_length=24,
                                         target_prefix=[[target_prefix]] * len(batch) if target_prefix else None)
    return [r.hypotheses[0] for r in results]


SENTENCES = ["افتتحت الحكومة محطة جديدة لتحلية المياه", "قال الوزير إن المشروع استغرق أربع سنوات", "معرض الكتاب"]


def test_pack_round_trip(fixture_unpacked: Path, packages: Path, tmp_path: Path) -> None:
    out = packing.pack(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model",
                      from_code="ar", to_code="en", out=tmp_path, name="opus-mt-ar-en", version="2.0")
    assert out == tmp_path / "opus-mt-ar-en-2_0.argosmodel"
    info = models.validate_package(out, expect=("ar", "en"))
    assert info.top == "opus-mt-ar-en-2_0" and info.version == "2.0"
    assert info.metadata["code"] == "opus-mt-ar-en" and info.metadata["from_name"] == "Arabic"
    assert "target_prefix" not in info.metadata

    installed = models.install_file(out)
    assert models.which_used() == installed and installed.version == "2.0"
    for name in ("model.bin", "config.json", "shared_vocabulary.json"):
        assert (installed.path / "model" / name).read_bytes() == (fixture_unpacked / "model" / name).read_bytes()
    # the packed model translates exactly like the original
    assert _translate(installed.path / "model", installed.tokenizer, SENTENCES) == \
        _translate(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model", SENTENCES)

    with pytest.raises(ModelError, match="already exists"):
        packing.pack(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model",
                    from_code="ar", to_code="en", out=out)
    assert packing.pack(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model",
                       from_code="ar", to_code="en", out=out, force=True) == out


def test_pack_source_prefix_and_eos_are_applied_by_ctranslate2(fixture_unpacked: Path, packages: Path, tmp_path: Path) -> None:
    vocab = json.loads((fixture_unpacked / "model" / "shared_vocabulary.json").read_text(encoding="utf-8"))
    lang = vocab[200]  # stands in for NLLB's "arb_Arab"
    target = next(t for t in vocab if t == "▁the")  # stands in for "eng_Latn"
    out = packing.pack(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model", from_code="ar",
                      to_code="en", out=tmp_path / "nllb.argosmodel", source_prefix=lang, add_source_eos=True,
                      target_prefix=target)
    installed = models.install_file(out)
    assert installed.target_prefix == target
    config = json.loads((installed.path / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["add_source_bos"] is True and config["bos_token"] == lang and config["add_source_eos"] is True
    assert config["decoder_start_token"] == "<s>"
    packed = _translate(installed.path / "model", installed.tokenizer, SENTENCES, target_prefix=target)
    manual = _translate(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model", SENTENCES,
                        prefix=[lang], suffix=["</s>"], target_prefix=target)
    plain = _translate(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model", SENTENCES,
                       target_prefix=target)
    assert packed == manual
    assert packed != plain  # the prefix and </s> really changed what the model saw

    from argostranslate import package as argos_package

    (pkg,) = argos_package.get_installed_packages()
    assert pkg.target_prefix == target  # Argos reads the same field


def test_pack_with_target_tokenizer(fixture_unpacked: Path, packages: Path, tmp_path: Path) -> None:
    out = packing.pack(fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model", from_code="ar",
                      to_code="en", out=tmp_path, target_sp_model=fixture_unpacked / "sentencepiece.model")
    installed = models.install_file(out)
    assert installed.target_tokenizer == installed.path / "target_sentencepiece.model"
    assert installed.target_tokenizer.read_bytes() == (fixture_unpacked / "sentencepiece.model").read_bytes()


def _foreign_spm(path: Path) -> Path:
    import sentencepiece

    words = ["καλημέρα", "θάλασσα", "βιβλίο", "ποτάμι", "ουρανός", "δρόμος", "σπίτι", "φίλος"]
    lines = [" ".join(words[(i * 3 + j) % len(words)] for j in range(6)) for i in range(200)]
    buffer = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=buffer, vocab_size=40,
                                             hard_vocab_limit=False, minloglevel=2, num_threads=1)
    path.write_bytes(buffer.getvalue())
    return path


def test_pack_refuses_mismatched_inputs(fixture_unpacked: Path, tmp_path: Path) -> None:
    model, spm = fixture_unpacked / "model", fixture_unpacked / "sentencepiece.model"
    with pytest.raises(ModelError, match=r"does not match the model: only [0-9]% of its pieces are in the model.s source vocabulary"):
        packing.pack(model, _foreign_spm(tmp_path / "greek.model"), from_code="ar", to_code="en", out=tmp_path)
    with pytest.raises(ModelError, match="target prefix 'eng_Latn' is not a token"):
        packing.pack(model, spm, from_code="ar", to_code="en", out=tmp_path, target_prefix="eng_Latn")
    with pytest.raises(ModelError, match="source prefix 'arb_Arab' is not a token"):
        packing.pack(model, spm, from_code="ar", to_code="en", out=tmp_path, source_prefix="arb_Arab")
    with pytest.raises(ModelError, match="not a CTranslate2 model directory"):
        packing.pack(tmp_path, spm, from_code="ar", to_code="en", out=tmp_path)
    with pytest.raises(ModelError, match="no such SentencePiece model"):
        packing.pack(model, tmp_path / "missing.model", from_code="ar", to_code="en", out=tmp_path)
    with pytest.raises(ModelError, match="language codes"):
        packing.pack(model, spm, from_code="../ar", to_code="en", out=tmp_path)
    assert list(tmp_path.glob("*.argosmodel")) == [] and list(tmp_path.glob(".*.tmp")) == []
