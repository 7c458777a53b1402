"""Every osv-scalibr parser fixture of our formats parses, or is rejected with a clear error.

The fixtures include deliberately broken files. For each one we state what we extract: the
count, and `REJECTED` for files that are not of the format. Counts follow the fixture's name
where it says ("one-package", "two-packages", "empty"), else what the file holds, read by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packageurl import PackageURL

from clearinghouse.inventory.formats.interface import InventoryFormat, InventoryRejected
from clearinghouse.inventory.formats.registry import format_by_id
from clearinghouse.knowledge.versions.registry import parse as parse_version
from tests.shared_data import COPIED, SHARED, shared_file

REJECTED = -1
LANG = "osv-scalibr-lockfiles/language"
OS = "osv-scalibr-lockfiles/os"

# fixture folder → (our format, {file under testdata/: components, or REJECTED})
FIXTURES: dict[str, tuple[str, dict[str, int]]] = {
    f"{LANG}/rust/cargolock/testdata": ("cargo-lock", {
        "empty.lock": 0, "one-package.lock": 1, "two-packages.lock": 2,
        "two-packages-with-local.lock": 2, "duplicate.lock": 2, "many-packages.lock": 6,
        "package-with-build-string.lock": 1, "package-with-comments.lock": 2,
        "not-toml.txt": REJECTED,
    }),
    f"{LANG}/golang/gomod/testdata": ("go-mod", {
        # + 1 where a `go` directive adds the Go standard library ("stdlib").
        "empty.mod": 0, "one-package.mod": 1, "two-packages.mod": 2 + 1,
        "indirect-1.16.mod": 1 + 1, "indirect-1.23.mod": 2 + 1, "indirect-packages.mod": 5 + 1,
        "replace-one.mod": 1, "replace-different.mod": 2, "replace-local.mod": 2,
        "replace-mixed.mod": 2, "replace-no-version.mod": 1, "replace-not-required.mod": 2,
        "toolchain.mod": 1 + 1, "toolchain-with-suffix.mod": 1 + 1,
        "not-go-mod.mod": REJECTED,
    }),
    f"{LANG}/php/composerlock/testdata": ("composer-lock", {
        "empty.json": 0, "one-package.json": 1, "one-package-dev.json": 1,
        "two-packages.json": 2, "two-packages-alt.json": 2, "duplicate-packages.json": 3,
        "drupal-packages.json": 4, "not-json.txt": REJECTED, "null.jsontest": REJECTED,
    }),
    f"{LANG}/dotnet/packageslockjson/testdata": ("nuget-packages-lock", {
        "valid/packages.lock.json": 8, "invalid/invalid": REJECTED,
    }),
    f"{LANG}/java/gradlelockfile/testdata": ("gradle-lockfile", {
        "5-pkg": 5, "one-pkg": 1, "only-comments": 0, "only-empty": 0, "with-bad-pkg": 2,
    }),
    f"{LANG}/java/pomxml/testdata": ("maven-pom", {
        "empty.xml": 0, "one-package.xml": 1, "two-packages.xml": 2, "encoding.xml": 1,
        "ambiguous-interpolation.xml": 1, "explicit-jar.xml": 2, "interpolate-drop.xml": 1,
        "interpolation.xml": 3, "multi-version.xml": 1, "plugin-dependency.xml": 1,
        "profiles.xml": 1, "transitive.xml": 3, "with-dependency-management.xml": 2,
        "with-multiple-classifiers.xml": 1, "with-parent.xml": 3, "with-scope.xml": 2,
        "with-type-classifier.xml": 1, "parent/pom.xml": 1,
        "invalid-syntax.xml": REJECTED, "not-pom.txt": REJECTED,
    }),
    f"{LANG}/ruby/gemfilelock/testdata": ("gemfile-lock", {
        "no-gems.lock": 0, "no-gem-section.lock": 0, "no-spec-section.lock": 0,
        "one-gem.lock": 1, "some-gems.lock": 3, "multiple-gems.lock": 6, "rubocop.lock": 10,
        "rails.lock": 46, "has-git-gem.lock": 5, "has-local-gem.lock": 30,
        "source-section-at-end.lock": 1,
        "invalid.lock": 0,  # its one spec line has no version: skipped with a warning
    }),
    f"{OS}/dpkg/testdata": ("dpkg-status", {
        "dpkg/empty": 0, "dpkg/single": 1, "dpkg/trailingnewlines": 1, "dpkg/valid": 7,
        "dpkg/nopackage": 2, "dpkg/noversion": 2, "dpkg/statusfield": 3,
        "dpkg/transitional": 1, "dpkg/transitional_dummy": 1, "dpkg/transitional_empty": 1,
        "dpkg/status.d/foo": 1, "dpkg/status.d/foo.md5sums": REJECTED, "dpkg/invalid": REJECTED,
        # opkg (OpenWrt) writes the same syntax.
        "opkg/empty": 0, "opkg/single": 1, "opkg/trailingnewlines": 1, "opkg/valid": 3,
        "opkg/nopackage": 2, "opkg/noversion": 2, "opkg/statusfield": 2, "opkg/transitional": 1,
        "opkg/invalid": REJECTED,
    }),
    f"{OS}/apk/testdata": ("apk-installed", {
        "empty": 0, "single": 1, "no-origin": 1, "different-arch": 1, "installed": 15,
        "invalid": REJECTED,
    }),
    f"{OS}/rpm/testdata": ("rpmdb-sqlite", {"invalid": REJECTED}),
}  # fmt: skip

CASES = [
    pytest.param(folder, fmt, file, expected, id=f"{folder.split('/')[-2]}/{file}")
    for folder, (fmt, files) in FIXTURES.items()
    for file, expected in files.items()
]


@pytest.mark.parametrize(("folder", "format_id", "file", "expected"), CASES)
def test_fixture_parses_or_is_rejected(
    folder: str, format_id: str, file: str, expected: int
) -> None:
    path = shared_file(f"{folder}/{file}")
    parser: InventoryFormat = format_by_id(format_id)()
    if expected == REJECTED:
        with pytest.raises(InventoryRejected, match=Path(file).name):
            parser.parse(path.name, path.read_bytes())
        return
    parsed = parser.parse(path.name, path.read_bytes())
    assert len(parsed.components) == expected
    assert all(c.name and c.version for c in parsed.components if c.ecosystem)


@pytest.mark.parametrize(("folder", "format_id", "file", "expected"), CASES)
def test_components_are_ready_for_matching(
    folder: str, format_id: str, file: str, expected: int
) -> None:
    """Every version is one its ecosystem's rules can order; every purl is canonical."""
    if expected == REJECTED:
        return
    path = shared_file(f"{folder}/{file}")
    for component in format_by_id(format_id)().parse(path.name, path.read_bytes()).components:
        if component.ecosystem is None:  # a local or project reference, said in a warning
            assert component.version is None and component.purl is None
            continue
        assert component.version is not None
        parse_version(component.ecosystem, component.version)  # raises if it cannot
        assert component.purl is not None
        assert PackageURL.from_string(component.purl).to_string() == component.purl


@pytest.mark.parametrize("folder", list(FIXTURES))
def test_every_fixture_file_has_an_expectation(folder: str) -> None:
    """No fixture is quietly left out: the table above names every file of each folder."""
    for base in (COPIED, SHARED):
        root = base / folder
        if root.is_dir():
            present = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
            # go.sum files sit beside the go.mod fixtures; they are not go.mod files.
            present = {p for p in present if not p.endswith(".sum")}
            assert present == set(FIXTURES[folder][1])
            return
    shared_file(folder)  # neither copy: skips, or fails in CI
