"""Importing OSV records: real corpora, unchanged re-imports, changes, withdrawals, merges."""

from __future__ import annotations

import copy
import io
import json
import tarfile
from pathlib import Path

from sqlalchemy import func, select

from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import Vulnerability, VulnerabilityEvent
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli
from tests.shared_data import shared_file

LINTER = "osv-linter-samples"


def events(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        rows = session.execute(
            select(VulnerabilityEvent.kind, Vulnerability.display_id)
            .join(Vulnerability, Vulnerability.id == VulnerabilityEvent.vulnerability_id)
            .order_by(VulnerabilityEvent.id)
        )
        return [(kind, display) for kind, display in rows]


def write(folder: Path, name: str, document: dict[str, object]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(document))


def test_the_pypa_corpus_imports_and_reimports_unchanged(runtime: Runtime):
    corpus = next(shared_file("osv-pypi-pysec").glob("*.tar.gz"))
    first = service.import_feed(runtime.sessions, "osv", corpus)
    assert first.status == "succeeded"
    assert first.documents == 2661
    assert first.added + first.withdrawn > 2600
    assert first.rejected == len(first.errors) and first.rejected < 20
    for error in first.errors:  # each names its file and a reason a person can act on
        assert error["file"].startswith("vulns/") and error["reason"]
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "PYSEC-2021-59")
        by_cve = service.find_vulnerability(session, found.display_id) if found else None
        counted = session.scalar(select(func.count()).select_from(VulnerabilityEvent))
    assert found is not None and by_cve is not None and by_cve.id == found.id
    assert found.affected and found.affected[0].ecosystem == "PyPI"
    second = service.import_feed(runtime.sessions, "osv", corpus)
    assert (second.added, second.changed, second.withdrawn) == (0, 0, 0)
    assert second.unchanged == first.added + first.withdrawn + first.changed
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(VulnerabilityEvent)) == counted


def test_the_linter_samples_broken_ones_rejected_with_reasons(runtime: Runtime):
    run = service.import_feed(runtime.sessions, "osv", shared_file(LINTER))
    reasons = {e["file"]: e["reason"] for e in run.errors}
    assert "no 'introduced' event" in reasons["nointroduced-CVE-2023-41045.json"]
    assert "not distinct" in reasons["nondistinct-CVE-2018-5407.json"]
    assert run.rejected == 2
    with runtime.sessions() as session:
        for good in ("GO-2020-0001", "PYSEC-2023-74", "RHSA-2022:0216", "MAL-2024-10238"):
            assert service.find_vulnerability(session, good) is not None, good


def test_a_changed_record_updates_in_place_and_emits_an_event(runtime: Runtime, tmp_path: Path):
    original = json.loads(shared_file(f"{LINTER}/GO-2020-0001.json").read_text())
    feed = tmp_path / "feed"
    write(feed, "GO-2020-0001.json", original)
    service.import_feed(runtime.sessions, "osv", feed)
    changed = copy.deepcopy(original)
    changed["summary"] = "A clearer summary"
    changed["modified"] = "2030-01-01T00:00:00Z"
    write(feed, "GO-2020-0001.json", changed)
    run = service.import_feed(runtime.sessions, "osv", feed)
    assert (run.added, run.changed, run.unchanged) == (0, 1, 0)
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "GO-2020-0001")
    assert found is not None and found.summary == "A clearer summary"
    assert found.field_sources["summary"] == "osv:GO-2020-0001"
    assert [kind for kind, _ in events(runtime)] == ["added", "changed"]

    withdrawn = copy.deepcopy(changed)
    withdrawn["withdrawn"] = "2030-02-01T00:00:00Z"
    write(feed, "GO-2020-0001.json", withdrawn)
    run = service.import_feed(runtime.sessions, "osv", feed)
    assert run.withdrawn == 1
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "GO-2020-0001")
    assert found is not None and found.withdrawn is not None  # marked, not deleted
    assert events(runtime)[-1][0] == "withdrawn"


def test_records_that_share_an_alias_become_one_vulnerability(runtime: Runtime, tmp_path: Path):
    base = json.loads(shared_file(f"{LINTER}/GO-2020-0001.json").read_text())

    def record(record_id: str, aliases: list[str]) -> dict[str, object]:
        document = copy.deepcopy(base)
        document.update(id=record_id, aliases=aliases)
        return document

    write(tmp_path / "a", "one.json", record("GO-2099-0001", ["CVE-2099-1111"]))
    write(tmp_path / "b", "two.json", record("GO-2099-0002", ["GHSA-aaaa-bbbb-cccc"]))
    service.import_feed(runtime.sessions, "osv", tmp_path / "a")
    service.import_feed(runtime.sessions, "osv", tmp_path / "b")
    with runtime.sessions() as session:
        first = service.find_vulnerability(session, "GO-2099-0001")
        second = service.find_vulnerability(session, "GO-2099-0002")
    assert first and second and first.id != second.id
    # A third record says both are the same vulnerability.
    write(
        tmp_path / "c",
        "three.json",
        record("GO-2099-0003", ["CVE-2099-1111", "GHSA-aaaa-bbbb-cccc"]),
    )
    run = service.import_feed(runtime.sessions, "osv", tmp_path / "c")
    assert run.added == 1
    with runtime.sessions() as session:
        merged = {
            service.find_vulnerability(session, i).id  # type: ignore[union-attr]
            for i in (
                "GO-2099-0001",
                "GO-2099-0002",
                "cve-2099-1111",
                "ghsa-aaaa-bbbb-cccc",
                first.id,
                second.id,
            )
        }
        survivor = service.find_vulnerability(session, "CVE-2099-1111")
    assert len(merged) == 1
    assert survivor is not None and survivor.display_id == "CVE-2099-1111"
    assert {r.record_id for r in survivor.records} == {
        "GO-2099-0001",
        "GO-2099-0002",
        "GO-2099-0003",
    }


