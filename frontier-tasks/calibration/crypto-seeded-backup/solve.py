"""The key comes from random.Random(int(time)): try every second of the hour the log names and
keep the key whose decryption starts with the file magic."""

import re
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, ".")  # the tool sits beside the files
from backup import MAGIC, keystream, new_key  # noqa: E402

blob = Path("secrets.bak").read_bytes()
day = re.match(r"(\d{4}-\d{2}-\d{2}) 02:00", Path("backup.log").read_text()).group(1)
opened = datetime.strptime(day + " 02:00", "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
start = int(opened.timestamp())
for second in range(start, start + 3600):
    key = new_key(second)
    if bytes(a ^ b for a, b in zip(blob[:8], keystream(key, 8))) == MAGIC:
        body = bytes(a ^ b for a, b in zip(blob, keystream(key, len(blob))))
        print(re.search(rb"flag\{[0-9a-f]{32}\}", body).group(0).decode())
        break
