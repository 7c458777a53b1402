"""Fetching the released source of a cited package version, for grounding (trusted side).

The archive is found in a local folder of archives first (`CLEARINGHOUSE_SOURCE_INDEX`: offline
installations and the tests), else on a PEP 691 simple index (PyPI's by default), and checked
against the SHA-256 the index publishes. The sdist is preferred; a wheel is used when there is none.

We do not call `pip download` here: for an sdist pip prepares the package's metadata, which runs
its build backend (`setup.py`) on this machine. Nothing fetched here is built or executed.
Archives and their unpacked trees are cached under the data dir, keyed by name and version.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from clearinghouse.reports.unpacking import unpack

PYPI_SIMPLE = "https://pypi.org/simple"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
MAX_ARCHIVE_BYTES = 100 * 2**20
TIMEOUT_SECONDS = 60


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
    wanted = (canonicalize_name(name), canonicalize_version(version))
    try:
        if filename.endswith(".whl"):
            wheel_name, wheel_version, _, _ = parse_wheel_filename(filename)
            found = (wheel_name, canonicalize_version(wheel_version))
            return "wheel" if found == wanted else None
        if filename.endswith((".tar.gz", ".zip")):
            sdist_name, sdist_version = parse_sdist_filename(filename)
            found = (sdist_name, canonicalize_version(sdist_version))
            return "sdist" if found == wanted else None
    except (InvalidSdistFilename, InvalidWheelFilename):
        return None
    return None


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


def _get(url: str, accept: str = "*/*") -> bytes:
    if not url.startswith("https://"):
        raise SourceUnavailable(f"refusing to fetch {url!r}: only https URLs are followed")
    request = urllib.request.Request(  # noqa: S310 (https only, checked above)
        url, headers={"User-Agent": "clearinghouse-grounding", "Accept": accept}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        data: bytes = response.read(MAX_ARCHIVE_BYTES + 1)
    if len(data) > MAX_ARCHIVE_BYTES:
        raise SourceUnavailable(f"{url}: larger than {MAX_ARCHIVE_BYTES} bytes")
    return data


def _from_index(index_url: str, name: str, version: str, into: Path) -> tuple[Path, str]:
    """From a PEP 691 simple index (JSON): the release's files, their SHA-256, yanked marks."""
    url = f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"
    try:
        project: dict[str, Any] = json.loads(_get(url, SIMPLE_JSON))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise VersionNotFound(f"the index has no project {name}") from None
        raise SourceUnavailable(f"the index answered {exc.code} for {name}") from None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
        raise SourceUnavailable(f"cannot read the index for {name}: {exc}") from None
    files = {
        f["filename"]: f
        for f in project.get("files", [])
        if isinstance(f, dict) and isinstance(f.get("filename"), str) and not f.get("yanked")
    }
    candidates = [(n, k) for n in files if (k := _matches(n, name, version))]
    picked = _pick(candidates)
    if picked is None:
        raise VersionNotFound(f"the index has no sdist or wheel of {name} {version}")
    entry = files[picked[0]]
    expected = entry.get("hashes", {}).get("sha256")
    if not expected:
        raise SourceUnavailable(f"{picked[0]}: the index gives no SHA-256 to check it against")
    try:
        data = _get(entry["url"])
    except (urllib.error.URLError, TimeoutError) as exc:
        raise SourceUnavailable(f"cannot download {picked[0]}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise SourceUnavailable(f"{picked[0]}: SHA-256 differs from the index's")
    target = into / picked[0]
    target.write_bytes(data)
    return target, picked[1]


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
