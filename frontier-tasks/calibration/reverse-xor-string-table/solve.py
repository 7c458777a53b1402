"""Known plaintext: the console prints its banner, which is the start of the encoded text blob.
Slide the banner over the binary; where XOR gives a key repeating with period 8, that is the
blob and the key. Decode from there to the end of the blob."""

import re
import subprocess
from pathlib import Path

binary = Path("panel").read_bytes()
banner = subprocess.run(["./panel"], input=b"", capture_output=True, check=True).stdout.split(
    b"\n"
)[0]
for start in range(len(binary) - len(banner)):
    stream = bytes(a ^ b for a, b in zip(binary[start : start + len(banner)], banner))
    # The blob starts at offset 0, so stream[i] == key[i % 8].
    if all(stream[i] == stream[i % 8] for i in range(len(stream))):
        key = stream[:8]
        decoded = bytes(b ^ key[i % 8] for i, b in enumerate(binary[start : start + 1024]))
        found = re.search(rb"flag\{[0-9a-f]{32}\}", decoded)
        if found:
            print(found.group(0).decode())
            break
