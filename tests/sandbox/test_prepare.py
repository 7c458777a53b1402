"""Trusted prepare → untrusted offline run → trusted record, for a Python target."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from clearinghouse.config import Settings
from clearinghouse.sandbox import prepare, service
from clearinghouse.sandbox.interface import InvalidRequest, Limits, RunRequest
from tests.sandbox.conftest import out


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


def test_an_unknown_package_fails_prepare(tmp_path: Path) -> None:
    with pytest.raises(prepare.PrepareError, match="cannot fetch wheels"):
        prepare.prepare_wheelhouse(
            tmp_path / "cache", ["clearinghouse-does-not-exist-7f3a==0.0.1"], timeout=120
        )
    assert not any((tmp_path / "cache").glob("*/requirements.txt"))


def test_an_sdist_is_never_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package offered only as an sdist whose setup.py would leave a mark if it ran."""
    mark = tmp_path / "setup-py-ran"
    index = tmp_path / "index"
    index.mkdir()
    package = tmp_path / "evilpkg-1.0"
    package.mkdir()
    (package / "setup.py").write_text(
        f"open({str(mark)!r}, 'w').write('ran')\n"
        "from setuptools import setup\nsetup(name='evilpkg', version='1.0')\n"
    )
    (package / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n")
    with tarfile.open(index / "evilpkg-1.0.tar.gz", "w:gz") as archive:
        archive.add(package, arcname="evilpkg-1.0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    with pytest.raises(prepare.PrepareError):
        prepare.prepare_wheelhouse(tmp_path / "cache", ["evilpkg==1.0"], timeout=120)
    assert not mark.exists()
