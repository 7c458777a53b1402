"""Grounding: cited files, lines and symbols checked against the real sdist of the version."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clearinghouse.jobs import JobContext
from clearinghouse.reports.grounding import ground, python_symbols
from clearinghouse.reports.schemas import ReportIn
from clearinghouse.reports.sources import VersionNotFound, fetch_pypi_source
from clearinghouse.reports.tasks import ground_report
from clearinghouse.reports.unpacking import UnsafeArchive, unpack
from tests.identity_world import World
from tests.reports.conftest import CORPUS, SDISTS, finder_headers, sqlparse_report


def _submit_and_ground(client: TestClient, world: World, document: dict) -> dict:  # type: ignore[type-arg]
    headers = finder_headers(world)
    report = client.post("/api/v1/reports", json=document, headers=headers).json()["report"]
    runtime = world.runtime
    outcome = ground_report(
        JobContext(runtime.settings, runtime.sessions, "test-run"), report_id=report["id"]
    )
    assert outcome["report"] == report["id"]
    shown = client.get(f"/api/v1/reports/{report['id']}", headers=headers)
    assert shown.status_code == 200
    result: dict = shown.json()  # type: ignore[type-arg]
    return result


def test_a_report_whose_citations_exist_is_grounded(client: TestClient, world: World):
    report = _submit_and_ground(client, world, sqlparse_report())
    assert report["status"] == "grounded" and report["verdict"] is None
    grounding = report["verdict_details"]["grounding"]
    assert grounding["missing"] == []
    assert grounding["versions"] == [
        {"version": "0.4.1", "source": "sqlparse-0.4.1.tar.gz", "kind": "sdist"}
    ]
    assert grounding["locations_checked"] == 2


def test_what_does_not_exist_is_listed_and_the_report_is_ungrounded(
    client: TestClient, world: World
):
    document = sqlparse_report()
    document["target"]["affected_versions"] = ["0.4.1", "0.4.99"]
    document["locations"] = [
        {"file": "sqlparse/filters/others.py", "symbol": "StripCommentsFilter.strip_all"},
        {"file": "sqlparse/filters/others.py", "start_line": 150, "end_line": 170},
        {"file": "sqlparse/filters/comments.py"},
        {"file": "sqlparse/lexer.py", "symbol": "Lexer.get_tokens"},
        {"file": "sqlparse/keywords.py", "symbol": "SQL_REGEX"},
    ]
    report = _submit_and_ground(client, world, document)
    assert report["status"] == "ungrounded" and report["verdict"] == "ungrounded"
    missing = {
        (m["version"], m["location"], m["what"])
        for m in report["verdict_details"]["grounding"]["missing"]
    }
    assert missing == {
        ("0.4.1", "$.locations[0]", "symbol"),
        ("0.4.1", "$.locations[1]", "lines"),
        ("0.4.1", "$.locations[2]", "file"),
        ("0.4.99", "$.target.affected_versions", "version"),
    }


def test_the_bogus_corpus_report_with_an_invented_symbol_is_ungrounded(tmp_path: Path):
    document = json.loads((CORPUS / "bogus" / "nonexistent-symbol.json").read_text())
    report = ReportIn.model_validate(document)
    tree = fetch_pypi_source(tmp_path, "sqlparse", "0.4.1", local_index=SDISTS, index_url=None)
    result = ground(tree.root, "0.4.1", list(report.locations))
    assert [(m.location, m.what) for m in result.missing] == [
        (0, "lines"),
        (0, "symbol"),
        (1, "file"),
    ]


def test_the_fixed_code_is_told_apart_by_the_line_range(tmp_path: Path):
    """The same citations, read in two versions: only where they are is checked, not why."""
    old = fetch_pypi_source(tmp_path, "sqlparse", "0.4.1", local_index=SDISTS, index_url=None)
    new = fetch_pypi_source(tmp_path, "SQLParse", "0.4.2", local_index=SDISTS, index_url=None)
    for tree in (old, new):
        text = (tree.root / "sqlparse/filters/others.py").read_text()
        assert "StripCommentsFilter._process._get_insert_token" in python_symbols(text)
    assert "(\\r\\n|\\r|\\n)+" in (old.root / "sqlparse/filters/others.py").read_text()
    assert "(\\r\\n|\\r|\\n)+" not in (new.root / "sqlparse/filters/others.py").read_text()


def test_sources_are_cached_by_name_and_version(tmp_path: Path):
    first = fetch_pypi_source(tmp_path, "sqlparse", "0.4.1", local_index=SDISTS, index_url=None)
    # Neither folder nor index now: the cache alone answers.
    again = fetch_pypi_source(tmp_path, "sqlparse", "0.4.1", local_index=None, index_url=None)
    assert again == first and again.root.is_dir()
    with pytest.raises(VersionNotFound):
        fetch_pypi_source(tmp_path, "sqlparse", "0.4.3", local_index=SDISTS, index_url=None)
    assert not (tmp_path / "pypi" / "sqlparse" / "0.4.3").exists()


def test_symbols_found_by_ast():
    source = """
