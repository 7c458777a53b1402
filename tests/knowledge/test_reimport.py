"""Unchanged re-imports read nothing they read before, and report exactly what the first run did.

Red Hat's four CSAF advisories (shared data): RHSA-2003:315 is rejected by CSAF mandatory test
6.1.14, the other three give one record each.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from clearinghouse import db
from clearinghouse.knowledge import parsing, pipeline
from clearinghouse.knowledge.models import (
    ImportRun,
    InputManifest,
    RememberedDocument,
    SourceRecordRow,
)
from clearinghouse.knowledge.pipeline import run_import
from clearinghouse.knowledge.sources.csaf import CsafImporter
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import Rejected, SourceRecord
from clearinghouse.knowledge.sources.kev import KevImporter
from clearinghouse.runtime import Runtime
from tests.shared_data import shared_file

RED_HAT = "redhat-csaf-to-osv/CSAF"
REJECTED = "rhsa-2003_315.json"
RECORDS = ["rhsa-2015_0008.json", "rhsa-2024_4420.json", "rhsa-2024_4546.json"]
KEV = "cisa-kev/known_exploited_vulnerabilities.json"


class CountingCsaf(CsafImporter):
    """The CSAF importer, counting what it reads and parses."""

    def __init__(self) -> None:
        self.parsed: list[str] = []
        self.reads = 0

    def read(self, path: Path) -> Iterator[InputDocument]:
        self.reads += 1
        return super().read(path)

    def parse(self, document: InputDocument) -> Iterator[SourceRecord]:
        self.parsed.append(document.name)
        return super().parse(document)


def import_once(
    runtime: Runtime, path: Path, include: str | None = None
) -> tuple[ImportRun, CountingCsaf]:
    importer = CountingCsaf()
    run_id = run_import(runtime.sessions, importer, path, include=include, parallel=False)
    with runtime.sessions() as session:
        run = session.get(ImportRun, run_id)
        assert run is not None
        session.expunge(run)
    return run, importer


def outcome(run: ImportRun) -> tuple[object, ...]:
    return (run.status, run.documents, run.added, run.changed, run.unchanged, run.rejected)


def red_hat_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "csaf"
    shutil.copytree(shared_file(RED_HAT), folder)
    return folder


def test_a_rejected_document_is_reported_again_without_being_parsed(
    runtime: Runtime, tmp_path: Path
):
    folder = red_hat_folder(tmp_path)
    first, importer = import_once(runtime, folder)
    assert outcome(first) == ("succeeded", 4, 3, 0, 0, 1)
    assert len(importer.parsed) == 4
    (error,) = first.errors
    assert error["file"] == REJECTED and error["reason"].startswith("CSAF mandatory test 6.1.14")

    again, importer = import_once(runtime, folder)
    assert importer.parsed == []  # a folder is read (hashed), but nothing in it is parsed
    assert outcome(again) == ("succeeded", 4, 0, 0, 3, 1)
    assert again.errors == first.errors


def test_a_changed_rejected_document_is_read_again(runtime: Runtime, tmp_path: Path):
    folder = red_hat_folder(tmp_path)
    import_once(runtime, folder)
    advisory = json.loads((folder / REJECTED).read_text())
    # Its revision history in order: it now passes test 6.1.14 and gives its records.
    history = advisory["document"]["tracking"]["revision_history"]
    history[1]["date"] = "2003-11-13T00:00:00+00:00"
    (folder / REJECTED).write_text(json.dumps(advisory))
    run, importer = import_once(runtime, folder)
    assert importer.parsed == [REJECTED]
    assert run.rejected == 0 and run.errors == [] and run.added >= 1
    with runtime.sessions() as session:  # what was remembered of its earlier bytes is gone
        assert session.scalar(select(func.count()).select_from(RememberedDocument)) == 0
    again, importer = import_once(runtime, folder)
    assert importer.parsed == [] and again.rejected == 0


def test_a_parser_generation_bump_reads_every_document_again(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = red_hat_folder(tmp_path)
    first, _ = import_once(runtime, folder)
    monkeypatch.setattr(parsing, "PARSER_GENERATION", parsing.PARSER_GENERATION + "-next")
    run, importer = import_once(runtime, folder)
    assert sorted(importer.parsed) == sorted(p.name for p in folder.iterdir())
    assert (run.added, run.unchanged, run.rejected) == (0, 3, 1)
    assert run.errors == first.errors


def test_an_unchanged_archive_is_not_opened_and_reports_the_same(runtime: Runtime, tmp_path: Path):
    archive = tmp_path / "red-hat.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(shared_file(RED_HAT), arcname="CSAF")
        truncated = b'{"document": '
        member = tarfile.TarInfo("CSAF/broken.json")
        member.size = len(truncated)
        tar.addfile(member, io.BytesIO(truncated))
    first, _ = import_once(runtime, archive)
    assert outcome(first) == ("succeeded", 5, 3, 0, 0, 2)
    assert {e["file"] for e in first.errors} == {f"CSAF/{REJECTED}", "CSAF/broken.json"}

    again, importer = import_once(runtime, archive)
    assert importer.reads == 0 and importer.parsed == []
    assert outcome(again) == ("succeeded", 5, 0, 0, 3, 2)
    assert again.errors == first.errors

    # The same bytes with another `include` are another input: read, nothing parsed.
    subset, importer = import_once(runtime, archive, include="CSAF/rhsa-20*")
    assert importer.reads == 1 and importer.parsed == []
    assert (subset.documents, subset.unchanged, subset.rejected) == (4, 3, 1)

    # Another archive (one advisory fewer) is read, its documents skipped by their digests.
    smaller = tmp_path / "smaller.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(smaller, "w:gz") as new:
        for member in old:
            if not member.name.endswith("rhsa-2015_0008.json"):
                new.addfile(member, old.extractfile(member) if member.isfile() else None)
    run, importer = import_once(runtime, smaller)
    assert importer.reads == 1 and importer.parsed == []
    assert (run.documents, run.unchanged, run.rejected) == (4, 2, 2)


def test_a_document_superseded_in_its_archive_keeps_its_count_in_the_manifest(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The same advisory twice in one archive: the later copy owns the record, the earlier is
    replayed with the count it gave, and the unchanged archive is not opened."""
    monkeypatch.setattr(db, "IN_LIST_SIZE", 2)  # the look-up of owning documents in pieces
    archive = tmp_path / "red-hat.tar.gz"
    copied = shared_file(f"{RED_HAT}/{RECORDS[1]}")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(shared_file(RED_HAT), arcname="CSAF")
        tar.add(copied, arcname=f"CSAF/mirror/{RECORDS[1]}")
    first, _ = import_once(runtime, archive)
    assert outcome(first) == ("succeeded", 5, 3, 0, 1, 1)
    with runtime.sessions() as session:
        entries = session.scalars(select(InputManifest.documents)).one()
    name = f"CSAF/{RECORDS[1]}"
    digest = parsing.document_digest(CountingCsaf(), name, copied.read_bytes())
    assert [e for e in entries if len(e) > 2] == [[name, digest, 1]]
    assert len(entries) == 5

    again, importer = import_once(runtime, archive)
    assert importer.reads == 0 and importer.parsed == []
    assert outcome(again) == ("succeeded", 5, 0, 0, 4, 1)
    assert again.errors == first.errors


