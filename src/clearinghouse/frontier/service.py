"""The frontier benchmark's logic: sealing and opening the task stores, running the controls.

Opening a store is a sensitive read: it passes the policy (`frontier.tasks.decrypt`) and every
attempt, allowed, refused or failed, lands in the audit log in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.frontier import store
from clearinghouse.frontier.controls import ControlResult, run_controls
from clearinghouse.frontier.store import CALIBRATION, StoreError, Suite
from clearinghouse.frontier.tasks import TaskFormatError, calibration_folder, task_folders
from clearinghouse.identity.audit.service import AuditEvent
from clearinghouse.identity.audit.service import record as record_audit
from clearinghouse.identity.policy import AccessDenied, Principal, require

DECRYPT = "frontier.tasks.decrypt"

__all__ = [
    "DECRYPT",
    "ControlResult",
    "StoreError",
    "Suite",
    "TaskFormatError",
    "open_suite",
    "run_controls",
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
