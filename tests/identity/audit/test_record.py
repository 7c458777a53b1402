"""Recording entries: the chain links, validation, transactions, concurrency and search."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from clearinghouse import db
from clearinghouse.identity.audit import chain, service
from clearinghouse.identity.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry
from clearinghouse.runtime import Runtime
from clearinghouse.system import service as system_service
from tests.helpers import run_concurrently
from tests.identity.audit.conftest import event, fill, report


def test_entries_link_into_a_chain(runtime: Runtime):
    first, second, third = fill(runtime, 3)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    assert len({first.entry_hash, second.entry_hash, third.entry_hash}) == 3
    with runtime.sessions() as session:
        stored = session.get(AuditEntry, 2)
        assert stored is not None
        # What comes back from the database hashes to what was computed before writing it.
        fields = {name: getattr(stored, name) for name in chain.HASHED_FIELDS}
        assert chain.entry_hash(fields) == stored.entry_hash == second.entry_hash
        assert stored.details == {"index": 2, "note": "ünïcödé ✓", "nested": {"ratio": 0.2}}
        assert stored.occurred_at.tzinfo is not None
        head = session.get(AuditChainHead, 1)
        assert head is not None and (head.seq, head.entry_hash) == (3, third.entry_hash)


def test_the_canonical_form_is_stable():
    """The documented canonical form; changing it would break every existing log."""
    from datetime import UTC, datetime

    fields = dict.fromkeys(chain.HASHED_FIELDS)
    fields.update(
        seq=1,
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        actor="cli",
        action="token.create",
        outcome="success",
        details={"b": 1, "a": "é"},
        prev_hash=GENESIS_HASH,
    )
    assert (
        chain.canonical_entry(fields)
        == (
            '{"action":"token.create","actor":"cli","actor_user_id":null,"client_address":null,'
            '"details":{"a":"é","b":1},"occurred_at":"2026-11-26T09:30:00.000000Z",'
            '"organization_id":null,"outcome":"success","prev_hash":"' + GENESIS_HASH + '",'
            '"request_id":null,"resource_id":null,"resource_type":null,"seq":1}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"outcome": "maybe"}, "outcome must be one of success, denied, failure"),
        ({"details": {"when": object()}}, "details must be JSON-serializable"),
        ({"details": {"tags": {"a", "b"}}}, "details must be JSON-serializable"),
        ({"details": {"ratio": float("nan")}}, "details must be JSON-serializable"),
        ({"details": {"amount": Decimal("1.5")}}, "details must be JSON-serializable"),
        ({"details": ["not", "an", "object"]}, "details must be a JSON object"),
        ({"action": ""}, "needs an action"),
        ({"actor": "x" * 321}, "actor is longer than 320"),
        ({"resource_id": 42}, "resource_id must be a string"),
    ],
)
def test_invalid_events_are_refused_and_nothing_is_written(
    runtime: Runtime, overrides: dict[str, object], message: str
):
    with pytest.raises(ValueError, match=message), db.transaction(runtime.sessions) as session:
        service.record(session, event(1, **overrides))
    assert fill(runtime, 1)[0].seq == 1


def test_an_entry_is_rolled_back_with_its_unit_of_work_and_leaves_no_gap(runtime: Runtime):
    fill(runtime, 2)
    with pytest.raises(RuntimeError), db.transaction(runtime.sessions) as session:
        service.record(session, event(3))
        raise RuntimeError("the action itself failed")
    (entry,) = fill(runtime, 1, start=3)
    assert entry.seq == 3
    assert report(runtime, None).ok


def test_concurrent_writers_get_consecutive_seqs_and_a_valid_chain(runtime: Runtime):
    def write(worker: int) -> None:
        for step in range(10):
            with db.transaction(runtime.sessions) as session:
                service.record(session, event(worker * 100 + step, actor=f"worker{worker}"))

    assert run_concurrently(write, 8) == []
    with runtime.sessions() as session:
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        per_worker = session.execute(
            select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)
        ).all()
    assert seqs == list(range(1, 81))
    assert sorted(count for _, count in per_worker) == [10] * 8
    result = report(runtime, None)
    assert result.ok, result.problem
    assert result.entries_checked == 80


def test_verify_walks_in_batches(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):
    from clearinghouse.identity.audit import verification

    monkeypatch.setattr(verification, "BATCH_SIZE", 3)
    fill(runtime, 10)
    result = report(runtime, None)
    assert result.ok and result.entries_checked == 10 and result.last_seq == 10


def test_an_empty_log_verifies(runtime: Runtime):
    result = report(runtime, None)
    assert result.ok and result.entries_checked == 0 and result.last_seq is None


def test_search_filters_and_pages_newest_first(runtime: Runtime):
    fill(runtime, 12)
    with db.transaction(runtime.sessions) as session:
        service.record(session, event(13, action="token_x.create"))
    with runtime.sessions() as session:
        everything = service.search(session)
        assert [e.seq for e in everything] == list(range(13, 0, -1))
        tokens = service.search(session, action="token.")
        assert {e.action for e in tokens} == {"token.create", "token.revoke"}
        # The prefix is literal: "_" is not a wildcard.
        assert [e.seq for e in service.search(session, action="token_")] == [13]
        by_actor = service.search(session, actor="user1@example.org")
        assert [e.seq for e in by_actor] == [13, 10, 7, 4, 1]
        denied = service.search(session, outcome="denied", organization_id="org-0")
        assert [e.seq for e in denied] == [10, 6, 2]
        resource = service.search(session, resource_type="token", resource_id="r5")
        assert [e.seq for e in resource] == [5]
        first_page = service.search(session, limit=5)
        second_page = service.search(session, limit=5, before_seq=first_page[-1].seq)
        assert [e.seq for e in first_page + second_page] == list(range(13, 3, -1))
        middle = everything[6].occurred_at
        assert all(e.occurred_at >= middle for e in service.search(session, since=middle))
        assert all(e.occurred_at < middle for e in service.search(session, until=middle))
        later = middle + timedelta(days=1)
        assert service.search(session, since=later) == []
        with pytest.raises(ValueError, match="limit"):
            service.search(session, limit=0)


def test_the_status_report_counts_audit_entries(runtime: Runtime):
    fill(runtime, 4)
    with runtime.sessions() as session:
        status = system_service.status_report(session, runtime.engine, runtime.queue)
    assert status.counts["audit entries"] == 4
