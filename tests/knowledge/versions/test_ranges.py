"""OSV range evaluation: the schema's examples, limit/last_affected/"0", real records."""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest

from clearinghouse.knowledge.versions import (
    AffectedRanges,
    InvalidRange,
    InvalidVersion,
    Match,
    affected,
    evaluate,
    explain,
)
from tests.shared_data import LOCAL, shared_file

RECORDS = LOCAL / "osv-records"


def semver(*events: dict[str, str]) -> list[dict[str, Any]]:
    return [{"type": "SEMVER", "events": list(events)}]


# --- The examples of the OSV schema's "Evaluation" section -----------------------------------


def test_unfixed_every_version_is_affected() -> None:
    ranges = semver({"introduced": "0"})
    for version in ["0.0.0", "0.0.1-alpha", "1.0.0", "99.0.0"]:
        assert affected("npm", version, ranges)
    match = explain("npm", "1.0.0", ranges)
    assert match == Match(0, "SEMVER", "0", None, None, ())


def test_fixed_everything_before_the_fix() -> None:
    ranges = semver({"introduced": "0"}, {"fixed": "1.0.2"})
    assert affected("npm", "1.0.1", ranges)
    assert affected("npm", "1.0.2-rc.1", ranges)
    assert not affected("npm", "1.0.2", ranges)
    assert not affected("npm", "1.0.3", ranges)
    assert explain("npm", "0.5.0", ranges) == Match(0, "SEMVER", "0", "1.0.2", None, ("1.0.2",))


def test_multiple_intervals_in_one_range() -> None:
    ranges = semver(
        {"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}
    )
    expected = {
        "0.9.9": False,
        "1.0.0": True,
        "1.0.1": True,
        "1.0.2": False,
        "2.9.0": False,
        "3.0.0": True,
        "3.2.4": True,
        "3.2.5": False,
        "4.0.0": False,
    }
    assert {v: affected("npm", v, ranges) for v in expected} == expected
    match = explain("npm", "1.0.1", ranges)
    assert match is not None
    assert (match.introduced, match.fixed, match.fixed_versions) == (
        "1.0.0",
        "1.0.2",
        ("1.0.2", "3.2.5"),
    )
    match = explain("npm", "3.1.0", ranges)
    assert match is not None
    assert (match.introduced, match.fixed, match.fixed_versions) == ("3.0.0", "3.2.5", ("3.2.5",))


def test_last_affected_includes_that_version_and_nothing_after() -> None:
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "2.1.214"}]}]
    assert affected("Maven", "2.1.214", ranges)
    assert affected("Maven", "1.0", ranges)
    assert not affected("Maven", "2.1.215", ranges)
    match = explain("Maven", "2.1.214", ranges)
    assert match == Match(0, "ECOSYSTEM", "0", None, "2.1.214", ())


def test_fixed_excludes_the_fix_version() -> None:
    ranges = semver({"introduced": "0"}, {"fixed": "2.1.214"})
    assert affected("npm", "2.1.213", ranges)
    assert not affected("npm", "2.1.214", ranges)


def test_limit_bounds_the_range() -> None:
    ranges = semver({"introduced": "1.0.0"}, {"limit": "1.5.0"})
    assert affected("npm", "1.4.9", ranges)
    assert not affected("npm", "1.5.0", ranges)
    assert not affected("npm", "0.9.0", ranges)
    # several limits: below any of them is enough
    ranges = semver({"introduced": "1.0.0"}, {"limit": "1.5.0"}, {"limit": "2.5.0"})
    assert affected("npm", "2.0.0", ranges)
    assert not affected("npm", "2.5.0", ranges)
    # "*" is infinity, the implicit default
    ranges = semver({"introduced": "1.0.0"}, {"limit": "*"})
    assert affected("npm", "99.0.0", ranges)
    # a limit does not undo a fix
    ranges = semver({"introduced": "1.0.0"}, {"fixed": "1.2.0"}, {"limit": "2.0.0"})
    assert not affected("npm", "1.3.0", ranges)


