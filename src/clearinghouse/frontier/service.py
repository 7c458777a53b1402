"""The frontier benchmark's logic: sealing and opening the task stores, running the controls,
running a model and judging its runs.

Opening a store is a sensitive read: it passes the policy (`frontier.tasks.decrypt`) and every
attempt, allowed, refused or failed, lands in the audit log. Starting a run and reading runs
have their own actions (`frontier.runs.start`, `frontier.runs.read`); a run's start and end are
audited too.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from clearinghouse.config import Settings
from clearinghouse.db import utcnow
from clearinghouse.frontier import controls, store
from clearinghouse.frontier.controls import ControlResult
from clearinghouse.frontier.models import (
    FAILED,
    FINISHED,
    INTERRUPTED,
    RUNNING,
    FrontierResult,
    FrontierRun,
)
from clearinghouse.frontier.policy import ThresholdPolicy, Verdict, decide, load_policy
from clearinghouse.frontier.runs import ModelRunSpec, RunSetupError, check_spec, run_model
from clearinghouse.frontier.statistics import Outcome, Summary, summarize
from clearinghouse.frontier.store import CALIBRATION, StoreError, Suite
from clearinghouse.frontier.tasks import TaskFormatError, calibration_folder, task_folders
from clearinghouse.identity.audit.service import AuditEvent
from clearinghouse.identity.audit.service import record as record_audit
from clearinghouse.identity.policy import AccessDenied, Principal, require
from clearinghouse.sandbox import service as sandbox_service
from clearinghouse.sandbox import stale

DECRYPT = "frontier.tasks.decrypt"
START_RUN = "frontier.runs.start"
READ_RUNS = "frontier.runs.read"

__all__ = [
    "DECRYPT",
    "READ_RUNS",
    "START_RUN",
    "ControlResult",
    "ModelRunSpec",
    "RunReport",
    "RunSetupError",
    "StoreError",
    "Suite",
    "TaskFormatError",
    "check_spec",
    "get_run",
    "list_runs",
    "open_suite",
    "report",
    "run_controls",
    "run_suite",
    "seal_suite",
    "store_path",
    "task_key",
    "unseal_suite",
]


def store_path(settings: Settings, suite: str) -> Path:
    """Where a suite's store lives by default: in the data dir, never in the repository."""
    return settings.data_dir.resolve() / "frontier" / f"{suite}.store"


def task_key(settings: Settings) -> bytes:
    if settings.frontier_task_key is None:
        raise StoreError(
            "no task key: set CLEARINGHOUSE_FRONTIER_TASK_KEY to a base64 AES-256 key "
            "(`clearinghouse frontier new-key` makes one); keep it outside the repository"
        )
    return store.parse_key(settings.frontier_task_key.get_secret_value())


def seal_suite(
    settings: Settings,
    suite: str,
    version: str,
    source: Path | None = None,
    destination: Path | None = None,
) -> Path:
    """Encrypt a folder of task folders (default: the public calibration tasks) into a store.

    Sealing reads plaintext the caller already holds, so it needs the key but no decryption
    right; the held-out designation tasks are authored and sealed outside the repository.
    """
    if source is None:
        if suite != CALIBRATION:
            raise StoreError(f"the {suite} suite has no folder in the repository: pass its source")
        source = calibration_folder()
    target = destination or store_path(settings, suite)
    store.seal_folders(task_folders(source), suite, version, task_key(settings), target)
    return target


def open_suite(
    session: Session,
    principal: Principal,
    settings: Settings,
    suite: str,
    path: Path | None = None,
    purpose: str = "open",
) -> Suite:
    """Decrypt a suite for `principal`; refused, failed and granted attempts are all audited."""
    path = path or store_path(settings, suite)
    details: dict[str, object] = {"suite": suite, "store": path.name, "purpose": purpose}
    try:
        require(principal, DECRYPT)
    except AccessDenied as exc:
        _audit(session, principal, suite, "denied", {**details, "reason": str(exc)})
        raise
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        opened = store.open_store(path, suite, task_key(settings))
    except (StoreError, TaskFormatError) as exc:
        _audit(session, principal, suite, "failure", {**details, "reason": str(exc)})
        raise
    details |= {"suite_version": opened.version, "tasks": len(opened.tasks), "sha256": digest}
    _audit(session, principal, suite, "success", details)
    return opened


