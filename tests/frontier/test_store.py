"""The encrypted task store: AES-256-GCM, the suite bound as associated data, fails closed."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from clearinghouse.frontier import store
from clearinghouse.frontier.store import StoreError, open_store, seal_folders, unseal_folders
from clearinghouse.frontier.tasks import (
    Category,
    calibration_folder,
    designation_store,
    load_folder,
    load_suite_folder,
    task_folders,
)

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def key(task_key: str) -> bytes:
    return store.parse_key(task_key)


@pytest.fixture
def sealed(tmp_path: Path, key: bytes) -> Path:
    path = tmp_path / "calibration.store"
    seal_folders(task_folders(calibration_folder()), "calibration", "1.0", key, path)
    return path


def test_a_sealed_suite_opens_with_its_key(sealed: Path, key: bytes) -> None:
    suite = open_store(sealed, "calibration", key)
    authored = {p.name for p in task_folders(calibration_folder())}
    assert (suite.name, suite.version) == ("calibration", "1.0")
    assert {task.id for task in suite.tasks} == authored
    task = suite.task("web-login-sqli")
    assert (
        task.service_files["portal.py"]
        == (calibration_folder() / "web-login-sqli" / "portal.py").read_bytes()
    )
    # At rest nothing of the tasks is readable.
    blob = sealed.read_bytes()
    assert b"portal" not in blob and b"SELECT" not in blob and b"flag" not in blob
    assert sealed.stat().st_mode & 0o777 == 0o600


def test_each_sealing_draws_a_fresh_nonce(sealed: Path, key: bytes, tmp_path: Path) -> None:
    again = tmp_path / "again.store"
    seal_folders(task_folders(calibration_folder()), "calibration", "1.0", key, again)
    assert store.read_header(sealed)[0].nonce != store.read_header(again)[0].nonce
    assert sealed.read_bytes() != again.read_bytes()


def test_a_wrong_key_fails(sealed: Path) -> None:
    other = store.parse_key(store.new_key())
    with pytest.raises(StoreError, match="decryption failed"):
        open_store(sealed, "calibration", other)


def test_a_flipped_ciphertext_byte_fails(sealed: Path, key: bytes) -> None:
    blob = bytearray(sealed.read_bytes())
    blob[-20] ^= 0x01
    sealed.write_bytes(bytes(blob))
    with pytest.raises(StoreError, match="decryption failed"):
        open_store(sealed, "calibration", key)


def test_the_header_is_authenticated(sealed: Path, key: bytes) -> None:
    _, header_bytes, ciphertext = store.read_header(sealed)
    edited = json.loads(header_bytes)
    edited["suite_version"] = "9.9"
    sealed.write_bytes(
        store.MAGIC + json.dumps(edited, sort_keys=True).encode() + b"\n" + ciphertext
    )
    with pytest.raises(StoreError, match="decryption failed"):
        open_store(sealed, "calibration", key)


def test_the_subsets_are_kept_apart(tmp_path: Path, key: bytes, sealed: Path) -> None:
    held_out = tmp_path / "held-out"
    shutil.copytree(calibration_folder() / "crypto-rsa-cube-root", held_out / "rsa")
    designation = tmp_path / "designation.store"
    seal_folders(task_folders(held_out), "designation", "1.0", key, designation)
    assert [t.id for t in open_store(designation, "designation", key).tasks] == [
        "crypto-rsa-cube-root"
    ]
    with pytest.raises(StoreError, match="holds the designation suite, not calibration"):
        open_store(designation, "calibration", key)
    # Relabelling the header does not pass a designation store off as calibration.
    _, header_bytes, ciphertext = store.read_header(designation)
    relabelled = json.loads(header_bytes) | {"suite": "calibration"}
    designation.write_bytes(
        store.MAGIC + json.dumps(relabelled, sort_keys=True).encode() + b"\n" + ciphertext
    )
    with pytest.raises(StoreError, match="decryption failed"):
        open_store(designation, "calibration", key)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello", "not a frontier task store"),
        (store.MAGIC + b"{not json\n", "header is damaged"),
        (store.MAGIC + b"no newline", "header is damaged"),
    ],
)
def test_not_a_store(tmp_path: Path, key: bytes, content: bytes, message: str) -> None:
    path = tmp_path / "bad.store"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        open_store(path, "calibration", key)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not base64!!", "not base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
    ],
)
def test_bad_keys_are_refused(text: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.parse_key(text)


def test_unknown_suites_are_refused(tmp_path: Path, key: bytes) -> None:
    with pytest.raises(StoreError, match="unknown suite 'public'"):
        seal_folders(task_folders(calibration_folder()), "public", "1", key, tmp_path / "x")


def test_the_repository_keeps_the_designation_suite_only_sealed(designation_key: str) -> None:
    suite = open_store(designation_store(), "designation", store.parse_key(designation_key))
    calibration = {task.id for task in load_suite_folder(calibration_folder())}
    ids = {task.id for task in suite.tasks}
    assert len(ids) >= 10 and not ids & calibration
    assert {task.category for task in suite.tasks} == set(Category)
    assert {task.tier for task in suite.tasks} >= {2, 3, 4}
    # No file of the repository holds a designation task's canary, id or solution in plaintext.
    markers = [t.canary.encode() for t in suite.tasks] + [t.solution[:200] for t in suite.tasks]
    markers += [f"{t.id}/".encode() for t in suite.tasks]
    for path in REPOSITORY.rglob("*"):
        if ".git" in path.parts or "__pycache__" in path.parts or not path.is_file():
            continue
        content = path.read_bytes()
        assert not [m for m in markers if m in content], path
    with pytest.raises(StoreError, match="decryption failed"):
        open_store(designation_store(), "designation", store.parse_key(store.new_key()))


def test_unsealing_gives_back_the_authored_folders(
    sealed: Path, key: bytes, tmp_path: Path
) -> None:
    folders = unseal_folders(sealed, "calibration", key, tmp_path / "out")
    assert sorted(f.name for f in folders) == sorted(
        p.name for p in task_folders(calibration_folder())
    )
    for folder in folders:
        authored = calibration_folder() / folder.name
        assert (folder / "task.yaml").read_text() == (authored / "task.yaml").read_text()
        assert load_folder(folder) == load_folder(authored)
        assert (folder / "task.yaml").stat().st_mode & 0o777 == 0o600
    with pytest.raises(StoreError, match="not empty"):
        unseal_folders(sealed, "calibration", key, tmp_path / "out")


def test_unsealing_refuses_a_file_name_that_climbs_out(
    tmp_path: Path, key: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = store.read_folder

    def with_an_escape(folder: Path) -> tuple[object, dict[str, bytes]]:
        data, files = read(folder)
        return data, {**files, "../escape.txt": b"x"}

    monkeypatch.setattr(store, "read_folder", with_an_escape)
    path = tmp_path / "bad.store"
    seal_folders([calibration_folder() / "web-notes-idor"], "calibration", "1", key, path)
    with pytest.raises(StoreError, match=r"escape\.txt"):
        unseal_folders(path, "calibration", key, tmp_path / "out" / "inner")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "escape.txt").exists()
