"""node-semver ranges: node-semver's own include/exclude cases, OSV conversion, the Node.js
security working group's advisories."""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest

from clearinghouse.knowledge.versions import (
    InvalidNpmRange,
    InvalidVersion,
    NpmRange,
    affected,
    npm_range_to_osv_ranges,
    satisfies_npm_range,
)
from tests.shared_data import shared_file

# From node-semver's test/fixtures/range-include.js and range-exclude.js (strict mode only).
INCLUDE = [
    ("1.0.0 - 2.0.0", "1.2.3"),
    ("^1.2.3+build", "1.2.3"),
    ("^1.2.3+build", "1.3.0"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2"),
    ("1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3"),
    ("1.0.0", "1.0.0"),
    (">=*", "0.2.4"),
    ("", "1.0.0"),
    ("*", "1.2.3"),
    (">=1.0.0", "1.0.0"),
    (">1.0.0", "1.0.1"),
    ("<=2.0.0", "2.0.0"),
    ("<=2.0.0", "0.2.9"),
    ("<2.0.0", "1.9999.9999"),
    (">= 1.0.0", "1.0.0"),
    (">=  1.0.0", "1.0.1"),
    ("> 1.0.0", "1.0.1"),
    ("<=   2.0.0", "2.0.0"),
    ("<\t2.0.0", "0.2.9"),
    (">=0.1.97", "0.1.97"),
    ("0.1.20 || 1.2.4", "1.2.4"),
    (">=0.2.3 || <0.0.1", "0.0.0"),
    (">=0.2.3 || <0.0.1", "0.2.4"),
    ("||", "1.3.4"),
    ("2.x.x", "2.1.3"),
    ("1.2.x", "1.2.3"),
    ("1.2.x || 2.x", "2.1.3"),
    ("x", "1.2.3"),
    ("2.*.*", "2.1.3"),
    ("1.2.* || 2.*", "1.2.3"),
    ("2", "2.1.2"),
    ("2.3", "2.3.1"),
    ("~0.0.1", "0.0.2"),
    ("~x", "0.0.9"),
    ("~2", "2.0.9"),
    ("~2.4", "2.4.5"),
    ("~>3.2.1", "3.2.2"),
    ("~1", "1.2.3"),
    ("~>1", "1.2.3"),
    ("~> 1", "1.2.3"),
    ("~1.0", "1.0.2"),
    ("~ 1.0", "1.0.2"),
    ("~ 1.0.3", "1.0.12"),
    (">=1", "1.0.0"),
    (">= 1", "1.0.0"),
    ("<1.2", "1.1.1"),
    ("< 1.2", "1.1.1"),
    ("~v0.5.4-pre", "0.5.5"),
    ("~v0.5.4-pre", "0.5.4"),
    ("=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.7.2"),
    (">=0.7.x", "0.7.2"),
    ("<=0.7.x", "0.6.2"),
    ("~1.2.1 >=1.2.3", "1.2.3"),
    ("~1.2.1 =1.2.3", "1.2.3"),
    ("~1.2.1 1.2.3", "1.2.3"),
    (">=1.2.1 1.2.3", "1.2.3"),
    ("1.2.3 >=1.2.1", "1.2.3"),
    (">=1.2", "1.2.8"),
    ("^1.2.3", "1.8.1"),
    ("^0.1.2", "0.1.2"),
    ("^0.1", "0.1.2"),
    ("^0.0.1", "0.0.1"),
    ("^1.2", "1.4.2"),
    ("^1.2 ^1", "1.4.2"),
    ("^1.2.3-alpha", "1.2.3-pre"),
    ("^1.2.0-alpha", "1.2.0-pre"),
    ("^0.0.1-alpha", "0.0.1-beta"),
    ("^0.0.1-alpha", "0.0.1"),
    ("^0.1.1-alpha", "0.1.1-beta"),
    ("^x", "1.2.3"),
    ("x - 1.0.0", "0.9.7"),
    ("x - 1.x", "0.9.7"),
    ("1.0.0 - x", "1.9.7"),
    ("1.x - x", "1.9.7"),
    ("<=7.x", "7.9.9"),
]
EXCLUDE = [
    ("1.0.0 - 2.0.0", "2.2.3"),
    ("1.2.3+asdf - 2.4.3+asdf", "1.2.3-pre.2"),
    ("1.2.3+asdf - 2.4.3+asdf", "2.4.3-alpha"),
    ("^1.2.3+build", "2.0.0"),
    ("^1.2.3+build", "1.2.0"),
    ("^1.2.3", "1.2.3-pre"),
    ("^1.2", "1.2.0-pre"),
    (">1.2", "1.3.0-beta"),
    ("<=1.2.3", "1.2.3-beta"),
    ("^1.2.3", "1.2.3-beta"),
    ("=0.7.x", "0.7.0-asdf"),
    (">=0.7.x", "0.7.0-asdf"),
    ("<=0.7.x", "0.7.0-asdf"),
    ("1.0.0", "1.0.1"),
    (">=1.0.0", "0.0.0"),
    (">1.0.0", "0.1.0"),
    ("<=2.0.0", "3.0.0"),
    ("<=2.0.0", "2.9999.9999"),
    ("<2.0.0", "2.2.9"),
    (">=0.1.97", "0.1.93"),
    ("0.1.20 || 1.2.4", "1.2.3"),
    (">=0.2.3 || <0.0.1", "0.0.3"),
    (">=0.2.3 || <0.0.1", "0.2.2"),
    ("2.x.x", "1.1.3"),
    ("2.x.x", "3.1.3"),
    ("1.2.x", "1.3.3"),
    ("1.2.x || 2.x", "3.1.3"),
    ("2.*.*", "1.1.3"),
    ("1.2.* || 2.*", "1.1.3"),
    ("2", "1.1.2"),
    ("2.3", "2.4.1"),
    ("~0.0.1", "0.1.0-alpha"),
    ("~0.0.1", "0.1.0"),
    ("~2.4", "2.5.0"),
    ("~2.4", "2.3.9"),
    ("~>3.2.1", "3.3.2"),
    ("~>3.2.1", "3.2.0"),
    ("~1", "0.2.3"),
    ("~>1", "2.2.3"),
    ("~1.0", "1.1.0"),
    ("<1", "1.0.0"),
    (">=1.2", "1.1.1"),
    ("~v0.5.4-beta", "0.5.4-alpha"),
    ("=0.7.x", "0.8.2"),
    (">=0.7.x", "0.6.2"),
    ("<0.7.x", "0.7.2"),
    ("<1.2.3", "1.2.3-beta"),
    ("=1.2.3", "1.2.3-beta"),
    (">1.2", "1.2.8"),
    ("^0.0.1", "0.0.2-alpha"),
    ("^0.0.1", "0.0.2"),
    ("^1.2.3", "2.0.0-alpha"),
    ("^1.2.3", "1.2.2"),
    ("^1.2", "1.1.9"),
    ("^1.0.0", "2.0.0-rc1"),
    ("^1.0.0-0", "2.0.0-rc1"),
    ("^1.0.0-rc2", "2.0.0-rc1"),
    ("1 - 2", "3.0.0-pre"),
    ("1.1.x", "1.0.0-a"),
    ("1.1.x", "1.1.0-a"),
    ("1.x", "1.2.0-a"),
    (">=1.0.0 <1.1.0", "1.1.0"),
    (">=1.0.0 <1.1.0", "1.1.0-pre"),
    (">=1.0.0 <1.1.0-pre", "1.1.0-pre"),
    ("<*", "1.0.0"),
    (">*", "1.0.0"),
]


@pytest.mark.parametrize(("range_text", "version"), INCLUDE)
def test_node_semver_includes(range_text: str, version: str) -> None:
    assert satisfies_npm_range(version, range_text)


@pytest.mark.parametrize(("range_text", "version"), EXCLUDE)
def test_node_semver_excludes(range_text: str, version: str) -> None:
    assert not satisfies_npm_range(version, range_text)


@pytest.mark.parametrize(
    "range_text", [">=1.2.3.4", "1.2.3 - ", "^1.2.3.4", "~foo", ">=1.0.0 <=", "1.2.3pre", "=>1.0.0"]
)
def test_invalid_ranges_raise(range_text: str) -> None:
    with pytest.raises(InvalidNpmRange, match=r"npm range .* is not valid"):
        NpmRange(range_text)


@pytest.mark.parametrize("version", ["1.2", "01.2.3", "1.2.3.4", "latest", "1.2.3-01"])
def test_versions_must_be_strict_semver(version: str) -> None:
    with pytest.raises(InvalidVersion, match="node-semver needs"):
        satisfies_npm_range(version, "*")


@pytest.mark.parametrize(
    ("range_text", "osv"),
    [
        ("*", [[("introduced", "0")]]),
        ("<*", []),
        ("<1.2.3", [[("introduced", "0"), ("fixed", "1.2.3")]]),
        (
            "<1.2.3 || >=2.0.0 <2.1.0",
            [
                [
                    ("introduced", "0"),
                    ("fixed", "1.2.3"),
                    ("introduced", "2.0.0"),
                    ("fixed", "2.1.0"),
                ]
            ],
        ),
        ("^1.2.0", [[("introduced", "1.2.0"), ("fixed", "2.0.0-0")]]),
        ("~1.2", [[("introduced", "1.2.0"), ("fixed", "1.3.0-0")]]),
        ("1.x", [[("introduced", "1.0.0"), ("fixed", "2.0.0-0")]]),
        ("1.2.3 - 2.3.4", [[("introduced", "1.2.3"), ("last_affected", "2.3.4")]]),
        (">1.2.3", [[("introduced", "1.2.4-0")]]),
        (">1.2.3-beta <2", [[("introduced", "1.2.3-beta.0"), ("fixed", "2.0.0-0")]]),
        (
            "<=1.4.0 || 2.0.0",
            [
                [
                    ("introduced", "0"),
                    ("last_affected", "1.4.0"),
                    ("introduced", "2.0.0"),
                    ("last_affected", "2.0.0"),
                ]
            ],
        ),
        (
            "<1.5.0 || 2.0.0",
            [
                [("introduced", "0"), ("fixed", "1.5.0")],
                [("introduced", "2.0.0"), ("last_affected", "2.0.0")],
            ],
        ),
        ("<2.0.0 || >=1.5.0", [[("introduced", "0")]]),
        (">=1.0.0 <1.5.0 || >=1.5.0 <2.0.0", [[("introduced", "1.0.0"), ("fixed", "2.0.0")]]),
        (">=2.0.0 <1.0.0", []),
    ],
)
def test_ranges_become_osv_events(range_text: str, osv: list[list[tuple[str, str]]]) -> None:
    expected = [
        {"type": "SEMVER", "events": [{kind: version} for kind, version in events]}
        for events in osv
    ]
    assert npm_range_to_osv_ranges(range_text) == expected


CANDIDATES = [
    f"{major}.{minor}.{patch}"
    for major in range(4)
    for minor in (0, 1, 2, 5, 9, 10)
    for patch in (0, 1, 2, 3, 4, 8, 16)
]


@pytest.mark.parametrize("range_text", [r for r, _ in INCLUDE + EXCLUDE])
def test_osv_conversion_keeps_the_release_versions(range_text: str) -> None:
    ranges = npm_range_to_osv_ranges(range_text)
    for version in CANDIDATES:
        assert affected("npm", version, ranges) == satisfies_npm_range(version, range_text), version


# --- The Node.js security working group's npm advisories (MIT) ---------------------------------


def _advisories() -> list[dict[str, Any]]:
    archive = shared_file("npm-nodejs-security-wg/nodejs-security-wg-vuln.tar.gz")
    records = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.name.endswith(".json") and "/vuln/" in f"/{member.name}":
                handle = tar.extractfile(member)
                assert handle is not None
                records.append(json.load(handle) | {"_file": member.name})
    return records


def test_every_range_of_the_corpus_parses_and_converts() -> None:
    records = _advisories()
    texts = [
        r[key] for r in records for key in ("vulnerable_versions", "patched_versions") if r.get(key)
    ]
    assert len(texts) > 800
    failures = []
    for text in texts:
        try:
            NpmRange(text).to_osv_ranges()
        except ValueError as error:
            failures.append(str(error))
    assert not failures, failures[:20]


SPOT_CHECKS = [
    # (advisory file, version, vulnerable?, patched?)
    ("vuln/npm/92.json", "2.4.2", True, False),
    ("vuln/npm/92.json", "2.5.0", False, True),
    ("vuln/npm/92.json", "3.0.1", True, False),
    ("vuln/npm/92.json", "3.1.0", False, True),
    ("vuln/npm/400.json", "6.8.5", True, False),
    ("vuln/npm/400.json", "6.8.6", False, True),
    ("vuln/npm/495.json", "5.0.0-beta.4", True, False),
    ("vuln/npm/495.json", "5.0.0-beta.5", False, True),
]


@pytest.mark.parametrize(("name", "version", "vulnerable", "patched"), SPOT_CHECKS)
def test_known_answers(name: str, version: str, vulnerable: bool, patched: bool) -> None:
    record = next(r for r in _advisories() if r["_file"] == name)
    assert satisfies_npm_range(version, record["vulnerable_versions"]) is vulnerable
    assert satisfies_npm_range(version, record["patched_versions"]) is patched
