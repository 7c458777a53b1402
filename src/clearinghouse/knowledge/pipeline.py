"""Running an importer: read → parse → merge → store, in batches, with the run recorded.

A malformed document or record is rejected with its file and reason and the run goes on.
Each batch is one transaction: a batch is stored whole or not at all. If the database fails,
the run stops, is marked failed with the reason, and keeps the counts of what was stored.

Records are taken from `parse` lazily, so a document of many records (a catalog, a daily CSV of
300,000 scores) is never held whole: it is stored a batch at a time. Every record keeps the digest
of the document it came from; a document whose digest is known is skipped unread. That digest is
written only once the whole document has been read without a single rejection: a document that
spans several batches is stored under a provisional mark and given its digest at its end, and
one with a rejected entry keeps the mark, so that it is read (and its errors reported) again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
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
from clearinghouse.knowledge.sources.interface import (
    Importer,
    RecordRejected,
    Rejected,
    SourceRecord,
)
from clearinghouse.knowledge.store import store_batch

log = logging.getLogger(__name__)
BATCH_SIZE = 500
MAX_RECORDED_ERRORS = 1000


@dataclass(frozen=True)
class Progress:
    documents: int
    records: int
    rejected: int


ProgressCallback = Callable[[Progress], None]


# Bump when parsing changes what a document yields, so that every document is read again.
PARSER_GENERATION = "1"
# Prefix of the provisional digest of a document not (yet) read whole; never a real digest.
PENDING = "pending:"


def document_digest(importer: Importer, name: str, content: bytes) -> str:
    """Equal for the same content at the same place in the input: an importer may take a
    record's id from the file name (the Node.js security-wg's `vuln/core/150.json` is
    NSWG-COR-150), so the same bytes under another name are another document."""
    salt = f"{importer.pipeline_id}:{PARSER_GENERATION}:{name}\0".encode()
    return hashlib.sha256(salt + content).hexdigest()


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
) -> int:
    """Import `path` with `importer`; return the id of the recorded run.

    An input that cannot be read at all (missing, not an archive) raises InputError before a run
    is recorded.
    """
    stream = iter(importer.read(path))
    if include:
        # Only the documents under one folder of a repository snapshot (e.g. "data/osv/*").
        stream = (d for d in stream if fnmatch.fnmatchcase(d.name, include))
    first = next(stream, None)  # opens the input: InputError surfaces here
    documents_in = itertools.chain([first] if first is not None else [], stream)
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
        run_id = run.id
    known_documents = _known_documents(sessions, importer.pipeline_id)
    counts: Counter[str] = Counter()
    errors: list[dict[str, str]] = []
    batch: list[SourceRecord] = []
    documents = records = 0

    def reject(name: str, reason: str) -> None:
        counts["rejected"] += 1
        if len(errors) < MAX_RECORDED_ERRORS:
            errors.append({"file": name, "reason": reason[:1000]})

    def flush() -> None:
        if batch:
            with db.transaction(sessions) as session:
                counts.update(store_batch(session, batch, run_id).counts)
            batch.clear()

    def mark(start: int, digest: str) -> None:
        """Give the records of the current document still in the batch another digest."""
        batch[start:] = [replace(r, document_digest=digest) for r in batch[start:]]

    failure = None
    try:
        for document in documents_in:
            documents += 1
            if document.content is None:
                reject(document.name, document.problem or "unreadable")
                continue
            digest = document_digest(importer, document.name, document.content)
            if digest in known_documents:
                counts["unchanged"] += known_documents[digest]
                records += known_documents[digest]
                continue
            pending = f"{PENDING}{run_id}:{documents}"
            start = len(batch)  # where this document's records begin in the batch
            marker = digest  # the digest its records get: the real one until proven otherwise
            spanned = False  # some of its records were stored before its end
            clean = True  # no entry of it was rejected
            stored = 0  # records of this document already stored by a mid-document flush
            try:
                for item in importer.parse(document):
                    if isinstance(item, Rejected):
                        reject(document.name, f"{item.where}: {item.reason}")
                        if clean:
                            clean = False
                            marker = pending
                            mark(start, pending)
                        continue
                    batch.append(replace(item, document_digest=marker))
                    if len(batch) >= BATCH_SIZE:
                        if not spanned:
                            spanned = True
                            marker = pending
                            mark(start, pending)
                        stored += len(batch) - start
                        flush()
                        start = 0
                        if progress is not None:
                            progress(Progress(documents, records + stored, counts["rejected"]))
            except RecordRejected as exc:
                del batch[start:]
                reject(document.name, _after(str(exc), stored))
                records += stored
                continue
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # A shape the importer did not expect: report it, do not crash the run.
                del batch[start:]
                reject(
                    document.name,
                    _after(f"unexpected content ({type(exc).__name__}: {exc})", stored),
                )
                records += stored
                continue
            records += stored + len(batch) - start
            if spanned:
                flush()
                if clean:
                    with db.transaction(sessions) as session:
                        session.execute(
                            update(SourceRecordRow)
                            .where(SourceRecordRow.source == importer.pipeline_id)
                            .where(SourceRecordRow.document_digest == pending)
                            .values(document_digest=digest)
                        )
            elif len(batch) >= BATCH_SIZE:
                flush()
            if progress is not None:
                progress(Progress(documents, records, counts["rejected"]))
        flush()
    except SQLAlchemyError as exc:
        failure = f"database error, the run stopped: {db.describe_error(exc)}"
        log.exception("import run %s failed", run_id)
    with db.transaction(sessions) as session:
        finished = session.get(ImportRun, run_id)
        assert finished is not None
        finished.status = "failed" if failure else "succeeded"
        finished.failure = failure
        finished.finished_at = db.utcnow()
        finished.documents = documents
        for name in ("added", "changed", "unchanged", "withdrawn", "rejected"):
            setattr(finished, name, counts[name])
        finished.errors = errors
    return run_id


def _after(reason: str, stored: int) -> str:
    if not stored:
        return reason
    return (
        f"{reason} (the {stored:,} records before it were stored; the document will be read "
        "again next time)"
    )
