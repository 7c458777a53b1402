"""The assets pages: add an asset, upload a real lockfile, read its findings, compare uploads."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clearinghouse.knowledge import service as knowledge
from clearinghouse.runtime import Runtime
from tests.identity_world import World, csrf_from, sign_in
from tests.shared_data import shared_file

LOCKS = "osv-scanner-fixtures/testdata/exp-plugins-pkgdeprecate"


def test_an_operator_adds_an_asset_uploads_a_lockfile_and_reads_its_findings(
    browser_client: TestClient, runtime: Runtime, world: World
):
    knowledge.import_feed(
        runtime.sessions, "osv", shared_file("osv-rustsec/rustsec-osv-branch.tar.gz")
    )
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get("/assets")
    assert page.status_code == 200 and "No assets yet" in page.text
    created = browser_client.post(
        "/assets",
        data={
            "name": "Lab gateway",
            "kind": "service",
            "exposure": "internet-facing",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    asset_url = created.headers["location"]
    page = browser_client.get(asset_url)
    token = csrf_from(page.text)
    for name, expected in (("deprecated-vuln", "CVE-2020-35919"), ("clean", "No open findings")):
        lockfile = shared_file(f"{LOCKS}/{name}/Cargo.lock")
        answer = browser_client.post(
            f"{asset_url}/uploads",
            data={"csrf_token": token},
            files={"file": ("Cargo.lock", lockfile.read_bytes())},
        )
        assert answer.status_code == 200, answer.text[:500]
        assert expected in answer.text
    assert "findings opened" in answer.text and "closed" in answer.text
    diff = browser_client.get(f"{asset_url}/diff?old=1&new=2")
    assert diff.status_code == 200 and "net2" in diff.text
    bad = browser_client.post(
        f"{asset_url}/uploads",
        data={"csrf_token": token},
        files={"file": ("Cargo.lock", b"[[package]]\nname = ")},
    )
    assert bad.status_code == 422 and "not valid TOML" in bad.text
    # A file under a name that says nothing: its format is chosen on the form.
    assert '<option value="cargo-lock">' in page.text
    named = browser_client.post(
        f"{asset_url}/uploads",
        data={"csrf_token": token, "file_format": "cargo-lock"},
        files={
            "file": (
                "lockfile-2026.bak",
                shared_file(f"{LOCKS}/deprecated-vuln/Cargo.lock").read_bytes(),
            )
        },
    )
    assert named.status_code == 200 and "(cargo-lock)" in named.text
    unknown = browser_client.post(
        f"{asset_url}/uploads",
        data={"csrf_token": token, "file_format": "word-doc"},
        files={"file": ("notes.doc", b"hello")},
    )
    assert unknown.status_code == 422 and "Unknown format" in unknown.text
    listing = browser_client.get("/assets")
    assert "Lab gateway" in listing.text and "internet-facing" in listing.text
