"""Storing a batch of source records: skip the unchanged, merge aliases, write, emit events.

Works a batch at a time with set-based statements, so that an import runs at thousands of
records a second; the caller gives one transaction per batch, so a batch is all written or not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Insert, Table, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from clearinghouse.db import Base, in_chunks, utcnow
from clearinghouse.json_text import json_text
from clearinghouse.knowledge.bulk import allocate_ids, append_rows
from clearinghouse.knowledge.merge import StoredRecord, merged_fields
from clearinghouse.knowledge.models import (
    AffectedPackageRow,
    AffectedProductRow,
    SourceRecordRow,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityEvent,
    new_id,
)
from clearinghouse.knowledge.records import PACKAGE_COLUMNS, PRODUCT_COLUMNS, PreparedRecord

RECORD_COLUMNS = (
    "id",
    "source",
    "record_id",
    "vulnerability_id",
    "content_hash",
    "document_digest",
    "aliases",
    "fields",
    "document",
    "origin",
    "modified",
    "withdrawn",
    "first_seen_run",
    "last_changed_run",
    "imported_at",
    "updated_at",
)
AFFECTED_PREFIX = ("record_id", "vulnerability_id")


@dataclass
class BatchResult:
    counts: Counter[str] = field(default_factory=Counter)
    touched: set[str] = field(default_factory=set)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _insert(model: type[Base]) -> Insert:
    """A Core insert: for many plain rows it costs a fraction of the ORM's bulk insert."""
    return insert(_table(model))


