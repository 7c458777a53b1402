"""After a run of failed passwords from one address comes an accepted password from the same
address: the account and the minute. In that account's history, the commands of the next minutes
hold base64 that decodes to a flag."""

import base64
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

lines = Path("auth.log").read_text().splitlines()
failures = Counter(
    re.search(r"from (\S+) port", t).group(1) for t in lines if "Failed password" in t
)
attacker = failures.most_common(1)[0][0]
accepted = next(t for t in lines if "Accepted password" in t and f"from {attacker} " in t)
victim = re.search(r"Accepted password for (\S+)", accepted).group(1)
history = Path(f"histories/{victim}.history").read_text().splitlines()
year = datetime.fromtimestamp(int(history[0][1:]), timezone.utc).year
login = datetime.strptime(f"{year} {accepted[:15]}", "%Y %b %d %H:%M:%S").replace(
    tzinfo=timezone.utc
)
for stamp, command in zip(history[::2], history[1::2]):
    if not 0 <= int(stamp[1:]) - login.timestamp() < 600:  # the intruder's session
        continue
    for blob in re.findall(r"[A-Za-z0-9+/]{20,}={0,2}", command):
        found = re.search(rb"flag\{[0-9a-f]{32}\}", base64.b64decode(blob + "=" * (-len(blob) % 4)))
        if found:
            print(found.group(0).decode())
            raise SystemExit
