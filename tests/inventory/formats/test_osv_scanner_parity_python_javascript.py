"""Our extraction against osv-scanner's, from its golden CLI snapshot.

For every case whose stderr/stdout says "Scanned <file> file and found N packages" for a file of
our Python and JavaScript lockfile formats, we find N packages too. Where the snapshot lists
packages (vulnerability, licence and deprecation tables, JSON results) each name@version of
that file is one of ours; with `--all-packages` the JSON lists every package and the sets are
equal. Where osv-scanner was told to read a file as a format it is not, it fails, and so do we.

Where osv-scanner counts differently, by design:
- it follows `-r` includes of requirements files (we warn instead: one upload is one file), so
  `requirements-transitive.txt` counts its own package plus those of `requirements.txt`;
- with transitive resolution on (the default for requirements files), it asks the PyPI registry
  for the dependencies of what is pinned and lists them in its tables (`RESOLVED` below): no
  network here, and those packages are not in the file.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import pytest
from packaging.utils import canonicalize_name

from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.package_lock import PackageLockJson
from clearinghouse.inventory.formats.registry import detect
from clearinghouse.inventory.formats.yarn_lock import YarnLock
from tests.inventory.formats.lockfile_helpers import parse_shared
from tests.shared_data import shared_file

OURS = {
    "requirements-txt",
    "poetry-lock",
    "uv-lock",
    "pylock-toml",
    "pipfile-lock",
    "package-lock-json",
    "yarn-lock",
    "pnpm-lock",
}
# Files osv-scanner was told to parse as a format (`-L package-lock.json:./my-package-lock.json`).
PARSED_AS: dict[str, type[InventoryFormat]] = {
    "my-package-lock.json": PackageLockJson,
    "my-yarn.lock": YarnLock,
}
INCLUDES = {
    "locks-requirements/requirements-transitive.txt": ["locks-requirements/requirements.txt"],
}
RESOLVED = {
    "TestCommand_Transitive/requirements.txt_transitive_default": {
        ("idna", "2.7.0"),
        ("urllib3", "1.24.3"),
    },
}
SCANNED = re.compile(r"Scanned <rootdir>/testdata/(\S+) file and found (\d+) packages?")
BLOCK = re.compile(r"^\[([^\n]+) - (\d)\]\n(.*?)\n---$", re.M | re.S)


def _blocks() -> dict[str, dict[str, str]]:
    """Per test, its stdout ("1") and stderr ("2") blocks."""
    text = shared_file("osv-scanner-fixtures/__snapshots__/command_test.snap").read_text()
    blocks: dict[str, dict[str, str]] = {}
    for match in BLOCK.finditer(text):
        blocks.setdefault(match.group(1), {})[match.group(2)] = match.group(3)
    return blocks


def _format(relative: str) -> type[InventoryFormat] | None:
    base = PurePosixPath(relative).name
    if base in PARSED_AS:
        return PARSED_AS[base]
    try:
        fmt = detect(base, b"")
    except InventoryRejected:
        return None
    return fmt if fmt.format_id in OURS else None


def _format_id(relative: str) -> str:
    fmt = _format(relative)
    return fmt.format_id if fmt else ""


def _ours(relative: str) -> ParsedInventory:
    fmt = _format(relative)
    assert fmt is not None
    return parse_shared(fmt, f"osv-scanner-fixtures/testdata/{relative}")


def _keys(parsed: ParsedInventory) -> set[tuple[str, str]]:
    return {(_normal(c.name, c.ecosystem or ""), c.version or "") for c in parsed.components}


def _normal(name: str, ecosystem: str) -> str:
    return str(canonicalize_name(name)) if ecosystem == "PyPI" else name


def _args() -> dict[str, list[str]]:
    """Each case's command line, from cases.json."""
    cases = json.loads(shared_file("osv-scanner-fixtures/cases.json").read_text())["cases"]
    return {case["test"]: case["args"] or [] for case in cases}


BLOCKS = _blocks()
ARGS = _args()
CASES = sorted(
    (test, relative, int(count))
    for test, parts in BLOCKS.items()
    for relative, count in set(SCANNED.findall("\n".join(parts.values())))
    if _format(relative) is not None
)


def test_the_snapshot_has_our_cases() -> None:
    # (case, file) pairs: 34 yarn.lock, 25 package-lock.json, 16 requirements files, 1 uv.lock
    assert len(CASES) == 76
    assert {_format_id(relative) for _, relative, _ in CASES} == {
        "requirements-txt",
        "uv-lock",
        "package-lock-json",
        "yarn-lock",
    }


