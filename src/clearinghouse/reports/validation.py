"""Validation: run a grounded report's PoC in the sandbox on the affected and the fixed version.

For each version the PoC is run `runs` times (default 3) in a fresh sandbox with the version's
prepared environment mounted read-only (`environments.py`); each run is read against the
report's oracle (`oracle.py`). The verdict:

- `not_reproduced`: the oracle held in no run on any affected version tried; or it also holds
  on the fixed version *the report itself names* (the PoC shows no difference between vulnerable
  and fixed code: what a PoC feeding absurd input, or a bug that is not one, looks like);
- `reproduced_unfixed`: it holds, and no fixed version is given or known, or it also holds on
  the fix the knowledge base knows (an incomplete fix, or another bug);
- `reproduced`: it holds on an affected version and in no run on the fixed one;
- `invalid`: the PoC cannot be run as written (files that cannot be written, a command that does
  not exist, requirements that are not exact pins, a pin — a dependency, an affected version or
  the report's fixed version — that the index does not have, an output pattern that never
  finishes);
- `error`, returned at once: the target (or a pinned dependency) is published only as an sdist
  and it does not build offline in the sandbox — the package's problem, not the finder's, and
  not worth retrying.

Infrastructure failures (the index unreachable, the sandbox broken) raise `InfrastructureError`;
the job retries them and, in the end, records `error` — never a verdict against the finder.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packageurl import PackageURL
from sqlalchemy.orm import Session

from clearinghouse.knowledge.affected import entries_for_packages
from clearinghouse.knowledge.records import lookup_name
from clearinghouse.knowledge.versions._base import InvalidVersion
from clearinghouse.knowledge.versions.pypi import PyPIVersion
from clearinghouse.knowledge.versions.ranges import InvalidRange, evaluate
from clearinghouse.reports import environments, oracle
from clearinghouse.reports.environments import Environment
from clearinghouse.reports.schemas import PackageTarget, ReportIn, Verdict
from clearinghouse.sandbox import index, prepare, sdist
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import (
    InvalidRequest,
    Limits,
    RunRequest,
    RunResult,
    SandboxError,
)

MiB = 2**20
ARTIFACTS_DIR = "out"


class InfrastructureError(Exception):
    """Validation could not be done now; worth retrying, never the finder's fault."""


class InvalidPoc(Exception):
    """The PoC cannot be run as written: the verdict is `invalid`."""


class Unbuildable(Exception):
    """The package cannot be installed in the sandbox as published: the verdict is `error`, at
    once (an offline build fails the same way every time)."""

    def __init__(self, message: str, log: bytes = b"") -> None:
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class FixedVersion:
    version: str
    source: str  # "report" (the finder names it) or "knowledge base"
    advisories: tuple[str, ...] = ()  # with the knowledge base: the advisories that fix it there


@dataclass(frozen=True)
class Config:
    runs: int = 3
    limits: Limits = field(
        default_factory=lambda: Limits(
            wall_seconds=60,
            cpu_seconds=60,
            memory_bytes=1024 * MiB,
            processes=64,
            output_bytes=1 * MiB,
            disk_bytes=64 * MiB,
            artifact_bytes=0,
            artifact_files=0,
        )
    )
    log_bytes: int = 8 * 1024  # kept per stream and run in the evidence: head and tail
    max_affected_versions: int = 3  # lowest, highest and one between, when more are listed


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str
    evidence: dict[str, Any]


def package_name(report: ReportIn) -> str:
    assert isinstance(report.target, PackageTarget)
    return PackageURL.from_string(report.target.purl).name


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def capped(data: bytes, limit: int) -> str:
    """Text of at most about `limit` bytes: the head and the tail, the middle left out."""
    if len(data) <= limit:
        return data.decode(errors="replace")
    half = limit // 2
    left_out = len(data) - 2 * half
    return (
        data[:half].decode(errors="replace")
        + f"\n… [{left_out} bytes left out] …\n"
        + data[-half:].decode(errors="replace")
    )


