"""Every osv-scalibr parser fixture of our Python and JavaScript lockfile formats, broken ones
included, parses or is rejected with `InventoryRejected`; never another exception.

Each fixture's number of components (or its rejection) is asserted, from `EXPECTED`; where a
fixture's name says what it holds ("one-package", "two-packages", "empty", "not-json"), the
name and the table agree.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from clearinghouse.inventory.formats.interface import InventoryFormat, InventoryRejected
from clearinghouse.inventory.formats.package_lock import PackageLockJson
from clearinghouse.inventory.formats.pipfile_lock import PipfileLock
from clearinghouse.inventory.formats.pnpm_lock import PnpmLock
from clearinghouse.inventory.formats.poetry_lock import PoetryLock
from clearinghouse.inventory.formats.pylock_toml import PylockToml
from clearinghouse.inventory.formats.requirements_txt import RequirementsTxt
from clearinghouse.inventory.formats.uv_lock import UvLock
from clearinghouse.inventory.formats.yarn_lock import YarnLock
from tests.shared_data import COPIED

ROOT = "osv-scalibr-lockfiles/language"
EXTRACTORS: dict[str, type[InventoryFormat]] = {
    "python/requirements": RequirementsTxt,
    "python/poetrylock": PoetryLock,
    "python/uvlock": UvLock,
    "python/pylock": PylockToml,
    "python/pipfilelock": PipfileLock,
    "javascript/packagelockjson": PackageLockJson,
    "javascript/yarnlock": YarnLock,
    "javascript/pnpmlock": PnpmLock,
}
REJECTED = None
# What each fixture gives: its number of components, or REJECTED. Where osv-scalibr's own
# extractor tests (at the commit the fixtures come from) state a result, ours is the same count,
# and the same rejections, except for the three requirements files noted: osv-scalibr also
# lists requirements that are not pinned.
EXPECTED: dict[str, int | None] = {
    "python/requirements/testdata/comments.txt": 5,
    "python/requirements/testdata/env_var.txt": 2,
    # osv-scalibr 4: only docopt is pinned, and -r is not followed
    "python/requirements/testdata/example.txt": 1,
    "python/requirements/testdata/extras.txt": 2,
    "python/requirements/testdata/invalid.txt": 0,
    "python/requirements/testdata/loop.txt": 0,
    "python/requirements/testdata/multiline_and_comments.txt": 2,
    "python/requirements/testdata/no_version.txt": 0,
    "python/requirements/testdata/other-loop.txt": 0,
    "python/requirements/testdata/other-requirements.txt": 1,
    # osv-scalibr 16: text between foo7's pin and its options makes it invalid
    "python/requirements/testdata/per_req_options.txt": 15,
    "python/requirements/testdata/trailing_backslash.txt": 1,
    # osv-scalibr 10: it takes a range's bound as the version; ranges are not pins
    "python/requirements/testdata/with_versions.txt": 7,
    "python/poetrylock/testdata/empty-file.lock": 0,
    "python/poetrylock/testdata/empty.lock": 0,
    "python/poetrylock/testdata/multiple-packages.v2.lock": 11,
    "python/poetrylock/testdata/names-outside-package-block.lock": 2,
    "python/poetrylock/testdata/not-toml.txt": REJECTED,
    "python/poetrylock/testdata/one-package-with-metadata.lock": 1,
    "python/poetrylock/testdata/one-package.lock": 1,
    "python/poetrylock/testdata/optional-package.lock": 1,
    "python/poetrylock/testdata/source-git.lock": 1,
    "python/poetrylock/testdata/source-legacy.lock": 1,
    "python/poetrylock/testdata/two-packages.lock": 2,
    "python/uvlock/testdata/empty.lock": 0,
    "python/uvlock/testdata/grouped-packages.lock": 14,
    "python/uvlock/testdata/names-outside-package-block.lock": 2,
    "python/uvlock/testdata/no-dependencies.lock": 0,
    "python/uvlock/testdata/no-packages.lock": 0,
    "python/uvlock/testdata/not-toml.txt": REJECTED,
    "python/uvlock/testdata/one-package.lock": 1,
    "python/uvlock/testdata/source-git.lock": 1,
    "python/uvlock/testdata/two-packages.lock": 2,
    "python/pylock/testdata/commits.toml": 7,
    "python/pylock/testdata/empty.toml": 0,
    "python/pylock/testdata/example.toml": 3,
    "python/pylock/testdata/names-outside-package-block.toml": 2,
    "python/pylock/testdata/not-toml.txt": REJECTED,
    "python/pylock/testdata/pdm-full.toml": 10,
    "python/pylock/testdata/pip-full.toml": 5,
    "python/pylock/testdata/pip-just-self.toml": 0,
    "python/pipfilelock/testdata/empty-file": 0,
    "python/pipfilelock/testdata/empty.json": 0,
    "python/pipfilelock/testdata/minified.json": 1,
    "python/pipfilelock/testdata/multiple-packages.json": 4,
    "python/pipfilelock/testdata/no-version.json": 0,
    "python/pipfilelock/testdata/not-json.txt": REJECTED,
    "python/pipfilelock/testdata/one-package-dev.json": 1,
    "python/pipfilelock/testdata/one-package.json": 1,
    "python/pipfilelock/testdata/two-packages-alt.json": 2,
    "python/pipfilelock/testdata/two-packages.json": 2,
    "javascript/packagelockjson/testdata/alias.v1.json": 3,
    "javascript/packagelockjson/testdata/alias.v2.json": 3,
    "javascript/packagelockjson/testdata/both/npm-shrinkwrap.json": 2,
    "javascript/packagelockjson/testdata/both/package-lock.json": 2,
    "javascript/packagelockjson/testdata/bundled-dependencies.v3.json": 3,
    "javascript/packagelockjson/testdata/commits.v1.json": 12,
    "javascript/packagelockjson/testdata/commits.v2.json": 12,
    "javascript/packagelockjson/testdata/empty.v1.json": 0,
    "javascript/packagelockjson/testdata/empty.v2.json": 0,
    "javascript/packagelockjson/testdata/files.v1.json": 2,
    "javascript/packagelockjson/testdata/files.v2.json": 3,
    "javascript/packagelockjson/testdata/nested-dependencies-dup.v1.json": 39,
    "javascript/packagelockjson/testdata/nested-dependencies-dup.v2.json": 2,
    "javascript/packagelockjson/testdata/nested-dependencies.v1.json": 5,
    "javascript/packagelockjson/testdata/nested-dependencies.v2.json": 5,
    "javascript/packagelockjson/testdata/not-json.txt": REJECTED,
    "javascript/packagelockjson/testdata/npm-shrinkwrap-only/npm-shrinkwrap.json": 2,
    "javascript/packagelockjson/testdata/null.v2.jsontest": REJECTED,
    "javascript/packagelockjson/testdata/one-package-dev.v1.json": 1,
    "javascript/packagelockjson/testdata/one-package-dev.v2.json": 1,
    "javascript/packagelockjson/testdata/one-package.v1.json": 1,
    "javascript/packagelockjson/testdata/one-package.v2.json": 1,
    "javascript/packagelockjson/testdata/optional-package.v1.json": 2,
    "javascript/packagelockjson/testdata/optional-package.v2.json": 2,
    "javascript/packagelockjson/testdata/package-lock-only/package-lock.json": 2,
    "javascript/packagelockjson/testdata/same-package-different-groups.v1.json": 3,
    "javascript/packagelockjson/testdata/same-package-different-groups.v2.json": 3,
    "javascript/packagelockjson/testdata/scoped-packages.v1.json": 2,
    "javascript/packagelockjson/testdata/scoped-packages.v2.json": 2,
    "javascript/packagelockjson/testdata/two-packages.v1.json": 2,
    "javascript/packagelockjson/testdata/two-packages.v2.json": 2,
    "javascript/yarnlock/testdata/commits.v1.lock": 18,
    "javascript/yarnlock/testdata/commits.v2.lock": 7,
    "javascript/yarnlock/testdata/empty.v1.lock": 0,
    "javascript/yarnlock/testdata/empty.v2.lock": 0,
    "javascript/yarnlock/testdata/exclude-root.v2.lock": 2,
    "javascript/yarnlock/testdata/files.v1.lock": 6,
    "javascript/yarnlock/testdata/files.v2.lock": 1,
    "javascript/yarnlock/testdata/metadata-only.v2.lock": 0,
    "javascript/yarnlock/testdata/multiple-constraints.v1.lock": 2,
    "javascript/yarnlock/testdata/multiple-versions.v1.lock": 4,
    "javascript/yarnlock/testdata/multiple-versions.v2.lock": 3,
    "javascript/yarnlock/testdata/no-version.v1.lock": 1,
    "javascript/yarnlock/testdata/one-package.v1.lock": 1,
    "javascript/yarnlock/testdata/one-package.v2.lock": 1,
    "javascript/yarnlock/testdata/scoped-packages.v1.lock": 2,
    "javascript/yarnlock/testdata/scoped-packages.v2.lock": 3,
    "javascript/yarnlock/testdata/two-packages.v1.lock": 2,
    "javascript/yarnlock/testdata/two-packages.v2.lock": 2,
    "javascript/yarnlock/testdata/with-aliases.v1.lock": 3,
    "javascript/yarnlock/testdata/with-aliases.v2.lock": 3,
    "javascript/yarnlock/testdata/with-build-string.v1.lock": 2,
    "javascript/yarnlock/testdata/with-build-string.v2.lock": 2,
    "javascript/yarnlock/testdata/with-prerelease.v1.lock": 5,
    "javascript/yarnlock/testdata/with-prerelease.v2.lock": 2,
    "javascript/yarnlock/testdata/with-quotes.v1.lock": 2,
    "javascript/yarnlock/testdata/with-quotes.v2.lock": 2,
    "javascript/pnpmlock/testdata/commits.v9.yaml": 2,
    "javascript/pnpmlock/testdata/commits.yaml": 5,
    "javascript/pnpmlock/testdata/empty.yaml": 0,
    "javascript/pnpmlock/testdata/exotic.yaml": 7,
    "javascript/pnpmlock/testdata/files.yaml": 5,
    "javascript/pnpmlock/testdata/invalid-path.yaml": REJECTED,
    "javascript/pnpmlock/testdata/invalid-paths.yaml": REJECTED,
    "javascript/pnpmlock/testdata/missing-packages.yaml": 0,
    "javascript/pnpmlock/testdata/mixed-groups.v53.yaml": 3,
    "javascript/pnpmlock/testdata/mixed-groups.v54.yaml": 3,
    "javascript/pnpmlock/testdata/mixed-groups.v6.yaml": 3,
    "javascript/pnpmlock/testdata/mixed-groups.v9.yaml": 3,
    "javascript/pnpmlock/testdata/multiple-packages.yaml": 14,
    "javascript/pnpmlock/testdata/multiple-versions.v9.yaml": 3,
    "javascript/pnpmlock/testdata/multiple-versions.yaml": 3,
    "javascript/pnpmlock/testdata/no-packages.v9.yaml": 0,
    "javascript/pnpmlock/testdata/no-packages.yaml": 0,
    "javascript/pnpmlock/testdata/not-yaml.txt": REJECTED,
    "javascript/pnpmlock/testdata/one-package-dev.v9.yaml": 1,
    "javascript/pnpmlock/testdata/one-package-dev.yaml": 1,
    "javascript/pnpmlock/testdata/one-package-v6-lockfile.yaml": 1,
    "javascript/pnpmlock/testdata/one-package.v9.yaml": 1,
    "javascript/pnpmlock/testdata/one-package.yaml": 1,
    "javascript/pnpmlock/testdata/peer-dependencies-advanced-rc-v6.yaml": 5,
    "javascript/pnpmlock/testdata/peer-dependencies-advanced-v6.yaml": 5,
    "javascript/pnpmlock/testdata/peer-dependencies-advanced.v9.yaml": 13,
    "javascript/pnpmlock/testdata/peer-dependencies-advanced.yaml": 9,
    "javascript/pnpmlock/testdata/peer-dependencies-v6.yaml": 5,
    "javascript/pnpmlock/testdata/peer-dependencies.v9.yaml": 2,
    "javascript/pnpmlock/testdata/peer-dependencies.yaml": 2,
    "javascript/pnpmlock/testdata/scoped-packages-v6-lockfile.yaml": 1,
    "javascript/pnpmlock/testdata/scoped-packages.v9.yaml": 1,
    "javascript/pnpmlock/testdata/scoped-packages.yaml": 1,
    "javascript/pnpmlock/testdata/tarball.yaml": 1,
}


def _fixtures() -> list[str]:
    found = []
    for extractor in EXTRACTORS:
        folder = COPIED / ROOT / extractor / "testdata"
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found.append(path.relative_to(COPIED / ROOT).as_posix())
    return found


def _named_count(relative: str) -> int | str | None:
    """What a fixture's name says it holds; "unsaid" when the name says nothing."""
    stem = Path(relative).name.split(".")[0]
    if stem.startswith("not-"):
        return REJECTED
    if stem.startswith(("one-package", "single-package")):
        return 1
    if stem.startswith("two-packages"):
        return 2
    if stem in ("empty", "empty-file", "no-packages", "metadata-only", "missing-packages"):
        return 0
    return "unsaid"


