"""Manifests of input files: an unchanged input file is answered without being opened.

When an import has read a file (an archive, a catalog) to its end and every document of it
ended in a state the database knows by digest — its records stored under that digest, or the
document remembered with its rejections — the run records the file's documents in order. The
next import of the same bytes (same importer, parser generation and `include`) replays that list
as the events reading it would give, provided every document is still known; otherwise the file
is read as usual. Reading and hashing every member of an unchanged archive was most of what an
unchanged re-import cost.

A folder has no manifest: its digest would cost reading every file, which is what reading it
costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse import db
from clearinghouse.knowledge import parsing
from clearinghouse.knowledge.models import InputManifest, SourceRecordRow
from clearinghouse.knowledge.parsing import Event, Skipped, Unreadable
from clearinghouse.knowledge.sources.interface import Importer

# As stored: [name, digest] for a document the database knows by its digest; [name, digest,
# records] for one whose records a later document of the same file superseded (the same record
# id twice); [name, None, problem] for one that could not be read.
Entry = list[str | int | None]


@dataclass(frozen=True, slots=True)  # (slots: an input may hold hundreds of thousands)
class Read:
    """A document of the input as the run ended it."""

    name: str
    digest: str | None  # None: it could not be read
    records: int = 0
    rejections: bool = False
    problem: str | None = None


@dataclass(frozen=True)
class InputFile:
    """An input file as it was when its import began."""

    path: Path
    digest: str  # of its bytes, salted with the importer, parser generation and `include`
    stamp: tuple[int, int]  # size and modification time, to notice a file changed meanwhile

    def unchanged(self) -> bool:
        try:
            return _stamp(self.path) == self.stamp
        except OSError:
            return False


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def input_file(importer: Importer, path: Path, include: str | None) -> InputFile | None:
    """The input's digest when it is a file (None for a folder or a missing path)."""
    try:
        if not path.is_file():
            return None
        stamp = _stamp(path)
        digest = hashlib.sha256(
            f"{importer.pipeline_id}:{parsing.PARSER_GENERATION}:{include or ''}\0".encode()
        )
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError:
        return None  # reading it will say what is wrong
    return InputFile(path, digest.hexdigest(), stamp)


def replay(
    sessions: sessionmaker[Session], source: str, file: InputFile, known: Mapping[str, int]
) -> list[Event] | None:
    """The events reading `file` would give, when its manifest says and it still holds."""
    with sessions() as session:
        entries = session.scalar(
            select(InputManifest.documents)
            .where(InputManifest.source == source)
            .where(InputManifest.digest == file.digest)
        )
    if entries is None:
        return None
    events: list[Event] = []
    for name, digest, *rest in entries:
        assert isinstance(name, str)
        if digest is None:
            events.append(Unreadable(name, str(rest[0]) if rest else "unreadable"))
        elif not isinstance(digest, str):
            return None
        elif rest:  # superseded within the file: its records are its successors' business
            events.append(Skipped(name, digest, int(rest[0] or 0)))
        elif digest in known:
            events.append(Skipped(name, digest, known[digest]))
        else:
            return None  # a document no longer known (its records came from elsewhere since)
    return events


def record(
    session: Session, source: str, file: InputFile, documents: Sequence[Read], run_id: int
) -> None:
    """Keep the manifest of `file`, replacing any earlier one of the same input or bytes.

    Called as the run ends, every record of it stored: a document none of whose records is
    stored under its digest any more gave them up to a later document of the same file.
    """
    owned = _owning(session, {d.digest for d in documents if d.digest and d.records})
    entries: list[Entry] = []
    for document in documents:
        if document.digest is None:
            entries.append([document.name, None, document.problem])
        elif document.digest in owned or not document.records:  # (no records: remembered)
            entries.append([document.name, document.digest])
        elif document.rejections:
            return  # replaying it would lose its rejections with its records: no manifest
        else:
            entries.append([document.name, document.digest, document.records])
    where = str(file.path)[:1000]
    session.execute(
        delete(InputManifest)
        .where(InputManifest.source == source)
        .where(InputManifest.input == where)
        .where(InputManifest.digest != file.digest)
    )
    # An upsert: another run of the same bytes may be ending right now.
    updated = ("input", "documents", "run_id", "recorded_at")
    upsert = db.upsert(session, InputManifest, ("source", "digest"), updated)
    session.execute(
        upsert.values(
            source=source,
            digest=file.digest,
            input=where,
            documents=entries,
            run_id=run_id,
            recorded_at=db.utcnow(),
        )
    )


def _owning(session: Session, digests: Iterable[str]) -> set[str]:
    """Those of `digests` under which some record is stored.

    A document's digest is salted with its importer (parsing.document_digest), so it names one
    source's document without the source: the look-up is then answered from the digest's index
    alone, without reading the rows (several times faster on SQLite).
    """
    owning: set[str] = set()
    for chunk in db.in_chunks(sorted(digests)):
        owning.update(
            session.scalars(
                select(SourceRecordRow.document_digest)
                .where(SourceRecordRow.document_digest.in_(chunk))
                .distinct()
            )
        )
    return owning
