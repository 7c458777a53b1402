"""Our matches against osv.dev's recorded answers, in the ecosystems whose corpus we hold.

`querybatch-vectors.jsonl` holds osv.dev's answers to osv-scanner's test queries: package,
version, the ids it returned. For PyPI, Go and crates.io, every expected id that our corpus
knows (by any alias) must be found, and every extra id we report must be explained.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from clearinghouse.knowledge import service
from clearinghouse.matching.packages import PackageMatcher, package_key
from clearinghouse.runtime import Runtime
from tests.shared_data import shared_file

# One pytest-xdist worker runs all of these: the corpus_runtime fixture (three OSV corpora) is
# built once.
pytestmark = pytest.mark.xdist_group("osv-corpus")

ECOSYSTEMS = {"PyPI", "Go", "crates.io"}
# The recordings are of osv-scanner at this commit date; advisories published later, or not
# published yet (Go's placeholder date), cannot be in them.
RECORDED_BY = datetime(2026, 8, 7, tzinfo=UTC)
# Where our corpus's own record disagrees with the record osv.dev served when recording.
DIFFERENT_RECORDS = {
    # GHSA-8x94-hmjh-97hq's own ranges included 2.2.24; the PyPA record of the same
    # vulnerability (CVE-2022-36359) starts at 3.2, and GHSA records are not in our corpus.
    ("django", "2.2.24", "GHSA-8x94-hmjh-97hq"),
    # PYSEC-2021-108 in our (2024) snapshot says "introduced 0"; osv.dev's answer, recorded
    # later, did not list it for 1.24.3 (the GHSA record says >= 1.25.4).
    ("urllib3", "1.24.3", "CVE-2021-33503"),
}


def _vectors() -> list[dict[str, object]]:
    path = shared_file("osv-scanner-fixtures/querybatch-vectors.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if r.get("ecosystem") in ECOSYSTEMS]


def test_every_expected_id_we_know_is_found_and_every_extra_is_explained(
    corpus_runtime: Runtime,
):
    vectors = _vectors()
    assert len(vectors) >= 50
    expected_known = found = 0
    unexplained: list[str] = []
    with corpus_runtime.sessions() as session:
        keys = {package_key(str(v["ecosystem"]), str(v["name"])) for v in vectors}
        matcher = PackageMatcher(service.entries_for_packages(session, keys - {None}))
        for vector in vectors:
            name, version = str(vector["name"]), str(vector["version"])
            key = package_key(str(vector["ecosystem"]), name)
            assert key is not None
            answer = matcher.answer(key, version)
            briefs = service.briefs(session, [hit.vulnerability_id for hit in answer.hits])
            ours = {i for b in briefs.values() for i in (b.display_id, *b.aliases)}
            expected = set(vector.get("expected_ids") or ())  # type: ignore[call-overload]
            known = {e for e in expected if service.find_vulnerability(session, e) is not None}
            expected_known += len(known)
            found += len(known & ours)
            for missing in sorted(known - ours):
                if (name, version, missing) not in DIFFERENT_RECORDS:
                    unexplained.append(f"missing {missing} for {name} {version}")
            for brief in briefs.values():
                if {brief.display_id, *brief.aliases} & expected:
                    continue
                newer = brief_published_after(session, brief.display_id)
                if not newer and (name, version, brief.display_id) not in DIFFERENT_RECORDS:
                    unexplained.append(f"extra {brief.display_id} for {name} {version}")
    print(f"{found} of {expected_known} expected ids our corpus knows were found")
    assert expected_known > 300
    assert not unexplained, unexplained


def brief_published_after(session: Session, identifier: str) -> bool:
    vulnerability = service.find_vulnerability(session, identifier)
    assert vulnerability is not None
    return vulnerability.published is None or vulnerability.published > RECORDED_BY
