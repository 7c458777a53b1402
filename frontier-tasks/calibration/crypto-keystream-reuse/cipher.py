"""The device's stream cipher: SHA-256 in counter mode over a key and a nonce."""

import hashlib


def keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    counter = 0
    while sum(len(b) for b in blocks) < length:
        blocks.append(hashlib.sha256(key + nonce + counter.to_bytes(8, "big")).digest())
        counter += 1
    return b"".join(blocks)[:length]


def encrypt(key: bytes, nonce: bytes, message: bytes) -> bytes:
    return bytes(m ^ k for m, k in zip(message, keystream(key, nonce, len(message))))
