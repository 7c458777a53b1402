"""Encrypts a file for off-site backup: a fresh random key each run, SHA-256 in counter mode."""

import hashlib
import random
import sys
import time

MAGIC = b"CLINICBK"


def keystream(key: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(key + counter.to_bytes(8, "big")).digest()
        counter += 1
    return out[:length]


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    body = MAGIC + plaintext
    return bytes(a ^ b for a, b in zip(body, keystream(key, len(body))))


def new_key(now: float) -> bytes:
    generator = random.Random(int(now))  # a new generator per run, seeded from the clock
    return bytes(generator.getrandbits(8) for _ in range(32))


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    with open(source, "rb") as handle:
        data = handle.read()
    with open(target, "wb") as handle:
        handle.write(encrypt(new_key(time.time()), data))
