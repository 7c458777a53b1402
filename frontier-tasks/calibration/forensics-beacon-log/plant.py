"""A day of combined-format access log with a beacon hidden in it: the flag, base32-encoded,
split into chunks carried in a tracking pixel's query, sent out of order among decoys."""

import base64
import random
import secrets
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

flag = sys.stdin.readline().strip()
rng = random.Random(secrets.randbits(64))
start = datetime(2026, 3, 14, tzinfo=timezone.utc)
pages = ["/", "/about", "/news", "/contact", "/static/site.css", "/static/logo.png", "/search"]
agents = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Safari/605.1.15",
    "curl/8.5.0",
]


def visitor() -> str:
    return (
        f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def line(when: datetime, ip: str, path: str, agent: str, size: int) -> tuple[datetime, str]:
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return when, f'{ip} - - [{stamp}] "GET {path} HTTP/1.1" 200 {size} "-" "{agent}"'


entries = []
for _ in range(4000):
    when = start + timedelta(seconds=rng.randint(0, 86399))
    entries.append(
        line(when, visitor(), rng.choice(pages), rng.choice(agents), rng.randint(200, 90000))
    )
# Decoys: marketing pixels with random campaign ids from many visitors.
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
for _ in range(300):
    when = start + timedelta(seconds=rng.randint(0, 86399))
    campaign = "".join(rng.choice(alphabet) for _ in range(8))
    entries.append(line(when, visitor(), f"/static/pixel.gif?c={campaign}", rng.choice(agents), 43))
# The beacon: one workstation, chunks of the encoded flag with a sequence number, shuffled.
encoded = base64.b32encode(flag.encode()).decode().rstrip("=")
chunks = [encoded[i : i + 8] for i in range(0, len(encoded), 8)]
beacon_ip = visitor()
order = list(range(len(chunks)))
rng.shuffle(order)
for number in order:
    when = start + timedelta(seconds=rng.randint(0, 86399))
    path = f"/static/pixel.gif?c={chunks[number]}&s={number:02d}"
    entries.append(line(when, beacon_ip, path, agents[0], 43))
entries.sort()
out = Path("out/agent")
out.mkdir(parents=True)
(out / "access.log").write_text("\n".join(text for _, text in entries) + "\n")