class CountingKev(KevImporter):
    def __init__(self) -> None:
        self.parsed: list[str] = []

    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        self.parsed.append(document.name)
        return super().parse(document)


def test_a_superseded_document_with_rejections_leaves_its_archive_without_a_manifest(
    runtime: Runtime, tmp_path: Path
):
    """Two KEV catalogs in one archive, the first with a bad entry, the second with all of the
    first's good entries: replaying the first would report its records but not its rejection."""
    catalog = json.loads(shared_file(KEV).read_text())
    entries = catalog["vulnerabilities"][:3]
    flawed = {**catalog, "vulnerabilities": [dict(entry) for entry in entries]}
    flawed["vulnerabilities"][1]["dateAdded"] = "yesterday"
    archive = tmp_path / "kev.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, content in (
            ("a.json", flawed),
            ("b.json", {**catalog, "vulnerabilities": entries}),
        ):
            data = json.dumps(content).encode()
            member = tarfile.TarInfo(f"kev/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    first_id = run_import(runtime.sessions, KevImporter(), archive, parallel=False)
    with runtime.sessions() as session:
        first = session.get(ImportRun, first_id)
        manifests = session.scalar(select(func.count()).select_from(InputManifest))
    assert first is not None
    assert (first.documents, first.added, first.unchanged, first.rejected) == (2, 3, 2, 1)
    assert manifests == 0

    importer = CountingKev()
    again_id = run_import(runtime.sessions, importer, archive, parallel=False)
    with runtime.sessions() as session:
        again = session.get(ImportRun, again_id)
    assert again is not None
    assert importer.parsed == ["kev/a.json"]  # read again; the second catalog skipped
    assert (again.documents, again.unchanged, again.rejected) == (2, 5, 1)
    assert again.errors == first.errors


def test_an_archive_whose_records_moved_elsewhere_is_read_again(runtime: Runtime, tmp_path: Path):
    """A manifest holds only while its documents still own their records."""
    folder = red_hat_folder(tmp_path)
    archive = tmp_path / "red-hat.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="CSAF")
    import_once(runtime, archive)
    # The same records from the folder: they are now stored under its documents' digests
    # (a document's digest covers its name, and the names differ).
    import_once(runtime, folder)
    run, importer = import_once(runtime, archive)
    assert importer.reads == 1  # opened, and the three whose records moved are read again
    assert sorted(importer.parsed) == [f"CSAF/{n}" for n in RECORDS]
    assert (run.unchanged, run.rejected, run.errors[0]["file"]) == (3, 1, f"CSAF/{REJECTED}")
    again, importer = import_once(runtime, archive)  # a manifest of its own again
    assert importer.reads == 0 and (again.unchanged, again.rejected) == (3, 1)


def test_a_checksum_mismatch_is_not_remembered(runtime: Runtime, tmp_path: Path):
    """A rejection for what lies beside a document is checked again on every run."""
    folder = red_hat_folder(tmp_path)
    name = "rhsa-2024_4546.json"
    (folder / f"{name}.sha256").write_text("0" * 64)
    run, _ = import_once(runtime, folder)
    assert run.rejected == 2 and any(
        e["reason"].startswith("checksum mismatch") for e in run.errors
    )
    digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / f"{name}.sha256").write_text(f"{digest}  {name}\n")  # the provider fixes it
    run, importer = import_once(runtime, folder)
    assert importer.parsed == [name]
    assert (run.added, run.rejected) == (1, 1)


