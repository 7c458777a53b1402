"""Where the shared data sets live: `../shared/data` beside the repository checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
LOCAL = REPO / "tests" / "data"


def shared_file(relative: str) -> Path:
    """A file of the shared data sets, or skip the test saying which file is missing."""
    assert (REPO / "pyproject.toml").exists(), "the repository root moved"
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"shared data file {relative} is not at {SHARED} (big corpus, not copied)")
    return path
