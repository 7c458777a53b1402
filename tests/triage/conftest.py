"""A hospital running an old Salt, against the real Salt advisories, KEV entries and CVE records.

The knowledge base holds every PyPA advisory for `salt` (53, with their release-line ranges),
the KEV catalog's Salt entries (a subset of the real 2025-08-25 catalog, entries unchanged) and
CISA's vulnrichment records for the Salt CVEs in the sample.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge import service as knowledge
from clearinghouse.matching import service as matching
from clearinghouse.runtime import Runtime
from tests.identity_world import ORIGIN, World
from tests.shared_data import shared_file

SALT_VERSION = "2019.2.0"
SALT_CVES = ("CVE-2020-35662", "CVE-2023-20897", "CVE-2023-20898")


@dataclass
class Hospital:
    world: World
    asset_id: str  # internet-facing, high criticality: runs salt 2019.2.0
    advisories: Path  # the PyPA salt advisories (YAML)


def salt_advisories(folder: Path) -> Path:
    target = folder / "pysec"
    target.mkdir()
    with tarfile.open(shared_file("osv-pypi-pysec/pypa-advisory-database.tar.gz")) as archive:
        for member in archive:
            if member.isfile() and member.name.startswith("vulns/salt/"):
                handle = archive.extractfile(member)
                assert handle is not None
                (target / Path(member.name).name).write_bytes(handle.read())
    return target


def salt_kev(folder: Path) -> Path:
    catalog = json.loads(shared_file("cisa-kev/known_exploited_vulnerabilities.json").read_text())
    entries = [v for v in catalog["vulnerabilities"] if v["vendorProject"] == "SaltStack"]
    assert len(entries) >= 3
    path = folder / "kev" / "known_exploited_vulnerabilities.json"
    path.parent.mkdir()
    path.write_text(json.dumps({**catalog, "count": len(entries), "vulnerabilities": entries}))
    return path.parent


def salt_cve_records(folder: Path) -> Path:
    target = folder / "cve5"
    target.mkdir()
    archive_path = shared_file("cve-vulnrichment-sample/vulnrichment-sample.tar.gz")
    with tarfile.open(archive_path) as archive:
        for member in archive:
            if member.isfile() and Path(member.name).stem in SALT_CVES:
                handle = archive.extractfile(member)
                assert handle is not None
                (target / Path(member.name).name).write_bytes(handle.read())
    assert len(list(target.iterdir())) == len(SALT_CVES)
    return target


def import_salt(runtime: Runtime, folder: Path) -> Path:
    advisories = salt_advisories(folder)
    for source, path in (
        ("osv", advisories),
        ("kev", salt_kev(folder)),
        ("cve5", salt_cve_records(folder)),
    ):
        run = knowledge.import_feed(runtime.sessions, source, path)
        assert run.status == "succeeded" and not run.rejected, (source, run.errors)
    return advisories


def add_asset(
    runtime: Runtime,
    organization_id: str,
    name: str,
    requirements: str,
    exposure: str = "internet-facing",
    criticality: str = "high",
) -> str:
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        asset_id = inventory.create_asset(
            session,
            cli,
            ORIGIN,
            organization_id,
            AssetIn(name=name, kind="server", exposure=exposure, criticality=criticality),
        ).id
        stored = inventory.add_upload(
            session, cli, ORIGIN, asset_id, "requirements.txt", requirements.encode()
        )
        matching.refresh_assets(session, [asset_id], f"upload:{stored.id}")
    return asset_id


@pytest.fixture
def hospital(runtime: Runtime, world: World, tmp_path: Path) -> Hospital:
    advisories = import_salt(runtime, tmp_path)
    asset_id = add_asset(
        runtime, world.organizations["hospital"], "Config server", f"salt=={SALT_VERSION}\n"
    )
    return Hospital(world, asset_id, advisories)