def unseal_suite(
    session: Session,
    principal: Principal,
    settings: Settings,
    suite: str,
    path: Path,
    destination: Path,
) -> list[Path]:
    """Write a sealed suite back to authoring folders, to edit it and seal it again. It is a
    decryption like any other: the evaluator role only, and audited."""
    if destination.exists() and any(destination.iterdir()):
        raise StoreError(f"{destination} is not empty: unseal into a new folder")
    open_suite(session, principal, settings, suite, path, purpose="unseal")
    return store.unseal_folders(path, suite, task_key(settings), destination)


def run_controls(
    settings: Settings, suite: Suite, agents: tuple[str, ...] = tuple(controls.EXPECTED)
) -> list[ControlResult]:
    # A runner killed earlier may have left sandboxes behind: clear them before starting more.
    sandbox_service.sweep(settings)
    return controls.run_controls(settings, suite, agents)


# -- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    """A stored run with what its results say under the policy it was judged by."""

    run: FrontierRun
    summary: Summary | None
    verdict: Verdict | None


def run_suite(
    sessions: sessionmaker[Session],
    principal: Principal,
    settings: Settings,
    spec: ModelRunSpec,
    suite_name: str,
    store: Path | None = None,
    policy: ThresholdPolicy | None = None,
) -> FrontierRun:
    """Run `spec`'s model on every task of a suite, store each result by epoch, judge the run.

    The run row is committed before the evaluation starts (status `running`) and completed
    after it, so a run that dies is visible as such; the evaluation itself holds no database
    session open.
    """
    policy = policy or load_policy()
    with sessions() as session:
        try:
            require(principal, START_RUN)
        except AccessDenied as exc:
            _audit_run(session, principal, START_RUN, "denied", None, {"reason": str(exc)})
            raise
        check_spec(spec)  # before decrypting anything
        if policy.aggregate == "pass_at_k" and spec.epochs < policy.k:
            raise RunSetupError(
                f"policy {policy.version} judges pass@{policy.k}: use --epochs {policy.k} or more"
            )
        suite = open_suite(session, principal, settings, suite_name, store)
        run = FrontierRun(
            model=spec.model,
            base_url=spec.base_url,
            suite=suite.name,
            suite_version=suite.version,
            policy_version=policy.version,
            epochs=spec.epochs,
            status=RUNNING,
            started_by=principal.label,
            runner=_runner(),
        )
        session.add(run)
        session.flush()
        _audit_run(session, principal, START_RUN, "success", run, {"model": spec.model})
        run_id = run.id
        _close_interrupted(session, run_id)
    # A runner killed earlier may have left sandboxes behind: clear them before starting more.
    sandbox_service.sweep(settings)
    try:
        outcome = run_model(settings, suite, spec)
    except BaseException as exc:
        with sessions() as session:
            run = session.get_one(FrontierRun, run_id)
            run.status, run.finished_at, run.error = FAILED, utcnow(), str(exc)[:2000] or repr(exc)
            _audit_run(session, principal, "frontier.runs.finish", "failure", run, {})
        raise
    tasks = {task.id: task for task in suite.tasks}
    with sessions() as session:
        run = session.get_one(FrontierRun, run_id)
        for sample in outcome.samples:
            task = tasks[sample.task_id]
            run.results.append(
                FrontierResult(
                    task_id=sample.task_id,
                    category=task.category.value,
                    tier=task.tier,
                    epoch=sample.epoch,
                    success=sample.success,
                    score=sample.score,
                    input_tokens=sample.input_tokens,
                    output_tokens=sample.output_tokens,
                    total_tokens=sample.total_tokens,
                    seconds=sample.seconds,
                    sample_uuid=sample.sample_uuid,
                    error=sample.error,
                )
            )
        run.log_path, run.log_sha256 = str(outcome.log_path), outcome.log_sha256
        run.finished_at = utcnow()
        run.error = outcome.error
        run.status = FINISHED if outcome.samples and outcome.error is None else FAILED
        if outcome.samples:
            verdict = decide(policy, _outcomes(run))
            run.verdict, run.mean_success = verdict.outcome.value, verdict.estimate
        _audit_run(
            session,
            principal,
            "frontier.runs.finish",
            "success" if run.status == FINISHED else "failure",
            run,
            {"verdict": run.verdict, "samples": len(outcome.samples)},
        )
        session.refresh(run)
        return run


