"""Importing CSAF 2.0 advisories: the official examples, VEX, Red Hat, the CISA ICS corpus.

Counts found on the shared corpora (printed by the tests, `pytest -s` shows them):
- csaf-examples/csaf-2.0: 27 JSON files; 19 are CSAF advisories and give 59 records (one per
  vulnerability; RHSA-2019:1862 is an informational advisory without vulnerabilities), the other
  8 are ROLIE, aggregator and provider-metadata files and are skipped; nothing is rejected (the
  mandatory tests included, test_csaf_mandatory.py).
- redhat-csaf-to-osv/CSAF: 4 advisories, 3 records; RHSA-2003:315 is rejected by CSAF mandatory
  test 6.1.14 (its revision 2 is dated 14 hours before revision 1).
- csaf-cisa-ics: 2,385 JSON files, of which 2,383 advisories with a `.sha512` each (all verified)
  and 2 ROLIE feeds; 7,822 records; 24 advisories (94 vulnerabilities) rejected by CSAF mandatory
  test 6.1.31 (a version range given as a product_version).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7
from sqlalchemy import select

from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import AffectedProductRow, SourceRecordRow, Vulnerability
from clearinghouse.knowledge.records import normalize_vendor
from clearinghouse.knowledge.sources import csaf
from clearinghouse.knowledge.sources.csaf import (
    SCHEMA_DIR,
    CsafImporter,
    CsafInput,
    check_schema,
)
from clearinghouse.knowledge.sources.csaf_packages import package_for, parse_purl
from clearinghouse.knowledge.sources.csaf_products import ProductInfo
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import RecordRejected, SourceRecord
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli
from tests.identity_world import World, sign_in
from tests.shared_data import shared_file

EXAMPLES = "csaf-examples/csaf-2.0"
CISA = "csaf-cisa-ics/cisagov-csaf.tar.gz"
VALIDATOR = "csaf-validator-tests/csaf-2.0"


def parse_file(path: Path) -> list[SourceRecord]:
    importer = CsafImporter()
    (document,) = importer.read(path)
    return list(importer.parse(document))


def parse_data(data: dict[str, Any], name: str = "test.json") -> list[SourceRecord]:
    return list(CsafImporter().parse(InputDocument(name, json.dumps(data).encode())))


def _cisa_files(name: str) -> dict[str, bytes]:
    """An advisory of the CISA corpus and the files beside it (.sha512, .asc), by file name."""
    with tarfile.open(shared_file(CISA)) as archive:
        files = {}
        for member in archive:
            if member.name.rsplit("/", 1)[-1].startswith(name):
                handle = archive.extractfile(member)
                assert handle is not None
                files[member.name.rsplit("/", 1)[1]] = handle.read()
    return files


# ---------------------------------------------------------------------------- the schema


def test_the_compiled_schema_agrees_with_python_jsonschema() -> None:
    """fastjsonschema compiles the draft 2020-12 schema as draft 7 (the tools' only difference
    that matters here would be `$ref` beside other keywords, which the schema never does); it
    must give python-jsonschema's verdict on every document: the examples, Red Hat's, the
    validator suite and a fifth of the CISA corpus."""
    registry: Registry[Any] = Registry()
    for name in ("cvss-v2.0.json", "cvss-v3.0.json", "cvss-v3.1.json"):
        contents = json.loads((SCHEMA_DIR / name).read_text())
        spec = DRAFT4 if "draft-04" in contents["$schema"] else DRAFT7
        registry = registry.with_resource(
            f"https://www.first.org/cvss/{name}", Resource(contents=contents, specification=spec)
        )
    reference = jsonschema.Draft202012Validator(
        json.loads((SCHEMA_DIR / "csaf_json_schema.json").read_text()), registry=registry
    )
    documents = [
        json.loads(p.read_text())
        for folder in (EXAMPLES + "/csaf", "redhat-csaf-to-osv/CSAF", VALIDATOR)
        for p in sorted(shared_file(folder).rglob("*.json"))
        if not p.name.startswith("testcases")
    ]
    with tarfile.open(shared_file(CISA)) as archive:
        members = [m for m in archive if m.name.endswith(".json") and "/20" in m.name]
        for member in members[::5]:
            handle = archive.extractfile(member)
            assert handle is not None
            documents.append(json.loads(handle.read()))
    assert len(documents) > 650
    disagreements = []
    for data in documents:
        try:
            check_schema(data)
            ours = True
        except RecordRejected:
            ours = False
        if ours != reference.is_valid(data):
            disagreements.append(data["document"]["tracking"]["id"])
    assert disagreements == []


def test_validator_suite_documents_that_break_the_schema_are_rejected() -> None:
    """The CSAF validator suite lists, per test id, documents that must fail and must pass.

    Only test 6.1.8 ("Invalid CVSS": a score object that does not conform to FIRST's CVSS
    schema) is a schema test; the schema catches exactly those documents and rejects them with
    the path of the error, naming 6.1.8. Every other mandatory test (6.1.1 to 6.1.33) compares
    parts of a document with each other — a product id used but not defined, contradicting
    statuses, a CVSS base score that does not fit its vector, a revision history out of order,
    a wrong purl — which a JSON schema cannot express, so those documents pass the schema; the
    importer then runs the mandatory tests (test_csaf_mandatory.py checks each test id).
    """
    folder = shared_file(VALIDATOR)
    cases = json.loads((folder / "testcases.json").read_text())["tests"]
    schema_failures, others = [], []
    for case in cases:
        for expected in case.get("failures", []):
            (schema_failures if case["id"] == "6.1.8" else others).append(expected["name"])
        others.extend(valid["name"] for valid in case.get("valid", []))
    assert schema_failures  # the shared subset keeps at least one per test id
    importer = CsafImporter()
    for name in schema_failures:
        with pytest.raises(
            RecordRejected,
            match=r"^schema: /vulnerabilities/0/scores/0/cvss_v.*\(CSAF mandatory test 6\.1\.8, ",
        ):
            list(importer.parse(InputDocument(name, (folder / name).read_bytes())))
    for name in others:
        check_schema(json.loads((folder / name).read_text()))  # passes: beyond a schema


# ---------------------------------------------------------------------------- examples, VEX


def test_every_official_example_imports(runtime: Runtime) -> None:
    run = service.import_feed(runtime.sessions, "csaf", shared_file(EXAMPLES))
    print(
        f"\nCSAF 2.0 examples: {run.documents} files, {run.added} records, {run.rejected} rejected"
    )
    assert (run.status, run.documents, run.added, run.rejected) == ("succeeded", 27, 59, 0)
    with runtime.sessions() as session:
        log4shell = service.find_vulnerability(session, "CVE-2021-44228")
        sources = session.scalars(select(SourceRecordRow.record_id)).all()
        by_tracking_id = service.find_vulnerability(session, "2022-EVD-UC-01-NA-001")
    assert log4shell is not None and log4shell.display_id == "CVE-2021-44228"
    # Every VEX document telling of Log4Shell keeps its own record and its product statuses.
    vex = {r.record_id for r in log4shell.records if r.record_id.startswith("2022-EVD-UC")}
    assert len(vex) == 10 and "SEC-VEX-2022-0001#CVE-2021-44228" in sources
    assert {p.status for p in log4shell.products} >= {
        "known_affected",
        "fixed",
        "known_not_affected",
        "under_investigation",
    }
    # An advisory's tracking id is not an alias: it is in the record id and the references.
    assert "2022-EVD-UC-01-NA-001" not in log4shell.aliases and by_tracking_id is None


def test_the_vex_examples_keep_their_product_statuses(runtime: Runtime) -> None:
    """The shared set has 13 CSAF VEX examples (12 `2022-evd-uc-*` and `sec-vex-2022-0001`;
    the brief said 14). Each status of each product of each document becomes a product row."""
    files = sorted(shared_file(EXAMPLES + "/csaf/csaf_vex").glob("*.json"))
    assert len(files) == 13
    for file in files:
        data = json.loads(file.read_text())
        records = parse_file(file)
        assert len(records) == len(data["vulnerabilities"])
        for record, vulnerability in zip(records, data["vulnerabilities"], strict=True):
            stated = {(p, s) for s, ids in vulnerability["product_status"].items() for p in ids}
            rows = {(p.product_id, p.status) for p in record.products}
            assert stated <= rows, file.name  # platforms of relationships come on top
    service.import_feed(runtime.sessions, "csaf", shared_file(EXAMPLES + "/csaf/csaf_vex"))
    with runtime.sessions() as session:
        row = session.scalars(
            select(AffectedProductRow)
            .join(SourceRecordRow, SourceRecordRow.id == AffectedProductRow.record_id)
            .where(SourceRecordRow.record_id == "SEC-VEX-2022-0001#CVE-2021-44228")
        ).one()
        shown = service.find_vulnerability(session, "CVE-2021-44228")
    assert (row.vendor, row.product, row.status) == (
        "secvisogram",
        "secvisogram",
        "known_not_affected",
    )
    assert row.version_ranges == ["<=1.14.0"]
    kinds = {(s["kind"], s.get("label") or s.get("category")) for s in row.remediations}
    assert kinds == {("flag", "component_not_present"), ("threat", "impact")}
    assert shown is not None
    secvisogram = [p for p in shown.products if p.record_id.startswith("SEC-VEX")]
    assert secvisogram[0].status == "known_not_affected"
    assert secvisogram[0].remediations[0]["label"] == "component_not_present"


def test_the_page_shows_vex_statuses_and_the_command_line_imports(
    browser_client: TestClient, world: World, tmp_path: Path
) -> None:
    vex = shared_file(EXAMPLES + "/csaf/csaf_vex")
    service.import_feed(world.runtime.sessions, "csaf", vex)
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get("/vulnerabilities", params={"q": "cve-2021-44228"})
    assert str(page.url).endswith("/vulnerabilities/CVE-2021-44228")
    assert "known not affected" in page.text and "component not present" in page.text
    assert "Secvisogram is written in JavaScript. No Java is included." in page.text
    env = cli_env(tmp_path / "var")
    sources = run_cli("feeds", "sources", "--json", env=env)
    assert {"id": "csaf", "licence": "LicenseRef-per-document"}.items() <= next(
        s for s in json.loads(sources.stdout) if s["id"] == "csaf"
    ).items()
    imported = run_cli("feeds", "import", "csaf", str(vex), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["added"] == 53  # 13 documents, 53 vulnerabilities


def test_stored_documents_are_valid_csaf_cut_to_their_vulnerability() -> None:
    """`document` is the advisory with one vulnerability and the products it names: still
    valid CSAF 2.0, so it can be exported as it is."""
    files = sorted(shared_file(EXAMPLES + "/csaf").rglob("*.json"))
    files += sorted(shared_file("redhat-csaf-to-osv/CSAF").glob("*.json"))
    files.remove(shared_file("redhat-csaf-to-osv/CSAF/rhsa-2003_315.json"))  # fails 6.1.14
    for file in files:
        for record in parse_file(file):
            document = json.loads(json.dumps(record.document))
            check_schema(document)
            assert len(document["vulnerabilities"]) == 1
            assert document["document"]["tracking"]["id"] == record.record_id.split("#")[0]
    # The cut keeps what the vulnerability names. In CISA's VA-24-201-01 the three
    # vulnerabilities name 4 or 5 of Adminer's and AdminerEvo's 8 products.
    content = _cisa_files("va-24-201-01.json")["va-24-201-01.json"]
    records = list(CsafImporter().parse(InputDocument("va-24-201-01.json", content)))
    tree = json.loads(content)["product_tree"]
    for record in records:
        check_schema(json.loads(json.dumps(record.document)))
        cut = record.document["product_tree"]
        assert len(json.dumps(cut)) < len(json.dumps(tree))
        assert "relationships" not in cut  # Adminer-in-AdminerEvo is not named
    kept = {
        p["product"]["product_id"]
        for vendor in records[2].document["product_tree"]["branches"]
        for product in vendor["branches"]
        for p in product["branches"]
    }
    assert kept == {"CSAFPID-0006", "CSAFPID-0007", "CSAFPID-0077"}


def test_a_vulnerability_without_a_cve_and_ids_shared_by_several() -> None:
    data = json.loads(shared_file(EXAMPLES + "/csaf/cisco-sa-20180328-smi2.json").read_text())
    second = json.loads(json.dumps(data["vulnerabilities"][0]))
    del second["cve"]
    data["vulnerabilities"].append(second)  # the same Cisco bug id on both: a group's id
    first, other = parse_data(data)
    assert first.record_id == "cisco-sa-20180328-smi2#CVE-2018-0171"
    assert other.record_id == "cisco-sa-20180328-smi2#1"
    assert first.aliases == ("CVE-2018-0171",) and other.aliases == ()
    alone = parse_file(shared_file(EXAMPLES + "/csaf/cisco-sa-20180328-smi2.json"))[0]
    assert alone.aliases == ("CVE-2018-0171", "Cisco Bug ID:CSCvg76186")
    assert alone.references[0].url.startswith("https://tools.cisco.com/security/center/")
    assert alone.references[0].type == "WEB"  # Cisco's references have no category: external
    assert [s.type for s in alone.severities] == ["CVSS_V3"] and alone.cwes == ()


def test_a_summary_note_gives_a_one_sentence_headline_and_stays_whole_in_details() -> None:
    # CISA's vulnerabilities have no title; their summary note is a paragraph, shown under
    # every finding, and runs its sentences together ("execution.CVE-2021-44228 has been").
    files = _cisa_files("icsa-21-357-02.json")
    (record,) = parse_data(json.loads(files["icsa-21-357-02.json"]))
    assert record.summary == (
        "An attacker could enter malicious data into the affected product, causing remote code "
        "execution."
    )
    assert record.details is not None
    assert "CVE-2021-44228 has been assigned to this vulnerability" in record.details
    # A title, where there is one, stays the summary.
    titled = parse_file(shared_file(EXAMPLES + "/csaf/cisco-sa-20180328-smi2.json"))[0]
    assert (
        titled.summary
        == "Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability"
    )


def test_non_csaf_json_is_skipped_and_other_csaf_versions_are_rejected() -> None:
    for name in ("ROLIE/example-01-feed-tlp-white.json", "aggregator/example-01-aggregator.json"):
        assert parse_file(shared_file(f"{EXAMPLES}/{name}")) == []  # not an advisory: silent
    with pytest.raises(RecordRejected, match=r"csaf_version is '2.1'; .* reads CSAF 2.0 only"):
        parse_file(shared_file("csaf-examples/csaf-2.1/csaf/bsi-2022-0001.json"))
    with pytest.raises(RecordRejected, match=r"needs document\.csaf_version"):
        parse_data({"document": {"title": "meant to be CSAF"}})
    with pytest.raises(RecordRejected, match="not valid JSON"):
        list(CsafImporter().parse(InputDocument("broken.json", b"{")))


# ---------------------------------------------------------------------------- Red Hat


def _osv_view(packages: Any) -> set[tuple[str, str, str | None, tuple[str, ...]]]:
    return {
        (
            p["package"]["ecosystem"],
            p["package"]["name"],
            p["package"].get("purl"),
            tuple(e["fixed"] for r in p.get("ranges", []) for e in r["events"] if "fixed" in e),
        )
        for p in packages
    }


def test_red_hat_advisories_import_and_agree_with_the_osv_conversion(runtime: Runtime) -> None:
    """RHSA-2024:4546 against osv.dev's own Red Hat converter output (OSV/RHSA-2024_4546.json).

    Where the concepts line up they agree exactly: the 9 packages (git-lfs, -debuginfo and
    -debugsource in each of the 3 product streams AUS, E4S and TUS of RHEL 8.6 AppStream), the
    ecosystem `Red Hat:<CPE of the stream>`, the versionless purl, and the fixed version
    `0:2.13.3-3.el8_6.1` as an ECOSYSTEM range from "0". The CSAF products are per architecture
    (src, x86_64, ppc64le); like the converter we fold the architectures of one stream into one
    package. Where they differ, by design:
    - OSV's record is the advisory (`id` RHSA-2024:4546, `upstream` CVE-2023-45288); ours is the
      vulnerability (`RHSA-2024:4546#CVE-2023-45288`, alias CVE-2023-45288), so that several
      advisories about one CVE merge into one vulnerability.
    - The converter adds `related: GO-2024-2687` from a reference URL; we do not guess ids from
      URLs (the pkg.go.dev link is kept as a reference).
    - Published/modified: OSV says 2024-09-02T14:30 (the converter's run), ours are the
      document's own tracking dates (2024-07-16 and 2024-09-02).
    """
    run = service.import_feed(runtime.sessions, "csaf", shared_file("redhat-csaf-to-osv/CSAF"))
    print(f"\nRed Hat CSAF: {run.documents} files, {run.added} records, {run.rejected} rejected")
    # RHSA-2003:315 fails CSAF mandatory test 6.1.14: its revision 2 is dated before revision 1.
    assert (run.documents, run.added, run.rejected) == (4, 3, 1)
    assert run.errors[0]["reason"].startswith(
        "CSAF mandatory test 6.1.14 (Sorted Revision History): /document/tracking/revision_history:"
    )
    (record,) = parse_file(shared_file("redhat-csaf-to-osv/CSAF/rhsa-2024_4546.json"))
    expected = json.loads(shared_file("redhat-csaf-to-osv/OSV/RHSA-2024_4546.json").read_text())
    ours = [
        {"package": {"ecosystem": a.ecosystem, "name": a.name, "purl": a.purl}, "ranges": a.ranges}
        for a in record.affected
    ]
    assert _osv_view(ours) == _osv_view(expected["affected"])
    assert len(ours) == 9
    assert all(list(a.ranges) == expected["affected"][0]["ranges"] for a in record.affected)
    assert record.record_id == "RHSA-2024:4546#CVE-2023-45288"
    assert "CVE-2023-45288" in record.aliases and "Red Hat Bugzilla ID:2268273" in record.aliases
    assert [s.score for s in record.severities] == [expected["severity"][0]["score"]]
    assert record.cwes == ("CWE-400",)
    assert {r.url for r in record.references} >= {
        "https://access.redhat.com/errata/RHSA-2024:4546",
        "https://bugzilla.redhat.com/show_bug.cgi?id=2268273",
    }
    # Products: each fixed RPM of each stream, and each stream (a relationship's platform).
    streams = {p.cpe for p in record.products if p.cpe}
    assert streams == {f"cpe:/a:redhat:rhel_{s}:8.6::appstream" for s in ("aus", "e4s", "tus")}
    rpms = [p for p in record.products if p.purl]
    assert len(rpms) == 15 and all(p.status == "fixed" and p.vendor == "Red Hat" for p in rpms)
    assert {p.product for p in rpms} == {"git-lfs", "git-lfs-debuginfo", "git-lfs-debugsource"}
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "Red Hat Bugzilla ID:2268273")
        hits = service.search_package(session, "Red Hat:rhel_aus:8.6::appstream", "git-lfs")
    assert found is not None and found.display_id == "CVE-2023-45288"
    assert [h.display_id for h in hits] == ["CVE-2023-45288"]


# ---------------------------------------------------------------------------- CISA ICS


def test_all_cisa_ics_advisories_import_and_devices_can_be_looked_up(runtime: Runtime) -> None:
    corpus = shared_file(CISA)
    with_sums = sum(
        1 for d in CsafImporter().read(corpus) if isinstance(d, CsafInput) and d.checksums
    )
    run = service.import_feed(runtime.sessions, "csaf", corpus)
    print(
        f"\nCISA ICS: {run.documents} files ({with_sums} with a .sha512, all verified), "
        f"{run.added} records added, {run.rejected} rejected {run.errors[:5]}"
    )
    assert with_sums == 2383
    # 24 advisories fail CSAF mandatory test 6.1.31: a range (`2.4.X`, `8.x`, `12.2.*`) given as
    # a product_version (test_csaf_mandatory.py); their 94 vulnerabilities are not imported.
    assert (run.status, run.documents, run.added, run.rejected) == ("succeeded", 2385, 7822, 24)
    reasons = {e["reason"].split(" (")[0] for e in run.errors}
    assert reasons == {"CSAF mandatory test 6.1.31"}

    def lookup(vendor: str, product: str) -> set[str]:
        with runtime.sessions() as session:
            return set(
                session.scalars(
                    select(Vulnerability.display_id)
                    .join(
                        AffectedProductRow, AffectedProductRow.vulnerability_id == Vulnerability.id
                    )
                    .where(AffectedProductRow.vendor == normalize_vendor(vendor))
                    .where(AffectedProductRow.product == normalize_vendor(product))
                )
            )

    assert "CVE-2024-22182" in lookup("Commend", "WS203VICM")
    # As the KEV catalog names them: its vendorProject and product, normalized by the store.
    kev = json.loads(shared_file("cisa-kev/known_exploited_vulnerabilities.json").read_text())
    for cve in ("CVE-2021-38406", "CVE-2019-7256"):
        entry = next(v for v in kev["vulnerabilities"] if v["cveID"] == cve)
        assert cve in lookup(entry["vendorProject"], entry["product"]), entry["product"]
    # A CVE in several advisories keeps each advisory's products (575 such CVEs here).
    with runtime.sessions() as session:
        shared_cve = service.find_vulnerability(session, "CVE-2017-2680")
    assert shared_cve is not None
    assert {r.record_id.split("#")[0] for r in shared_cve.records} == {
        "ICSA-17-129-02",
        "ICSA-18-023-02",
        "ICSA-18-128-01",
    }
    again = service.import_feed(runtime.sessions, "csaf", corpus)
    assert (again.added, again.changed, again.unchanged, again.rejected) == (0, 0, 7822, 24)


# ---------------------------------------------------------------------------- checksums


def _advisory() -> tuple[str, bytes, bytes]:
    files = _cisa_files("icsa-24-051-01.json")
    return "icsa-24-051-01.json", files["icsa-24-051-01.json"], files["icsa-24-051-01.json.sha512"]


def _write(kind: str, root: Path, files: dict[str, bytes]) -> Path:
    if kind == "folder":
        for name, content in files.items():
            (root / "feed" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "feed" / name).write_bytes(content)
        return root / "feed"
    if kind == "zip":
        with zipfile.ZipFile(root / "feed.zip", "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return root / "feed.zip"
    with tarfile.open(root / "feed.tar.gz", "w:gz") as archive:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return root / "feed.tar.gz"


@pytest.mark.parametrize("kind", ["folder", "zip", "tar.gz"])
def test_a_tampered_document_with_its_original_sha512_is_rejected(
    kind: str, tmp_path: Path
) -> None:
    name, content, sha512 = _advisory()
    assert hashlib.sha512(content).hexdigest() in sha512.decode()
    tampered = content.replace(b"Commend WS203VICM", b"Commend WS203VICX")
    feed = _write(
        kind,
        tmp_path,
        {
            f"2024/{name}": tampered,
            f"2024/{name}.sha512": sha512,
            f"2024/good-{name}": content,
            f"2024/good-{name}.sha512": sha512,
            f"2024/{name}.asc": b"not checked",
        },
    )
    importer = CsafImporter()
    outcome = {}
    for document in importer.read(feed):
        try:
            outcome[document.name] = len(list(importer.parse(document)))
        except RecordRejected as exc:
            outcome[document.name] = str(exc)
    assert outcome[f"2024/good-{name}"] == 3
    reason = outcome[f"2024/{name}"]
    assert isinstance(reason, str) and reason.startswith("checksum mismatch: expected ")
    assert hashlib.sha512(tampered).hexdigest() in reason


@pytest.mark.parametrize("held", [2**30, 0])
def test_a_tar_archive_is_read_once_whatever_the_order_of_its_checksum_files(
    held: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .sha512 before its document, or far after it; with `held` 0 the documents cannot
    wait for the end of the archive and the checksum files are found by a pass of their own,
    once a document asks for them (a document skipped as known never does)."""
    monkeypatch.setattr(csaf, "MAX_HELD_BYTES", held)
    name, content, sha512 = _advisory()
    tampered = content.replace(b"Commend WS203VICM", b"Commend WS203VICX")
    members = [
        (f"b/{name}.sha512", sha512),
        (f"b/{name}", tampered),
        (f"a/{name}", tampered),
        (f"c/{name}", content),
        (f"c/{name}.sha512", sha512),
        (f"a/{name}.sha512", sha512),
    ]
    archive = tmp_path / "feed.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for member_name, data in members:
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    opened: list[Path] = []
    separate_pass = csaf._checksum_files
    monkeypatch.setattr(csaf, "_checksum_files", lambda p: opened.append(p) or separate_pass(p))
    importer = CsafImporter()
    documents = list(importer.read(archive))
    assert opened == []  # read whole, and nothing has asked for a checksum yet
    outcome = {}
    for document in documents:
        try:
            outcome[document.name] = len(list(importer.parse(document)))
        except RecordRejected as exc:
            outcome[document.name] = str(exc).split(":")[0]
    assert outcome == {
        f"b/{name}": "checksum mismatch",
        f"a/{name}": "checksum mismatch",
        f"c/{name}": 3,
    }
    assert len(opened) == (0 if held else 1)


def test_a_single_file_with_its_checksums_and_the_run_reports_a_mismatch(
    runtime: Runtime, tmp_path: Path
) -> None:
    name, content, sha512 = _advisory()
    (tmp_path / name).write_bytes(content)
    (tmp_path / f"{name}.sha512").write_bytes(sha512)
    (tmp_path / f"{name}.sha256").write_text(hashlib.sha256(content).hexdigest() + "\n")
    (document,) = CsafImporter().read(tmp_path / name)
    assert isinstance(document, CsafInput) and [a for a, _ in document.checksums] == [
        "sha256",
        "sha512",
    ]
    assert service.import_feed(runtime.sessions, "csaf", tmp_path / name).added == 3
    (tmp_path / f"{name}.sha256").write_text("0" * 64)
    (tmp_path / name).write_bytes(content + b"\n")  # a new digest: read again, checked again
    run = service.import_feed(runtime.sessions, "csaf", tmp_path / name)
    assert run.rejected == 1 and run.errors[0]["reason"].startswith(
        f"checksum mismatch: expected {'0' * 64} got "
    )
    (tmp_path / f"{name}.sha256").write_text("not a digest")
    with pytest.raises(RecordRejected, match="does not hold a SHA256 digest"):
        parse_file(tmp_path / name)


# ---------------------------------------------------------------------------- packages


def test_purls_map_to_osv_packages_conservatively() -> None:
    def key(purl: str, platform_cpe: str | None = None) -> tuple[str, str, str] | None:
        platform = ProductInfo("p", "platform", cpe=platform_cpe) if platform_cpe else None
        found = package_for(ProductInfo("x", "x", purl=purl, platform=platform))
        return (found.ecosystem, found.name, found.version) if found else None

    assert key("pkg:pypi/Django_Package@4.2") == ("PyPI", "django-package", "4.2")
    assert key("pkg:npm/%40angular/core@12.3.1") == ("npm", "@angular/core", "12.3.1")
    assert key("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1") == (
        "Maven",
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
    )
    assert key("pkg:golang/golang.org/x/net@v0.22.0") == ("Go", "golang.org/x/net", "0.22.0")
    assert key("pkg:cargo/hyper@0.14.1") == ("crates.io", "hyper", "0.14.1")
    assert key("pkg:gem/rails@7.0.0") == ("RubyGems", "rails", "7.0.0")
    assert key("pkg:nuget/Newtonsoft.Json@13.0.1") == ("NuGet", "Newtonsoft.Json", "13.0.1")
    assert key("pkg:composer/Laravel/Framework@10.0") == ("Packagist", "laravel/framework", "10.0")
    assert key("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=bookworm") == (
        "Debian:12",
        "openssl",
        "3.0.11-1~deb12u2",
    )
    assert key("pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64", "cpe:/a:redhat:rhel:8") == (
        "Red Hat:rhel:8",
        "git-lfs",
        "0:2.13.3-3.el8_6.1",
    )
    assert key("pkg:rpm/redhat/bind@9.11.4-9.P2.el7?epoch=32", "cpe:/o:redhat:rhel:7") == (
        "Red Hat:rhel:7",
        "bind",
        "32:9.11.4-9.P2.el7",
    )
    for unmapped in (
        "pkg:npm/left-pad",  # no version: nothing exact to say
        "pkg:maven/log4j-core@2.14.1",  # no group id
        "pkg:deb/debian/libssl3@3.0.11-1?arch=amd64&distro=debian-12",  # a binary package
        "pkg:deb/debian/openssl@3.0.11-1",  # no release
        "pkg:rpm/redhat/git-lfs@2.13.3-3.el8",  # no product stream
        "pkg:rpm/fedora/curl@8.0",
        "pkg:generic/openssl@3.0",
        "not a purl",
    ):
        assert key(unmapped) is None, unmapped
    assert parse_purl("pkg:npm/foo@1.0?a=b#sub/path") is not None


def test_package_versions_follow_the_status() -> None:
    """Affected versions go into `versions`; a fixed version becomes a range only when the
    status says earlier versions were affected (`first_fixed`), or in a distribution."""
    data: dict[str, Any] = {
        "document": json.loads(
            shared_file(EXAMPLES + "/csaf/csaf_vex/2022-evd-uc-01-a-001.json").read_text()
        )["document"],
        "product_tree": {
            "full_product_names": [
                {
                    "name": f"lib {v}",
                    "product_id": f"P{v}",
                    "product_identification_helper": {"purl": f"pkg:pypi/lib@{v}"},
                }
                for v in ("1.0", "1.1", "2.0", "3.0", "4.0", "5.0")
            ]
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2099-0001",
                "product_status": {
                    "known_affected": ["P1.0", "P1.1"],
                    "first_fixed": ["P2.0"],
                    "fixed": ["P3.0"],
                    "recommended": ["P4.0"],
                    "known_not_affected": ["P5.0"],
                },
            }
        ],
    }
    data["document"]["category"] = "csaf_base"  # not a whole VEX document (test 6.1.27)
    (record,) = parse_data(data)
    (package,) = record.affected
    assert (package.ecosystem, package.name, package.versions) == ("PyPI", "lib", ("1.0", "1.1"))
    assert package.ranges == (
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]},
    )
    assert package.database_specific == {
        "csaf": {
            "tracking_id": "2022-EVD-UC-01-A-001",
            "product_ids": ["P1.0", "P1.1", "P2.0"],
            "fixed": ["2.0"],
        }
    }
    assert {(p.product_id, p.status) for p in record.products} == {
        ("P1.0", "known_affected"),
        ("P1.1", "known_affected"),
        ("P2.0", "first_fixed"),
        ("P3.0", "fixed"),
        ("P4.0", "recommended"),
        ("P5.0", "known_not_affected"),
    }
    # Two first fixed versions (two release lines): no range can say it without guessing.
    data["vulnerabilities"][0]["product_status"]["first_fixed"].append("P4.0")
    (package,) = parse_data(data)[0].affected
    assert (package.versions, package.ranges) == (("1.0", "1.1"), ())
    assert package.database_specific["csaf"]["fixed"] == ["2.0", "4.0"]
    data["vulnerabilities"][0]["product_status"]["known_affected"] = ["P5.0"]
    del data["vulnerabilities"][0]["product_status"]["known_not_affected"]
    data["product_tree"]["full_product_names"][-1]["product_identification_helper"] = {
        "purl": "pkg:pypi/lib"  # no version: nothing exact, and no range: no package at all
    }
    assert parse_data(data)[0].affected == ()
    data["vulnerabilities"][0]["product_status"]["known_affected"].append("P9")
    with pytest.raises(RecordRejected, match=r"^CSAF mandatory test 6\.1\.1 .*`P9` is not defined"):
        parse_data(data)