@pytest.mark.parametrize(("test", "relative", "count"), CASES)
def test_package_count_equals_osv_scanner(test: str, relative: str, count: int) -> None:
    ours = len(_ours(relative).components)
    ours += sum(len(_ours(included).components) for included in INCLUDES.get(relative, []))
    assert ours == count, f"{test}: osv-scanner found {count} packages in {relative}, we {ours}"


def _table_rows(text: str) -> list[tuple[str, str, str, str]]:
    """(ecosystem, package, version, source) of every table row that names a package.

    The vulnerability, licence and deprecation tables all have ECOSYSTEM, PACKAGE, VERSION
    and SOURCE columns; rows continuing the one above (more aliases) leave them blank.
    """
    rows = []
    columns: dict[str, int] = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            if not line.startswith("+"):
                columns = {}
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if {"ECOSYSTEM", "PACKAGE", "VERSION", "SOURCE"} <= set(cells):
            columns = {cell: index for index, cell in enumerate(cells)}
        elif columns and len(cells) == len(columns) and cells[columns["PACKAGE"]]:
            ecosystem, package, version, source = (
                cells[columns[c]] for c in ("ECOSYSTEM", "PACKAGE", "VERSION", "SOURCE")
            )
            rows.append((ecosystem, package, version, source.removeprefix("testdata/")))
    return rows


TABLE_CASES = sorted(
    (test, relative, ecosystem, package, version)
    for test, parts in BLOCKS.items()
    for ecosystem, package, version, relative in _table_rows(parts.get("1", ""))
    if _format(relative) is not None
)


def test_the_tables_list_packages_of_ours() -> None:
    assert len(TABLE_CASES) == 99  # 96 vulnerability rows, 3 licence rows


@pytest.mark.parametrize(("test", "relative", "ecosystem", "package", "version"), TABLE_CASES)
def test_table_rows_are_packages_we_extract(
    test: str, relative: str, ecosystem: str, package: str, version: str
) -> None:
    key = (_normal(package, ecosystem), version)
    if key in RESOLVED.get(test, set()):
        return  # resolved from the registry by osv-scanner, not in the file (module docstring)
    ours = _keys(_ours(relative))
    for included in INCLUDES.get(relative, []):
        ours |= _keys(_ours(included))
    assert key in ours


def _json_results(test: str) -> list[tuple[str, set[tuple[str, str]]]]:
    text = BLOCKS[test].get("1", "").strip()
    if not text.startswith("{"):
        return []
    document = json.loads(text)
    found = []
    for result in document.get("results", []):
        path = result["source"]["path"].removeprefix("<rootdir>/testdata/")
        listed = {
            (_normal(p["package"]["name"], p["package"]["ecosystem"]), p["package"]["version"])
            for p in result.get("packages", [])
        }
        found.append((path, listed))
    return found


JSON_CASES = sorted(
    (test, relative, listed)
    for test in BLOCKS
    for relative, listed in _json_results(test)
    if _format(relative) is not None
)


def test_the_json_outputs_list_packages_of_ours() -> None:
    assert [(test, relative) for test, relative, _ in JSON_CASES] == [
        (
            "TestCommand_FlagDeprecatedPackages/package_deprecated_npm_json",
            "exp-plugins-pkgdeprecate/deprecated-npm/package-lock.json",
        )
    ]


@pytest.mark.parametrize(("test", "relative", "listed"), JSON_CASES)
def test_json_packages_are_ours(test: str, relative: str, listed: set[tuple[str, str]]) -> None:
    ours = _keys(_ours(relative))
    if "--all-packages" in ARGS[test]:
        assert listed == ours
    else:  # only the packages with findings are listed
        assert listed <= ours


ERROR = re.compile(
    r"Error during extraction: \(extracting as javascript/packagelockjson\) "
    r"<rootdir>/testdata/(\S+): could not extract"
)
WRONG_FORMAT = sorted(
    {
        (test, relative)
        for test, parts in BLOCKS.items()
        for relative in ERROR.findall("\n".join(parts.values()))
    }
)


def test_the_snapshot_has_files_read_as_the_wrong_format() -> None:
    assert [relative for _, relative in WRONG_FORMAT] == ["locks-many/yarn.lock"] * 2


@pytest.mark.parametrize(("test", "relative"), WRONG_FORMAT)
def test_a_file_read_as_package_lock_json_that_is_not_fails(test: str, relative: str) -> None:
    with pytest.raises(InventoryRejected, match=r"yarn\.lock: not valid JSON"):
        parse_shared(PackageLockJson, f"osv-scanner-fixtures/testdata/{relative}")