FIXTURES = _fixtures()


def test_the_fixtures_are_there_and_each_has_its_expectation() -> None:
    assert len(FIXTURES) == 142  # the Python and JavaScript lockfile fixtures copied
    assert sorted(EXPECTED) == sorted(FIXTURES)


@pytest.mark.parametrize("relative", FIXTURES)
def test_what_the_name_says_is_what_we_expect(relative: str) -> None:
    said = _named_count(relative)
    if said != "unsaid":
        assert EXPECTED[relative] == said


@pytest.mark.parametrize("relative", FIXTURES)
def test_fixture_parses_or_is_rejected(relative: str) -> None:
    extractor = next(e for e in EXTRACTORS if relative.startswith(e + "/"))
    path = COPIED / ROOT / relative
    expected = EXPECTED[relative]
    try:
        parsed = EXTRACTORS[extractor]().parse(path.name, path.read_bytes())
    except InventoryRejected as err:
        assert path.name in str(err), "the message names the file"
        assert expected is REJECTED, f"rejected: {err}"
        return
    assert expected is not REJECTED, "a broken file was accepted"
    assert len(parsed.components) == expected
    for component in parsed.components:
        assert component.name
        assert component.ecosystem in ("PyPI", "npm")
        assert component.purl and component.purl.startswith(("pkg:pypi/", "pkg:npm/"))


@pytest.mark.parametrize("relative", FIXTURES)
def test_damaged_copies_parse_or_are_rejected(relative: str) -> None:
    """Cut short and with bytes changed, a fixture still gives a result or a clear rejection."""
    extractor = next(e for e in EXTRACTORS if relative.startswith(e + "/"))
    data = (COPIED / ROOT / relative).read_bytes()
    rng = random.Random(relative)  # the same damage on every run
    damaged = [data[: len(data) * step // 10] for step in range(10)]
    for _ in range(10):
        changed = bytearray(data or b" ")
        for _ in range(3):
            changed[rng.randrange(len(changed))] = rng.choice(b"{}[]:,\"'\n -@/=#\\0a")
        damaged.append(bytes(changed))
    for variant in damaged:
        try:
            EXTRACTORS[extractor]().parse("lockfile", variant)
        except InventoryRejected as err:
            assert str(err).startswith("lockfile: ")
