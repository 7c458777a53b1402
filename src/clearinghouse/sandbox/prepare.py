"""The trusted *prepare* step: fetch what a Python target needs, before the untrusted run.

Wheels (`pip download --only-binary=:all:`): a wheel is unpacked, never executed. Each pin is
first looked up on the indexes pip is configured with (`index.py`): a pin the index does not
have raises `index.NoSuchRelease`, an index that cannot be asked `index.IndexUnreachable`.

A pinned release with no wheel for the sandbox's Python but an sdist is **built in the
sandbox**, never here: its sdist file is fetched from the index itself (checked against the
index's SHA-256) rather than by `pip download`, which would run its build backend to learn its
metadata. Its build requirements and static runtime dependencies are read from its files
(`sdist.py`) and fetched as wheels; `sdists.json` records what is to be built.

Requirements must be exact pins (`name==version`, extras allowed); URLs, paths, VCS links and
options are refused. The result is cached by a hash of the normalized requirements and the target
Python, and handed to the run read-only at /wheelhouse, where the run builds its venv with
`pip install --no-index --find-links /wheelhouse` (an sdist with build isolation, offline).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from clearinghouse.sandbox import index, sdist
from clearinghouse.sandbox.interface import InvalidRequest, SandboxError

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?P<extras>\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?"
    r"==(?P<version>[A-Za-z0-9][A-Za-z0-9.!+_-]*)$"
)
REQUIREMENTS_FILE = "requirements.txt"
SDISTS_FILE = "sdists.json"


class PrepareError(SandboxError):
    """The wheelhouse could not be made (no such version, no wheel for this Python, no network)."""


def normalize(requirements: Sequence[str]) -> tuple[str, ...]:
    """Exact pins, canonical names (PEP 503), sorted; InvalidRequest for anything else."""
    pins: set[str] = set()
    for requirement in requirements:
        match = _PIN.match(requirement.strip())
        if match is None:
            raise InvalidRequest(
                f"requirement {requirement!r}: only exact pins like name==1.2.3 are allowed"
            )
        name = re.sub(r"[-_.]+", "-", match["name"]).lower()
        pins.add(f"{name}{(match['extras'] or '').lower()}=={match['version']}")
    if not pins:
        raise InvalidRequest("no requirements given")
    return tuple(sorted(pins))


@functools.lru_cache(maxsize=1)
def sandbox_python_version(python: str = "/usr/bin/python3") -> str:
    """major.minor of the interpreter the sandbox uses (the system one: trusted, not submitted)."""
    probe = subprocess.run(  # noqa: S603 (fixed argv)
        [python, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if probe.returncode != 0:
        raise PrepareError(f"cannot ask {python} for its version: {probe.stderr.strip()}")
    return probe.stdout.strip()


def wheelhouse_key(pins: Sequence[str], python_version: str) -> str:
    text = "\n".join([f"python=={python_version}", *pins])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def prepare_wheelhouse(
    cache: Path,
    requirements: Sequence[str],
    *,
    python_version: str | None = None,
    timeout: float = 600,
) -> Path:
    """The folder of wheels for these requirements, downloaded once and then reused."""
    pins = normalize(requirements)
    version = python_version or sandbox_python_version()
    target = cache / wheelhouse_key(pins, version)
    if (target / REQUIREMENTS_FILE).is_file():
        return target
    return publish_wheelhouse(cache, target, lambda partial: _fill(partial, pins, version, timeout))


def publish_wheelhouse(cache: Path, target: Path, fill: Callable[[Path], Sequence[str]]) -> Path:
    """`target` made whole or not at all: `fill` puts the wheels in a partial folder and returns
    the requirements file's lines; the folder is then renamed into place."""
    cache.mkdir(mode=0o711, parents=True, exist_ok=True)
    cache.chmod(0o711)
    partial = cache / f".partial-{uuid.uuid4().hex}"
    partial.mkdir(mode=0o755)
    try:
        requirements_lines = fill(partial)
        (partial / REQUIREMENTS_FILE).write_text("\n".join(requirements_lines) + "\n")
        for path in partial.iterdir():
            path.chmod(0o644)  # the run reads them as uid 65534
        try:
            partial.rename(target)
        except OSError:
            # Another process finished the same wheelhouse first; theirs is as good as ours.
            if not (target / REQUIREMENTS_FILE).is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _fill(destination: Path, pins: Sequence[str], version: str, timeout: float) -> list[str]:
    """Fetch everything the pins need into `destination`; the lines of its requirements file."""
    sources = index.configured_sources()
    releases = {pin: index.release_files(sources, pin) for pin in pins}
    supported = _supported_tags(version)
    from_sdist = [pin for pin in pins if not _has_wheel(releases[pin], supported)]
    fetched = destination / ".sdists"
    sdists = _fetch_sdists(fetched, from_sdist, releases, version) if from_sdist else []
    built = _names(from_sdist)
    runtime = [
        dependency
        for entry in sdists
        for dependency in entry.needs.dependencies
        if canonicalize_name(Requirement(dependency).name) not in built
    ]
    wheel_pins = [pin for pin in pins if pin not in from_sdist]
    if wheel_pins or runtime:
        _download(destination, [*wheel_pins, *dict.fromkeys(runtime)], version, timeout)
    # The run installs exactly what was resolved here, not whatever the build wheels add.
    resolved = sorted(_wheel_pin(p.name) for p in destination.glob("*.whl"))
    for entry in sdists:  # one by one: two sdists may want different setuptools
        if entry.needs.build_requires:
            _download(destination, entry.needs.build_requires, version, timeout)
    only_wheels(destination)
    if not sdists:
        return list(pins)
    for archive in fetched.iterdir():
        archive.rename(destination / archive.name)
    fetched.rmdir()
    manifest = [entry.manifest() for entry in sdists]
    (destination / SDISTS_FILE).write_text(json.dumps(manifest, indent=1))
    return [*pins, *(r for r in resolved if r.split("==")[0] not in _names(pins))]


