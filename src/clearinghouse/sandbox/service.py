"""What the rest of the app calls: prepare (trusted) → run (untrusted) → record (trusted).

Validation of reports and the frontier benchmark never start untrusted code any other way. Every
entry point fails closed: if the host lacks a required isolation feature, `SandboxUnavailable`
is raised before anything is fetched or run, and its message says what to install.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from clearinghouse.config import Settings
from clearinghouse.sandbox import prepare, session, stale
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import (
    Artifact,
    HostReport,
    RunRequest,
    RunResult,
    SandboxError,
)
from clearinghouse.sandbox.session import SampleSandbox, SessionRequest


@functools.lru_cache(maxsize=8)
def _sandbox_at(root: Path) -> BubblewrapSandbox:
    # One instance per folder, so the host check runs once per process, not once per run.
    return BubblewrapSandbox(root)


def sandbox(settings: Settings) -> BubblewrapSandbox:
    return _sandbox_at(settings.sandbox_dir.resolve())


def check(settings: Settings) -> HostReport:
    return sandbox(settings).check()


def prepare_python(settings: Settings, requirements: Sequence[str]) -> Path:
    """Trusted: the wheelhouse for a Python target (pins only, wheels only, cached)."""
    return prepare.prepare_wheelhouse(settings.sandbox_dir.resolve() / "wheelhouse", requirements)


def run(settings: Settings, request: RunRequest, *, requirements: Sequence[str] = ()) -> RunResult:
    """Prepare, run untrusted, record. With requirements, the command runs in a venv built
    offline inside the sandbox from the prepared wheelhouse."""
    box = sandbox(settings)
    box.require_usable()
    wheelhouse = None
    if requirements:
        wheelhouse = prepare_python(settings, requirements)
        request = replace(request, command=prepare.venv_command(request.command))
    return record(box, box.run(request, wheelhouse=wheelhouse))


def record(box: BubblewrapSandbox, result: RunResult) -> RunResult:
    """Trusted: check what came back before anyone stores it.

    The artifacts must be regular files inside this run's results folder, of the size and digest
    reported; anything else means the record step itself went wrong, and nothing is returned.
    """
    results = (box.root / "results" / result.run_id).resolve()
    for artifact in result.artifacts:
        _verify(results, artifact)
    return result


def _verify(results: Path, artifact: Artifact) -> None:
    stored = Path(artifact.stored_at)
    if stored.is_symlink() or not stored.resolve().is_relative_to(results):
        raise SandboxError(f"artifact {artifact.path} is stored outside {results}")
    data = stored.read_bytes()
    if len(data) != artifact.size or hashlib.sha256(data).hexdigest() != artifact.sha256:
        raise SandboxError(f"artifact {artifact.path} does not match its record")


def release(settings: Settings, result: RunResult) -> None:
    """Delete a run's copied artifacts once the caller has stored what it needs."""
    results = sandbox(settings).root / "results"
    target = results / result.run_id
    if target.parent == results and target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def open_sample(
    settings: Settings, agent: SessionRequest, services: SessionRequest | None = None
) -> SampleSandbox:
    """Start a long-lived sample environment (an agent sandbox, optionally a services sandbox
    sharing its network); the caller must `close()` it."""
    return session.open_sample(sandbox(settings), agent, services)


def sweep(settings: Settings) -> stale.SweepReport:
    """Clear the runs of processes that died without cleaning up (see `stale`)."""
    return stale.sweep(sandbox(settings).root)
