"""Every line of every version-ordering vector file, per ecosystem.

A vector `A < B` must give compare(A, B) < 0 and compare(B, A) > 0; `A = B` must give 0 both ways
and equal hashes. Failures are collected so that one test reports all of a file's problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearinghouse.knowledge.versions import compare, parse

VECTORS = Path(__file__).resolve().parents[2] / "data" / "version-ordering-vectors"

# Which OSV ecosystems each file speaks for.
ECOSYSTEMS = {
    "alpine": ["Alpine:v3.18", "Wolfi"],
    "cran": ["CRAN"],
    "debian": ["Debian:12", "Ubuntu:22.04:LTS"],
    "hackage": ["Hackage"],
    "maven": ["Maven"],
    "nuget": ["NuGet"],
    "packagist": ["Packagist"],
    "pub": ["Pub"],
    "pypi": ["PyPI"],
    "redhat": ["Red Hat", "AlmaLinux:9", "Rocky Linux:8"],
    "rubygems": ["RubyGems"],
    "semver": ["npm", "crates.io", "Go"],
}

# Lines where we follow the ecosystem's real implementation rather than the vector, with why.
# Each maps to the sign we give instead, so the disagreement is checked, not skipped.
DISAGREEMENTS: dict[tuple[str, str], tuple[int, str]] = {}


def _files() -> list[Path]:
    return sorted(VECTORS.glob("*.txt"))


def _lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("//", "#")):
            lines.append(line)
    return lines


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


def _cases() -> list[tuple[str, str]]:
    return [
        (path.name, ecosystem)
        for path in _files()
        for ecosystem in ECOSYSTEMS[path.name.split("-")[0]]
    ]


def test_every_vector_file_is_used() -> None:
    names = {path.name.split("-")[0] for path in _files()}
    assert names == set(ECOSYSTEMS), "a vector file has no ecosystem, or one is missing"


@pytest.mark.parametrize(("filename", "ecosystem"), _cases())
def test_vector_file(filename: str, ecosystem: str) -> None:
    family = filename.split("-")[0]
    lines = _lines(VECTORS / filename)
    assert lines, f"{filename} has no comparison lines"
    failures = []
    for line in lines:
        a, op, b = line.split(" ")
        expected = {"<": -1, "=": 0, ">": 1}[op]
        if (family, line) in DISAGREEMENTS:
            expected = DISAGREEMENTS[family, line][0]
        try:
            forward = _sign(compare(ecosystem, a, b))
            backward = _sign(compare(ecosystem, b, a))
        except ValueError as error:
            failures.append(f"{line}: {error}")
            continue
        if forward != expected:
            failures.append(f"{line}: compare gave {forward}")
        elif backward != -forward:
            failures.append(f"{line}: not symmetric, the reverse gave {backward}")
        elif (
            expected == 0
            and "#" not in line  # Packagist's literal "#" equals any number: no hash can
            and hash(parse(ecosystem, a)) != hash(parse(ecosystem, b))
        ):
            failures.append(f"{line}: equal but hashed differently")
    shown = "\n".join(failures[:20])
    assert not failures, f"{len(failures)} of {len(lines)} lines disagree:\n{shown}"


def test_disagreements_are_still_lines_of_the_vectors() -> None:
    for family, line in DISAGREEMENTS:
        files = VECTORS.glob(f"{family}-*.txt")
        assert any(line in _lines(path) for path in files), line
