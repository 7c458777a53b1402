"""Running an importer: the parsing events (knowledge.parsing) stored in batches, the run recorded.

A malformed document or record is rejected with its file and reason and the run goes on.
Each batch is one transaction: a batch is stored whole or not at all. If the database fails,
the run stops, is marked failed with the reason, and keeps the counts of what was stored.

Every record keeps the digest of the document it came from; a document whose digest is known is
skipped unread. That digest is written only once the whole document has been read: a document
that spans several batches is stored under a provisional mark and given its digest at its end.
A document whose records alone would not say it was read — one with rejections, or one that
gave no record — is remembered by its digest with its rejections (RememberedDocument), in the
transaction that stores its last records, and an unchanged re-import reports those rejections
again without reading it. A rejection that depends on more than the document's bytes (a
checksum file beside it) is not remembered, nor is a document rejected after some of its
records were stored: those are read again next time. An input file whose documents all end
known this way gets a manifest (knowledge.manifests), and the same bytes are not read again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse import db
from clearinghouse.knowledge import manifests
from clearinghouse.knowledge.models import ImportRun, RememberedDocument, SourceRecordRow
from clearinghouse.knowledge.parsing import (
    Chunk,
    Event,
    Events,
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


@dataclass(frozen=True)
class Remembered:
    """A document read before whose rejections are reported again when it is skipped."""

    rejected: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class KnownDocuments:
    """What the database knows of a source's documents, by digest."""

    records: dict[str, int]  # digest -> records stored under it: skip these unread
    remembered: dict[str, Remembered]  # of those, the ones with rejections to report again
    names: frozenset[str]  # names with something remembered, to forget when read again