def test_bad_documents_are_reported_and_the_rest_imports(runtime: Runtime, tmp_path: Path):
    good = shared_file(f"{LINTER}/PYSEC-2023-74.json").read_bytes()
    archive = tmp_path / "feed.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, content in [
            ("good.json", good),
            ("broken.json", b'{"id": "X", '),
            ("latin1.json", '{"id": "caf\xe9"}'.encode("latin-1")),
            ("list.json", b"[1, 2]"),
            ("../../escape.json", good),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    run = service.import_feed(runtime.sessions, "osv", archive)
    reasons = {e["file"]: e["reason"] for e in run.errors}
    assert reasons["broken.json"].startswith("not valid JSON")
    assert reasons["latin1.json"].startswith("not UTF-8")
    assert "must be a JSON object" in reasons["list.json"]
    assert run.added == 1 and run.unchanged == 1  # the second copy of the good one
    assert not (tmp_path.parent / "escape.json").exists()  # archives are never extracted

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: len(archive.read_bytes()) // 2])
    run = service.import_feed(runtime.sessions, "osv", truncated)
    assert run.status == "incomplete"
    assert any("truncated or corrupt" in e["reason"] for e in run.errors)


def test_a_truncated_archive_keeps_what_it_read_and_the_run_says_it_is_incomplete(
    runtime: Runtime, tmp_path: Path
):
    # A download cut short: the records before the cut are good and stored, but the run must
    # not pass for a whole import (a nightly job would never notice), nor keep a manifest.
    whole = shared_file("osv-rustsec/rustsec-osv-branch.tar.gz").read_bytes()
    cut = tmp_path / "rustsec-osv.tar.gz"
    cut.write_bytes(whole[: len(whole) // 3])
    run = service.import_feed(runtime.sessions, "osv", cut)
    assert run.status == "incomplete" and run.failure is None
    assert run.added > 100
    assert run.errors[-1]["file"] == cut.name
    assert run.errors[-1]["reason"].startswith("the archive is truncated or corrupt")
    again = service.import_feed(runtime.sessions, "osv", cut)
    # Read again (no manifest of a cut archive), nothing new, and still incomplete.
    stored = run.added + run.changed + run.withdrawn
    assert (again.status, again.added, again.unchanged) == ("incomplete", 0, stored)
    full = tmp_path / "whole.tar.gz"
    full.write_bytes(whole)
    assert service.import_feed(runtime.sessions, "osv", full).status == "succeeded"

    env = cli_env(tmp_path / "var", COLUMNS="200")
    shown = run_cli("feeds", "import", "osv", str(cut), env=env)
    assert shown.returncode == 1 and "incomplete" in shown.stdout


def test_an_unreadable_input_is_refused_before_anything_starts(runtime: Runtime, tmp_path: Path):
    import pytest

    from clearinghouse.knowledge.sources.inputs import InputError

    (tmp_path / "notes.txt").write_text("hello")
    for path, message in [
        (tmp_path / "missing", "no such file or folder"),
        (tmp_path / "notes.txt", "expected a folder"),
    ]:
        with pytest.raises(InputError, match=message):
            service.import_feed(runtime.sessions, "osv", path)
    (tmp_path / "fake.zip").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable zip"):
        service.import_feed(runtime.sessions, "osv", tmp_path / "fake.zip")


def test_one_folder_of_a_repository_snapshot(runtime: Runtime):
    corpus = next(shared_file("osv-go-vulndb").glob("*.tar.gz"))
    run = service.import_feed(runtime.sessions, "osv", corpus, include="data/osv/*")
    assert run.rejected == 0 and run.documents == 4291
    assert run.added + run.withdrawn == 4291
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "GO-2022-0969")
    assert found is not None and found.affected[0].ecosystem == "Go"


def test_overlong_identifiers_fit_their_columns(runtime: Runtime, tmp_path: Path):
    """A purl longer than the index column is cut there; the record keeps it whole."""
    document = json.loads(shared_file(f"{LINTER}/GO-2020-0001.json").read_text())
    long_purl = "pkg:golang/example.com/" + "x" * 700
    document["affected"][0]["package"]["purl"] = long_purl
    write(tmp_path / "feed", "GO-2020-0001.json", document)
    run = service.import_feed(runtime.sessions, "osv", tmp_path / "feed")
    assert run.added == 1 and run.rejected == 0
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "GO-2020-0001")
    assert found is not None
    assert found.affected[0].purl == long_purl[:500]
    assert found.records[0].document["affected"][0]["package"]["purl"] == long_purl
