"""The Ed25519 key that signs audit checkpoints.

By default it is generated on first use and kept in the data dir (PKCS8 PEM, mode 0600); an
operator may point CLEARINGHOUSE_AUDIT_KEY_FILE at a key of their own. Auditors keep the public
key somewhere else and verify with it (`clearinghouse audit verify --public-key FILE`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clearinghouse.config import ConfigError, Settings

KEY_SETTING = "CLEARINGHOUSE_AUDIT_KEY_FILE"


def load_or_create_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key file, else the data dir's key, created on first use."""
    path = settings.audit_key_path
    if settings.audit_key_file is not None:
        if not path.is_file():
            raise ConfigError(f"{KEY_SETTING}: {path} does not exist")
        return _read_private_key(path)
    if not path.exists():
        _create_key_file(path)
    return _read_private_key(path)


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # As with the secret key: write a complete private file (mkstemp makes it 0600), then link
    # it into place, so processes starting at once all end up with the one key that won.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit_signing_key.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        Path(temporary).unlink()


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"the audit signing key {path} cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"the audit signing key {path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (as printed by `clearinghouse audit public-key`)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def _public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half as SubjectPublicKeyInfo PEM text."""
    return (
        _public(key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short fingerprint: the first 16 hex digits of SHA-256 over the raw public key."""
    raw = _public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]
