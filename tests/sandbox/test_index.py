"""The index client of the prepare step: pip's own configuration, both simple APIs, and the
difference between "no such release" and "the index cannot be reached"."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path

import pytest

from clearinghouse.sandbox import index

SDISTS = Path(__file__).resolve().parents[1] / "data" / "sdists"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def only_index(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """pip sees this one index and nothing else: no config files, no extra index, no find-links."""
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", url)


def html_index(root: Path, yanked: str | None = None, wrong_digest: bool = False) -> str:
    """A PEP 503 index in a folder, holding the real sqlparse sdists."""
    files = root / "files"
    files.mkdir(parents=True)
    links = []
    for sdist in sorted(SDISTS.glob("sqlparse-*.tar.gz")):
        shutil.copy(sdist, files / sdist.name)
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        digest = "0" * 64 if wrong_digest else digest
        mark = ' data-yanked=""' if sdist.name == yanked else ""
        links.append(f'<a href="../../files/{sdist.name}#sha256={digest}"{mark}>{sdist.name}</a>')
    project = root / "simple" / "sqlparse"
    project.mkdir(parents=True)
    (project / "index.html").write_text(f"<html><body>{''.join(links)}</body></html>")
    return (root / "simple").as_uri()


def test_pip_s_own_index_settings_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    only_index(monkeypatch, "https://mirror.example/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///srv/a file:///srv/b")
    monkeypatch.setenv("PIP_FIND_LINKS", "/srv/wheels")
    sources = index.configured_sources()
    assert sources.indexes == ("https://mirror.example/simple", "file:///srv/a", "file:///srv/b")
    assert sources.find_links == ("/srv/wheels",)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    assert index.configured_sources().indexes == ()
    monkeypatch.delenv("PIP_INDEX_URL")
    monkeypatch.delenv("PIP_NO_INDEX")
    assert index.configured_sources().indexes[0] == index.PYPI_SIMPLE


def test_a_folder_index_lists_the_release_and_checks_the_download(tmp_path: Path) -> None:
    sources = index.Sources((html_index(tmp_path / "idx"),))
    (found,) = index.release_files(sources, "sqlparse==0.4.1")
    assert (found.filename, found.kind) == ("sqlparse-0.4.1.tar.gz", "sdist")
    target = tmp_path / "got"
    target.mkdir()
    fetched = index.download(found, target)
    assert fetched.read_bytes() == (SDISTS / "sqlparse-0.4.1.tar.gz").read_bytes()
    with pytest.raises(index.NoSuchRelease, match=r"sqlparse==9\.9 does not exist") as missing:
        index.release_files(sources, "sqlparse==9.9")
    assert missing.value.pin == "sqlparse==9.9"
    with pytest.raises(index.NoSuchRelease, match="there is no project requests"):
        index.release_files(sources, "requests==2.31.0")


def test_a_yanked_file_is_not_offered_and_a_wrong_digest_is_refused(tmp_path: Path) -> None:
    yanked = index.Sources((html_index(tmp_path / "a", yanked="sqlparse-0.4.1.tar.gz"),))
    with pytest.raises(index.NoSuchRelease):
        index.release_files(yanked, "sqlparse==0.4.1")
    assert index.release_files(yanked, "sqlparse==0.4.2")
    forged = index.Sources((html_index(tmp_path / "b", wrong_digest=True),))
    (found,) = index.release_files(forged, "sqlparse==0.4.1")
    with pytest.raises(index.IndexUnreachable, match="SHA-256 differs"):
        index.download(found, tmp_path)
    assert not (tmp_path / found.filename).exists()


def test_a_json_index_page_is_read(tmp_path: Path) -> None:
    """PEP 691's JSON, as PyPI serves it, is parsed by the same code (here from a string)."""
    page = "https://files.example/simple/sqlparse/"
    document = {
        "meta": {"api-version": "1.1"},
        "name": "sqlparse",
        "files": [
            {"filename": "sqlparse-0.4.1-py3-none-any.whl", "url": "../../f/a.whl",
             "hashes": {"sha256": "ab" * 32}},
            {"filename": "sqlparse-0.4.1.tar.gz", "url": "https://f.example/b.tar.gz",
             "hashes": {}, "yanked": "broken"},
        ],
    }  # fmt: skip
    entries = index._entries(json.dumps(document).encode(), index.SIMPLE_JSON, page)
    assert entries[0]["url"] == "https://files.example/f/a.whl"
    assert entries[0]["sha256"] == "ab" * 32
    assert entries[1]["yanked"] is True


def test_an_unreachable_index_is_not_a_missing_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_index(monkeypatch, f"http://127.0.0.1:{closed_port()}/simple")
    sources = index.configured_sources()
    with pytest.raises(index.IndexUnreachable, match="cannot reach"):
        index.release_files(sources, "sqlparse==0.4.1")
    # One index that answers "no such version" does not outweigh one that cannot be asked.
    both = index.Sources((*sources.indexes, html_index(tmp_path / "idx")))
    with pytest.raises(index.IndexUnreachable):
        index.release_files(both, "sqlparse==9.9")
    assert index.release_files(both, "sqlparse==0.4.2")


def test_only_secure_index_urls_are_fetched() -> None:
    with pytest.raises(index.IndexUnreachable, match="refusing"):
        index.release_files(index.Sources(("http://mirror.example/simple",)), "x==1")


def test_a_remote_page_cannot_point_at_local_files(tmp_path: Path) -> None:
    import http.server
    import threading

    local = tmp_path / "secret-1.0.tar.gz"
    local.write_bytes(b"not for the sandbox")
    page = f'<a href="{local.as_uri()}">secret-1.0.tar.gz</a>'.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/simple"
        with pytest.raises(index.NoSuchRelease):
            index.release_files(index.Sources((url,)), "secret==1.0")
    finally:
        server.shutdown()
