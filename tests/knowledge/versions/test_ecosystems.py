"""Ecosystem names as people type them, spelled as OSV does."""

from __future__ import annotations

import pytest

from clearinghouse.knowledge.versions.ecosystems import osv_spelling


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("pypi", "PyPI"),
        (" NPM ", "npm"),
        ("CRATES.IO", "crates.io"),
        ("debian:12", "Debian:12"),
        ("rocky linux", "Rocky Linux"),
        ("Go", "Go"),
        ("cargo", None),
        ("", None),
    ],
)
def test_osv_spelling(typed: str, spelled: str | None):
    assert osv_spelling(typed) == spelled