class _Components:
    """Union-find over record keys, alias ids and existing vulnerability ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def store_batch(session: Session, records: Sequence[PreparedRecord], run_id: int) -> BatchResult:
    result = BatchResult()
    # A record repeated in one batch: the last copy wins; an identical earlier copy counts as
    # unchanged, a different one as changed (it was superseded within the run).
    latest: dict[tuple[str, str], PreparedRecord] = {}
    for prepared_record in records:
        record_key = (prepared_record.source, prepared_record.record_id)
        if record_key in latest:
            same = latest[record_key].content_hash == prepared_record.content_hash
            result.counts["unchanged" if same else "changed"] += 1
        latest[record_key] = prepared_record
    prepared = list(latest.values())

    existing: dict[tuple[str, str], tuple[int, str, str, datetime | None]] = {}
    document_digests: dict[tuple[str, str], str] = {}
    for pairs in in_chunks(list(latest)):
        rows = session.execute(
            select(
                SourceRecordRow.source,
                SourceRecordRow.record_id,
                SourceRecordRow.id,
                SourceRecordRow.content_hash,
                SourceRecordRow.vulnerability_id,
                SourceRecordRow.withdrawn,
                SourceRecordRow.document_digest,
            ).where(tuple_(SourceRecordRow.source, SourceRecordRow.record_id).in_(pairs))
        )
        for source, record_id, row_id, digest, vulnerability_id, withdrawn, document in rows:
            existing[(source, record_id)] = (row_id, digest, vulnerability_id, withdrawn)
            document_digests[(source, record_id)] = document

    todo: list[tuple[PreparedRecord, tuple[int, str, str, datetime | None] | None]] = []
    moved: list[dict[str, Any]] = []
    for item in prepared:
        record_key = (item.source, item.record_id)
        known = existing.get(record_key)
        if known is not None and known[1] == item.content_hash:
            result.counts["unchanged"] += 1
            # An unchanged record of a changed document (a catalog with one new entry) now
            # belongs to that document: so the next run skips the document whole.
            if item.document_digest and document_digests[record_key] != item.document_digest:
                moved.append({"id": known[0], "document_digest": item.document_digest})
        else:
            todo.append((item, known))
    if moved:
        session.execute(update(SourceRecordRow), moved)
    if not todo:
        return result

    # Which vulnerability does each record belong to? Every id it carries, and the one it
    # already had, tie it to others; a component holding several vulnerabilities merges them.
    keys = sorted({k for record, _ in todo for k in (record.record_id, *record.aliases)})
    alias_owner: dict[str, str] = {}
    for chunk in in_chunks(keys):
        for alias, vulnerability_id in session.execute(
            select(VulnerabilityAlias.alias, VulnerabilityAlias.vulnerability_id).where(
                VulnerabilityAlias.alias.in_(chunk)
            )
        ):
            alias_owner[alias] = vulnerability_id
    components = _Components()
    for record, known in todo:
        node = f"r:{record.source}:{record.record_id}"
        for key in (record.record_id, *record.aliases):
            components.union(node, f"a:{key}")
            if key in alias_owner:
                components.union(node, f"v:{alias_owner[key]}")
        if known is not None:
            components.union(node, f"v:{known[2]}")
    members: dict[str, set[str]] = {}
    for node_key in list(components.parent):
        members.setdefault(components.find(node_key), set()).add(node_key)
    target: dict[str, str] = {}  # component root -> vulnerability id
    now = utcnow()
    # A vulnerability new in this batch holds only records of this batch: it is written whole
    # from memory, not inserted empty and then recomputed from what was just stored.
    in_memory = {
        f"r:{r.source}:{r.record_id}": StoredRecord(r.source, r.record_id, r.merge_fields)
        for r, _ in todo
    }
    new_vulnerabilities: list[dict[str, Any]] = []
    for root, items in members.items():
        vulnerabilities = sorted(i[2:] for i in items if i.startswith("v:"))
        if not vulnerabilities:
            vulnerability_id = new_id()
            records_of = [in_memory[i] for i in sorted(items) if i.startswith("r:")]
            new_vulnerabilities.append(
                {
                    "id": vulnerability_id,
                    **_told_by(records_of),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        else:
            vulnerability_id = vulnerabilities[0]
            if len(vulnerabilities) > 1:
                _merge_into(session, vulnerability_id, vulnerabilities[1:], run_id)
                result.counts["merged"] += len(vulnerabilities) - 1
        target[root] = vulnerability_id
    if new_vulnerabilities:
        session.execute(_insert(Vulnerability), new_vulnerabilities)
    created = {v["id"] for v in new_vulnerabilities}

    new_aliases: dict[str, str] = {}
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    row_ids: dict[tuple[str, str], int] = {}
    vulnerability_of: dict[tuple[str, str], str] = {}
    fresh = [record for record, known in todo if known is None]
    new_ids = iter(allocate_ids(session, _table(SourceRecordRow), len(fresh)))
    for record, known in todo:
        record_key = (record.source, record.record_id)
        vulnerability_id = target[components.find(f"r:{record.source}:{record.record_id}")]
        vulnerability_of[record_key] = vulnerability_id
        result.touched.add(vulnerability_id)
        for key in (record.record_id, *record.aliases):
            if alias_owner.get(key) != vulnerability_id:
                new_aliases[key] = vulnerability_id
        newly_withdrawn = record.withdrawn is not None and (known is None or known[3] is None)
        if known is None:
            row_ids[record_key] = row_id = next(new_ids)
            inserts.append(
                (
                    row_id,
                    record.source,
                    record.record_id,
                    vulnerability_id,
                    record.content_hash,
                    record.document_digest,
                    json_text(list(record.aliases)),
                    record.fields_json,
                    record.document_json,
                    record.origin,
                    record.modified,
                    record.withdrawn,
                    run_id,
                    run_id,
                    now,
                    now,
                )
            )
            result.counts["withdrawn" if newly_withdrawn else "added"] += 1
        else:
            row_ids[record_key] = known[0]
            updates.append(
                {
                    "id": known[0],
                    "vulnerability_id": vulnerability_id,
                    "content_hash": record.content_hash,
                    "document_digest": record.document_digest,
                    "aliases": list(record.aliases),
                    "fields": orjson.loads(record.fields_json),
                    "document": orjson.loads(record.document_json),
                    "origin": record.origin,
                    "modified": record.modified,
                    "withdrawn": record.withdrawn,
                    "last_changed_run": run_id,
                    "updated_at": now,
                }
            )
            result.counts["withdrawn" if newly_withdrawn else "changed"] += 1

    _write_aliases(session, new_aliases)
    if updates:
        session.execute(update(SourceRecordRow), updates)
        changed_ids = [u["id"] for u in updates]
        for chunk in in_chunks(changed_ids):
            session.execute(
                delete(AffectedPackageRow).where(AffectedPackageRow.record_id.in_(chunk))
            )
            session.execute(
                delete(AffectedProductRow).where(AffectedProductRow.record_id.in_(chunk))
            )
    append_rows(session, _table(SourceRecordRow), RECORD_COLUMNS, inserts)
    packages = [
        (row_ids[key], vulnerability_of[key], *package)
        for record, _ in todo
        for key in [(record.source, record.record_id)]
        for package in record.packages
    ]
    products = [
        (row_ids[key], vulnerability_of[key], *product)
        for record, _ in todo
        for key in [(record.source, record.record_id)]
        for product in record.products
    ]
    append_rows(session, _table(AffectedPackageRow), AFFECTED_PREFIX + PACKAGE_COLUMNS, packages)
    append_rows(session, _table(AffectedProductRow), AFFECTED_PREFIX + PRODUCT_COLUMNS, products)
    if created:
        events = [
            {"vulnerability_id": v, "kind": "added", "run_id": run_id, "occurred_at": now}
            for v in sorted(created)
        ]
        session.execute(_insert(VulnerabilityEvent), events)
    _refresh(session, result.touched - created, run_id, now)
    return result


def _write_aliases(session: Session, owners: dict[str, str]) -> None:
    if not owners:
        return
    present = set()
    for chunk in in_chunks(sorted(owners)):
        present |= set(
            session.scalars(
                select(VulnerabilityAlias.alias).where(VulnerabilityAlias.alias.in_(chunk))
            )
        )
    moved = [{"alias": a, "vulnerability_id": v} for a, v in owners.items() if a in present]
    fresh = [{"alias": a, "vulnerability_id": v} for a, v in owners.items() if a not in present]
    if fresh:
        session.execute(_insert(VulnerabilityAlias), fresh)
    for row in moved:
        session.execute(
            update(VulnerabilityAlias)
            .where(VulnerabilityAlias.alias == row["alias"])
            .values(vulnerability_id=row["vulnerability_id"])
        )


def _merge_into(session: Session, survivor: str, others: list[str], run_id: int) -> None:
    """Two or more vulnerabilities turn out to be one: move everything to the survivor."""
    for model in (
        VulnerabilityAlias,
        SourceRecordRow,
        AffectedPackageRow,
        AffectedProductRow,
        VulnerabilityEvent,
    ):
        session.execute(
            update(model)
            .where(model.vulnerability_id.in_(others))
            .values(vulnerability_id=survivor)
        )
    session.execute(
        update(Vulnerability)
        .where(Vulnerability.id.in_(others))
        .values(merged_into=survivor, updated_at=utcnow())
    )
    session.execute(
        insert(VulnerabilityEvent),
        [{"vulnerability_id": survivor, "kind": "merged", "run_id": run_id}],
    )


def _told_by(records: list[StoredRecord]) -> dict[str, Any]:
    """A vulnerability's columns from its records, by the precedence rules."""
    merged = merged_fields(records)
    for name in ("published", "modified", "withdrawn"):
        merged[name] = _when(merged[name])
    return merged


