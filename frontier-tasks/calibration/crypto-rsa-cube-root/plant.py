"""Textbook RSA with e = 3 and no padding: the message cubed is smaller than the modulus."""

import json
import secrets
import sys
from pathlib import Path

E = 3


def probably_prime(n: int, rounds: int = 40) -> bool:
    if n < 2:
        return False
    for small in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % small == 0:
            return n == small
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if candidate % E != 1 and probably_prime(candidate):
            return candidate


flag = sys.stdin.readline().strip()
p, q = prime(768), prime(768)
n = p * q
m = int.from_bytes(flag.encode(), "big")
out = Path("out/agent")
out.mkdir(parents=True)
(out / "message.json").write_text(json.dumps({"n": n, "e": E, "c": pow(m, E, n)}, indent=2))
