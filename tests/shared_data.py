"""Where the real data sets the tests use live.

The files the tests need are copied, unchanged, into `tests/data/shared/` (origins and licences in
its README), so that a clean clone tests itself. The full sets are in `../shared/data` beside the
checkout on the development machines; a file missing from both is a skip locally and a failure
in CI (`CLEARINGHOUSE_REQUIRE_SERVICES=1`), so that no test quietly stops testing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clearinghouse.runtime import Runtime

REPO = Path(__file__).resolve().parents[1]
LOCAL = REPO / "tests" / "data"
COPIED = LOCAL / "shared"
SHARED = (REPO / ".." / "shared" / "data").resolve()


def shared_file(relative: str) -> Path:
    """A file or folder of the shared data sets: the copy in the repository, else the full set."""
    assert (REPO / "pyproject.toml").exists(), "the repository root moved"
    for base in (COPIED, SHARED):
        path = base / relative
        if path.exists():
            return path
    message = f"data file {relative} is neither in {COPIED} nor in {SHARED}"
    if os.environ.get("CLEARINGHOUSE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + "; CLEARINGHOUSE_REQUIRE_SERVICES=1 makes it mandatory")
    pytest.skip(message)


def _import_each(runtime: Runtime, source: str, relative: str, includes: list[str]) -> None:
    """Each include pattern's records of a shared data set, into the knowledge base; each must
    add some."""
    from clearinghouse.knowledge import service as knowledge

    for include in includes:
        run = knowledge.import_feed(
            runtime.sessions, source, shared_file(relative), include=include
        )
        assert run.status == "succeeded" and run.added > 0, (include, run.errors)


def import_pypa_packages(runtime: Runtime, *packages: str) -> None:
    """Each package's advisories from the PyPA advisory database, into the knowledge base."""
    includes = [f"vulns/{package}/*" for package in packages]
    _import_each(runtime, "osv", "osv-pypi-pysec/pypa-advisory-database.tar.gz", includes)


def import_cisa_ics(runtime: Runtime, *advisories: str) -> None:
    """CISA ICS advisories ("2023/icsa-23-206-01") from the CISA CSAF set, into the knowledge
    base."""
    includes = [f"*/{name}.json" for name in advisories]
    _import_each(runtime, "csaf", "csaf-cisa-ics/cisagov-csaf.tar.gz", includes)
