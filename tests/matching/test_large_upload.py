"""A large upload is kept at once and parsed by a job; its findings follow when the job runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fastapi.testclient import TestClient

from clearinghouse.identity.vocabulary import Scope
from clearinghouse.inventory import service as inventory
from clearinghouse.knowledge import service as knowledge
from clearinghouse.runtime import Runtime
from clearinghouse.system import service as system
from clearinghouse.system.models import JobStatus
from tests.identity_world import World


def big_sbom(components: int) -> bytes:
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {
                "type": "library",
                "name": f"filler-package-{n}",
                "version": "1.0.0",
                "purl": f"pkg:pypi/filler-package-{n}@1.0.0",
            }
            for n in range(components)
        ]
        + [{"type": "library", "name": "widget", "version": "1.0", "purl": "pkg:pypi/widget@1.0"}],
    }
    return json.dumps(document, indent=2).encode()


def wait_for(runtime: Runtime, run_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            run = system.get_job_run(session, run_id)
        if run and run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            assert run.status is JobStatus.SUCCEEDED, run
            return
        time.sleep(0.1)
    raise AssertionError(f"job {run_id} did not finish")


def test_a_large_sbom_is_parsed_by_a_job(
    client: TestClient, runtime: Runtime, world: World, tmp_path: Path
):
    advisory = {
        "id": "PYSEC-2099-1",
        "modified": "2026-11-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "widget"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}
                ],
            }
        ],
    }
    (tmp_path / "PYSEC-2099-1.json").write_text(json.dumps(advisory))
    knowledge.import_feed(runtime.sessions, "osv", tmp_path)
    headers = world.bearer("hospital_admin", Scope.INVENTORY_READ, Scope.INVENTORY_WRITE)
    hospital = world.organizations["hospital"]
    asset = client.post(
        f"/api/v1/organizations/{hospital}/assets",
        json={"name": "Records system", "kind": "application", "exposure": "internal"},
        headers=headers,
    ).json()["id"]
    data = big_sbom(40_000)
    assert len(data) > inventory.INLINE_BYTES
    consumer = runtime.queue.start_embedded_consumer(workers=1)
    try:
        answer = client.post(
            f"/api/v1/assets/{asset}/uploads",
            files={"file": ("bom.cdx.json", data)},
            headers=headers,
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["upload"]["status"] == "queued" and answer.json()["job"]
        wait_for(runtime, answer.json()["job"])
        broken = client.post(
            f"/api/v1/assets/{asset}/uploads",
            files={"file": ("bom.cdx.json", b"{" + b" " * inventory.INLINE_BYTES)},
            headers=headers,
        )
        assert broken.status_code == 202
        wait_for(runtime, broken.json()["job"])
    finally:
        consumer.stop(graceful=True)
    uploads = client.get(f"/api/v1/assets/{asset}/uploads", headers=headers).json()
    by_version = {u["version"]: u for u in uploads}
    assert by_version[1]["status"] == "parsed" and by_version[1]["current"]
    assert by_version[1]["component_count"] == 40_001
    assert by_version[2]["status"] == "failed" and by_version[2]["problem"]
    assert not by_version[2]["current"]  # a failed file never replaces the inventory
    findings = client.get(f"/api/v1/assets/{asset}/findings", headers=headers).json()
    assert [(f["vulnerability"], f["component_name"]) for f in findings] == [
        ("PYSEC-2099-1", "widget")
    ]
