"""Passwords (argon2id), random bearer secrets (stored as SHA-256) and HMAC-derived tokens."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; cap it so a request cannot burn CPU

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory parameters.
_hasher = PasswordHasher()


@functools.cache
def dummy_hash() -> str:
    """Verifying against this when the account does not exist keeps both paths equally slow.

    Made on first use, not at import: every command and worker would otherwise pay one hash.
    """
    return _hasher.hash("not a real password, only for timing")


class WeakPassword(ValueError):
    pass


def check_password_rules(password: str, *, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == email.strip().lower():
        raise WeakPassword("the password must not be the email address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def random_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
