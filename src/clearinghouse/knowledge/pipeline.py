"""Running an importer: the parsing events (knowledge.parsing) stored in batches, the run recorded.

A malformed document or record is rejected with its file and reason and the run goes on.
Each batch is one transaction: a batch is stored whole or not at all. If the database fails,
the run stops, is marked failed with the reason, and keeps the counts of what was stored.

Every record keeps the digest of the document it came from; a document whose digest is known is
skipped unread. That digest is written only once the whole document has been read without a
single rejection: a document that spans several batches is stored under a provisional mark and
given its digest at its end, and one with a rejected entry keeps the mark, so that it is read
(and its errors reported) again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse import db
from clearinghouse.knowledge.models import ImportRun, SourceRecordRow
from clearinghouse.knowledge.parsing import (
    Chunk,
    Event,
    Skipped,
    parse_events,
    parse_events_in_worker,
    worth_a_worker,
)
from clearinghouse.knowledge.records import PreparedRecord
from clearinghouse.knowledge.sources.interface import Importer, Rejected
from clearinghouse.knowledge.store import store_batch

log = logging.getLogger(__name__)
BATCH_SIZE = 500
MAX_RECORDED_ERRORS = 1000
# Prefix of the provisional digest of a document not (yet) read whole; never a real digest.
PENDING = "pending:"


@dataclass(frozen=True)
class Progress:
    documents: int
    records: int
    rejected: int


ProgressCallback = Callable[[Progress], None]


def _known_documents(sessions: sessionmaker[Session], source: str) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(SourceRecordRow.document_digest, func.count())
            .where(SourceRecordRow.source == source)
            .group_by(SourceRecordRow.document_digest)
        )
        return dict(list(rows))


def run_import(
    sessions: sessionmaker[Session],
    importer: Importer,
    path: Path,
    progress: ProgressCallback | None = None,
    include: str | None = None,
    parallel: bool | None = None,
) -> int:
    """Import `path` with `importer`; return the id of the recorded run.

    `parallel` parses in a worker process (None: when the input is big enough to gain). An
    input that cannot be read at all (missing, not an archive) raises InputError before a run
    is recorded.
    """
    known = _known_documents(sessions, importer.pipeline_id)
    in_worker = worth_a_worker(path) if parallel is None else parallel
    produce = parse_events_in_worker if in_worker else parse_events
    events = produce(importer, path, include, known)
    try:
        first = next(events, None)  # opens the input: InputError surfaces here
        run = _Run(sessions, importer, path, progress)
        try:
            if first is not None:
                run.consume(first)
                for event in events:
                    run.consume(event)
            run.flush()
        except SQLAlchemyError as exc:
            run.failure = f"database error, the run stopped: {db.describe_error(exc)}"
            log.exception("import run %s failed", run.run_id)
        run.finish()
        return run.run_id
    finally:
        events.close()


class _Run:
    """One import run: counts, errors, the batch being filled, and the document being read."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        importer: Importer,
        path: Path,
        progress: ProgressCallback | None,
    ) -> None:
        self.sessions = sessions
        self.source = importer.pipeline_id
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.errors: list[dict[str, str]] = []
        self.batch: list[PreparedRecord] = []
        self.documents = self.records = 0
        self.failure: str | None = None
        with db.transaction(sessions) as session:
            run = ImportRun(
                pipeline_id=importer.pipeline_id,
                licence=importer.licence,
                input=str(path)[:1000],
                status="running",
                started_at=db.utcnow(),
            )
            session.add(run)
            session.flush()
            self.run_id = run.id
        self._document: _Document | None = None

    def reject(self, name: str, reason: str) -> None:
        self.counts["rejected"] += 1
        if len(self.errors) < MAX_RECORDED_ERRORS:
            self.errors.append({"file": name, "reason": reason[:1000]})

    def flush(self) -> None:
        if self.batch:
            with db.transaction(self.sessions) as session:
                self.counts.update(store_batch(session, self.batch, self.run_id).counts)
            self.batch.clear()

    def consume(self, event: Event) -> None:
        if isinstance(event, Chunk):
            self._chunk(event)
            return
        self.documents += 1
        if isinstance(event, Skipped):
            self.counts["unchanged"] += event.records
            self.records += event.records
        else:
            self.reject(event.name, event.problem)
        self._report()

    def _chunk(self, chunk: Chunk) -> None:
        document = self._document
        if document is None or document.ordinal != chunk.ordinal:
            self.documents += 1
            document = self._document = _Document(chunk.ordinal, chunk.digest, len(self.batch))
        for item in chunk.items:
            if isinstance(item, Rejected):
                self.reject(chunk.name, f"{item.where}: {item.reason}")
                if document.clean:
                    document.clean = False
                    self._mark(document, f"{PENDING}{self.run_id}:{chunk.ordinal}")
                continue
            self.batch.append(replace(item, document_digest=document.marker))
            if len(self.batch) >= BATCH_SIZE:
                if not document.spanned:
                    document.spanned = True
                    self._mark(document, f"{PENDING}{self.run_id}:{chunk.ordinal}")
                document.stored += len(self.batch) - document.start
                self.flush()
                document.start = 0
                self._report(document.stored)
        if chunk.last:
            self._end(document, chunk)

    def _end(self, document: _Document, chunk: Chunk) -> None:
        self._document = None
        if chunk.failure is not None:
            del self.batch[document.start :]
            self.reject(chunk.name, _after(chunk.failure, document.stored))
            self.records += document.stored
            self._report()
            return
        self.records += document.stored + len(self.batch) - document.start
        if document.spanned:
            self.flush()
            if document.clean:
                with db.transaction(self.sessions) as session:
                    session.execute(
                        update(SourceRecordRow)
                        .where(SourceRecordRow.source == self.source)
                        .where(SourceRecordRow.document_digest == document.marker)
                        .values(document_digest=document.digest)
                    )
        elif len(self.batch) >= BATCH_SIZE:
            self.flush()
        self._report()

    def _mark(self, document: _Document, marker: str) -> None:
        """Give the records of the current document still in the batch another digest."""
        document.marker = marker
        batch = self.batch
        batch[document.start :] = [
            replace(r, document_digest=marker) for r in batch[document.start :]
        ]

    def _report(self, in_document: int = 0) -> None:
        if self.progress is not None:
            records = self.records + in_document
            self.progress(Progress(self.documents, records, self.counts["rejected"]))

    def finish(self) -> None:
        with db.transaction(self.sessions) as session:
            finished = session.get(ImportRun, self.run_id)
            assert finished is not None
            finished.status = "failed" if self.failure else "succeeded"
            finished.failure = self.failure
            finished.finished_at = db.utcnow()
            finished.documents = self.documents
            for name in ("added", "changed", "unchanged", "withdrawn", "rejected"):
                setattr(finished, name, self.counts[name])
            finished.errors = self.errors


@dataclass
class _Document:
    """The document whose chunks are arriving."""

    ordinal: int
    digest: str
    start: int  # where its records begin in the batch
    marker: str = ""  # the digest its records get: the real one until proven otherwise
    spanned: bool = False  # some of its records were stored before its end
    clean: bool = True  # no entry of it was rejected
    stored: int = 0  # records of it already stored by a mid-document flush

    def __post_init__(self) -> None:
        self.marker = self.digest


def _after(reason: str, stored: int) -> str:
    if not stored:
        return reason
    return (
        f"{reason} (the {stored:,} records before it were stored; the document will be read "
        "again next time)"
    )
