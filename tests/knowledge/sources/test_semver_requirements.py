"""Semantic versions, Cargo requirements (RustSec's conversion) and node-semver ranges."""

from __future__ import annotations

import itertools
import random

import pytest

from clearinghouse.knowledge.sources.semver_requirements import (
    MINIMUM,
    Interval,
    RequirementError,
    Version,
    complement,
    difference,
    intervals_from_events,
    node_range,
    osv_ranges,
    rustsec_events,
    union,
    vers,
)

V = Version.parse


def test_precedence_follows_semver_2() -> None:
    # The ordering example of semver.org, item 11.
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ]
    versions = [V(v) for v in ordered]
    assert all(a < b for a, b in itertools.pairwise(versions))
    assert sorted(random.Random(5).sample(versions, len(versions))) == versions
    assert MINIMUM < V("0.0.0-alpha") < V("0.0.0")
    assert V("1.2.3+build.5") == V("1.2.3")  # build metadata never counts


@pytest.mark.parametrize(
    ("version", "successor"),
    [
        ("1.2.3", "1.2.4-0"),
        ("1.2.3-9", "1.2.3-9.0"),
        ("1.2.3-alpha1", "1.2.3-alpha1.0"),
        ("1.2.3-alpha.1.foo", "1.2.3-alpha.1.foo.0"),
    ],
)
def test_successor_is_the_next_version_up(version: str, successor: str) -> None:
    assert str(V(version).successor()) == successor
    assert V(version) < V(successor)


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-01", "v1.2.3", "1.2.3-"])
def test_malformed_versions_are_refused(text: str) -> None:
    with pytest.raises(RequirementError, match="1"):
        V(text)


# --- Cargo requirements as RustSec converts them ---------------------------------------------


def events(patched: list[str], unaffected: list[str] | None = None) -> list[tuple[str, str]]:
    return [next(iter(e.items())) for e in rustsec_events(patched, unaffected or [])]


def test_no_patched_version_means_every_version() -> None:
    assert events([]) == [("introduced", "0.0.0-0")]


@pytest.mark.parametrize(
    ("requirement", "start", "end"),
    [
        # Cargo's caret and tilde tables, with the `-0` that RustSec adds so that pre-releases
        # of the next version are not counted as patched.
        ("^1.2.3", "1.2.3", "2.0.0-0"),
        ("^1.2", "1.2.0", "2.0.0-0"),
        ("^1", "1.0.0", "2.0.0-0"),
        ("^0.2.3", "0.2.3", "0.3.0-0"),
        ("^0.2", "0.2.0", "0.3.0-0"),
        ("^0.0.3", "0.0.3", "0.0.4-0"),
        ("^0.0", "0.0.0", "0.1.0-0"),
        ("^0", "0.0.0", "1.0.0-0"),
        ("0.4.1", "0.4.1", "0.5.0-0"),  # no operator means ^
        ("~1.2.3", "1.2.3", "1.3.0-0"),
        ("~1.2", "1.2.0", "1.3.0-0"),
        ("~1", "1.0.0", "2.0.0-0"),
        ("^ 0.4.1", "0.4.1", "0.5.0-0"),
    ],
)
def test_caret_and_tilde_requirements(requirement: str, start: str, end: str) -> None:
    assert events([requirement]) == [
        ("introduced", "0.0.0-0"),
        ("fixed", start),
        ("introduced", end),
    ]


def test_patched_and_unaffected_leave_gaps_that_are_affected() -> None:
    # The example advisory of advisory-db.
    assert events([">= 1.2.3, < 1.3.0", ">= 1.3.4"], ["<= 0.1.2"]) == [
        ("introduced", "0.1.3-0"),  # after an inclusive bound: the next version up
        ("fixed", "1.2.3"),
        ("introduced", "1.3.0"),
        ("fixed", "1.3.4"),
    ]
    # RUSTSEC-2021-0128 style: a fix on two release lines.
    assert events([">= 0.5.6, < 0.6.0", ">= 0.6.2"]) == [
        ("introduced", "0.0.0-0"),
        ("fixed", "0.5.6"),
        ("introduced", "0.6.0"),
        ("fixed", "0.6.2"),
    ]


def test_rustsec_quirks_are_kept() -> None:
    # A partial version is padded with zeros whatever the operator (Cargo would read `> 1.2`
    # as `>= 1.3.0`); the official export does the same, and we must equal it.
    assert events(["> 1.2"]) == [("introduced", "0.0.0-0"), ("fixed", "1.2.1-0")]
    assert events(["=1.2"]) == [
        ("introduced", "0.0.0-0"),
        ("fixed", "1.2.0"),
        ("introduced", "1.2.1-0"),
    ]
    # Adjacent unaffected ranges leave an empty interval, written all the same.
    assert events([">= 1.0.0"], ["< 1.0.0"]) == [("introduced", "1.0.0"), ("fixed", "1.0.0")]


