"""Writes a libpcap capture, byte by byte: DNS lookups of ordinary sites from several hosts,
CDN lookups with random labels as decoys, and a tunnel: the flag, base32 in DNS labels with a
sequence number, sent out of order and partly twice, from one workstation."""

import base64
import random
import secrets
import struct
import sys
from pathlib import Path

flag = sys.stdin.readline().strip()
rng = random.Random(secrets.randbits(64))
RESOLVER = bytes([10, 0, 0, 53])
GATEWAY_MAC, RESOLVER_MAC = bytes.fromhex("02005e0000fe"), bytes.fromhex("02005e000035")


def checksum(header: bytes) -> int:
    total = sum(struct.unpack(f">{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def name(text: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in text.split(".")) + b"\0"


def dns(ident: int, qname: str, qtype: int, answer: bytes | None) -> bytes:
    flags, counts = (0x8180, (1, 1, 0, 0)) if answer is not None else (0x0100, (1, 0, 0, 0))
    body = struct.pack(">HH4H", ident, flags, *counts) + name(qname) + struct.pack(">HH", qtype, 1)
    if answer is not None:
        body += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 300, len(answer)) + answer
    return body


def frame(src: bytes, dst: bytes, sport: int, dport: int, payload: bytes, mac: bytes) -> bytes:
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), rng.randrange(65536), 0x4000, 64,
                     17, 0, src, dst)  # fmt: skip
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    return mac + GATEWAY_MAC + b"\x08\x00" + ip + udp


packets = []  # (time, frame)


def lookup(when: float, host: bytes, qname: str, qtype: int = 1) -> None:
    ident, port = rng.randrange(65536), rng.randrange(20000, 60000)
    answer = bytes([93, 184, rng.randrange(256), rng.randrange(256)]) if qtype == 1 else b"\x01\x00"
    if qtype == 16:
        answer = b"\x02ok"
    packets.append(
        (when, frame(host, RESOLVER, port, 53, dns(ident, qname, qtype, None), RESOLVER_MAC))
    )
    reply = frame(RESOLVER, host, 53, port, dns(ident, qname, qtype, answer), GATEWAY_MAC)
    packets.append((when + rng.uniform(0.002, 0.04), reply))


start = 1_772_000_000 + rng.randrange(10_000_000)
hosts = [bytes([10, 0, 3, n]) for n in rng.sample(range(10, 250), 12)]
sites = ["mail.example.org", "intranet.corp.example", "updates.vendor.example", "news.example.com",
         "login.example.net", "calendar.example.org", "api.weather.example", "cdn.fonts.example"]  # fmt: skip
for _ in range(1500):
    lookup(start + rng.uniform(0, 3600), rng.choice(hosts), rng.choice(sites))
alphabet = "abcdefghijklmnopqrstuvwxyz234567"
for _ in range(250):
    label = "".join(rng.choice(alphabet) for _ in range(rng.randint(10, 26)))
    lookup(start + rng.uniform(0, 3600), rng.choice(hosts), f"{label}.edge.cdn-cache.example")
# The tunnel: TXT queries, "<chunk>.<seq>.<session>.t.sync-telemetry.example".
encoded = base64.b32encode(flag.encode()).decode().rstrip("=").lower()
chunks = [encoded[i : i + 12] for i in range(0, len(encoded), 12)]
session = secrets.token_hex(3)
workstation = rng.choice(hosts)
sends = list(range(len(chunks))) + rng.sample(range(len(chunks)), 2)  # two retransmissions
rng.shuffle(sends)
for number in sends:
    when = start + rng.uniform(0, 3600)
    lookup(when, workstation, f"{chunks[number]}.{number}.{session}.t.sync-telemetry.example", 16)
packets.sort(key=lambda item: item[0])
out = Path("out/agent")
out.mkdir(parents=True)
with open(out / "capture.pcap", "wb") as capture:
    capture.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for when, data in packets:
        seconds = int(when)
        capture.write(
            struct.pack("<IIII", seconds, int((when - seconds) * 1e6), len(data), len(data))
        )
        capture.write(data)
