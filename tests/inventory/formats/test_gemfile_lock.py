"""Gemfile.lock / gems.locked: GEM, GIT and PATH specs, platforms, direct dependencies."""

from __future__ import annotations

from clearinghouse.inventory.formats.gemfile_lock import GemfileLock
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/ruby/gemfilelock/testdata"


def test_platform_gems_keep_the_version_and_carry_the_platform() -> None:
    data = shared_file("osv-scanner-fixtures/testdata/locks-scalibr/gems.locked").read_bytes()
    components = GemfileLock().parse("gems.locked", data).components
    nokogiri = [c for c in components if c.name == "nokogiri"]
    assert [c.version for c in nokogiri] == ["1.18.2", "1.18.2"]
    assert [c.purl for c in nokogiri] == [
        "pkg:gem/nokogiri@1.18.2?platform=arm64-darwin",
        "pkg:gem/nokogiri@1.18.2?platform=x86_64-linux-gnu",
    ]
    assert all(c.direct for c in nokogiri)
    rubydns = components[0]
    assert (rubydns.name, rubydns.version, rubydns.direct) == ("rubydns", "2.0.2", True)
    assert rubydns.location == "line 4 (PATH)"
    racc = next(c for c in components if c.name == "racc")
    assert (racc.ecosystem, racc.direct, racc.purl) == ("RubyGems", False, "pkg:gem/racc@1.8.1")


def test_git_gems_are_kept_with_their_gemspec_version() -> None:
    data = shared_file(f"{FIXTURES}/has-git-gem.lock").read_bytes()
    components = GemfileLock().parse("Gemfile.lock", data).components
    git = [c for c in components if c.location and c.location.endswith("(GIT)")]
    assert {(c.name, c.version) for c in git} == {
        ("hanami-controller", "2.0.0.alpha1"),
        ("hanami-utils", "2.0.0.alpha1"),
    }


def test_a_spec_without_version_is_skipped_with_a_warning() -> None:
    data = shared_file(f"{FIXTURES}/invalid.lock").read_bytes()
    parsed = GemfileLock().parse("Gemfile.lock", data)
    assert parsed.components == ()
    assert parsed.warnings == ("line 4: spec without a version, skipped",)


def test_a_spec_with_only_a_platform_is_skipped_with_a_warning() -> None:
    parsed = GemfileLock().parse("Gemfile.lock", b"GEM\n  specs:\n    a (-x86)\n    b (1.0)\n")
    assert [c.name for c in parsed.components] == ["b"]
    assert parsed.warnings == ("line 3: spec without a version, skipped",)


def test_dependency_lines_below_a_spec_are_not_gems() -> None:
    data = b"GEM\n  remote: https://rubygems.org/\n  specs:\n    a (1.0)\n      b (~> 2.0)\n"
    (a,) = GemfileLock().parse("Gemfile.lock", data).components
    assert (a.name, a.version) == ("a", "1.0")


def test_detected_by_name() -> None:
    assert detect("Gemfile.lock", b"") is GemfileLock
    assert detect("gems.locked", b"") is GemfileLock
