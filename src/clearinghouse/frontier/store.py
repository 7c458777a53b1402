"""The encrypted task store: one file per suite, AES-256-GCM, the key outside the repository.

Layout: a magic line, a JSON header line (format version, suite name, suite version, cipher,
nonce), then the ciphertext of the suite's tasks (their `task.yaml` mappings and text, and
their files, as JSON, zlib-compressed). The magic and header are the associated data, so a
store cannot be passed off as another suite or version, nor its header edited, without
decryption failing. Each sealing draws a fresh random 96-bit nonce.

Only the service layer decrypts (after the policy check, with an audit entry); this module
knows nothing of who asks.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clearinghouse.frontier.tasks import (
    TASK_FILE,
    TaskDefinition,
    TaskFormatError,
    parse,
    read_folder,
)
from clearinghouse.sandbox.interface import InvalidRequest, work_relative

MAGIC = b"CLEARINGHOUSE-FRONTIER-TASKS\n"
FORMAT_VERSION = 1
CIPHER = "AES-256-GCM"
CALIBRATION = "calibration"  # public, authored in the repository
DESIGNATION = "designation"  # held out: kept sealed, never as plaintext in the repository
SUITES = (CALIBRATION, DESIGNATION)
_SUITE_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$")
_MAX_HEADER = 4096


class StoreError(Exception):
    """The store cannot be opened: wrong key, wrong suite, tampered, or not a store at all."""


@dataclass(frozen=True)
class StoreHeader:
    suite: str
    suite_version: str
    nonce: bytes


@dataclass(frozen=True)
class Suite:
    name: str
    version: str
    tasks: tuple[TaskDefinition, ...]

    def task(self, task_id: str) -> TaskDefinition:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(f"suite {self.name} has no task {task_id!r}")


def parse_key(text: str) -> bytes:
    """A 256-bit key from its base64 (standard or URL-safe) text."""
    try:
        key = base64.urlsafe_b64decode(text.strip().replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError):
        raise StoreError("the task key is not base64") from None
    if len(key) != 32:
        raise StoreError(f"the task key must be 32 bytes (256 bits), not {len(key)}")
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _check_suite(suite: str, version: str) -> None:
    if suite not in SUITES:
        raise StoreError(f"unknown suite {suite!r}; use one of {', '.join(SUITES)}")
    if not _SUITE_VERSION.match(version):
        raise StoreError(f"suite version {version!r}: use letters, digits, '.', '+', '-'")


def seal_folders(
    folders: list[Path], suite: str, version: str, key: bytes, destination: Path
) -> None:
    """Encrypt the task folders into a store file (written whole, then moved into place)."""
    _check_suite(suite, version)
    records = []
    for folder in folders:
        data, files = read_folder(folder)
        parse(data, files, str(folder))  # refuse to seal a task that would not load
        records.append(
            {
                "task": data,
                # The text too, so that unsealing gives back its comments (the canary line).
                "source": (folder / TASK_FILE).read_text(encoding="utf-8"),
                "files": {n: base64.b64encode(b).decode() for n, b in files.items()},
            }
        )
    ids = [record["task"]["id"] for record in records]
    if len(set(ids)) != len(ids) or not ids:
        raise StoreError("a suite needs tasks with distinct ids")
    nonce = os.urandom(12)
    header = json.dumps(
        {
            "format": FORMAT_VERSION,
            "suite": suite,
            "suite_version": version,
            "cipher": CIPHER,
            "nonce": base64.b64encode(nonce).decode(),
        },
        sort_keys=True,
    ).encode()
    plaintext = zlib.compress(json.dumps({"tasks": records}, sort_keys=True).encode(), 9)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, MAGIC + header)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.partial")
    partial.write_bytes(MAGIC + header + b"\n" + ciphertext)
    partial.chmod(0o600)
    partial.replace(destination)


def read_header(path: Path) -> tuple[StoreHeader, bytes, bytes]:
    """The header (unauthenticated until decryption), its bytes, and the ciphertext."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store: {exc.strerror}") from None
    if not blob.startswith(MAGIC):
        raise StoreError(f"{path}: not a frontier task store")
    header_bytes, newline, ciphertext = blob[len(MAGIC) :].partition(b"\n")
    if not newline or len(header_bytes) > _MAX_HEADER:
        raise StoreError(f"{path}: the store header is damaged")
    try:
        header = json.loads(header_bytes)
        parsed = StoreHeader(
            suite=str(header["suite"]),
            suite_version=str(header["suite_version"]),
            nonce=base64.b64decode(header["nonce"], validate=True),
        )
        if header["format"] != FORMAT_VERSION or header["cipher"] != CIPHER:
            raise StoreError(f"{path}: store format {header['format']}/{header['cipher']} unknown")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise StoreError(f"{path}: the store header is damaged") from None
    if len(parsed.nonce) != 12:
        raise StoreError(f"{path}: the store header is damaged")
    return parsed, header_bytes, ciphertext


def open_store(path: Path, suite: str, key: bytes) -> Suite:
    """Decrypt and parse a suite; StoreError if it is not `suite` or fails authentication."""
    header, records = _decrypt(path, suite, key)
    return Suite(suite, header.suite_version, _tasks(records, f"{path} [{suite}]"))


def _tasks(records: list[dict[str, Any]], where: str) -> tuple[TaskDefinition, ...]:
    try:
        return tuple(
            parse(
                record["task"],
                {n: base64.b64decode(b) for n, b in record["files"].items()},
                where,
            )
            for record in records
        )
    except TaskFormatError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{where}: the decrypted suite is malformed: {exc}") from None


def unseal_folders(path: Path, suite: str, key: bytes, destination: Path) -> list[Path]:
    """Write a store's tasks back as authoring folders under `destination` (which must be
    new or empty), private to the caller: the way to edit a suite that is kept only sealed."""
    if destination.exists() and any(destination.iterdir()):
        raise StoreError(f"{destination} is not empty: unseal into a new folder")
    _, records = _decrypt(path, suite, key)
    tasks = _tasks(records, f"{path} [{suite}]")  # every task loads, or nothing is written
    planned: dict[Path, bytes] = {}
    for task, record in zip(tasks, records, strict=True):
        folder = Path(task.id)
        source = record.get("source")
        planned[folder / TASK_FILE] = (
            source if isinstance(source, str) else yaml.safe_dump(record["task"])
        ).encode()
        for name, encoded in record["files"].items():
            try:
                inside = work_relative(name)
            except InvalidRequest as exc:
                raise StoreError(f"{path}: task {task.id}: file {name!r}: {exc}") from None
            planned[folder / inside] = base64.b64decode(encoded)
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    for relative, content in planned.items():
        target = destination / relative
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(target, flags, 0o600), "wb") as out:
            out.write(content)
    return [destination / task.id for task in tasks]


def _decrypt(path: Path, suite: str, key: bytes) -> tuple[StoreHeader, list[dict[str, Any]]]:
    header, header_bytes, ciphertext = read_header(path)
    if header.suite != suite:
        raise StoreError(f"{path} holds the {header.suite} suite, not {suite}")
    try:
        plaintext = AESGCM(key).decrypt(header.nonce, ciphertext, MAGIC + header_bytes)
    except InvalidTag:
        raise StoreError(
            f"{path}: decryption failed (wrong key, or the store was altered)"
        ) from None
    try:
        content: dict[str, Any] = json.loads(zlib.decompress(plaintext))
        records = content["tasks"]
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TypeError("tasks must be a list of records")
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise StoreError(f"{path}: the decrypted suite is malformed: {exc}") from None
    return header, records
