"""Reading what an sdist needs from its files alone: nothing in it is run."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from clearinghouse.sandbox.sdist import LEGACY_BUILD_REQUIRES, SdistUnusable, read_needs

SDISTS = Path(__file__).resolve().parents[1] / "data" / "sdists"


def make_sdist(folder: Path, files: dict[str, str], name: str = "demo-1.0.tar.gz") -> Path:
    """A .tar.gz (or .zip) whose members sit below one top folder, as sdists do."""
    path = folder / name
    top = name.removesuffix(".tar.gz").removesuffix(".zip")
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, text in files.items():
                archive.writestr(f"{top}/{member}", text)
        return path
    with tarfile.open(path, "w:gz") as archive:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_a_real_legacy_sdist_gets_setuptools_and_wheel() -> None:
    """sqlparse 0.4.1 (from PyPI): no pyproject.toml, metadata 1.2 without Requires-Dist."""
    needs = read_needs(SDISTS / "sqlparse-0.4.1.tar.gz", "3.11")
    assert needs.build_requires == LEGACY_BUILD_REQUIRES
    assert (needs.dependencies, needs.dependencies_source) == ((), "none found")


def test_build_requirements_come_from_pyproject(tmp_path: Path) -> None:
    flit = make_sdist(
        tmp_path,
        {
            "pyproject.toml": '[build-system]\nrequires = ["flit_core >=3.2,<4"]\n'
            'build-backend = "flit_core.buildapi"\n',
        },
    )
    assert read_needs(flit, "3.11").build_requires == ("flit_core<4,>=3.2",)
    setuptools = make_sdist(
        tmp_path,
        {"pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\n'},
        "other-2.0.zip",
    )
    # No backend named: setuptools' legacy one, which older setuptools pair with wheel.
    assert read_needs(setuptools, "3.11").build_requires == ("setuptools>=61", "wheel")
    no_table = make_sdist(tmp_path, {"pyproject.toml": "[tool.black]\n"}, "third-1.0.tar.gz")
    assert read_needs(no_table, "3.11").build_requires == LEGACY_BUILD_REQUIRES


def test_runtime_dependencies_follow_markers_and_extras(tmp_path: Path) -> None:
    pkg_info = (
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        "Requires-Dist: idna>=2.5\n"
        'Requires-Dist: typing-extensions; python_version < "3.8"\n'
        'Requires-Dist: pysocks!=1.5.7; extra == "socks"\n'
    )
    archive = make_sdist(tmp_path, {"PKG-INFO": pkg_info})
    plain = read_needs(archive, "3.11")
    assert (plain.dependencies, plain.dependencies_source) == (
        ("idna>=2.5",),
        "PKG-INFO Requires-Dist",
    )
    assert read_needs(archive, "3.11", ["socks"]).dependencies == ("idna>=2.5", "pysocks!=1.5.7")
    assert read_needs(archive, "3.7").dependencies == ("idna>=2.5", "typing-extensions")


def test_dependencies_from_egg_info_and_from_the_project_table(tmp_path: Path) -> None:
    egg = make_sdist(
        tmp_path,
        {
            "PKG-INFO": "Metadata-Version: 1.1\nName: demo\nVersion: 1.0\n",
            "demo.egg-info/requires.txt": "six>=1.9\n\n[:python_version < '3']\nfutures\n\n"
            "[yaml]\npyyaml\n",
        },
    )
    assert read_needs(egg, "3.11").dependencies == ("six>=1.9",)
    assert read_needs(egg, "3.11", ["yaml"]).dependencies == ("six>=1.9", "pyyaml")
    project = make_sdist(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "p"\nversion = "1"\ndependencies = ["attrs"]\n'
            '[project.optional-dependencies]\nfast = ["orjson; python_version >= \\"3.8\\""]\n'
        },
        "p-1.tar.gz",
    )
    assert read_needs(project, "3.11", ["fast"]).dependencies == ("attrs", "orjson")
    dynamic = make_sdist(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "q"\ndynamic = ["dependencies"]\n'},
        "q-1.tar.gz",
    )
    assert read_needs(dynamic, "3.11").dependencies_source == "none found"


def test_only_the_top_folder_s_files_count(tmp_path: Path) -> None:
    archive = make_sdist(
        tmp_path, {"vendored/pyproject.toml": '[build-system]\nrequires = ["evil"]\n'}
    )
    assert read_needs(archive, "3.11").build_requires == LEGACY_BUILD_REQUIRES


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": "[build-system\nrequires = 1"}, "does not parse"),
        ({"pyproject.toml": '[build-system]\nrequires = "setuptools"\n'}, "not a list"),
        (
            {"pyproject.toml": '[build-system]\nrequires = ["x @ https://evil.example/x.whl"]\n'},
            "names a URL",
        ),
        ({"pyproject.toml": '[build-system]\nrequires = ["not a requirement!"]\n'}, "not a req"),
        ({"PKG-INFO": "Requires-Dist: ok\nRequires-Dist: ???\n"}, "not a requirement"),
        ({"pyproject.toml": "x = '" + "a" * (3 * 2**20) + "'\n"}, "too large"),
    ],
)
def test_an_sdist_that_cannot_be_read_says_why(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(SdistUnusable, match=message):
        read_needs(make_sdist(tmp_path, files), "3.11")


@pytest.mark.parametrize("name", ["huge-1.0.tar.gz", "huge-1.0.zip"])
def test_a_huge_member_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    """3 MiB of PKG-INFO packs into a few KiB: the member's own header gives it away."""
    archive = make_sdist(tmp_path, {"PKG-INFO": "Requires-Dist: idna\n" + " " * 3 * 2**20}, name)
    assert archive.stat().st_size < 64 * 1024
    with pytest.raises(SdistUnusable, match="PKG-INFO is too large"):
        read_needs(archive, "3.11")


def test_a_zip_member_larger_than_its_header_says_is_not_read_through(tmp_path: Path) -> None:
    """The sizes in both headers say 100 bytes; the data holds 3 MiB. Reading stops at the
    stated size, and the checksum then gives the lie away."""
    path = make_sdist(
        tmp_path, {"PKG-INFO": "Requires-Dist: idna\n" + " " * 3 * 2**20}, "lie-1.0.zip"
    )
    data = bytearray(path.read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(SdistUnusable, match=r"not a readable archive.*CRC"):
        read_needs(path, "3.11")


def test_a_truncated_or_foreign_archive_is_refused(tmp_path: Path) -> None:
    whole = (SDISTS / "sqlparse-0.4.1.tar.gz").read_bytes()
    truncated = tmp_path / "sqlparse-0.4.1.tar.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SdistUnusable, match="not a readable archive"):
        read_needs(truncated, "3.11")
    foreign = tmp_path / "x-1.0.zip"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(SdistUnusable, match="not a readable archive"):
        read_needs(foreign, "3.11")


def test_a_decompression_bomb_is_not_read_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("clearinghouse.sandbox.sdist.MAX_SCAN_BYTES", 4 * 2**20)
    archive = make_sdist(
        tmp_path, {"zeros.bin": "\0" * (8 * 2**20), "PKG-INFO": "Requires-Dist: idna\n"}
    )
    assert archive.stat().st_size < 100 * 1024
    with pytest.raises(SdistUnusable, match="more than 4194304 bytes"):
        read_needs(archive, "3.11")