def test_ranges_are_or_ed_and_the_versions_list_counts() -> None:
    ranges = [
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.1"}]},
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.1"}]},
    ]
    assert affected("PyPI", "1.0.5", ranges)
    first = explain("PyPI", "2.0.5", ranges)
    assert first is not None and first.range_index == 1
    assert not affected("PyPI", "3.0", ranges)
    assert affected("PyPI", "3.0", ranges, versions=["3.0"])
    # list entries match by the ecosystem's equality too, and unreadable entries only as text
    assert affected("PyPI", "3.0.0", ranges, versions=["3.0"])
    assert affected("PyPI", "v-tag/2", [], versions=["v-tag/2"])
    via_list = explain("PyPI", "3.0", ranges, versions=["3.0"])
    assert via_list == Match(None, None, None, None, None, ())


def test_event_order_in_the_record_does_not_matter_but_ties_keep_it() -> None:
    shuffled = semver({"fixed": "1.0.2"}, {"introduced": "0"})
    assert affected("npm", "1.0.1", shuffled)
    # fixed X then introduced X (another branch): X is affected again
    branches = semver(
        {"introduced": "0"}, {"fixed": "3.1.1"}, {"introduced": "3.1.1"}, {"fixed": "3.1.3"}
    )
    assert affected("npm", "3.1.1", branches)
    assert not affected("npm", "3.1.3", branches)
    # introduced X then fixed X: an empty interval
    empty = semver({"introduced": "1.0.0"}, {"fixed": "1.0.0"})
    assert not affected("npm", "1.0.0", empty)


def test_git_ranges_are_reported_not_guessed() -> None:
    ranges = [
        {
            "type": "GIT",
            "repo": "https://github.com/owner/repo",
            "events": [{"introduced": "0"}, {"fixed": "b42dd4badf803bb9fb71ac34cd9cb0c249262f2c"}],
        },
        {"type": "ECOSYSTEM", "events": [{"introduced": "4.0"}, {"fixed": "4.3"}]},
    ]
    result = evaluate("PyPI", "4.1", ranges)
    assert result.affected and result.unevaluated == (0,)
    assert result.matches[0].range_index == 1
    only_git = evaluate("PyPI", "1.0", ranges[:1])
    assert not only_git.affected and only_git.unevaluated == (0,)


def test_semver_ranges_use_semver_whatever_the_ecosystem() -> None:
    # Go versions carry a "v"; OSV SEMVER events do not.
    ranges = semver({"introduced": "0"}, {"fixed": "1.2.3"})
    assert affected("Go", "v1.2.2", ranges)
    assert not affected("Go", "v1.2.3", ranges)
    # an ecosystem without ordering rules of its own can still be evaluated on SEMVER ranges,
    # and its versions list still matches by string
    assert affected("GitHub Actions", "1.0.0", ranges)
    assert affected("GitHub Actions", "v2", [], versions=["v2"])
    assert not affected("GitHub Actions", "v2.0", [], versions=["v2"])


