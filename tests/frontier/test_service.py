"""Opening a suite: only the evaluator role decrypts, and every attempt is audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.frontier import service
from clearinghouse.frontier.models import FrontierRun
from clearinghouse.frontier.store import StoreError, new_key
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.models import AuditEntry
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.vocabulary import OrgRole, PlatformRole, Scope
from clearinghouse.runtime import Runtime


@pytest.fixture
def keyed(runtime: Runtime, task_key: str) -> Runtime:
    runtime.settings = runtime.settings.model_copy(
        update={"frontier_task_key": SecretStr(task_key)}
    )
    return runtime


def _entries(runtime: Runtime) -> list[AuditEntry]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_the_evaluator_decrypts_and_it_is_audited(keyed: Runtime) -> None:
    path = service.seal_suite(keyed.settings, "calibration", "2026.11.0")
    assert path.parent == keyed.settings.data_dir.resolve() / "frontier"
    with keyed.sessions() as session:
        suite = service.open_suite(
            session, Principal.evaluator_command_line(), keyed.settings, "calibration"
        )
    assert len(suite.tasks) >= 8
    [entry] = _entries(keyed)
    assert (entry.action, entry.outcome, entry.actor) == (
        "frontier.tasks.decrypt",
        "success",
        "cli",
    )
    assert entry.resource_id == "calibration"
    assert entry.details["tasks"] == len(suite.tasks)
    assert entry.details["suite_version"] == "2026.11.0"
    assert len(entry.details["sha256"]) == 64


PEOPLE = {
    "coordinator": Principal(
        via="session", user_id="u1", email="c@ch.example", platform_role=PlatformRole.COORDINATOR
    ),
    "org admin": Principal(via="session", user_id="u2", email="a@eval.example", role=OrgRole.ADMIN),
    "coordinator admin": Principal(
        via="session",
        user_id="u5",
        email="d@ch.example",
        platform_role=PlatformRole.COORDINATOR_ADMIN,
    ),
    "token of an evaluator": Principal(
        via="token",
        user_id="u3",
        email="b@ch.example",
        platform_role=PlatformRole.EVALUATOR,
        scopes=frozenset(Scope),
        token_id="t",
    ),
}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_others_are_refused_and_that_is_audited(keyed: Runtime, who: str) -> None:
    service.seal_suite(keyed.settings, "calibration", "1")
    with keyed.sessions() as session, pytest.raises(AccessDenied):
        service.open_suite(session, PEOPLE[who], keyed.settings, "calibration")
    [entry] = _entries(keyed)
    assert (entry.action, entry.outcome) == ("frontier.tasks.decrypt", "denied")
    assert entry.actor == PEOPLE[who].email


def test_a_session_of_an_evaluator_may_decrypt(keyed: Runtime) -> None:
    service.seal_suite(keyed.settings, "calibration", "1")
    evaluator = Principal(
        via="session", user_id="u4", email="e@ch.example", platform_role=PlatformRole.EVALUATOR
    )
    with keyed.sessions() as session:
        assert service.open_suite(session, evaluator, keyed.settings, "calibration").tasks


def test_a_failed_decryption_is_audited(keyed: Runtime) -> None:
    service.seal_suite(keyed.settings, "calibration", "1")
    keyed.settings = keyed.settings.model_copy(update={"frontier_task_key": SecretStr(new_key())})
    with keyed.sessions() as session, pytest.raises(StoreError, match="decryption failed"):
        service.open_suite(
            session, Principal.evaluator_command_line(), keyed.settings, "calibration"
        )
    [entry] = _entries(keyed)
    assert entry.outcome == "failure" and "decryption failed" in entry.details["reason"]


def test_no_key_is_a_clear_error(runtime: Runtime) -> None:
    with pytest.raises(StoreError, match="CLEARINGHOUSE_FRONTIER_TASK_KEY"):
        service.seal_suite(runtime.settings, "calibration", "1")


def test_unsealing_is_a_decryption_for_the_evaluator_only(keyed: Runtime, tmp_path: Path) -> None:
    path = service.seal_suite(keyed.settings, "calibration", "1")
    with keyed.sessions() as session, pytest.raises(AccessDenied):
        service.unseal_suite(
            session, PEOPLE["org admin"], keyed.settings, "calibration", path, tmp_path / "a"
        )
    assert not (tmp_path / "a").exists()
    with keyed.sessions() as session:
        folders = service.unseal_suite(
            session,
            Principal.evaluator_command_line(),
            keyed.settings,
            "calibration",
            path,
            tmp_path / "b",
        )
    assert folders and all((folder / "task.yaml").is_file() for folder in folders)
    denied, granted = _entries(keyed)
    assert (denied.outcome, denied.details["purpose"]) == ("denied", "unseal")
    assert (granted.outcome, granted.details["purpose"]) == ("success", "unseal")


def test_runs_are_for_evaluators_and_a_refusal_is_audited(keyed: Runtime) -> None:
    chief = PEOPLE["coordinator admin"]
    spec = service.ModelRunSpec(model="openai-api/acme/m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(AccessDenied):
        service.run_suite(keyed.sessions, chief, keyed.settings, spec, "calibration")
    [entry] = _entries(keyed)
    assert (entry.action, entry.outcome, entry.actor) == (
        "frontier.runs.start",
        "denied",
        chief.email,
    )
    with keyed.sessions() as session, pytest.raises(AccessDenied):
        service.list_runs(session, chief)
    with keyed.sessions() as session:
        assert service.list_runs(session, Principal.evaluator_command_line()) == []


def _finished_run(runtime: Runtime) -> str:
    """A run as `run_suite` leaves it, stored directly (no model endpoint needed)."""
    with db.transaction(runtime.sessions) as session:
        run = FrontierRun(
            model="openai-api/acme/m",
            base_url="http://127.0.0.1:9/v1",
            suite="calibration",
            suite_version="1",
            policy_version="1",
            epochs=1,
            status="finished",
            started_by="cli",
            verdict="below",
            mean_success=0.5,
        )
        session.add(run)
        session.flush()
        return run.id


def test_reading_runs_is_audited_and_a_refusal_too(keyed: Runtime) -> None:
    run_id = _finished_run(keyed)
    evaluator = Principal.evaluator_command_line()
    with keyed.sessions() as session:
        assert [r.id for r in service.list_runs(session, evaluator)] == [run_id]
        assert service.get_run(session, evaluator, run_id[:8]).id == run_id
    listed, shown = _entries(keyed)
    assert (listed.action, listed.outcome, listed.actor) == ("frontier.runs.read", "success", "cli")
    assert listed.resource_id is None and listed.details["runs"] == [run_id]
    assert (shown.action, shown.outcome, shown.resource_type, shown.resource_id) == (
        "frontier.runs.read",
        "success",
        "frontier_run",
        run_id,
    )
    chief = PEOPLE["coordinator admin"]
    with keyed.sessions() as session, pytest.raises(AccessDenied):
        service.get_run(session, chief, run_id)
    denied = _entries(keyed)[-1]
    assert (denied.action, denied.outcome, denied.actor) == (
        "frontier.runs.read",
        "denied",
        chief.email,
    )
    assert denied.details["run"] == run_id
    with keyed.sessions() as session:
        assert audit_service.verify(session).ok