def test_a_catalog_with_a_bad_entry_is_skipped_and_its_entry_reported_again(
    runtime: Runtime, tmp_path: Path
):
    """A many-record document: its good records stored, its bad entry remembered."""
    catalog = json.loads(shared_file(KEV).read_text())
    catalog["vulnerabilities"] = catalog["vulnerabilities"][:700]
    catalog["vulnerabilities"][3]["dateAdded"] = "yesterday"
    path = tmp_path / "feed" / "kev.json"
    path.parent.mkdir()
    path.write_text(json.dumps(catalog))
    first = run_import(runtime.sessions, KevImporter(), path.parent, parallel=False)
    counting = CountingKev()
    again = run_import(runtime.sessions, counting, path.parent, parallel=False)
    with runtime.sessions() as session:
        runs = [session.get(ImportRun, i) for i in (first, again)]
        stored = session.scalars(select(SourceRecordRow.document_digest).distinct()).all()
    one, two = runs
    assert one is not None and two is not None
    assert (one.added, one.rejected) == (699, 1)
    assert counting.parsed == []
    assert (two.unchanged, two.rejected, two.errors) == (699, 1, one.errors)
    assert len(stored) == 1 and not stored[0].startswith(pipeline.PENDING)


def test_a_failed_batch_remembers_nothing(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = red_hat_folder(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(pipeline, "store_batch", broken)
    run, _ = import_once(runtime, folder)
    assert run.status == "failed"
    with runtime.sessions() as session:
        for table in (RememberedDocument, InputManifest, SourceRecordRow):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    monkeypatch.undo()
    run, importer = import_once(runtime, folder)
    assert len(importer.parsed) == 4 and outcome(run) == ("succeeded", 4, 3, 0, 0, 1)


def test_two_runs_remembering_the_same_documents_do_not_collide(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """As when two imports of one archive overlap: the second read everything before the first
    remembered anything, and remembers the same documents and the same manifest after it."""
    archive = tmp_path / "red-hat.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(shared_file(RED_HAT), arcname="CSAF")
    first, _ = import_once(runtime, archive)
    nothing_known = pipeline.KnownDocuments({}, {}, frozenset())
    monkeypatch.setattr(pipeline, "_known_documents", lambda *args: nothing_known)
    second, importer = import_once(runtime, archive)
    assert second.status == "succeeded" and len(importer.parsed) == 4
    assert (second.unchanged, second.rejected, second.errors) == (3, 1, first.errors)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RememberedDocument)) == 1
        assert session.scalar(select(InputManifest.run_id)) == second.id


def test_a_file_touched_while_it_is_read_gets_no_manifest(runtime: Runtime, tmp_path: Path):
    archive = tmp_path / "red-hat.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(shared_file(RED_HAT), arcname="CSAF")

    class Touching(CountingCsaf):
        def read(self, path: Path) -> Iterator[InputDocument]:
            for number, document in enumerate(super().read(path)):
                yield document
                if number == 0:  # replaced meanwhile, as far as anyone can tell
                    os.utime(path, ns=(1, 1))

    run_import(runtime.sessions, Touching(), archive, parallel=False)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InputManifest)) == 0
    again, importer = import_once(runtime, archive)
    assert importer.reads == 1 and importer.parsed == []  # read again; its documents known
    assert (again.unchanged, again.rejected) == (3, 1)
