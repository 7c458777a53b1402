"""Passwords (argon2id), random bearer secrets (stored as SHA-256) and HMAC-derived tokens."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; cap it so a request cannot burn CPU

FAST_HASHING_VARIABLE = "CLEARINGHOUSE_INSECURE_FAST_PASSWORD_HASHING"


def hasher_for(environment: Mapping[str, str]) -> PasswordHasher:
    """argon2-cffi's defaults: argon2id with RFC 9106's low-memory parameters (64 MiB, 3 passes).

    The test suite creates thousands of accounts at about 0.2 s of CPU each; it sets
    FAST_HASHING_VARIABLE=1 for argon2-cffi's CHEAPEST profile (still argon2id). Hashes made so
    are upgraded at the next login by an instance with the defaults (`password_needs_rehash`).
    """
    if environment.get(FAST_HASHING_VARIABLE) == "1":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


_hasher = hasher_for(os.environ)
TEST_ONLY_HASHING = os.environ.get(FAST_HASHING_VARIABLE) == "1"  # the web app warns at start


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
