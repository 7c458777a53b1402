"""Trusted prepare → untrusted offline run → trusted record, for a Python target."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from clearinghouse.config import Settings
from clearinghouse.sandbox import index, prepare, sdist, service
from clearinghouse.sandbox.interface import InvalidRequest, Limits, RunRequest
from tests.sandbox.conftest import out
from tests.sandbox.test_index import closed_port, only_index
from tests.sandbox.test_sdist import make_sdist


@pytest.mark.parametrize(
    "requirement",
    [
        "requests",
        "requests>=2",
        "requests==2.*; python_version>'3'",
        "git+https://example.com/x.git",
        "https://example.com/x-1.0.tar.gz",
        "./local-dir",
        "-e .",
        "--index-url=https://evil.example/ x==1",
        "x==1 --hash=sha256:00",
    ],
)
def test_only_exact_pins_are_accepted(requirement: str) -> None:
    with pytest.raises(InvalidRequest, match="exact pins"):
        prepare.normalize([requirement])


def test_pins_are_normalized_for_the_cache_key() -> None:
    assert prepare.normalize(["Six==1.16.0", "idna[all]==3.7"]) == (
        "idna[all]==3.7",
        "six==1.16.0",
    )
    key = prepare.wheelhouse_key(prepare.normalize(["Zope.Interface==6.0"]), "3.11")
    assert key == prepare.wheelhouse_key(prepare.normalize(["zope-interface==6.0"]), "3.11")
    assert key != prepare.wheelhouse_key(prepare.normalize(["zope-interface==6.0"]), "3.12")


def test_the_run_builds_its_venv_offline_from_the_wheelhouse(
    sandbox_root: Path, sandbox: object
) -> None:
    settings = Settings(sandbox_dir=sandbox_root, _env_file=None)  # type: ignore[call-arg]
    request = RunRequest(
        command=("python", "-c", "import six, socket; print(six.__version__, socket.has_ipv6)"),
        limits=Limits(wall_seconds=120, cpu_seconds=60, memory_bytes=512 * 2**20),
    )
    try:
        result = service.run(settings, request, requirements=["six==1.16.0"])
    except prepare.PrepareError as exc:
        pytest.fail(f"the trusted prepare step could not reach the package index: {exc}")
    assert result.exit_code == 0, out(result)
    assert result.stdout.startswith(b"1.16.0")
    service.release(settings, result)
    wheelhouses = [p for p in (sandbox_root / "wheelhouse").iterdir() if p.is_dir()]
    assert len(wheelhouses) == 1
    assert sorted(p.suffix for p in wheelhouses[0].iterdir()) == [".txt", ".whl"]
    # Cached: the same requirements reuse the same folder.
    assert service.prepare_python(settings, ["SIX==1.16.0"]) == wheelhouses[0]


def test_a_release_that_does_not_exist_is_told_from_an_unreachable_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(index.NoSuchRelease, match="no project clearinghouse-does-not-exist-7f3a"):
        prepare.prepare_wheelhouse(cache, ["clearinghouse-does-not-exist-7f3a==0.0.1"])
    with pytest.raises(index.NoSuchRelease, match=r"six has no release 99\.0\.0") as missing:
        prepare.prepare_wheelhouse(cache, ["six==1.16.0", "Six==99.0.0"])
    assert missing.value.pin == "six==99.0.0"
    only_index(monkeypatch, f"http://127.0.0.1:{closed_port()}/simple")
    with pytest.raises(index.IndexUnreachable, match="cannot reach"):
        prepare.prepare_wheelhouse(cache, ["six==1.16.0"])
    assert not any(cache.glob("*/requirements.txt"))


def _evil_sdist(tmp_path: Path, name: str = "evilpkg") -> tuple[Path, Path]:
    """A package offered only as an sdist whose setup.py leaves a mark where it runs."""
    mark = tmp_path / "setup-py-ran"
    links = tmp_path / "links"
    links.mkdir()
    package = tmp_path / f"{name}-1.0"
    package.mkdir()
    (package / "setup.py").write_text(
        f"open({str(mark)!r}, 'w').write('ran')\n"
        f"from setuptools import setup\nsetup(name={name!r}, version='1.0')\n"
    )
    (package / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    with tarfile.open(links / f"{name}-1.0.tar.gz", "w:gz") as archive:
        archive.add(package, arcname=f"{name}-1.0")
    return links, mark


def test_an_sdist_is_never_built_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its file is fetched and read, its build requirements come as wheels from PyPI; its
    setup.py does not run on this side."""
    links, mark = _evil_sdist(tmp_path)
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    wheelhouse = prepare.prepare_wheelhouse(tmp_path / "cache", ["evilpkg==1.0"], timeout=300)
    assert not mark.exists()
    files = sorted(p.name for p in wheelhouse.iterdir())
    assert "evilpkg-1.0.tar.gz" in files and any(f.startswith("setuptools-") for f in files)
    (entry,) = prepare.built_from_sdist(wheelhouse)
    assert entry["requirement"] == "evilpkg==1.0"
    assert entry["build_requires"] == ["setuptools>=40.8.0", "wheel"]
    archive = (links / "evilpkg-1.0.tar.gz").read_bytes()
    assert entry["sha256"] == hashlib.sha256(archive).hexdigest()  # taken as it was fetched
    assert (wheelhouse / "evilpkg-1.0.tar.gz").read_bytes() == archive
    assert (wheelhouse / "requirements.txt").read_text() == "evilpkg==1.0\n"


def test_without_an_index_an_sdist_cannot_be_prepared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip set to no-index: the sdist is found, but its build requirements cannot be."""
    links, mark = _evil_sdist(tmp_path)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    with pytest.raises(prepare.PrepareError, match="cannot fetch wheels for setuptools"):
        prepare.prepare_wheelhouse(tmp_path / "cache", ["evilpkg==1.0"], timeout=120)
    assert not mark.exists()
    # A pin missing from those folders is not proven missing everywhere: not NoSuchRelease.
    with pytest.raises(index.IndexUnreachable, match="pip is set to use no index"):
        prepare.prepare_wheelhouse(tmp_path / "cache", ["six==1.16.0"], timeout=120)
    assert not any((tmp_path / "cache").glob("*/requirements.txt"))


def test_an_sdist_that_names_a_url_to_build_with_is_refused_before_anything_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = tmp_path / "links"
    links.mkdir()
    make_sdist(
        links,
        {"pyproject.toml": '[build-system]\nrequires = ["b @ https://evil.example/b.whl"]\n'},
        "urlbuild-1.0.tar.gz",
    )
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    with pytest.raises(sdist.SdistUnusable, match=r"the sdist of urlbuild==1\.0 cannot be built"):
        prepare.prepare_wheelhouse(tmp_path / "cache", ["urlbuild==1.0"])
    assert not any((tmp_path / "cache").iterdir())
