"""Asking the package index pip is configured with what a release holds (trusted side).

Used by the prepare step to tell a pin that does not exist (the submitter's mistake) from an
index that cannot be reached (ours, worth retrying), and to fetch a release's sdist file itself:
`pip download` would prepare an sdist's metadata by running its build backend on this machine.

The indexes are pip's own: `--index-url` and `--extra-index-url` as `pip config list` shows them
(environment variables first, then the `download` section, then `global`). Both simple APIs are
read: PEP 691 JSON when the index offers it, PEP 503 HTML otherwise (and for `file://` indexes).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from ipaddress import ip_address
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from clearinghouse.sandbox.interface import SandboxError

PYPI_SIMPLE = "https://pypi.org/simple"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{SIMPLE_JSON}, text/html;q=0.1"
MAX_PAGE_BYTES = 64 * 2**20
MAX_FILE_BYTES = 100 * 2**20
TIMEOUT_SECONDS = 60.0


class IndexUnreachable(SandboxError):
    """No index could answer (network down, index error): infrastructure, worth retrying."""


class NoSuchRelease(SandboxError):
    """The index answered, and it has no such project or no such version of it."""

    def __init__(self, pin: str, message: str) -> None:
        super().__init__(message)
        self.pin = pin


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    url: str
    sha256: str | None
    kind: str  # "sdist" or "wheel"
    index: str


@dataclass(frozen=True)
class Sources:
    """Where pip looks for packages: indexes (project pages below them), then find-links pages
    or folders (files listed directly)."""

    indexes: tuple[str, ...]
    find_links: tuple[str, ...] = ()

    def describe(self) -> str:
        return ", ".join((*self.indexes, *self.find_links)) or "no index"


def configured_sources(python: str = sys.executable) -> Sources:
    """pip's index URL, extra index URLs and find-links, as `pip config list` shows them."""
    # Asking pip costs half a second; its answer changes with its environment variables (or
    # when someone edits pip.conf, which a restart picks up).
    pip_variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PIP_")))
    return _sources(python, pip_variables)