@dataclass(frozen=True)
class _Sdist:
    """A release fetched as an sdist, to be built in the sandbox: what `sdists.json` says."""

    pin: str
    file: str
    sha256: str  # taken when it was fetched, and checked against the index's
    source: str
    needs: sdist.SdistNeeds

    def manifest(self) -> dict[str, object]:
        return {
            "requirement": self.pin,
            "file": self.file,
            "sha256": self.sha256,
            "source": self.source,
            "build_requires": list(self.needs.build_requires),
            "dependencies": list(self.needs.dependencies),
            "dependencies_from": self.needs.dependencies_source,
        }


def _fetch_sdists(
    folder: Path,
    pins: Sequence[str],
    releases: dict[str, list[index.ReleaseFile]],
    version: str,
) -> list[_Sdist]:
    """Each pin's sdist, fetched into `folder` (a .tar.gz rather than a .zip) and read."""
    folder.mkdir()
    fetched: list[_Sdist] = []
    for pin in pins:
        candidates = sorted(
            (f for f in releases[pin] if f.kind == "sdist"),
            key=lambda f: (not f.filename.endswith(".tar.gz"), f.filename),
        )
        if not candidates:
            raise PrepareError(f"{pin} has neither a wheel for Python {version} nor an sdist")
        downloaded = index.download(candidates[0], folder)
        try:
            needs = sdist.read_needs(downloaded.path, version, sorted(Requirement(pin).extras))
        except sdist.SdistUnusable as exc:
            message = f"the sdist of {pin} cannot be built offline: {exc}"
            raise sdist.SdistUnusable(message) from None
        path, source = downloaded.path, candidates[0].index
        fetched.append(_Sdist(pin, path.name, downloaded.sha256, source, needs))
    return fetched


def _names(pins: Sequence[str]) -> set[str]:
    return {canonicalize_name(Requirement(pin).name) for pin in pins}


def _wheel_pin(filename: str) -> str:
    name, version, _, _ = parse_wheel_filename(filename)
    return f"{name}=={version}"


def _supported_tags(python_version: str) -> set[tags.Tag]:
    """The wheel tags `pip download --python-version X --implementation cp` accepts here."""
    major, minor = (int(part) for part in python_version.split(".")[:2])
    return {*tags.cpython_tags((major, minor)), *tags.compatible_tags((major, minor))}


def _has_wheel(files: Sequence[index.ReleaseFile], supported: set[tags.Tag]) -> bool:
    wheels = [parse_wheel_filename(f.filename)[3] for f in files if f.kind == "wheel"]
    return any(not supported.isdisjoint(wheel_tags) for wheel_tags in wheels)


def only_wheels(destination: Path) -> None:
    """PrepareError if pip left anything but wheels in `destination` (folders aside)."""
    strays = [p.name for p in destination.iterdir() if p.is_file() and p.suffix != ".whl"]
    if strays:
        raise PrepareError(f"pip left files that are not wheels: {', '.join(strays)}")


def built_from_sdist(wheelhouse: Path) -> list[dict[str, object]]:
    """What `sdists.json` says the run builds from an sdist ([] for a wheels-only wheelhouse)."""
    manifest = wheelhouse / SDISTS_FILE
    if not manifest.is_file():
        return []
    entries: list[dict[str, object]] = json.loads(manifest.read_text())
    return entries


def _download(destination: Path, pins: Sequence[str], version: str, timeout: float) -> None:
    command = [
        sys.executable, "-m", "pip", "download",
        "--only-binary=:all:", "--no-input", "--disable-pip-version-check", "--quiet",
        "--python-version", version, "--implementation", "cp",
        "--dest", str(destination), "--", *pins,
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 (validated pins, no shell)
            command, capture_output=True, text=True, check=False, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise PrepareError(f"pip download took longer than {timeout:.0f}s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise PrepareError(f"cannot fetch wheels for {', '.join(pins)}: {last}")


def venv_command(command: Sequence[str], venv: str = "/tmp/venv") -> tuple[str, ...]:  # noqa: S108
    """Wrap a command so that, inside the sandbox and offline, it first builds its venv."""
    script = (
        f"/usr/bin/python3 -m venv {venv} && "
        f"{venv}/bin/pip install --quiet --no-index --no-cache-dir --disable-pip-version-check "
        f"--find-links /wheelhouse -r /wheelhouse/{REQUIREMENTS_FILE} >&2 && "
        f'PATH={venv}/bin:$PATH exec "$@"'
    )
    return ("/bin/sh", "-c", script, "sh", *command)