def _known_documents(sessions: sessionmaker[Session], source: str) -> KnownDocuments:
    with sessions() as session:
        # (`list` first: a Result has `keys()`, which `dict` would take for a mapping's.)
        stored: dict[str, int] = dict(
            list(
                session.execute(
                    select(SourceRecordRow.document_digest, func.count())
                    .where(SourceRecordRow.source == source)
                    .group_by(SourceRecordRow.document_digest)
                )
            )
        )
        rows = session.execute(
            select(
                RememberedDocument.digest,
                RememberedDocument.name,
                RememberedDocument.records,
                RememberedDocument.rejected,
                RememberedDocument.reasons,
            ).where(RememberedDocument.source == source)
        )
        remembered: dict[str, Remembered] = {}
        names = set()
        for digest, name, records, rejected, reasons in rows:
            names.add(name)
            if stored.get(digest, 0) == records:
                remembered[digest] = Remembered(rejected, tuple(reasons))
            else:
                # Some of its records now come from another document: read it again, so
                # that it is neither skipped silently nor counted short.
                stored.pop(digest, None)
    known = stored | {d: stored.get(d, 0) for d in remembered}
    return KnownDocuments(known, remembered, frozenset(names))


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
    file = manifests.input_file(importer, path, include)
    replayed = None
    if file is not None:
        replayed = manifests.replay(sessions, importer.pipeline_id, file, known.records)
    if replayed is not None:  # an unchanged file: nothing in it needs reading
        events: Events = (event for event in replayed)
    else:
        in_worker = worth_a_worker(path) if parallel is None else parallel
        produce = parse_events_in_worker if in_worker else parse_events
        events = produce(importer, path, include, known.records)
    try:
        first = next(events, None)  # opens the input: InputError surfaces here
        # A replayed file keeps its manifest; a file read whole gets one, if it can.
        manifest = file if replayed is None else None
        run = _Run(sessions, importer, path, progress, known, manifest)
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
        known: KnownDocuments,
        manifest: manifests.InputFile | None = None,
    ) -> None:
        self.sessions = sessions
        self.source = importer.pipeline_id
        self.progress = progress
        self.known = known
        # The documents of an input file in order, while each is one the database knows
        # afterwards (None once one is not: the file then gets no manifest).
        self.manifest = manifest
        self.entries: list[manifests.Read] | None = [] if manifest is not None else None
        self.counts: Counter[str] = Counter()
        self.errors: list[dict[str, str]] = []
        self.batch: list[PreparedRecord] = []
        # Written with the next batch, in its transaction: documents ended whose records
        # are now under their real digest, and what to remember of documents ended.
        self.relabels: list[tuple[str, str]] = []
        self.memos: list[_Memo] = []
        self.documents = self.records = 0
        self.failure: str | None = None
        # The input ended early (a truncated archive): what was read is stored, the run is not
        # complete, and the file gets no manifest.
        self.incomplete = False
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

    def reject(self, name: str, reason: str, document: _Document | None = None) -> None:
        reason = reason[:1000]
        self.counts["rejected"] += 1
        if len(self.errors) < MAX_RECORDED_ERRORS:
            self.errors.append({"file": name, "reason": reason})
        if document is not None:
            document.rejected += 1
            if len(document.reasons) < MAX_RECORDED_ERRORS:
                document.reasons.append(reason)

    def flush(self) -> None:
        """Store the batch, with what is to be remembered of the documents it ends."""
        if not (self.batch or self.relabels or self.memos):
            return
        with db.transaction(self.sessions) as session:
            if self.batch:
                self.counts.update(store_batch(session, self.batch, self.run_id).counts)
            for marker, digest in self.relabels:
                session.execute(
                    update(SourceRecordRow)
                    .where(SourceRecordRow.source == self.source)
                    .where(SourceRecordRow.document_digest == marker)
                    .values(document_digest=digest)
                )
            self._write_memos(session)
        self.batch.clear()
        self.relabels.clear()
        self.memos.clear()

    def _write_memos(self, session: Session) -> None:
        # A document read again: what was remembered of its earlier bytes is of no more use.
        forgotten = sorted({m.name for m in self.memos if m.name in self.known.names})
        for names in db.in_chunks(forgotten):
            session.execute(
                delete(RememberedDocument)
                .where(RememberedDocument.source == self.source)
                .where(RememberedDocument.name.in_(names))
            )
        # The same bytes twice in one input are one row.
        rows = {
            m.digest: {
                "source": self.source,
                "digest": m.digest,
                "name": m.name[:500],
                "records": m.records,
                "rejected": m.rejected,
                "reasons": m.reasons,
                "run_id": self.run_id,
                "read_at": db.utcnow(),
            }
            for m in self.memos
            if m.digest is not None
        }
        if rows:
            # An upsert: another run may be remembering the same document right now.
            updated = ("name", "records", "rejected", "reasons", "run_id", "read_at")
            upsert = db.upsert(session, RememberedDocument, ("source", "digest"), updated)
            session.execute(upsert, list(rows.values()))

    def consume(self, event: Event) -> None:
        if isinstance(event, Chunk):
            self._chunk(event)
            return
        self.documents += 1
        if isinstance(event, Skipped):
            remembered = self.known.remembered.get(event.digest)
            rejections = remembered is not None and remembered.rejected > 0
            self._entry(manifests.Read(event.name, event.digest, event.records, rejections))
            self.counts["unchanged"] += event.records
            self.records += event.records
            if remembered is not None:  # its rejections, as when it was read
                self.counts["rejected"] += remembered.rejected
                reasons = remembered.reasons[: MAX_RECORDED_ERRORS - len(self.errors)]
                self.errors += [{"file": event.name, "reason": r} for r in reasons]
        else:
            self._entry(manifests.Read(event.name, None, problem=event.problem))
            self.reject(event.name, event.problem)
            self.incomplete = self.incomplete or event.ends_input
        self._report()

    def _entry(self, entry: manifests.Read | None) -> None:
        """The next document of the manifest; None: a document the database will not know."""
        if self.entries is not None:
            if entry is None:
                self.entries = None
            else:
                self.entries.append(entry)

    def _chunk(self, chunk: Chunk) -> None:
        document = self._document
        if document is None or document.ordinal != chunk.ordinal:
            self.documents += 1
            document = _Document(chunk.ordinal, chunk.digest, chunk.name, len(self.batch))
            self._document = document
        for item in chunk.items:
            if isinstance(item, Rejected):
                self.reject(chunk.name, f"{item.where}: {item.reason}", document)
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
            self.reject(chunk.name, _after(chunk.failure, document.stored), document)
            self.records += document.stored
            # Rejected whole with nothing of it stored: the same bytes fail the same way.
            if chunk.lasting and not document.stored:
                self.memos.append(_Memo.of(document, 0))
                self._entry(manifests.Read(document.name, document.digest, 0, True))
            else:
                self._entry(None)
                if document.name in self.known.names:
                    self.memos.append(_Memo.forget(document))
            self._report()
            return
        records = document.stored + len(self.batch) - document.start
        self.records += records
        self._entry(manifests.Read(document.name, document.digest, records, document.rejected > 0))
        if document.rejected or not records:  # its records alone would not say it was read
            self.memos.append(_Memo.of(document, records))
        elif document.name in self.known.names:
            self.memos.append(_Memo.forget(document))
        if document.spanned:  # its earlier records were stored under the provisional mark
            self.relabels.append((document.marker, document.digest))
            self.flush()
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
            finished.status = (
                "failed" if self.failure else "incomplete" if self.incomplete else "succeeded"
            )
            finished.failure = self.failure
            finished.finished_at = db.utcnow()
            finished.documents = self.documents
            for name in ("added", "changed", "unchanged", "withdrawn", "rejected"):
                setattr(finished, name, self.counts[name])
            finished.errors = self.errors
            file, entries = self.manifest, self.entries
            # A file changed while it was read may not hold what was hashed: no manifest.
            complete = not (self.failure or self.incomplete)
            if file and entries is not None and complete and file.unchanged():
                manifests.record(session, self.source, file, entries, self.run_id)


@dataclass
class _Document:
    """The document whose chunks are arriving."""

    ordinal: int
    digest: str
    name: str
    start: int  # where its records begin in the batch
    marker: str = ""  # the digest its records get: the real one, or a provisional one once spanned
    spanned: bool = False  # some of its records were stored before its end
    stored: int = 0  # records of it already stored by a mid-document flush
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)  # the first MAX_RECORDED_ERRORS

    def __post_init__(self) -> None:
        self.marker = self.digest


@dataclass(frozen=True)
class _Memo:
    """What to remember of a document read whole; `digest` None: only forget its name."""

    name: str
    digest: str | None
    records: int = 0
    rejected: int = 0
    reasons: tuple[str, ...] = ()

    @classmethod
    def of(cls, document: _Document, records: int) -> _Memo:
        return cls(
            document.name, document.digest, records, document.rejected, tuple(document.reasons)
        )

    @classmethod
    def forget(cls, document: _Document) -> _Memo:
        return cls(document.name, None)


def _after(reason: str, stored: int) -> str:
    if not stored:
        return reason
    return (
        f"{reason} (the {stored:,} records before it were stored; the document will be read "
        "again next time)"
    )
