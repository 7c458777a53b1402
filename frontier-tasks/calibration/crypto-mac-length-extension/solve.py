"""SHA-256(secret || data) is open to length extension: from the digest of the signed link,
continue hashing past its padding to sign data + padding + "&file=flag.txt" (the last field
wins) without the secret. The secret's length is unknown: try 16 to 32."""

import re
import struct
import urllib.error
import urllib.request
from urllib.parse import quote_from_bytes, unquote_to_bytes

BASE = "http://127.0.0.1:9102"
K = [
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
]  # fmt: skip
MASK = 0xFFFFFFFF


def rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & MASK


def compress(state: list[int], block: bytes) -> list[int]:
    w = list(struct.unpack(">16I", block))
    for i in range(16, 64):
        s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w.append((w[i - 16] + s0 + w[i - 7] + s1) & MASK)
    a, b, c, d, e, f, g, h = state
    for i in range(64):
        t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]
        t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))
        a, b, c, d, e, f, g, h = (t1 + t2) & MASK, a, b, c, (d + t1) & MASK, e, f, g
    return [(x + y) & MASK for x, y in zip(state, [a, b, c, d, e, f, g, h])]


def padding(length: int) -> bytes:
    return b"\x80" + b"\0" * ((55 - length) % 64) + struct.pack(">Q", length * 8)


def extend(digest: str, known_length: int, suffix: bytes) -> str:
    state = list(struct.unpack(">8I", bytes.fromhex(digest)))
    total = known_length + len(padding(known_length)) + len(suffix)
    tail = suffix + padding(total)
    for start in range(0, len(tail), 64):
        state = compress(state, tail[start : start + 64])
    return struct.pack(">8I", *state).hex()


with urllib.request.urlopen(f"{BASE}/share", timeout=10) as response:
    link = response.read().decode()
query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
data, mac = unquote_to_bytes(query["data"]), query["mac"]
suffix = b"&file=flag.txt"
for secret_length in range(16, 33):
    forged = data + padding(secret_length + len(data)) + suffix
    signature = extend(mac, secret_length + len(data), suffix)
    url = f"{BASE}/download?data={quote_from_bytes(forged, safe='')}&mac={signature}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print(re.search(r"flag\{[0-9a-f]{32}\}", response.read().decode()).group(0))
            break
    except urllib.error.HTTPError:
        continue
