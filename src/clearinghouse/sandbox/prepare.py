"""The trusted *prepare* step: fetch the wheels a Python target needs, before the untrusted run.

Only wheels (`--only-binary=:all:`): a wheel is unpacked, never executed, while an sdist would run
its setup.py on the trusted side. Requirements must be exact pins (`name==version`, extras
allowed); URLs, paths, VCS links and options are refused. The result is cached by a hash of the
normalized requirements and the target Python, and handed to the run read-only at /wheelhouse,
where the run builds its venv with `pip install --no-index --find-links /wheelhouse`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from clearinghouse.sandbox.interface import InvalidRequest, SandboxError

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?P<extras>\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?"
    r"==(?P<version>[A-Za-z0-9][A-Za-z0-9.!+_-]*)$"
)
REQUIREMENTS_FILE = "requirements.txt"


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
    cache.mkdir(mode=0o711, parents=True, exist_ok=True)
    cache.chmod(0o711)
    partial = cache / f".partial-{uuid.uuid4().hex}"
    partial.mkdir(mode=0o755)
    try:
        _download(partial, pins, version, timeout)
        (partial / REQUIREMENTS_FILE).write_text("\n".join(pins) + "\n")
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
    strays = [p.name for p in destination.iterdir() if p.suffix != ".whl"]
    if strays:
        raise PrepareError(f"pip left files that are not wheels: {', '.join(strays)}")


def venv_command(command: Sequence[str], venv: str = "/tmp/venv") -> tuple[str, ...]:  # noqa: S108
    """Wrap a command so that, inside the sandbox and offline, it first builds its venv."""
    script = (
        f"/usr/bin/python3 -m venv {venv} && "
        f"{venv}/bin/pip install --quiet --no-index --no-cache-dir --disable-pip-version-check "
        f"--find-links /wheelhouse -r /wheelhouse/{REQUIREMENTS_FILE} >&2 && "
        f'PATH={venv}/bin:$PATH exec "$@"'
    )
    return ("/bin/sh", "-c", script, "sh", *command)
