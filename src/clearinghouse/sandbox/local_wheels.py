"""A wheelhouse made from a local folder of wheels, for machines with no network (the demo).

The result is exactly what `prepare.prepare_wheelhouse` would have made: the same cache key,
the same files, made in a partial folder and renamed into place whole, so validation finds it
ready and never asks an index. pip picks the wheels (`--no-index --find-links FOLDER`): the same
resolver, tags and dependency checks as the download path, with no configuration of this machine
mixed in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from clearinghouse.sandbox import prepare
from clearinghouse.sandbox.prepare import REQUIREMENTS_FILE, PrepareError


def fill_wheelhouse(
    cache: Path,
    requirements: Sequence[str],
    folder: Path,
    *,
    python_version: str | None = None,
    timeout: float = 120,
) -> Path:
    """The wheelhouse for these pins in `cache`, taken from `folder` if it is not there yet.

    PrepareError when the folder lacks a wheel a pin (or its dependencies) needs; InvalidRequest
    for a requirement that is not an exact pin. Nothing half-made is ever left in the cache.
    """
    pins = prepare.normalize(requirements)
    version = python_version or prepare.sandbox_python_version()
    target = cache / prepare.wheelhouse_key(pins, version)
    if (target / REQUIREMENTS_FILE).is_file():
        return target
    if not folder.is_dir():
        raise PrepareError(f"no folder of wheels at {folder}")

    def fill(partial: Path) -> Sequence[str]:
        _copy(folder, partial, pins, version, timeout)
        return pins

    return prepare.publish_wheelhouse(cache, target, fill)


def _copy(
    folder: Path, destination: Path, pins: Sequence[str], version: str, timeout: float
) -> None:
    command = [
        sys.executable, "-m", "pip", "--isolated", "download",
        "--no-index", "--find-links", str(folder),
        "--only-binary=:all:", "--no-input", "--disable-pip-version-check", "--quiet",
        "--python-version", version, "--implementation", "cp",
        "--dest", str(destination), "--", *pins,
    ]  # fmt: skip
    # --isolated drops PIP_* variables; a null config file drops pip.conf (extra indexes,
    # find-links, constraints): only the folder counts.
    environment = {**os.environ, "PIP_CONFIG_FILE": os.devnull}
    try:
        done = subprocess.run(  # noqa: S603 (validated pins, no shell)
            command, capture_output=True, text=True, check=False, timeout=timeout, env=environment
        )
    except subprocess.TimeoutExpired as exc:
        raise PrepareError(f"taking wheels from {folder} took longer than {timeout:.0f}s") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise PrepareError(f"{folder} lacks wheels for {', '.join(pins)}: {last}")
    prepare.only_wheels(destination)
