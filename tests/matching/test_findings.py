"""Assets, uploads and findings: open on upload, close on upgrade, fan out on advisory change."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge import service as knowledge
from clearinghouse.matching import service as matching
from clearinghouse.matching.models import FindingEvent
from clearinghouse.runtime import Runtime
from tests.identity_world import ORIGIN, World
from tests.shared_data import shared_file

LOCKS = "osv-scanner-fixtures/testdata/exp-plugins-pkgdeprecate"
CARGO_LOCK = """version = 3

[[package]]
name = "demo"
version = "0.1.0"
dependencies = ["widget"]

[[package]]
name = "widget"
version = "{version}"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""


def advisory(folder: Path, fixed: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "id": "RUSTSEC-2099-0001",
        "modified": f"2026-11-0{1 if fixed == '2.0.0' else 2}T00:00:00Z",
        "aliases": ["CVE-2099-0001"],
        "summary": "widget parses untrusted input badly",
        "affected": [
            {
                "package": {"ecosystem": "crates.io", "name": "widget"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
    }
    (folder / "RUSTSEC-2099-0001.json").write_text(json.dumps(document))
    return folder


def asset(runtime: Runtime, world: World, name: str = "Billing") -> str:
    with db.transaction(runtime.sessions) as session:
        return inventory.create_asset(
            session,
            Principal.command_line(),
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(name=name, kind="application", exposure="internet-facing"),
        ).id


def upload(runtime: Runtime, asset_id: str, version: str) -> dict[str, int]:
    data = CARGO_LOCK.format(version=version).encode()
    with db.transaction(runtime.sessions) as session:
        stored = inventory.add_upload(
            session, Principal.command_line(), ORIGIN, asset_id, "Cargo.lock", data
        )
        return dict(matching.refresh_assets(session, [asset_id], f"upload:{stored.id}"))


def open_findings(runtime: Runtime, world: World) -> list[tuple[str, str, str | None]]:
    with runtime.sessions() as session:
        found = matching.list_findings(
            session, Principal.command_line(), world.organizations["hospital"]
        )
    return sorted((f.vulnerability, f.component_name, f.component_version) for f in found)


def test_a_finding_opens_on_upload_and_closes_on_upgrade(
    runtime: Runtime, world: World, tmp_path: Path
):
    knowledge.import_feed(runtime.sessions, "osv", advisory(tmp_path / "a", "2.0.0"))
    billing = asset(runtime, world)
    assert upload(runtime, billing, "1.5.0") == {"opened": 1}
    assert open_findings(runtime, world) == [("CVE-2099-0001", "widget", "1.5.0")]
    assert upload(runtime, billing, "1.5.0") == {}  # the same inventory again: nothing changes
    assert upload(runtime, billing, "2.0.0") == {"closed": 1}
    assert open_findings(runtime, world) == []
    assert upload(runtime, billing, "1.9.9") == {"opened": 1}  # another version: a new finding
    with runtime.sessions() as session:
        diff = inventory.diff_uploads(session, Principal.command_line(), billing, 3, 4)
        kinds = [e.kind for e in session.scalars(select(FindingEvent).order_by(FindingEvent.id))]
    assert [(c.name, c.old, c.new) for c in diff.changed] == [("widget", "2.0.0", "1.9.9")]
    assert kinds == ["opened", "closed", "opened"]


def test_a_changed_advisory_fans_out_to_the_inventories_that_hold_its_package(
    runtime: Runtime, world: World, tmp_path: Path
):
    knowledge.import_feed(runtime.sessions, "osv", advisory(tmp_path / "a", "2.0.0"))
    old, new = asset(runtime, world, "Old"), asset(runtime, world, "New")
    upload(runtime, old, "1.2.0")
    upload(runtime, new, "1.8.0")
    assert len(open_findings(runtime, world)) == 2
    matching.process_vulnerability_events(runtime.sessions)  # the first import's events
    # The advisory is corrected: only versions below 1.5.0 were ever affected.
    changed = knowledge.import_feed(runtime.sessions, "osv", advisory(tmp_path / "b", "1.5.0"))
    assert changed.changed == 1
    counts = matching.process_vulnerability_events(runtime.sessions)
    assert counts["closed"] == 1 and counts["events"] == 1
    assert open_findings(runtime, world) == [("CVE-2099-0001", "widget", "1.2.0")]
    assert matching.process_vulnerability_events(runtime.sessions) == {}  # nothing pending


def test_the_api_takes_a_real_lockfile_and_answers_findings(
    client: TestClient, runtime: Runtime, world: World
):
    run = knowledge.import_feed(
        runtime.sessions, "osv", shared_file("osv-rustsec/rustsec-osv-branch.tar.gz")
    )
    assert run.status == "succeeded"
    headers = world.bearer("hospital_member", Scope.INVENTORY_READ, Scope.INVENTORY_WRITE)
    hospital = world.organizations["hospital"]
    created = client.post(
        f"/api/v1/organizations/{hospital}/assets",
        json={"name": "Lab gateway", "kind": "service", "exposure": "internal"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    asset_id = created.json()["id"]
    lockfile = shared_file(f"{LOCKS}/deprecated-vuln/Cargo.lock")
    answer = client.post(
        f"/api/v1/assets/{asset_id}/uploads",
        files={"file": ("Cargo.lock", lockfile.read_bytes())},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["findings"]["opened"] >= 2
    findings = client.get(f"/api/v1/assets/{asset_id}/findings", headers=headers).json()
    net2 = {f["vulnerability"]: f for f in findings if f["component_name"] == "net2"}
    assert net2["CVE-2020-35919"]["fixed_versions"] == ["0.2.36"]
    assert net2["CVE-2020-35919"]["evidence"]["matched"][0]["record"].startswith("osv:RUSTSEC")
    broken = client.post(
        f"/api/v1/assets/{asset_id}/uploads",
        files={"file": ("Cargo.lock", b"[[package]]\nname = ")},
        headers=headers,
    )
    assert broken.status_code == 422 and "Cargo.lock" in broken.json()["detail"]
    uploads = client.get(f"/api/v1/assets/{asset_id}/uploads", headers=headers).json()
    assert [u["version"] for u in uploads] == [1]  # the rejected file left nothing behind


def _ghsa(folder: Path, aliases: list[str]) -> Path:
    """The same widget bug, published first without its CVE, then with it."""
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "id": "GHSA-w1dg-2099-0001",
        "modified": f"2026-11-0{3 + len(aliases)}T00:00:00Z",
        "aliases": aliases,
        "summary": "widget: crash on crafted input",
        "affected": [
            {
                "package": {"ecosystem": "crates.io", "name": "widget"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "3.0.0"}]}],
            }
        ],
    }
    (folder / "GHSA-w1dg-2099-0001.json").write_text(json.dumps(document))
    return folder


def test_findings_follow_a_vulnerability_merged_into_another(
    runtime: Runtime, world: World, tmp_path: Path
):
    knowledge.import_feed(runtime.sessions, "osv", advisory(tmp_path / "a", "2.0.0"))
    knowledge.import_feed(runtime.sessions, "osv", _ghsa(tmp_path / "g1", []))
    both, ghsa_only = asset(runtime, world, "Both"), asset(runtime, world, "GHSA only")
    upload(runtime, both, "1.5.0")  # affected by both records
    upload(runtime, ghsa_only, "2.5.0")  # only the GHSA's range reaches 2.5.0
    assert [f[0] for f in open_findings(runtime, world)] == [
        "CVE-2099-0001",
        "GHSA-w1dg-2099-0001",
        "GHSA-w1dg-2099-0001",
    ]
    matching.process_vulnerability_events(runtime.sessions)
    # The GHSA now names the CVE: the two vulnerabilities are one.
    run = knowledge.import_feed(runtime.sessions, "osv", _ghsa(tmp_path / "g2", ["CVE-2099-0001"]))
    assert run.status == "succeeded"
    counts = matching.process_vulnerability_events(runtime.sessions)
    assert counts["merged"] >= 1
    with runtime.sessions() as session:
        found = matching.list_findings(
            session, Principal.command_line(), world.organizations["hospital"]
        )
        kinds = [e.kind for e in session.scalars(select(FindingEvent).order_by(FindingEvent.id))]
        survivor = knowledge.find_vulnerability(session, "GHSA-w1dg-2099-0001")
    # One open finding per asset, under the one surviving vulnerability, which every id finds.
    assert sorted((f.asset_id, f.vulnerability) for f in found) == sorted(
        [(both, "CVE-2099-0001"), (ghsa_only, "CVE-2099-0001")]
    )
    assert survivor is not None
    assert {f.vulnerability_id for f in found} == {survivor.id}
    assert "merged" in kinds
    assert matching.process_vulnerability_events(runtime.sessions) == {}
    assert upload(runtime, both, "1.5.0") == {}  # a re-match agrees: nothing to change