@functools.lru_cache(maxsize=16)
def _sources(python: str, pip_variables: tuple[tuple[str, str], ...]) -> Sources:
    listed = subprocess.run(  # noqa: S603 (fixed argv)
        [python, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    settings: dict[tuple[str, str], str] = {}
    for line in listed.stdout.splitlines():
        key, _, raw = line.partition("=")
        section, _, name = key.rpartition(".")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, str):
            settings[(section, name)] = value

    def setting(name: str) -> str:
        for section in (":env:", "download", "global"):
            if (section, name) in settings:
                return settings[(section, name)]
        return ""

    find_links = tuple(dict.fromkeys(setting("find-links").split()))
    if setting("no-index").lower() in ("1", "true", "yes", "on"):
        return Sources((), find_links)
    primary = setting("index-url") or PYPI_SIMPLE
    extras = setting("extra-index-url").split()
    return Sources(tuple(dict.fromkeys([primary, *extras])), find_links)


def _is_loopback_http(parts: urllib.parse.SplitResult) -> bool:
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False


def _check_scheme(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("https", "file") or _is_loopback_http(parts):
        return  # pip, too, treats loopback as a secure origin
    raise IndexUnreachable(f"refusing to fetch {url!r}: only https, file and loopback http")


def _check_redirect(origin: str, target: str) -> None:
    """A redirect may go to https, or from loopback http to loopback http: never down from
    https (a remote index could otherwise reach this machine's own services), never to file:
    or any other scheme."""
    if urllib.parse.urlsplit(target).scheme == "https":
        return
    if _is_loopback_http(urllib.parse.urlsplit(origin)) and _is_loopback_http(
        urllib.parse.urlsplit(target)
    ):
        return
    raise IndexUnreachable(f"refusing a redirect from {origin!r} to {target!r}")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def http_error_302(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any
    ) -> Any:
        location = headers.get("location") or headers.get("uri")
        if location:
            try:
                _check_redirect(req.full_url, urllib.parse.urljoin(req.full_url, location))
            except IndexUnreachable:
                fp.close()
                raise
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


_OPENER = urllib.request.build_opener(_CheckedRedirects)


def _read(url: str, accept: str, limit: int) -> tuple[bytes, str, str]:
    """The body, its content type and its URL after redirects (what relative links are
    relative to). NoSuchRelease is for the caller: here a missing page or file raises
    FileNotFoundError, anything else IndexUnreachable."""
    final = url
    _check_scheme(url)
    if url.startswith("file:"):
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            raise FileNotFoundError(url)
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
        content_type = "text/html"
    else:
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url, headers={"User-Agent": "clearinghouse-prepare", "Accept": accept}
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                data = response.read(limit + 1)
                content_type = response.headers.get_content_type()
                final = response.geturl()
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise FileNotFoundError(url) from None
            raise IndexUnreachable(f"{url}: the index answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IndexUnreachable(f"cannot reach {url}: {reason}") from None
    if len(data) > limit:
        raise IndexUnreachable(f"{url}: larger than {limit} bytes")
    return data, content_type, final


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


def release_kind(filename: str) -> tuple[str, str, str] | None:
    """(kind, canonical name, canonical version) of a release file name, or None."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return "wheel", name, canonicalize_version(version)
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return "sdist", name, canonicalize_version(version)
    except (InvalidSdistFilename, InvalidWheelFilename):
        return None
    return None


def _entries(data: bytes, content_type: str, page: str) -> list[dict[str, Any]]:
    """Each file of a project page as {filename, url, sha256, yanked}."""
    if content_type == SIMPLE_JSON:
        try:
            document = json.loads(data)
        except json.JSONDecodeError as exc:
            raise IndexUnreachable(f"{page}: unreadable JSON: {exc}") from None
        return [
            {
                "filename": f["filename"],
                "url": urllib.parse.urljoin(page, str(f.get("url", ""))),
                "sha256": (f.get("hashes") or {}).get("sha256"),
                "yanked": bool(f.get("yanked")),
            }
            for f in document.get("files", [])
            if isinstance(f, dict) and isinstance(f.get("filename"), str)
        ]
    parser = _Anchors()
    parser.feed(data.decode("utf-8", errors="replace"))
    found = []
    for link in parser.links:
        href = link.get("href")
        if not href:
            continue
        url, _, fragment = urllib.parse.urljoin(page, href).partition("#")
        algorithm, _, digest = fragment.partition("=")
        found.append(
            {
                "filename": urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1]),
                "url": url,
                "sha256": digest if algorithm == "sha256" else None,
                "yanked": "data-yanked" in link,
            }
        )
    return found


def _listing(location: str) -> tuple[bytes, str, str]:
    """A find-links entry's listing: a local folder as links to its files, or a page."""
    if "://" not in location:
        folder = Path(location)
        if not folder.is_dir():
            raise FileNotFoundError(location)
        links = "".join(f'<a href="{p.name}">{p.name}</a>' for p in sorted(folder.iterdir()))
        return links.encode(), "text/html", folder.resolve().as_uri() + "/"
    return _read(location, "text/html", MAX_PAGE_BYTES)


def release_files(sources: Sources, pin: str) -> list[ReleaseFile]:
    """The files of `name==version` pip could use from these sources (yanked ones left out).

    NoSuchRelease when every source answered and none has that version; IndexUnreachable when
    some source could not be asked and none that answered has it.
    """
    requirement, _, version = pin.partition("==")
    name = canonicalize_name(requirement.split("[", 1)[0])
    wanted = canonicalize_version(version)
    files: list[ReleaseFile] = []
    unreachable: list[str] = []
    has_project = False
    pages = [(f"{i.rstrip('/')}/{name}/", i, True) for i in sources.indexes]
    pages += [(link, link, False) for link in sources.find_links]
    for location, source, is_project_page in pages:
        try:
            if is_project_page:
                data, content_type, page = _read(location, ACCEPT, MAX_PAGE_BYTES)
            else:
                data, content_type, page = _listing(location)
        except FileNotFoundError:
            continue
        except IndexUnreachable as exc:
            unreachable.append(str(exc))
            continue
        for entry in _entries(data, content_type, page):
            kind = release_kind(entry["filename"])
            if kind is None or kind[1] != name:
                continue
            if entry["url"].startswith("file:") and not page.startswith("file:"):
                continue  # a remote page may not point at this machine's files
            has_project = True
            if kind[2] == wanted and not entry["yanked"]:
                files.append(
                    ReleaseFile(entry["filename"], entry["url"], entry["sha256"], kind[0], source)
                )
        has_project = has_project or is_project_page
    if files:
        return files
    if unreachable:
        raise IndexUnreachable("; ".join(unreachable))
    where = sources.describe()
    if not sources.indexes:
        # Folders of the operator's choosing prove nothing about what exists elsewhere.
        raise IndexUnreachable(f"{pin} is not on {where}, and pip is set to use no index")
    if not has_project:
        raise NoSuchRelease(pin, f"{pin} does not exist: there is no project {name} on {where}")
    raise NoSuchRelease(pin, f"{pin} does not exist: {name} has no release {version} on {where}")


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str  # of the bytes written: the index's digest when it gives one


def download(file: ReleaseFile, destination: Path) -> Downloaded:
    """Fetch one release file into `destination`, checked against the index's SHA-256."""
    local = file.url.startswith("file:")
    if not file.sha256 and not local:  # a local folder of the operator's needs no digest
        raise IndexUnreachable(f"{file.filename}: the index gives no SHA-256 to check it against")
    try:
        data, _, _ = _read(file.url, "*/*", MAX_FILE_BYTES)
    except FileNotFoundError:
        raise IndexUnreachable(f"{file.filename}: listed by the index, but not there") from None
    digest = hashlib.sha256(data).hexdigest()
    if file.sha256 and digest != file.sha256.lower():
        raise IndexUnreachable(f"{file.filename}: SHA-256 differs from the index's")
    target = destination / Path(file.filename).name
    target.write_bytes(data)
    return Downloaded(target, digest)