@pytest.mark.parametrize(
    ("ranges", "says"),
    [
        ([{"type": "SEMVER", "events": []}], "has no events"),
        ([{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}], "no introduced event"),
        (
            [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1.0.0"}]}],
            "exactly one of",
        ),
        ([{"type": "SEMVER", "events": [{"introduced": "1.x"}]}], "introduced version '1.x'"),
        ([{"type": "semver", "events": [{"introduced": "0"}]}], "unknown range type 'semver'"),
    ],
)
def test_unusable_ranges_raise(ranges: list[dict[str, Any]], says: str) -> None:
    with pytest.raises(InvalidRange, match=says):
        affected("npm", "1.0.0", ranges)


def test_an_unreadable_version_raises_instead_of_answering() -> None:
    ranges = semver({"introduced": "0"}, {"fixed": "1.0.0"})
    with pytest.raises(InvalidVersion, match=r"npm version '1\.x' is not valid"):
        affected("npm", "1.x", ranges)


def test_compiled_ranges_serve_many_versions() -> None:
    compiled = AffectedRanges(
        "Debian:12",
        [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.36-9+deb12u4"}]}],
    )
    assert compiled.evaluate("2.36-9+deb12u3").affected
    assert compiled.evaluate("2.36-9~bpo11+1").affected
    assert not compiled.evaluate("2.36-9+deb12u4").affected
    assert not compiled.evaluate("2.37-1").affected


# --- Real records -----------------------------------------------------------------------------


def _record(name: str) -> dict[str, Any]:
    path = RECORDS / name
    if path.suffix == ".yaml":
        yaml = pytest.importorskip("yaml")
        loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return loaded
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _affected(record: dict[str, Any], package: str) -> dict[str, Any]:
    return next(a for a in record["affected"] if a["package"]["name"] == package)


def test_go_stdlib_two_branches() -> None:
    entry = _affected(_record("GO-2022-0229.json"), "stdlib")
    ranges = entry["ranges"]
    assert affected("Go", "v1.12.15", ranges)
    assert not affected("Go", "v1.12.16", ranges)
    assert affected("Go", "v1.13.0-beta1", ranges)  # pre-releases of 1.13.0 are >= 1.13.0-0
    assert affected("Go", "v1.13.0-rc1", ranges)  # >= 1.13.0-0
    assert affected("Go", "v1.13.6", ranges)
    assert not affected("Go", "v1.13.7", ranges)
    match = explain("Go", "v1.13.3", ranges)
    assert match is not None
    assert (match.introduced, match.fixed, match.fixed_versions) == (
        "1.13.0-0",
        "1.13.7",
        ("1.13.7",),
    )
    match = explain("Go", "v1.11.0", ranges)
    assert match is not None and match.fixed_versions == ("1.12.16", "1.13.7")


def test_go_pseudo_versions() -> None:
    crypto = _affected(_record("GO-2022-0229.json"), "golang.org/x/crypto")["ranges"]
    assert affected("Go", "v0.0.0-20191206172530-e9b2fee46413", crypto)
    assert not affected("Go", "v0.0.0-20200124225646-8b5121be2f68", crypto)
    assert not affected("Go", "v0.0.0-20210921155107-089bfa567519", crypto)
    dns = _affected(_record("GO-2020-0006.json"), "github.com/miekg/dns")["ranges"]
    assert affected("Go", "v1.0.3", dns)
    assert affected("Go", "v1.0.4-0.20180101000000-000000000000", dns)
    assert not affected("Go", "v1.0.4-0.20180125103619-43913f2f4fbd", dns)
    assert not affected("Go", "v1.0.4", dns)


def test_rustsec_four_branches_with_prereleases() -> None:
    ranges = _affected(_record("RUSTSEC-2020-0069.json"), "lettre")["ranges"]
    expected = {
        "0.6.9": False,
        "0.7.0": True,
        "0.7.1": False,
        "0.8.3": True,
        "0.8.4": False,
        "0.9.4": True,
        "0.9.5": False,
        "0.10.0-alpha.1": True,
        "0.10.0-alpha.3": True,
        "0.10.0-alpha.4": False,
        "0.10.0": False,
    }
    assert {v: affected("crates.io", v, ranges) for v in expected} == expected
    match = explain("crates.io", "0.9.0", ranges)
    assert match is not None
    assert match.fixed == "0.9.5"
    assert match.fixed_versions == ("0.9.5", "0.10.0-alpha.4")


def test_pypi_git_and_ecosystem_ranges_with_versions() -> None:
    entry = _affected(_record("PYSEC-2021-335.yaml"), "accesscontrol")
    result = evaluate("PyPI", "5.1", entry["ranges"], entry["versions"])
    assert result.affected and result.unevaluated == (0,)
    assert [m.range_index for m in result.matches] == [None, 1]
    assert not affected("PyPI", "4.3", entry["ranges"], entry["versions"])
    assert not affected("PyPI", "5.2", entry["ranges"], entry["versions"])
    for version in entry["versions"]:
        assert affected("PyPI", version, entry["ranges"])


def test_pypi_last_affected_with_a_legacy_version_listed() -> None:
    entry = _affected(_record("PYSEC-2022-42969.yaml"), "py")
    assert affected("PyPI", "1.11.0", entry["ranges"])
    assert not affected("PyPI", "1.11.1", entry["ranges"])
    assert "0.8.0-alpha2" in entry["versions"]
    for version in entry["versions"]:
        assert affected("PyPI", version, entry["ranges"]), version


def test_pypi_no_fix_at_all() -> None:
    entry = _affected(_record("PYSEC-2018-109.yaml"), "ajenti-panel")
    match = explain("PyPI", "2.1.0", entry["ranges"], entry["versions"])
    assert match is not None and match.fixed is None and match.fixed_versions == ()


def test_almalinux_rpm_release() -> None:
    entry = _affected(_record("ALSA-2025-10195.json"), "thunderbird")
    ecosystem = entry["package"]["ecosystem"]
    assert ecosystem == "AlmaLinux:10"
    ranges = entry["ranges"]
    assert affected(ecosystem, "128.11.0-1.el10_0.alma.1", ranges)
    assert affected(ecosystem, "128.12.0-1.el10_0", ranges)  # "alma.1" sorts after the end
    assert not affected(ecosystem, "128.12.0-1.el10_0.alma.1", ranges)
    assert not affected(ecosystem, "128.12.0-2.el10_0.alma.1", ranges)
    assert not affected(ecosystem, "1:1.0-1.el10", ranges)  # a higher epoch wins


# --- A whole corpus ----------------------------------------------------------------------------

# Listed versions that the schema's algorithm says are not affected, and why:
PYSEC_LIST_ONLY = {
    # introduced: "3.2" / "4.2": pre-releases of the introducing version sort before it
    ("PYSEC-2023-61", "3.2a1"),
    ("PYSEC-2023-61", "3.2b1"),
    ("PYSEC-2023-61", "3.2rc1"),
    ("PYSEC-2023-61", "4.2a1"),
    ("PYSEC-2023-61", "4.2b1"),
    ("PYSEC-2023-61", "4.2rc1"),
    # the fixed version itself is listed as affected
    ("PYSEC-2023-177", "23.9.0"),
    ("PYSEC-2023-177", "23.9.0.post1"),
    # two overlapping intervals in one events list; the algorithm closes both at 2.11.6
    ("PYSEC-2021-114", "2.11.6"),
}


def test_pypa_corpus_listed_versions_agree_with_the_ranges() -> None:
    """osv.dev fills `versions` by evaluating the ranges against PyPI's releases, so every listed
    version should evaluate as affected; the few exceptions are data errors, named above."""
    yaml = pytest.importorskip("yaml")
    archive = shared_file("osv-pypi-pysec/pypa-advisory-database.tar.gz")
    checked, disagree = 0, set()
    with tarfile.open(archive) as tar:
        for member in tar:
            if not member.name.endswith(".yaml"):
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            record = yaml.safe_load(handle)
            for entry in record.get("affected", []):
                ranges = [r for r in entry.get("ranges", []) if r["type"] != "GIT"]
                if not ranges or not entry.get("versions"):
                    continue
                compiled = AffectedRanges(entry["package"]["ecosystem"], ranges)
                for version in entry["versions"]:
                    checked += 1
                    if not compiled.evaluate(version).affected:
                        disagree.add((record["id"], version))
    assert checked > 100_000
    assert disagree == PYSEC_LIST_ONLY
