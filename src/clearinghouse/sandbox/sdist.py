"""What an sdist needs, read from its files without running any of its code (trusted side).

- **Build requirements**: `[build-system] requires` of its `pyproject.toml` (PEP 518), read with
  `tomllib`; without that table, setuptools and wheel (PEP 517's legacy default). With a
  setuptools backend, `wheel` is added: older setuptools ask for it only when asked to build.
- **Runtime dependencies**, where they are written down statically: `Requires-Dist` in
  `PKG-INFO`, else the `requires.txt` of the sdist's `*.egg-info`, else `[project] dependencies`
  in `pyproject.toml` (when not declared dynamic). Markers are evaluated for the sandbox's
  Python and the pin's extras. What a `setup.py` only computes cannot be known here; the offline
  build then fails in the sandbox and says so.

Members are read from the archive in memory (regular files near the top, size-capped); nothing
is unpacked to disk.
"""

from __future__ import annotations

import tarfile
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from clearinghouse.sandbox.interface import SandboxError

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 2 * 2**20
MAX_SCAN_BYTES = 1024 * 2**20  # decompressed: a .tar.gz must be read through to list it
LEGACY_BUILD_REQUIRES = ("setuptools>=40.8.0", "wheel")


class SdistUnusable(SandboxError):
    """The sdist cannot be built offline as published (the package's problem, not the finder's)."""


@dataclass(frozen=True)
class SdistNeeds:
    build_requires: tuple[str, ...]
    dependencies: tuple[str, ...]
    dependencies_source: str  # where the dependencies were read, or "none found"


def _members(archive: Path, wanted: set[str]) -> dict[str, bytes]:
    """The regular files among `wanted` (paths below the top folder; `*` matches one folder).

    A member whose header says it is larger than MAX_MEMBER_BYTES is refused unread, and no
    read takes more than that: a hostile sdist's huge PKG-INFO never reaches memory."""

    def key(name: str) -> str | None:
        parts = PurePosixPath(name).parts[1:]  # below the single top folder
        if ".." in parts:
            return None
        for pattern in wanted:
            pattern_parts = pattern.split("/")
            if len(parts) == len(pattern_parts) and all(
                p == q or (q.startswith("*") and p.endswith(q[1:]))
                for p, q in zip(parts, pattern_parts, strict=True)
            ):
                return pattern
        return None

    found: dict[str, bytes] = {}
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                for count, info in enumerate(zipped.infolist()):
                    if count >= MAX_MEMBERS:
                        raise SdistUnusable(f"{archive.name}: more than {MAX_MEMBERS} members")
                    hit = key(info.filename)
                    if hit and not info.is_dir() and hit not in found:
                        if info.file_size > MAX_MEMBER_BYTES:
                            raise SdistUnusable(f"{archive.name}: {info.filename} is too large")
                        with zipped.open(info) as stream:  # checks the CRC at the end
                            found[hit] = stream.read(MAX_MEMBER_BYTES)
        else:
            with tarfile.open(archive, mode="r:*") as tarred:
                for count, member in enumerate(tarred):
                    if count >= MAX_MEMBERS:
                        raise SdistUnusable(f"{archive.name}: more than {MAX_MEMBERS} members")
                    if member.offset_data + member.size > MAX_SCAN_BYTES:
                        raise SdistUnusable(f"{archive.name}: more than {MAX_SCAN_BYTES} bytes")
                    hit = key(member.name)
                    if hit and member.isreg() and hit not in found:
                        if member.size > MAX_MEMBER_BYTES:
                            raise SdistUnusable(f"{archive.name}: {member.name} is too large")
                        handle = tarred.extractfile(member)
                        if handle is not None:
                            found[hit] = handle.read(MAX_MEMBER_BYTES)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise SdistUnusable(f"{archive.name} is not a readable archive: {exc}") from None
    return found