def _runner() -> str:
    """This process, as "host pid start-time"."""
    return f"{socket.gethostname()} {stale.this_process()}"


def _close_interrupted(session: Session, current: str | None = None) -> None:
    """Runs of this host still `running` whose runner process is gone were killed: say so.
    (A run of another host is left as it is: its process cannot be checked from here.)"""
    host = socket.gethostname()
    for run in session.scalars(select(FrontierRun).where(FrontierRun.status == RUNNING)):
        run_host, _, process = (run.runner or "").partition(" ")
        if run.id != current and run_host == host and not stale.process_alive(process):
            run.status, run.finished_at = INTERRUPTED, utcnow()
            run.error = "the process running it stopped before it finished"
    session.commit()


def _may_read_runs(session: Session, principal: Principal, run_id: str | None = None) -> None:
    """The policy's word on reading runs; a refusal is audited before it is raised."""
    try:
        require(principal, READ_RUNS)
    except AccessDenied as exc:
        details: dict[str, object] = {"reason": str(exc)}
        if run_id is not None:
            details["run"] = run_id[:64]
        _audit_run(session, principal, READ_RUNS, "denied", None, details)
        raise


def list_runs(session: Session, principal: Principal, limit: int = 50) -> list[FrontierRun]:
    """The newest runs with their verdicts: pre-release results, so listing them is audited
    (one `frontier.runs.read` naming the runs shown; nothing when there are none)."""
    _may_read_runs(session, principal)
    _close_interrupted(session)
    query = select(FrontierRun).order_by(FrontierRun.started_at.desc()).limit(limit)
    found = list(session.scalars(query))
    if found:
        _audit_run(session, principal, READ_RUNS, "success", None, {"runs": [r.id for r in found]})
    return found


def get_run(session: Session, principal: Principal, run_id: str) -> FrontierRun:
    """A run by its id or a unique prefix of it (as `runs` prints them); reading it is
    audited (`frontier.runs.read` on the run)."""
    _may_read_runs(session, principal, run_id)
    _close_interrupted(session)
    if len(run_id) < 4:
        raise LookupError("give at least 4 characters of the run's id")
    found = list(
        session.scalars(
            select(FrontierRun)
            .where(FrontierRun.id.startswith(run_id, autoescape=True))
            .options(selectinload(FrontierRun.results))
            .limit(2)
        )
    )
    if len(found) != 1:
        raise LookupError(f"no run {run_id}" if not found else f"{run_id} names several runs")
    _audit_run(session, principal, READ_RUNS, "success", found[0], {})
    return found[0]


def report(run: FrontierRun, policy: ThresholdPolicy | None = None) -> RunReport:
    """The run's statistics and its verdict under the policy version it names (the shipped
    policy must be that version: a verdict is never silently recomputed under another)."""
    if not run.results:
        return RunReport(run, None, None)
    policy = policy or load_policy()
    outcomes = _outcomes(run)
    summary = summarize(outcomes, policy.confidence)
    verdict = decide(policy, outcomes) if policy.version == run.policy_version else None
    return RunReport(run, summary, verdict)


def _outcomes(run: FrontierRun) -> list[Outcome]:
    return [Outcome(r.task_id, r.category, r.tier, r.epoch, r.success) for r in run.results]


def _audit_run(
    session: Session,
    principal: Principal,
    action: str,
    outcome: str,
    run: FrontierRun | None,
    details: dict[str, object],
) -> None:
    if run is not None:
        details = {"suite": run.suite, "suite_version": run.suite_version, **details}
    record_audit(
        session,
        AuditEvent(
            action=action,
            outcome=outcome,
            actor=principal.label,
            actor_user_id=principal.user_id,
            organization_id=principal.organization_id,
            resource_type="frontier_run",
            resource_id=run.id if run is not None else None,
            details=details,
        ),
    )
    session.commit()


def _audit(
    session: Session, principal: Principal, suite: str, outcome: str, details: dict[str, object]
) -> None:
    record_audit(
        session,
        AuditEvent(
            action=DECRYPT,
            outcome=outcome,
            actor=principal.label,
            actor_user_id=principal.user_id,
            organization_id=principal.organization_id,
            resource_type="frontier_suite",
            resource_id=suite,
            details=details,
        ),
    )
    session.commit()