@pytest.mark.parametrize(
    ("patched", "unaffected", "reason"),
    [
        ([">= 1.0.0", ">= 1.5.0"], [], "overlapping version ranges"),
        ([">= 1.0.0"], ["<= 1.0.0"], "overlapping version ranges"),
        ([">= 1.0, >= 2.0"], [], "more than one lower bound"),
        (["< 1.0, <= 2.0"], [], "more than one upper bound"),
        (["^1.0, < 2.0"], [], "must be alone"),
        ([">= 1, < 2, < 3"], [], "too many comparators"),
        (["1.*"], [], "wildcard"),
        ([">= 2.0.0, < 1.0.0"], [], "start must be <= end"),
        (["banana"], [], "not a Cargo version requirement"),
    ],
)
def test_requirements_rustsec_refuses(
    patched: list[str], unaffected: list[str], reason: str
) -> None:
    with pytest.raises(RequirementError, match=reason):
        rustsec_events(patched, unaffected)


# --- node-semver ranges -----------------------------------------------------------------------


def intervals(text: str) -> list[str]:
    return [str(i) for i in node_range(text)]


# Real range strings from the Node.js security-wg advisories, with the versions node-semver
# lets through, as intervals under SemVer precedence. `[0.0.0-0, …` is "from the beginning".
REAL_RANGES = [
    ("<=1.5.1", ["[0.0.0-0, 1.5.1]"]),  # npm/1 bassmaster
    ("<  2.0.5", ["[0.0.0-0, 2.0.5)"]),  # npm/16: spaces after the operator
    ("< 3.1.3  || >= 4.0.0 <4.1.1", ["[0.0.0-0, 3.1.3)", "[4.0.0, 4.1.1)"]),  # npm/77
    # npm/8: partial versions. `<3.11` is `<3.11.0-0`, `>= 4` is `>=4.0.0`.
    ("<3.11 || >= 4 <4.5", ["[0.0.0-0, 3.11.0-0)", "[4.0.0, 4.5.0-0)"]),
    ("2.0.x || 2.1.x", ["[2.0.0, 2.1.0-0)", "[2.1.0, 2.2.0-0)"]),  # npm/11: X-ranges
    # npm/309: `>2.51.0` starts at the very next version, 2.51.1-0.
    (">=2.2.6 <2.47.0 || >2.51.0 <=2.67.0", ["[2.2.6, 2.47.0)", "[2.51.1-0, 2.67.0]"]),
    ("<=v2.0.0-alpha7", ["[0.0.0-0, 2.0.0-alpha7]"]),  # npm/66: a leading v
    ("2.1.0-M1 || 2.1.0-M2", ["[2.1.0-M1, 2.1.0-M1]", "[2.1.0-M2, 2.1.0-M2]"]),  # npm/137
    ("^1.1.7 || >= 2.0.1", ["[1.1.7, 2.0.0-0)", "[2.0.1, ∞)"]),  # npm/490 patched
    ("~0.2.2 || >=0.3.2", ["[0.2.2, 0.3.0-0)", "[0.3.2, ∞)"]),  # npm/488 patched
    (">= 0.2.0 <= 0.9.6 || ~0.8.0-pre", ["[0.2.0, 0.9.6]"]),  # npm/305: the ~ is inside
    ("<1.6.5 || < 2.1.7 > 2.0.0", ["[0.0.0-0, 1.6.5)", "[2.0.1-0, 2.1.7)"]),  # npm/49
    ("=3.0.0-rc.1", ["[3.0.0-rc.1, 3.0.0-rc.1]"]),  # npm/330
    (">= 2.2.x", ["[2.2.0, ∞)"]),  # npm/11 patched
    ("*", ["[0.0.0-0, ∞)"]),  # npm/477
    ("<0.0.0", []),  # the advisories' "no patched version"
    ("9.7.x || 10.x", ["[9.7.0, 9.8.0-0)", "[10.0.0, 11.0.0-0)"]),  # core/51
    ("<= 10", ["[0.0.0-0, 11.0.0-0)"]),  # core/54
    (" ^12.19.1 || ^14.15.1 || 15.2.1", ["[12.19.1, 13.0.0-0)", "[14.15.1, 15.0.0-0)",
                                         "[15.2.1, 15.2.1]"]),  # core/69 patched
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), REAL_RANGES)
def test_real_node_semver_ranges(text: str, expected: list[str]) -> None:
    assert intervals(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # node-semver's own desugarings (its range tests).
        ("~1.2.3", ["[1.2.3, 1.3.0-0)"]),
        ("~1.2", ["[1.2.0, 1.3.0-0)"]),
        ("~1", ["[1.0.0, 2.0.0-0)"]),
        ("~> 1.2.3", ["[1.2.3, 1.3.0-0)"]),
        ("^0.0.1", ["[0.0.1, 0.0.2-0)"]),
        ("^0.1.2", ["[0.1.2, 0.2.0-0)"]),
        ("^1.2.3-beta.2", ["[1.2.3-beta.2, 2.0.0-0)"]),
        ("^0.0.1-beta", ["[0.0.1-beta, 0.0.2-0)"]),
        ("^0.x", ["[0.0.0, 1.0.0-0)"]),
        (">1.2", ["[1.3.0, ∞)"]),
        (">1", ["[2.0.0, ∞)"]),
        ("<=1.2", ["[0.0.0-0, 1.3.0-0)"]),
        ("<1.2", ["[0.0.0-0, 1.2.0-0)"]),
        ("1.x", ["[1.0.0, 2.0.0-0)"]),
        ("1.2.*", ["[1.2.0, 1.3.0-0)"]),
        (">=*", ["[0.0.0-0, ∞)"]),
        ("", ["[0.0.0-0, ∞)"]),
        ("1.2.3 - 2.3.4", ["[1.2.3, 2.3.4]"]),
        ("1.2 - 2.3", ["[1.2.0, 2.4.0-0)"]),
        ("1.2.3 - 2", ["[1.2.3, 3.0.0-0)"]),
        ("* - 2", ["[0.0.0-0, 3.0.0-0)"]),
        (">=1.0.0 <1.0.0", []),
        ("<1.0.0 || >=1.0.0", ["[0.0.0-0, ∞)"]),
        ("<=1.0.0 || >1.0.0", ["[0.0.0-0, ∞)"]),  # touching at 1.0.1-0: one interval
    ],
)
def test_node_semver_desugaring(text: str, expected: list[str]) -> None:
    assert intervals(text) == expected


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("<3.11 || >= 4 <4.5", ["3.10.9", "0.0.1", "4.0.0", "4.4.99"], ["3.11.0", "4.5.0"]),
        ("^1.1.7 || >= 2.0.1", ["1.1.7", "1.99.0", "2.0.1", "9.0.0"], ["1.1.6", "2.0.0"]),
        ("2.0.x || 2.1.x", ["2.0.0", "2.1.9"], ["1.9.9", "2.2.0", "2.1.0-rc.1"]),
        ("<=1.5.1", ["0.0.1", "1.5.1"], ["1.5.2", "1.5.2-0"]),
    ],
)
def test_membership_matches_node_semver(text: str, inside: list[str], outside: list[str]) -> None:
    found = node_range(text)
    for version in inside:
        assert any(i.contains(V(version)) for i in found), version
    for version in outside:
        assert not any(i.contains(V(version)) for i in found), version


