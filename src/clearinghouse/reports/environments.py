"""Python environments for validation: a wheelhouse per target (trusted), a venv built from it
in the sandbox once (untrusted side, offline), then shown read-only to every PoC run.

1. **Wheelhouse** (trusted): `sandbox.prepare` downloads the wheels of the exact pins
   (`name==version` of the target and the PoC's declared dependencies) with
   `pip download --only-binary=:all:`; wheels are unpacked later, never executed here. A pin
   released only as an sdist gets its sdist file, its build requirements and its static
   dependencies instead: its code runs only in step 2.
2. **Environment** (in the sandbox, no network): `python3 -m venv --without-pip`, then Debian's
   pip installs from the read-only wheelhouse with `--no-index` into a folder bind-mounted
   writable for that one run (building any sdist there, isolated, from the wheelhouse's
   setuptools). The run also lists what got installed.
3. The trusted side takes the folder over (owner root, nothing followed) and moves it into
   place whole, keyed like the wheelhouse. Every PoC run of that target mounts it read-only at
   `/env`: a PoC cannot change what the next run (or the fixed version's run) sees, and the
   install is paid once per target version instead of once per run.

An sdist that fails to build on its own (no sandbox limit reached) is remembered under
`failed-builds/`, keyed by everything the build depends on, so the next report on it is
answered at once instead of by another build of up to the wall-time limit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from clearinghouse.sandbox import prepare
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import Limits, RunRequest, SandboxError

ENV_MOUNT = "/env"
VENV = f"{ENV_MOUNT}/venv"
PATH = f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin"
_INSTALLED = "installed.json"
_COMPLETE = "complete.json"
FAILED_BUILDS = "failed-builds"  # below the sandbox folder: sdist builds that failed on their own
BUILD_LIMITS = Limits(
    wall_seconds=600, cpu_seconds=600, memory_bytes=1024 * 2**20, processes=64, cpus=1.0
)
# Runs inside the sandbox: what the environment holds, for the evidence.
_LIST_INSTALLED = (
    "import importlib.metadata as m, json, platform; "
    "print(json.dumps({'python': platform.python_version(), 'packages': sorted("
    "[d.metadata['Name'], d.version] for d in m.distributions())}))"
)
_BUILD_SCRIPT = (
    "set -e; "
    f"/usr/bin/python3 -m venv --without-pip {VENV}; "
    f"/usr/bin/python3 -m pip --python {VENV}/bin/python install --quiet --no-index "
    "--no-cache-dir --disable-pip-version-check --find-links /wheelhouse "
    f"-r /wheelhouse/{prepare.REQUIREMENTS_FILE} >&2; "
    f'{VENV}/bin/python -I -c "{_LIST_INSTALLED}" > {ENV_MOUNT}/{_INSTALLED}'
)


class BuildFailed(SandboxError):
    """The environment could not be built (infrastructure: retried, never the finder's fault)."""


class SdistBuildFailed(BuildFailed):
    """A release published only as an sdist did not build offline in the sandbox, and no limit
    of ours stopped it: the package's problem (a build that needs the network, a compiler, or
    code it does not declare)."""

    def __init__(self, message: str, log: bytes) -> None:
        super().__init__(message)
        self.log = log


def build_error(stderr: str) -> str:
    """The gist of pip's report of a failed build: what failed, and the end of its output."""
    # pip frames it with box-drawing characters and a multiplication sign: left off.
    lines = [line.strip().lstrip("\u2502\u2570\u2500>\u00d7 ") for line in stderr.splitlines()]
    failed = next((line for line in lines if "did not run successfully" in line), "")
    if "[end of output]" in lines:
        end = lines.index("[end of output]")
        start = max(
            (i for i, line in enumerate(lines[:end]) if line.endswith("lines of output]")),
            default=end - 4,
        )
        output = [line for line in lines[start + 1 : end][-4:] if line]
    else:
        output = [line for line in lines[-6:] if line]
    return " / ".join([failed, *output] if failed else output)[-1500:]


@dataclass(frozen=True)
class Environment:
    """A ready environment: where it is, what it holds, and what making it cost."""

    key: str
    path: Path  # on the host; mounted read-only at ENV_MOUNT
    pins: tuple[str, ...]
    python: str
    packages: tuple[tuple[str, str], ...]  # (name, version) installed
    distributions: dict[str, str]  # wheel or sdist file name → sha256
    prepare_seconds: float  # the wheelhouse (0 when cached)
    install_seconds: float  # the venv built in the sandbox (0 when cached)
    cached: bool
    built_from_sdist: tuple[dict[str, Any], ...] = ()  # what `prepare` fetched as an sdist

    def evidence(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "requirements": list(self.pins),
            "python": self.python,
            "installed": [{"name": n, "version": v} for n, v in self.packages],
            "distributions": [
                {"file": name, "sha256": digest}
                for name, digest in sorted(self.distributions.items())
            ],
            "built_from_sdist": [
                {**entry, "built": "in the sandbox, offline"} for entry in self.built_from_sdist
            ],
            "cached": self.cached,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _failure_key(python: str, distributions: dict[str, str], limits: Limits) -> str:
    """What decides how an offline build ends: every file in the wheelhouse (by digest), the
    sandbox's Python, the build script and its limits."""
    text = json.dumps(
        {
            "python": python,
            "distributions": sorted(distributions.items()),
            "script": _BUILD_SCRIPT,
            "limits": asdict(limits),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _known_failure(folder: Path, key: str) -> SdistBuildFailed | None:
    """The failure recorded for this build, if any (an unreadable record counts as none)."""
    try:
        record = json.loads((folder / f"{key}.json").read_text())
        message = f"{record['message']} (the same build failed before; not run again)"
        return SdistBuildFailed(message, base64.b64decode(record["log"], validate=True))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record_failure(folder: Path, key: str, failure: SdistBuildFailed) -> None:
    """Kept on the trusted side (the build run never sees the folder), written whole."""
    record = {"message": str(failure), "log": base64.b64encode(failure.log).decode()}
    partial = folder / f".{key}-{uuid.uuid4().hex}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        partial.write_text(json.dumps(record))
        partial.replace(folder / f"{key}.json")
    except OSError:
        partial.unlink(missing_ok=True)  # only the shortcut is lost; the verdict stands


def _take_over(folder: Path) -> None:
    """Make the built folder root's and read-only for others, following no link."""
    for current, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            path = Path(current) / name
            os.lchown(path, 0, 0)
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    os.lchown(folder, 0, 0)
    folder.chmod(0o755)


def _write_new(path: Path, data: bytes) -> None:
    """Create a file the build run could have planted a link at: never follow, never replace.
    (Code ran in that folder: a wheel's .pth file runs when the listing starts Python.)"""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise BuildFailed(f"the environment build left {path.name} behind: {exc}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load(path: Path, key: str, pins: tuple[str, ...]) -> Environment:
    meta = json.loads((path / _COMPLETE).read_text())
    return Environment(
        key=key,
        path=path,
        pins=pins,
        python=str(meta["python"]),
        packages=tuple((str(n), str(v)) for n, v in meta["packages"]),
        distributions={str(k): str(v) for k, v in meta["distributions"].items()},
        built_from_sdist=tuple(meta.get("built_from_sdist", ())),
        prepare_seconds=0.0,
        install_seconds=0.0,
        cached=True,
    )


def environment(
    box: BubblewrapSandbox,
    requirements: Sequence[str],
    *,
    timeout: float = 600,
    limits: Limits = BUILD_LIMITS,
) -> Environment:
    """The environment for these exact pins: from the cache, or prepared and built now.

    Raises `prepare.PrepareError` or `index.IndexUnreachable` when the wheels cannot be fetched,
    `index.NoSuchRelease` for a pin the index does not have, `InvalidRequest` for a requirement
    that is not an exact pin, `sdist.SdistUnusable` for an sdist that cannot be built offline as
    published, `SdistBuildFailed` when building one in the sandbox fails on its own,
    `BuildFailed` when the rest of the build fails or a sandbox limit stops it (`limits`: the
    build run's).
    """
    pins = prepare.normalize(requirements)
    python = prepare.sandbox_python_version()
    key = prepare.wheelhouse_key(pins, python)
    root = box.root / "environments"
    final = root / key
    if (final / _COMPLETE).is_file():
        return _load(final, key, pins)
    started = time.monotonic()
    wheelhouse = prepare.prepare_wheelhouse(box.root / "wheelhouse", pins, timeout=timeout)
    prepared = time.monotonic()
    sdists = prepare.built_from_sdist(wheelhouse)
    distributions = {p.name: _sha256(p) for p in sorted(wheelhouse.glob("*.whl"))}
    # An sdist's digest was taken (and checked against the index's) when it was fetched.
    distributions |= {str(e["file"]): str(e["sha256"]) for e in sdists}
    # An sdist that failed to build on its own fails the same way again: say so at once
    # rather than spend up to the wall-time limit on it for every report.
    failures, failure_key = box.root / FAILED_BUILDS, _failure_key(python, distributions, limits)
    known = _known_failure(failures, failure_key) if sdists else None
    if known is not None:
        raise known
    box.prepare_root()
    root.mkdir(mode=0o711, exist_ok=True)
    build = root / f".build-{uuid.uuid4().hex}"
    build.mkdir(mode=0o700)
    try:
        os.chown(build, 65534, 65534)
        result = box.run(
            RunRequest(command=("/bin/sh", "-c", _BUILD_SCRIPT), limits=limits),
            wheelhouse=wheelhouse,
            writable_binds=[(build, ENV_MOUNT)],
        )
        if not result.ok:
            tail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
            how = f"exit {result.exit_code}, limit {result.limit}"
            # Stopped by a limit of ours (time, memory, processes): worth retrying, and no
            # proof that the sdist itself is broken.
            stopped = result.limit is not None or result.process_limit_hit
            if result.process_limit_hit:
                how += ", process limit hit"
            if sdists and not stopped:
                built = ", ".join(str(e["requirement"]) for e in sdists)
                failure = SdistBuildFailed(
                    f"the sdist of {built} did not build offline in the sandbox ({how}): "
                    + build_error(result.stderr.decode(errors="replace")),
                    result.stderr,
                )
                _record_failure(failures, failure_key, failure)
                raise failure
            raise BuildFailed(
                f"installing {', '.join(pins)} in the sandbox failed ({how}): {' / '.join(tail)}"
            )
        _take_over(build)
        listing = build / _INSTALLED
        if listing.is_symlink() or not listing.is_file() or listing.stat().st_size > 2**20:
            raise BuildFailed("the environment build left no list of installed packages")
        installed = json.loads(listing.read_text())
        meta = {
            "python": str(installed["python"]),
            "packages": [[str(n), str(v)] for n, v in installed["packages"]],
            "distributions": distributions,
            "built_from_sdist": sdists,
        }
        _write_new(build / _COMPLETE, json.dumps(meta).encode())
        try:
            build.rename(final)
        except OSError:
            # Another worker built the same environment first; theirs is as good as ours.
            if not (final / _COMPLETE).is_file():
                raise
    except (ValueError, KeyError, TypeError) as exc:
        raise BuildFailed(f"the environment build's listing is unreadable: {exc}") from exc
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return replace(
        _load(final, key, pins),
        prepare_seconds=round(prepared - started, 4),
        install_seconds=round(time.monotonic() - prepared, 4),
        cached=False,
    )
