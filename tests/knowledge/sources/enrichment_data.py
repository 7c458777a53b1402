"""The shared data sets the enrichment importers are tested on, and an EPSS file made from them.

The data lives in `../shared/data` beside the repository checkout (see its SOURCES.md); a test
whose data is missing is skipped and says which file.
"""

from __future__ import annotations

import bisect
import gzip
import random
import tarfile
from functools import cache
from pathlib import Path

from tests.shared_data import shared_file

KEV_JSON = "cisa-kev/known_exploited_vulnerabilities.json"
KEV_CSV = "cisa-kev/known_exploited_vulnerabilities.csv"
VULNRICHMENT = "cve-vulnrichment-sample/vulnrichment-sample.tar.gz"
GO_VULNDB = "osv-go-vulndb/golang-vulndb-data.tar.gz"
PYPI = "osv-pypi-pysec/pypa-advisory-database.tar.gz"

# In KEV, in the vulnrichment sample (with CISA's SSVC) and an alias of PYSEC-2020-18 (PyPI).
JOINED_CVE = "CVE-2020-13927"
JOINED_PYSEC = "PYSEC-2020-18"


@cache
def vulnrichment_cve_ids() -> tuple[str, ...]:
    """The CVE ids of the vulnrichment sample, in archive order (real ids)."""
    with tarfile.open(shared_file(VULNRICHMENT)) as archive:
        return tuple(
            Path(m.name).stem
            for m in archive
            if m.isfile() and Path(m.name).name.startswith("CVE-")
        )


def vulnrichment_member(cve: str) -> bytes:
    with tarfile.open(shared_file(VULNRICHMENT)) as archive:
        for member in archive:
            if member.isfile() and Path(member.name).stem == cve:
                handle = archive.extractfile(member)
                assert handle is not None
                return handle.read()
    raise KeyError(cve)


def go_cna_records(target: Path) -> Path:
    """The Go CNA's CVE JSON 5 files (data/cve/v5/*.json) copied into a folder."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(shared_file(GO_VULNDB)) as archive:
        for member in archive:
            if member.isfile() and member.name.startswith("data/cve/v5/"):
                handle = archive.extractfile(member)
                assert handle is not None
                (target / Path(member.name).name).write_bytes(handle.read())
    return target


EPSS_MODEL = "v2025.03.14"
EPSS_COMMENT = f"#model_version:{EPSS_MODEL},score_date:2025-08-25T00:00:00+0000"


def epss_rows(seed: int = 20250825) -> list[tuple[str, str, str]]:
    """(cve, epss, percentile) for every CVE of the vulnrichment sample.

    GENERATED NUMBERS: the ids are real, the scores are not. They are drawn to look like EPSS
    (log-normal: most near zero, a long tail up to 1) and each percentile is the share of the
    scores at or below it, as FIRST defines it. Only the file's format is real.
    """
    rng = random.Random(seed)
    ids = vulnrichment_cve_ids()
    scores = [min(1.0, rng.lognormvariate(-6.0, 2.0)) for _ in ids]
    ordered = sorted(scores)
    rows = []
    for cve, score in zip(ids, scores, strict=True):
        at_or_below = bisect.bisect_right(ordered, score)
        rows.append((cve, f"{score:.5f}", f"{at_or_below / len(ordered):.5f}"))
    return rows


def epss_text(rows: list[tuple[str, str, str]], comment: bool = True) -> str:
    lines = ([EPSS_COMMENT] if comment else []) + ["cve,epss,percentile"]
    lines += [",".join(row) for row in rows]
    return "\n".join(lines) + "\n"


def write_epss(path: Path, text: str) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path
