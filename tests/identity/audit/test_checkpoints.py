"""Checkpoints: the signing key, signing the head, and the periodic job."""

from __future__ import annotations

import base64
import stat
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import db
from clearinghouse.config import ConfigError, Settings
from clearinghouse.identity.audit import chain, service
from clearinghouse.identity.audit.signing import (
    key_id,
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
)
from clearinghouse.runtime import Runtime
from clearinghouse.system import service as system_service
from clearinghouse.system.models import JobStatus
from tests.identity.audit.conftest import fill, report


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, _env_file=None, **extra)  # type: ignore[call-arg]


def test_the_signing_key_is_created_once_private_and_in_pkcs8(tmp_path: Path):
    settings = _settings(tmp_path)
    key = load_or_create_signing_key(settings)
    path = tmp_path / "audit_signing_key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = load_or_create_signing_key(settings)
    assert key_id(again) == key_id(key)
    assert len(key_id(key)) == 16 and int(key_id(key), 16) >= 0
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


def test_concurrent_first_starts_agree_on_one_signing_key(tmp_path: Path):
    settings = _settings(tmp_path)
    ids: list[str] = []
    threads = [
        threading.Thread(target=lambda: ids.append(key_id(load_or_create_signing_key(settings))))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8 and len(set(ids)) == 1


def test_a_configured_key_file_is_used_and_shown_as_a_path(tmp_path: Path):
    own = Ed25519PrivateKey.generate()
    path = tmp_path / "own.pem"
    pem = own.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    settings = _settings(tmp_path / "data", audit_key_file=path)
    assert key_id(load_or_create_signing_key(settings)) == key_id(own)
    assert not (tmp_path / "data" / "audit_signing_key.pem").exists()
    shown = settings.masked()["audit_key_file"]
    assert shown == str(path) and "PRIVATE" not in shown
    assert "(stored in the data dir)" in _settings(tmp_path).masked()["audit_key_file"]


def test_a_missing_or_wrong_key_file_is_a_config_error(tmp_path: Path):
    missing = _settings(tmp_path, audit_key_file=tmp_path / "nope.pem")
    with pytest.raises(ConfigError, match=r"CLEARINGHOUSE_AUDIT_KEY_FILE: .* does not exist"):
        load_or_create_signing_key(missing)
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_or_create_signing_key(_settings(tmp_path, audit_key_file=tmp_path / "junk.pem"))


def test_the_public_key_round_trips_through_pem(tmp_path: Path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "audit.pub"
    path.write_text(public_key_pem(key))
    assert key_id(load_public_key(path)) == key_id(key)
    bad = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    (tmp_path / "bad.pub").write_text(bad)
    with pytest.raises(ValueError, match="not a PEM public key"):
        load_public_key(tmp_path / "bad.pub")


def test_a_checkpoint_signs_the_head_once(runtime: Runtime, key: Ed25519PrivateKey):
    with db.transaction(runtime.sessions) as session:
        assert service.write_checkpoint(session, key) is None  # an empty log
    entries = fill(runtime, 3)
    with db.transaction(runtime.sessions) as session:
        signed = service.write_checkpoint(session, key)
    assert signed is not None
    assert signed.seq == 3 and signed.entry_hash == entries[-1].entry_hash
    assert signed.key_id == key_id(key)
    message = chain.checkpoint_message(signed.seq, signed.entry_hash, signed.signed_at)
    key.public_key().verify(base64.b64decode(signed.signature), message)
    with db.transaction(runtime.sessions) as session:
        assert service.write_checkpoint(session, key) is None  # nothing new: idempotent
    fill(runtime, 2, start=4)
    with db.transaction(runtime.sessions) as session:
        later = service.write_checkpoint(session, key)
    assert later is not None and later.seq == 5
    result = report(runtime, key)
    assert result.ok and result.checkpoints_checked == 2 and result.signatures_checked
    assert result.key_id == key_id(key)
    assert not report(runtime, None).signatures_checked


def test_the_checkpoint_job_signs_new_entries(runtime: Runtime):
    fill(runtime, 4)
    consumer = runtime.queue.start_embedded_consumer(workers=1)
    try:
        run_id = runtime.queue.enqueue("audit.checkpoint")
        deadline = time.monotonic() + 30
        while True:
            with runtime.sessions() as session:
                run = system_service.get_job_run(session, run_id)
            if run and run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            assert time.monotonic() < deadline, f"the job did not finish: {run}"
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert run.status is JobStatus.SUCCEEDED, run.error
    with runtime.sessions() as session:
        latest = service.latest_checkpoint(session)
    assert latest is not None and latest.seq == 4
    stored_key = load_or_create_signing_key(runtime.settings)
    assert latest.key_id == key_id(stored_key)
    assert report(runtime, stored_key).ok
