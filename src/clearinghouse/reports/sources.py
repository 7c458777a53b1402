"""Fetching the released source of a cited package version, for grounding (trusted side).

The archive is found in a local folder of archives first (`CLEARINGHOUSE_SOURCE_INDEX`: offline
installations and the tests), else on a simple index (PyPI's by default, read as validation's
prepare step reads it: `sandbox.index`), and checked against the SHA-256 the index publishes.
The sdist is preferred; a wheel is used when there is none.

We do not call `pip download` here: for an sdist pip prepares the package's metadata, which runs
its build backend (`setup.py`) on this machine. Nothing fetched here is built or executed.
Archives and their unpacked trees are cached under the data dir, keyed by name and version.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name, canonicalize_version

from clearinghouse.reports.unpacking import unpack
from clearinghouse.sandbox import index

PYPI_SIMPLE = index.PYPI_SIMPLE


class VersionNotFound(LookupError):
    """The index has no such release: the report cites a version that does not exist."""


class SourceUnavailable(RuntimeError):
    """The source could not be fetched now (network, index error): worth retrying."""


@dataclass(frozen=True)
class SourceTree:
    name: str
    version: str
    archive: Path
    root: Path  # the project's root: the sdist's top folder, or the wheel's root
    kind: str  # "sdist" or "wheel"


def _matches(filename: str, name: str, version: str) -> str | None:
    """ "sdist" or "wheel" if `filename` is a release file of name==version, else None."""
    found = index.release_kind(filename)
    wanted = (canonicalize_name(name), canonicalize_version(version))
    return found[0] if found is not None and found[1:] == wanted else None


def _pick(candidates: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The sdist if there is one, else a pure-Python wheel, else any wheel."""
    ranked = sorted(
        candidates,
        key=lambda c: (c[1] != "sdist", not c[0].endswith("-none-any.whl"), c[0]),
    )
    return ranked[0] if ranked else None


def _from_folder(folder: Path, name: str, version: str) -> tuple[Path, str] | None:
    candidates = [
        (entry.name, kind)
        for entry in folder.iterdir()
        if entry.is_file() and (kind := _matches(entry.name, name, version))
    ]
    picked = _pick(candidates)
    return (folder / picked[0], picked[1]) if picked else None


def _from_index(index_url: str, name: str, version: str, into: Path) -> tuple[Path, str]:
    """From a simple index (PEP 691 JSON or PEP 503 HTML), as the prepare step reads it: the
    release's files, yanked ones left out, the chosen one checked against the index's SHA-256."""
    try:
        files = index.release_files(index.Sources((index_url,)), f"{name}=={version}")
    except index.NoSuchRelease as exc:
        raise VersionNotFound(str(exc)) from None
    except index.IndexUnreachable as exc:
        raise SourceUnavailable(str(exc)) from None
    picked = _pick([(f.filename, f.kind) for f in files])
    assert picked is not None  # release_files returns at least one file
    chosen = next(f for f in files if f.filename == picked[0])
    try:
        return index.download(chosen, into).path, chosen.kind
    except index.IndexUnreachable as exc:
        raise SourceUnavailable(str(exc)) from None


def _root(unpacked: Path, kind: str) -> Path:
    """An sdist has one top folder (name-version/); the project's root is inside it."""
    if kind == "sdist":
        entries = list(unpacked.iterdir())
        if len(entries) == 1 and entries[0].is_dir():
            return entries[0]
    return unpacked


def fetch_pypi_source(
    cache: Path,
    name: str,
    version: str,
    *,
    local_index: Path | None = None,
    index_url: str | None = PYPI_SIMPLE,
) -> SourceTree:
    """The unpacked source of name==version, from the cache, the local folder, or the index."""
    key = f"{canonicalize_name(name)}/{canonicalize_version(version)}"
    folder = cache / "pypi" / key
    done = folder / "complete.json"
    if done.is_file():
        meta = json.loads(done.read_text())
        return SourceTree(
            name, version, folder / meta["archive"], folder / meta["root"], meta["kind"]
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Work in a private folder and move it in whole, so a crash leaves no half-made entry and
    # two workers fetching the same version do not trip over each other.
    work = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".fetch-"))
    try:
        found = _from_folder(local_index, name, version) if local_index else None
        if found is not None:
            archive = work / found[0].name
            shutil.copyfile(found[0], archive)
            kind = found[1]
        elif index_url is not None:
            archive, kind = _from_index(index_url, name, version, work)
        else:
            raise VersionNotFound(f"{name} {version} is not in {local_index}")
        unpack(archive, work / "tree")
        root = _root(work / "tree", kind)
        meta = {"archive": archive.name, "root": str(root.relative_to(work)), "kind": kind}
        (work / "complete.json").write_text(json.dumps(meta))
        try:
            work.rename(folder)
        except OSError:
            if not done.is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return fetch_pypi_source(cache, name, version)