def _refresh(session: Session, touched: set[str], run_id: int, now: datetime) -> None:
    """Recompute each touched existing vulnerability from all its records; emit its event."""
    by_vulnerability: dict[str, list[StoredRecord]] = {}
    for chunk in in_chunks(sorted(touched)):
        for vulnerability_id, source, record_id, fields in session.execute(
            select(
                SourceRecordRow.vulnerability_id,
                SourceRecordRow.source,
                SourceRecordRow.record_id,
                SourceRecordRow.fields,
            ).where(SourceRecordRow.vulnerability_id.in_(chunk))
        ):
            by_vulnerability.setdefault(vulnerability_id, []).append(
                StoredRecord(source, record_id, fields)
            )
    was_withdrawn: dict[str, datetime | None] = {}
    for chunk in in_chunks(sorted(touched)):
        was_withdrawn.update(
            (row.id, row.withdrawn)
            for row in session.execute(
                select(Vulnerability.id, Vulnerability.withdrawn).where(Vulnerability.id.in_(chunk))
            )
        )
    rows, events = [], []
    for vulnerability_id, records in by_vulnerability.items():
        merged = _told_by(records)
        rows.append({"id": vulnerability_id, **merged, "updated_at": now})
        newly_withdrawn = merged["withdrawn"] and not was_withdrawn.get(vulnerability_id)
        events.append(
            {
                "vulnerability_id": vulnerability_id,
                "kind": "withdrawn" if newly_withdrawn else "changed",
                "run_id": run_id,
                "occurred_at": now,
            }
        )
    if rows:
        session.execute(update(Vulnerability), rows)
        session.execute(_insert(VulnerabilityEvent), events)
