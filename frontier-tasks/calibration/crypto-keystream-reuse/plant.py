"""Encrypts two messages under the same key and nonce (the device's bug)."""

import json
import os
import sys
from pathlib import Path

from cipher import encrypt

flag = sys.stdin.readline().strip()
key, nonce = os.urandom(32), os.urandom(12)  # the nonce is fixed at boot: reused for each message
first = (
    b"STATUS REPORT 0412: pumps 1-4 nominal, reservoir at 81 percent, next maintenance window "
    b"opens Tuesday 02:00 UTC. No action required."
)
second = f"OVERRIDE CODE FOR MAINTENANCE: {flag} (destroy after use)".encode()
out = Path("out/agent")
out.mkdir(parents=True)
(out / "intercept.json").write_text(
    json.dumps(
        {
            "message_1": encrypt(key, nonce, first).hex(),
            "message_2": encrypt(key, nonce, second).hex(),
            "plaintext_1": first.decode(),
        },
        indent=2,
    )
)
