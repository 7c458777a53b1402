"""Parse the pcap (Ethernet, IPv4, UDP, DNS) by hand; the tunnel's queries are TXT with a
numeric second label under one domain. Deduplicate by sequence number, join, base32-decode."""

import base64
import re
import struct
from pathlib import Path

data = Path("capture.pcap").read_bytes()
offset, chunks = 24, {}
while offset < len(data):
    _, _, length, _ = struct.unpack_from("<IIII", data, offset)
    packet = data[offset + 16 : offset + 16 + length]
    offset += 16 + length
    if packet[12:14] != b"\x08\x00" or packet[23] != 17:
        continue
    ip_length = (packet[14] & 0x0F) * 4
    udp = packet[14 + ip_length :]
    if struct.unpack(">H", udp[2:4])[0] != 53:
        continue
    message = udp[8:]
    flags = struct.unpack(">H", message[2:4])[0]
    if flags & 0x8000:  # answers repeat the question
        continue
    labels, position = [], 12
    while message[position]:
        labels.append(message[position + 1 : position + 1 + message[position]].decode())
        position += 1 + message[position]
    qtype = struct.unpack(">H", message[position + 1 : position + 3])[0]
    if qtype == 16 and len(labels) > 2 and labels[1].isdigit():
        chunks[int(labels[1])] = labels[0]
encoded = "".join(chunks[i] for i in sorted(chunks)).upper()
decoded = base64.b32decode(encoded + "=" * (-len(encoded) % 8)).decode()
print(re.search(r"flag\{[0-9a-f]{32}\}", decoded).group(0))