import typing
PATTERN = re.compile("a+")
limit: int = 3
class Outer:
    attr = 1
    def method(self):
        local = 2
        def helper():
            pass
    class Inner:
        async def deep(self): ...
if typing.TYPE_CHECKING:
    def typed(): ...
try:
    from fast import speedup
except ImportError:
    def speedup(): ...
"""
    assert python_symbols(source) == {
        "PATTERN",
        "limit",
        "Outer",
        "Outer.attr",
        "Outer.method",
        "Outer.method.helper",
        "Outer.Inner",
        "Outer.Inner.deep",
        "typed",
        "speedup",
    }


def _tar(path: Path, members: list[tarfile.TarInfo], data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _file(name: str, size: int = 1) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


@pytest.mark.parametrize("name", ["../evil.py", "pkg/../../evil.py", "/etc/evil.py"])
def test_unpacking_refuses_names_that_leave_the_folder(tmp_path: Path, name: str):
    archive = _tar(tmp_path / "a.tar.gz", [_file("pkg/ok.py"), _file(name)])
    with pytest.raises(UnsafeArchive):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.py").exists()


def test_unpacking_skips_links_and_caps_size_and_members(tmp_path: Path):
    link = tarfile.TarInfo("pkg/passwd")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    hard = tarfile.TarInfo("pkg/hard")
    hard.type = tarfile.LNKTYPE
    hard.linkname = "pkg/ok.py"
    archive = _tar(tmp_path / "a.tar.gz", [_file("pkg/ok.py"), link, hard])
    unpacked = unpack(archive, tmp_path / "out")
    assert unpacked.files == 1 and sorted(unpacked.skipped) == ["pkg/hard", "pkg/passwd"]
    assert not (tmp_path / "out/pkg/passwd").exists()
    many = _tar(tmp_path / "b.tar.gz", [_file(f"f{n}") for n in range(6)])
    with pytest.raises(UnsafeArchive, match="more than 5 members"):
        unpack(many, tmp_path / "out2", max_members=5)
    big = _tar(tmp_path / "c.tar.gz", [_file("big", 5000)], data=b"y" * 5000)
    with pytest.raises(UnsafeArchive, match="over the size limits"):
        unpack(big, tmp_path / "out3", max_total_bytes=4096)
    assert not (tmp_path / "out3").exists()


def test_unpacking_a_wheel_skips_a_stored_symlink(tmp_path: Path):
    path = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/__init__.py", "def f(): pass\n")
        link = zipfile.ZipInfo("pkg/link")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("../up.py", "x")
    with pytest.raises(UnsafeArchive, match="climbs out"):
        unpack(path, tmp_path / "out")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/__init__.py", "def f(): pass\n")
        archive.writestr(link, "/etc/passwd")
    unpacked = unpack(path, tmp_path / "out")
    assert unpacked.skipped == ["pkg/link"] and (tmp_path / "out/pkg/__init__.py").is_file()