def _pick_versions(versions: Sequence[str], most: int) -> list[str]:
    """Every listed version, or the first, the last and ones spread between them."""
    unique = list(dict.fromkeys(versions))
    if len(unique) <= most:
        return unique
    step = (len(unique) - 1) / (most - 1)
    return [unique[round(i * step)] for i in range(most)]


# -- checking the PoC before anything runs ---------------------------------------------------


def check_poc(report: ReportIn, limits: Limits) -> dict[str, bytes]:
    """The PoC's files as the sandbox will get them; InvalidPoc when they cannot be written or
    the command cannot be run as given."""
    poc = report.proof_of_concept
    files = {f.path: f.content.encode() for f in poc.files}
    paths = {PurePosixPath(p) for p in files} | {PurePosixPath(ARTIFACTS_DIR)}
    for path in files:
        parents = set(PurePosixPath(path).parents)
        clash = sorted(str(p) for p in paths if p in parents)
        if clash:
            raise InvalidPoc(f"PoC file {path!r} would have to be inside the file {clash[0]!r}")
        if path == ARTIFACTS_DIR:
            raise InvalidPoc(f"{ARTIFACTS_DIR!r} is reserved for the run's output folder")
    total = sum(len(content) for content in files.values())
    if total > limits.disk_bytes // 2:
        raise InvalidPoc(f"the PoC files ({total} bytes) do not fit in the sandbox's work dir")
    try:
        RunRequest(command=tuple(poc.command), files=files, limits=limits)
        if poc.environment.dependencies:
            prepare.normalize(poc.environment.dependencies)
    except InvalidRequest as exc:
        raise InvalidPoc(str(exc)) from None
    return files


def check_command(command: Sequence[str], files: dict[str, bytes], env: Environment) -> None:
    """InvalidPoc unless the program the command names exists in the sandbox."""
    program = command[0]
    venv_bin = env.path / "venv" / "bin"
    if "/" not in program:
        folders = (venv_bin, Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin"))
        if not any((folder / program).exists() for folder in folders):
            raise InvalidPoc(f"the command {program!r} does not exist in the sandbox")
        return
    if program.startswith(environments.ENV_MOUNT + "/"):
        if not (env.path / program.removeprefix(environments.ENV_MOUNT + "/")).exists():
            raise InvalidPoc(f"the command {program!r} does not exist in the sandbox")
        return
    if program.startswith("/"):
        # The sandbox shows /usr (and /bin through it) read-only, and little else.
        if not program.startswith(("/usr/", "/bin/")) or not Path(program).exists():
            raise InvalidPoc(f"the command {program!r} does not exist in the sandbox")
        return
    relative = program.removeprefix("./")
    if relative in files:
        raise InvalidPoc(
            f"the command runs the PoC file {relative!r} directly; PoC files are not "
            f"executable: name its interpreter, e.g. ['sh', {relative!r}]"
        )
    raise InvalidPoc(f"the command {program!r} names no PoC file")


# -- running ---------------------------------------------------------------------------------


@dataclass
class _Timings:
    prepare: float = 0.0
    install: float = 0.0
    sandbox: float = 0.0  # the sandbox's own work around each run: start, set-up, tear-down
    poc: float = 0.0  # the PoC processes' wall time

    def as_dict(self, total: float) -> dict[str, float]:
        return {
            "prepare_seconds": round(self.prepare, 4),
            "install_seconds": round(self.install, 4),
            "sandbox_seconds": round(self.sandbox, 4),
            "poc_seconds": round(self.poc, 4),
            "total_seconds": round(total, 4),
        }


def _release(box: BubblewrapSandbox, result: RunResult) -> None:
    results = box.root / "results"
    target = results / result.run_id
    if target.parent == results and target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)


def _run_record(result: RunResult, reading: oracle.Reading, log_bytes: int) -> dict[str, Any]:
    return {
        "triggered": reading.triggered,
        "observed": reading.observed,
        "exit_code": result.exit_code,
        "signal": result.signal,
        "limit": result.limit.value if result.limit else None,
        "process_limit_hit": result.process_limit_hit,
        "wall_seconds": result.usage.wall_seconds,
        "cpu_seconds": result.usage.cpu_seconds,
        "peak_memory_bytes": result.usage.peak_memory_bytes,
        "peak_processes": result.usage.peak_processes,
        "stdout": capped(result.stdout, log_bytes),
        "stderr": capped(result.stderr, log_bytes),
        "stdout_bytes": result.usage.stdout_bytes,
        "stderr_bytes": result.usage.stderr_bytes,
    }


