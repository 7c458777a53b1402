"""The computing half of an import: read → parse → prepare, as a stream of events.

Everything here is pure computation on the input (decompressing, parsing, validating,
converting, hashing) and never touches the database, so it can run in a worker process while
the importing process stores what came before: on two cores that about halves an import.
The storing half (knowledge.pipeline) consumes the same events either way.

A document yields `Chunk`s of at most `CHUNK_SIZE` items, lazily, so that a document of many
records (a daily EPSS file of 300,000 scores) is never held whole; the last chunk of a document
says so, or carries the reason the document was rejected after its earlier chunks.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from clearinghouse.knowledge.records import PreparedRecord, prepare
from clearinghouse.knowledge.sources.inputs import InputDocument, InputError
from clearinghouse.knowledge.sources.interface import (
    Importer,
    RecordRejected,
    Rejected,
    RejectedByContext,
)

CHUNK_SIZE = 500
# Bump when parsing changes what a document yields, so that every document is read again.
PARSER_GENERATION = "3"
# A worker process costs about a tenth of a second of CPU to start (it imports little more
# than the importer): worth it for inputs past this size, which take seconds to parse.
WORKER_THRESHOLD_BYTES = 2**19


@dataclass(frozen=True)
class Skipped:
    """A document whose digest is known: its records are unchanged, and it was not parsed."""

    name: str
    digest: str
    records: int


@dataclass(frozen=True)
class Unreadable:
    name: str
    problem: str
    ends_input: bool = False  # the rest of the input is lost with it


@dataclass(frozen=True)
class Chunk:
    """Some records (or rejected entries) of one document, in order."""

    name: str
    ordinal: int  # the document's position in the input, from 1
    digest: str  # the document's digest
    items: tuple[PreparedRecord | Rejected, ...]
    last: bool  # the document ends here
    # Set on a last chunk when the document as a whole was rejected part-way: its records not
    # yet stored are dropped.
    failure: str | None = None
    # False when the failure depends on more than the document's bytes: not to be remembered.
    lasting: bool = True


Event = Skipped | Unreadable | Chunk


def document_digest(importer: Importer, name: str, content: bytes) -> str:
    """Equal for the same content at the same place in the input: an importer may take a
    record's id from the file name (the Node.js security-wg's `vuln/core/150.json` is
    NSWG-COR-150), so the same bytes under another name are another document."""
    salt = f"{importer.pipeline_id}:{PARSER_GENERATION}:{name}\0".encode()
    return hashlib.sha256(salt + content).hexdigest()


Events = Generator[Event, None, None]


def parse_events(
    importer: Importer, path: Path, include: str | None, known: Mapping[str, int]
) -> Events:
    """The events of an input, in this process. InputError surfaces at the first `next`."""
    ordinal = 0
    for document in importer.read(path):
        # Only the documents under one folder of a repository snapshot (e.g. "data/osv/*").
        if include and not fnmatch.fnmatchcase(document.name, include):
            continue
        ordinal += 1
        if document.content is None:
            yield Unreadable(document.name, document.problem or "unreadable", document.ends_input)
            continue
        digest = document_digest(importer, document.name, document.content)
        if digest in known:
            yield Skipped(document.name, digest, known[digest])
            continue
        yield from _document_chunks(importer, ordinal, digest, document)


def _document_chunks(
    importer: Importer, ordinal: int, digest: str, document: InputDocument
) -> Iterator[Chunk]:
    name = document.name
    items: list[PreparedRecord | Rejected] = []
    try:
        for item in importer.parse(document):
            items.append(item if isinstance(item, Rejected) else prepare(item))
            if len(items) >= CHUNK_SIZE:
                yield Chunk(name, ordinal, digest, tuple(items), last=False)
                items = []
    except RecordRejected as exc:
        lasting = not isinstance(exc, RejectedByContext)
        yield Chunk(name, ordinal, digest, (), last=True, failure=str(exc), lasting=lasting)
        return
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A shape the importer did not expect: report it, do not crash the run.
        # Not remembered: it is more likely a bug of ours, read again once fixed.
        failure = f"unexpected content ({type(exc).__name__}: {exc})"
        yield Chunk(name, ordinal, digest, (), last=True, failure=failure, lasting=False)
        return
    yield Chunk(name, ordinal, digest, tuple(items), last=True)


def worth_a_worker(path: Path) -> bool:
    """A big input on a machine with a second core: parse it in a worker process."""
    if (os.cpu_count() or 1) < 2 or not path.exists():
        return False
    if path.is_dir():
        return True
    return path.stat().st_size >= WORKER_THRESHOLD_BYTES


class WorkerFailed(RuntimeError):
    """The parsing process died or raised: a bug, reported with its traceback."""


def parse_events_in_worker(
    importer: Importer, path: Path, include: str | None, known: Mapping[str, int]
) -> Events:
    """The same events as `parse_events`, computed in a worker process.

    The worker is a fresh interpreter (`python -m clearinghouse.knowledge.parsing`), not a fork
    (the importing process may hold threads, locks and database connections) and not a
    multiprocessing spawn (which re-imports the caller's main module). It reads its job from
    stdin and sends pickled event groups through a pipe of its own; the pipe's buffer is the
    back-pressure. It is stopped when the consumer stops, early or not.
    """
    read_end, write_end = os.pipe()
    job = pickle.dumps((type(importer), path, include, dict(known)))
    worker = subprocess.Popen(  # noqa: S603 (our own module, our own interpreter)
        [sys.executable, "-m", __name__, str(write_end)],
        stdin=subprocess.PIPE,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    try:
        assert worker.stdin is not None
        worker.stdin.write(job)
        worker.stdin.close()
        with os.fdopen(read_end, "rb") as channel:
            read_end = -1
            yield from _receive(channel, worker)
    finally:
        if read_end >= 0:
            os.close(read_end)
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)


def _receive(channel: IO[bytes], worker: subprocess.Popen[bytes]) -> Events:
    while True:
        try:
            kind, payload = pickle.load(channel)  # noqa: S301 (our own worker's output)
        except EOFError:
            raise WorkerFailed(
                f"the parsing process ended without finishing (exit {worker.wait()})"
            ) from None
        if kind == "events":
            yield from payload
        elif kind == "done":
            return
        elif kind == "input-error":
            raise InputError(payload)
        else:
            raise WorkerFailed(f"the parsing process failed:\n{payload}")


def _work(channel: IO[bytes]) -> None:
    """The worker: send events in groups (fewer, larger messages are cheaper)."""

    def send(kind: str, payload: object) -> None:
        pickle.dump((kind, payload), channel, protocol=pickle.HIGHEST_PROTOCOL)
        channel.flush()

    importer_class, path, include, known = pickle.load(sys.stdin.buffer)  # noqa: S301
    try:
        pending: list[Event] = []
        size = 0
        for event in parse_events(importer_class(), path, include, known):
            pending.append(event)
            size += len(event.items) if isinstance(event, Chunk) else 1
            if size >= CHUNK_SIZE:
                send("events", pending)
                pending, size = [], 0
        send("events", pending)
        send("done", None)
    except InputError as exc:
        send("input-error", str(exc))
    except Exception:  # a bug: the consumer reports it with the traceback
        send("failed", traceback.format_exc())


if __name__ == "__main__":
    # Run the module's functions under its real name, so that pickled events name their
    # classes as the consumer knows them, not as `__main__`.
    from clearinghouse.knowledge.parsing import _work as work

    with os.fdopen(int(sys.argv[1]), "wb") as out, contextlib.suppress(BrokenPipeError):
        work(out)  # BrokenPipeError: the consumer stopped early; nothing is left to do
