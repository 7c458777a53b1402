"""The index client of the prepare step: pip's own configuration, both simple APIs, and the
difference between "no such release" and "the index cannot be reached"."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.server
import ipaddress
import json
import shutil
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


Answer = tuple[int, dict[str, str], bytes]  # status, headers, body


@contextlib.contextmanager
def serving(
    answers: dict[str, Answer], tls: ssl.SSLContext | None = None
) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A real HTTP(S) server on loopback, in a thread: its base URL, and the (path, Accept)
    of each request it got. Paths not in `answers` get 404."""
    seen: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Accept", "")))
            status, headers, body = answers.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def redirect(location: str) -> Answer:
    return 302, {"Location": location}, b""


def loopback_tls(folder: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1, which this
    process's default client context then trusts (through SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


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
    assert fetched.path.read_bytes() == (SDISTS / "sqlparse-0.4.1.tar.gz").read_bytes()
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
    """PEP 691's JSON, as PyPI serves it to a client that asks for it, read over HTTP."""
    archive = (SDISTS / "sqlparse-0.4.1.tar.gz").read_bytes()
    document = {
        "meta": {"api-version": "1.1"},
        "name": "sqlparse",
        "files": [
            {"filename": "sqlparse-0.4.1.tar.gz", "url": "../../f/sqlparse-0.4.1.tar.gz",
             "hashes": {"sha256": hashlib.sha256(archive).hexdigest()}},
            {"filename": "sqlparse-0.4.1-py3-none-any.whl", "url": "https://f.example/a.whl",
             "hashes": {}, "yanked": "broken"},
        ],
    }  # fmt: skip
    answers = {
        "/simple/sqlparse/": (
            200,
            {"Content-Type": index.SIMPLE_JSON},
            json.dumps(document).encode(),
        ),
        "/f/sqlparse-0.4.1.tar.gz": (200, {"Content-Type": "application/gzip"}, archive),
    }
    with serving(answers) as (base, seen):
        (found,) = index.release_files(index.Sources((f"{base}/simple",)), "sqlparse==0.4.1")
        assert found.url == f"{base}/f/sqlparse-0.4.1.tar.gz"
        assert found.sha256 == hashlib.sha256(archive).hexdigest()
        fetched = index.download(found, tmp_path)
    assert fetched.path.read_bytes() == archive
    assert fetched.sha256 == hashlib.sha256(archive).hexdigest()
    assert seen[0] == ("/simple/sqlparse/", index.ACCEPT)


def test_a_page_larger_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index, "MAX_PAGE_BYTES", 1000)
    page = b"<a href='x'>x</a>" + b" " * 1000
    with (
        serving({"/simple/x/": (200, {"Content-Type": "text/html"}, page)}) as (base, _),
        pytest.raises(index.IndexUnreachable, match="larger than 1000 bytes"),
    ):
        index.release_files(index.Sources((f"{base}/simple",)), "x==1")


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
    local = tmp_path / "secret-1.0.tar.gz"
    local.write_bytes(b"not for the sandbox")
    page = f'<a href="{local.as_uri()}">secret-1.0.tar.gz</a>'.encode()
    with (
        serving({"/simple/secret/": (200, {"Content-Type": "text/html"}, page)}) as (base, _),
        pytest.raises(index.NoSuchRelease),
    ):
        index.release_files(index.Sources((f"{base}/simple",)), "secret==1.0")


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://127.0.0.1/simple/x/", "http://mirror.example/simple/x/"],
)
def test_a_redirect_may_not_leave_the_allowed_schemes(target: str) -> None:
    with (
        serving({"/simple/x/": redirect(target)}) as (base, _),
        pytest.raises(index.IndexUnreachable, match="refusing a redirect"),
    ):
        index.release_files(index.Sources((f"{base}/simple",)), "x==1")


def test_a_redirect_from_https_may_not_go_down_to_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not even to loopback, where plain http is otherwise allowed: a remote index must not
    reach this machine's own services."""
    page = b'<a href="x-1.tar.gz#sha256=00">x-1.tar.gz</a>'
    tls = loopback_tls(tmp_path, monkeypatch)
    with serving({"/simple/x/": (200, {"Content-Type": "text/html"}, page)}) as (plain, seen):
        answers = {
            "/simple/x/": redirect(f"{plain}/simple/x/"),
            "/moved/x/": redirect("/simple/x/"),  # https to https: followed
        }
        with serving(answers, tls=tls) as (secure, _):
            with pytest.raises(index.IndexUnreachable, match="refusing a redirect from 'https"):
                index.release_files(index.Sources((f"{secure}/simple",)), "x==1")
            assert seen == []  # the plain server was never asked
            with pytest.raises(index.IndexUnreachable, match="refusing a redirect"):
                index.release_files(index.Sources((f"{secure}/moved",)), "x==1")
        # From loopback http to loopback http is as safe as the first request.
        with serving({"/simple/x/": redirect(f"{plain}/simple/x/")}) as (other, _):
            (found,) = index.release_files(index.Sources((f"{other}/simple",)), "x==1")
    assert found.url == f"{plain}/simple/x/x-1.tar.gz"
