"""Every osv-scalibr parser fixture of our Python and JavaScript lockfile formats, broken ones
included, parses or is rejected with `InventoryRejected`; never another exception.

Where a fixture's name says what it holds ("one-package", "two-packages", "empty", "not-json"),
the count is asserted. Our choices where a name alone would mislead are listed in `EXPECTED`.
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
# Counts we assert beyond what the names say, and the names that would mislead.
EXPECTED: dict[str, int | None] = {
    # Dependency paths that name no package cannot be read.
    "javascript/pnpmlock/testdata/invalid-path.yaml": REJECTED,
    "javascript/pnpmlock/testdata/invalid-paths.yaml": REJECTED,
    "javascript/packagelockjson/testdata/null.v2.jsontest": REJECTED,
    # The names that say nothing: counts checked by hand against the files.
    "python/requirements/testdata/with_versions.txt": 7,
    "python/requirements/testdata/per_req_options.txt": 15,
    "python/requirements/testdata/example.txt": 1,
    "python/requirements/testdata/no_version.txt": 0,
    "python/requirements/testdata/invalid.txt": 0,
    "python/poetrylock/testdata/multiple-packages.v2.lock": 11,
    "python/uvlock/testdata/no-dependencies.lock": 0,  # only the project itself
    "python/pylock/testdata/pip-just-self.toml": 0,  # only the project itself
    "python/pylock/testdata/commits.toml": 7,
    "javascript/packagelockjson/testdata/nested-dependencies-dup.v1.json": 39,
    "javascript/packagelockjson/testdata/nested-dependencies-dup.v2.json": 2,
    "javascript/yarnlock/testdata/exclude-root.v2.lock": 2,
    "javascript/pnpmlock/testdata/exotic.yaml": 7,
}


def _fixtures() -> list[str]:
    found = []
    for extractor in EXTRACTORS:
        folder = COPIED / ROOT / extractor / "testdata"
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found.append(path.relative_to(COPIED / ROOT).as_posix())
    return found


def _expected(relative: str) -> int | str | None:
    if relative in EXPECTED:
        return EXPECTED[relative]
    stem = Path(relative).name.split(".")[0]
    if stem.startswith("not-"):
        return REJECTED
    if stem.startswith(("one-package", "single-package")):
        return 1
    if stem.startswith("two-packages"):
        return 2
    if stem in ("empty", "empty-file", "no-packages", "metadata-only", "missing-packages"):
        return 0
    return "any"


FIXTURES = _fixtures()


def test_the_fixtures_are_there() -> None:
    assert len(FIXTURES) == 142  # the Python and JavaScript lockfile fixtures copied


@pytest.mark.parametrize("relative", FIXTURES)
def test_fixture_parses_or_is_rejected(relative: str) -> None:
    extractor = next(e for e in EXTRACTORS if relative.startswith(e + "/"))
    path = COPIED / ROOT / relative
    expected = _expected(relative)
    try:
        parsed = EXTRACTORS[extractor]().parse(path.name, path.read_bytes())
    except InventoryRejected as err:
        assert path.name in str(err), "the message names the file"
        assert expected is REJECTED, f"rejected: {err}"
        return
    assert expected is not REJECTED, "a broken file was accepted"
    if expected != "any":
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