def _requirement(text: str, where: str) -> Requirement:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise SdistUnusable(f"{where}: {text!r} is not a requirement: {exc}") from None
    if requirement.url:
        raise SdistUnusable(f"{where}: {text!r} names a URL, which cannot be fetched as a wheel")
    return requirement


def _applicable(
    lines: Iterable[str], where: str, python: str, extras: Sequence[str]
) -> tuple[str, ...]:
    """The requirements whose markers hold in the sandbox, without their markers."""
    environment: dict[str, str] = {
        **{key: str(value) for key, value in default_environment().items()},
        "python_version": python,
        "python_full_version": f"{python}.0",
    }
    kept: list[str] = []
    for line in lines:
        requirement = _requirement(line, where)
        marker = requirement.marker
        if marker is not None and not any(
            marker.evaluate({**environment, "extra": extra}) for extra in ("", *extras)
        ):
            continue
        requirement.marker = None
        kept.append(str(requirement))
    return tuple(dict.fromkeys(kept))


def _requires_txt(text: str) -> list[str]:
    """setuptools' egg-info requires.txt: plain lines, then `[extra:marker]` sections."""
    lines: list[str] = []
    extra = marker = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            continue
        conditions = [f"({marker})"] if marker else []
        if extra:
            conditions.append(f'extra == "{extra}"')
        lines.append(f"{line}; {' and '.join(conditions)}" if conditions else line)
    return lines


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def read_needs(archive: Path, python: str, extras: Sequence[str] = ()) -> SdistNeeds:
    """The build requirements and the static runtime dependencies of this sdist."""
    files = _members(archive, {"PKG-INFO", "pyproject.toml", "*.egg-info/requires.txt"})
    project: dict[str, object] = {}
    build_requires: tuple[str, ...] = LEGACY_BUILD_REQUIRES
    if "pyproject.toml" in files:
        text = _text(files["pyproject.toml"])
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SdistUnusable(f"{archive.name}: pyproject.toml does not parse: {exc}") from None
        system = document.get("build-system")
        if isinstance(system, dict) and "requires" in system:
            requires = system["requires"]
            if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
                raise SdistUnusable(f"{archive.name}: [build-system] requires is not a list")
            build_requires = tuple(requires)
            backend = str(system.get("build-backend", "setuptools.build_meta:__legacy__"))
            if backend.startswith("setuptools."):
                build_requires = (*build_requires, "wheel")
        table = document.get("project")
        project = table if isinstance(table, dict) else {}
    builds = _applicable(build_requires, f"{archive.name} build requirements", python, ())

    where = f"{archive.name} dependencies"
    if "PKG-INFO" in files:
        headers = HeaderParser().parsestr(_text(files["PKG-INFO"]))
        declared = headers.get_all("Requires-Dist") or []
        dynamic = {d.lower() for d in headers.get_all("Dynamic") or []}
        if declared and "requires-dist" not in dynamic:
            return SdistNeeds(
                builds, _applicable(declared, where, python, extras), "PKG-INFO Requires-Dist"
            )
    if "*.egg-info/requires.txt" in files:
        text = _text(files["*.egg-info/requires.txt"])
        lines = _applicable(_requires_txt(text), where, python, extras)
        return SdistNeeds(builds, lines, "egg-info requires.txt")
    dependencies = project.get("dependencies")
    dynamic_fields = project.get("dynamic")
    listed_dynamic = dynamic_fields if isinstance(dynamic_fields, list) else []
    if isinstance(dependencies, list) and "dependencies" not in listed_dynamic:
        listed = [str(d) for d in dependencies]
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, extra_deps in optional.items():
                for dependency in extra_deps if isinstance(extra_deps, list) else ():
                    requirement, _, marker = str(dependency).partition(";")
                    condition = f'({marker}) and extra == "{extra}"' if marker.strip() else ""
                    listed.append(f"{requirement}; {condition or f'extra == {extra!r}'}")
        return SdistNeeds(
            builds, _applicable(listed, where, python, extras), "pyproject.toml [project]"
        )
    return SdistNeeds(builds, (), "none found")