class Validator:
    """Validates one report; holds the sandbox, the configuration and the running timings."""

    def __init__(self, box: BubblewrapSandbox, config: Config | None = None) -> None:
        self.box = box
        self.config = config or Config()
        self.timings = _Timings()

    def environment(
        self, name: str, version: str, report: ReportIn, *, finder_named: bool = True
    ) -> Environment:
        """The environment of name==version and the PoC's dependencies. `finder_named`: the
        version is the report's own (an affected version, or its fixed version); a fix the
        knowledge base names that the index lacks is not the finder's mistake."""
        pins = [f"{name}=={version}", *report.proof_of_concept.environment.dependencies]
        try:
            env = environments.environment(self.box, pins)
        except InvalidRequest as exc:
            raise InvalidPoc(str(exc)) from None
        except index.NoSuchRelease as exc:
            target = prepare.normalize([f"{name}=={version}"])[0]
            if exc.pin == target and not finder_named:
                raise InfrastructureError(f"the known fix {exc}") from exc
            what = "the target version" if exc.pin == target else "the PoC's dependency"
            raise InvalidPoc(f"{what} {exc}") from None
        except environments.SdistBuildFailed as exc:
            raise Unbuildable(str(exc), exc.log) from None
        except sdist.SdistUnusable as exc:
            raise Unbuildable(str(exc)) from None
        except (SandboxError, OSError) as exc:
            raise InfrastructureError(f"{name} {version}: {exc}") from exc
        self.timings.prepare += env.prepare_seconds
        self.timings.install += env.install_seconds
        return env

    def run_version(
        self, report: ReportIn, files: dict[str, bytes], env: Environment, version: str, role: str
    ) -> dict[str, Any]:
        poc = report.proof_of_concept
        check_command(poc.command, files, env)
        request = RunRequest(
            command=tuple(poc.command),
            files=files,
            limits=self.config.limits,
            env={"PATH": environments.PATH, "VIRTUAL_ENV": environments.VENV},
            artifacts_dir=ARTIFACTS_DIR,
        )
        results: list[RunResult] = []
        for _ in range(self.config.runs):
            started = time.monotonic()
            try:
                result = self.box.run(request, binds=[(env.path, environments.ENV_MOUNT)])
            except InvalidRequest as exc:
                raise InvalidPoc(str(exc)) from None
            except (SandboxError, OSError) as exc:
                raise InfrastructureError(f"the sandbox failed: {exc}") from exc
            elapsed = time.monotonic() - started
            _release(self.box, result)
            if result.stderr.startswith(b"bwrap: execvp"):
                message = result.stderr.decode(errors="replace").strip()
                raise InvalidPoc(f"the sandbox cannot start the command: {message}")
            self.timings.poc += result.usage.wall_seconds
            self.timings.sandbox += max(0.0, elapsed - result.usage.wall_seconds)
            results.append(result)
        try:
            readings = oracle.read(poc.oracle, results)
        except oracle.OracleTimeout as exc:
            raise InvalidPoc(str(exc)) from None
        triggered = sum(r.triggered for r in readings)
        return {
            "version": version,
            "role": role,
            "environment": env.evidence(),
            "runs": [
                _run_record(r, reading, self.config.log_bytes)
                for r, reading in zip(results, readings, strict=True)
            ],
            "triggered": triggered,
            "reproduces": triggered > 0,
            "flaky": 0 < triggered < len(results),
        }

    def validate(self, report: ReportIn, fixed: FixedVersion | None) -> Outcome:
        started = time.monotonic()
        poc = report.proof_of_concept
        evidence: dict[str, Any] = {
            "runs_per_version": self.config.runs,
            "inputs": {
                "command": list(poc.command),
                "oracle": poc.oracle.model_dump(mode="json"),
                "dependencies": list(poc.environment.dependencies),
                "poc_files": [
                    {
                        "path": f.path,
                        "bytes": len(f.content.encode()),
                        "sha256": _sha256(f.content.encode()),
                    }
                    for f in poc.files
                ],
            },
            "limits": {
                "wall_seconds": self.config.limits.wall_seconds,
                "cpu_seconds": self.config.limits.cpu_seconds,
                "memory_bytes": self.config.limits.memory_bytes,
                "processes": self.config.limits.processes,
                "output_bytes": self.config.limits.output_bytes,
                "network": "none",
            },
            "fixed_version": None
            if fixed is None
            else {
                "version": fixed.version,
                "source": fixed.source,
                "advisories": list(fixed.advisories),
            },
            "versions": [],
        }

        def done(verdict: Verdict, reason: str) -> Outcome:
            evidence["timings"] = self.timings.as_dict(time.monotonic() - started)
            return Outcome(
                verdict, reason, {"verdict": verdict.value, "reason": reason, **evidence}
            )

        try:
            self.box.require_usable()
        except SandboxError as exc:
            raise InfrastructureError(str(exc)) from exc
        try:
            files = check_poc(report, self.config.limits)
            name = package_name(report)
            assert isinstance(report.target, PackageTarget)
            affected = _pick_versions(
                report.target.affected_versions, self.config.max_affected_versions
            )
            hits: list[str] = []
            for version in affected:
                env = self.environment(name, version, report)
                record = self.run_version(report, files, env, version, "affected")
                evidence["versions"].append(record)
                if record["reproduces"]:
                    hits.append(version)
            if not hits:
                runs = self.config.runs * len(affected)
                return done(
                    Verdict.NOT_REPRODUCED,
                    f"the oracle held in none of {runs} runs on {', '.join(affected)}",
                )
            if fixed is None:
                return done(
                    Verdict.REPRODUCED_UNFIXED,
                    f"reproduced on {', '.join(hits)}; no fixed version is given or known",
                )
            env = self.environment(
                name, fixed.version, report, finder_named=fixed.source == "report"
            )
            record = self.run_version(report, files, env, fixed.version, "fixed")
            evidence["versions"].append(record)
        except InvalidPoc as exc:
            return done(Verdict.INVALID, str(exc))
        except Unbuildable as exc:
            if exc.log:
                evidence["build_log"] = capped(exc.log, self.config.log_bytes)
            return done(Verdict.ERROR, str(exc))
        if not record["reproduces"]:
            return done(
                Verdict.REPRODUCED,
                f"reproduced on {', '.join(hits)}; not on the fixed version {fixed.version}",
            )
        if fixed.source == "report":
            return done(
                Verdict.NOT_REPRODUCED,
                f"the oracle holds on {', '.join(hits)} and also on {fixed.version}, the version "
                "the report says is fixed: the PoC shows no difference between them",
            )
        return done(
            Verdict.REPRODUCED_UNFIXED,
            f"reproduced on {', '.join(hits)} and also on {fixed.version}, the fix the knowledge "
            "base knows: that fix does not stop it",
        )


def known_fix(session: Session, name: str, versions: Sequence[str]) -> FixedVersion | None:
    """The first version the knowledge base says fixes an advisory of this package that affects
    every listed version (the lowest such fix, above them all)."""
    key = ("PyPI", lookup_name("PyPI", name))
    fixes: dict[str, set[str]] = {}
    for entry in entries_for_packages(session, [key]):
        found: set[str] | None = None
        for version in versions:
            try:
                evaluation = evaluate("PyPI", version, entry.ranges, entry.versions)
            except (InvalidRange, InvalidVersion):
                found = None
                break
            ups = {f for m in evaluation.matches for f in m.fixed_versions}
            found = ups if found is None else found & ups
        for fix in found or ():
            fixes.setdefault(fix, set()).add(entry.record.split(":", 1)[-1])
    if not fixes:
        return None
    lowest = min(fixes, key=PyPIVersion)
    return FixedVersion(lowest, "knowledge base", tuple(sorted(fixes[lowest])))