@pytest.mark.parametrize(
    "text", ["<=1.2.3 || banana", ">= 1.2.3.4", "1.2.3 -", "<1.2.3 >", "^1.2.3 ~~1"]
)
def test_unreadable_ranges_quote_the_text(text: str) -> None:
    with pytest.raises(RequirementError) as caught:
        node_range(text)
    assert repr(text) in str(caught.value)


# --- intervals → OSV --------------------------------------------------------------------------


def test_osv_ranges_use_fixed_and_last_affected_in_separate_ranges() -> None:
    assert osv_ranges(node_range("<1.2.3 || >=2.0.0 <2.1.0")) == [
        {
            "type": "SEMVER",
            "events": [
                {"introduced": "0"},
                {"fixed": "1.2.3"},
                {"introduced": "2.0.0"},
                {"fixed": "2.1.0"},
            ],
        }
    ]
    # OSV allows `fixed` or `last_affected` in a range, not both: two ranges, same union.
    assert osv_ranges(node_range("<=6.8.5 <5.0.3 || >=6.0.0 <=6.8.5")) == [
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "5.0.3"}]},
        {"type": "SEMVER", "events": [{"introduced": "6.0.0"}, {"last_affected": "6.8.5"}]},
    ]
    assert osv_ranges(node_range(">=1.0.0")) == [
        {"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}
    ]
    assert osv_ranges([]) == []


def test_interval_algebra() -> None:
    everything = [Interval(MINIMUM)]
    assert complement(everything) == []
    assert complement([]) == everything
    lines = node_range("20.x || 22.x")
    fixes = node_range("^20.19.2 || ^22.15.1")
    assert [str(i) for i in difference(lines, fixes)] == ["[20.0.0, 20.19.2)", "[22.0.0, 22.15.1)"]
    assert union([Interval(V("1.0.0"), V("1.5.0"), True), Interval(V("1.5.1-0"))]) == [
        Interval(V("1.0.0"))
    ]


def test_events_and_vers_round_trip() -> None:
    found = node_range("<1.2.3 || >=2.0.0 <=2.1.0 || >=3.0.0")
    back = [i for r in osv_ranges(found) for i in intervals_from_events(r["events"])]  # type: ignore[arg-type]
    assert union(back) == found
    assert vers(found) == "vers:semver/<1.2.3|>=2.0.0|<=2.1.0|>=3.0.0"
    assert vers([Interval(MINIMUM)]) == "vers:semver/*"
